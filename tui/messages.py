"""Small messages the screens post to the app."""

from __future__ import annotations

from textual.message import Message

from core.models import CertificateDefinition, Product


class ProductChosen(Message):
    """The cursor moved to a product (the header shows its client certificate)."""

    def __init__(self, product: Product) -> None:
        super().__init__()
        self.product = product


class CallerKnown(Message):
    """whoami answered for a product: the certificate in use and its clearance."""

    def __init__(self, product_id: str, caller: CertificateDefinition | None) -> None:
        super().__init__()
        self.product_id = product_id
        self.caller = caller


class DataChanged(Message):
    """Something was written; screens showing ``product_id`` reload."""

    def __init__(self, product_id: str | None) -> None:
        super().__init__()
        self.product_id = product_id
