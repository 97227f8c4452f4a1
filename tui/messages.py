"""Small messages the screens post to the app."""

from __future__ import annotations

from textual.message import Message

from ravensec.core.models import Product


class ProductChosen(Message):
    """The cursor moved to a product (the header shows its client certificate)."""

    def __init__(self, product: Product) -> None:
        super().__init__()
        self.product = product


class DataChanged(Message):
    """Something was written on ``product_id``; the app forgets what it cached and screens reload."""

    def __init__(self, product_id: str | None) -> None:
        super().__init__()
        self.product_id = product_id
