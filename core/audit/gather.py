"""Read what the posture review needs, for one product or all, and review it.

What cannot be read (a User certificate may not list certificates, a direct profile has no allow-list API, a
product has no nodes yet) is not an error: the review goes on without it and says what it left out, in
``ProductPosture.not_reviewed``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from ..errors import RavensecError
from ..models import CertificateDefinition, IpRule, Product
from .model import Credits, ProductPosture
from .rules import PostureData, review

__all__ = ["AuditSource", "CreditsReader", "audit"]

T = TypeVar("T")

# A burstable product's CPU credits by product id; None for a product that has none (not burstable). The
# review takes this as an input rather than reading it itself, so any source of credits can be wired in.
CreditsReader = Callable[[str], Awaitable[Credits | None]]


class AuditSource(Protocol):
    """What the review reads: a :class:`~ravensec.core.workspace.Workspace` is one."""

    @property
    def now(self) -> Callable[[], datetime]: ...

    async def list_products(self) -> list[Product]: ...

    async def get_ip_rules(self, product_id: str) -> list[IpRule]: ...

    async def list_certificates(self, product_id: str) -> list[CertificateDefinition]: ...

    async def whoami(self, product_id: str) -> CertificateDefinition | None: ...


async def _try(what: str, call: Awaitable[T], missing: list[str]) -> T | None:
    try:
        return await call
    except RavensecError as e:
        missing.append(f"{what}: {e}")
        return None


async def _none() -> None:
    return None


async def _review_product(
    source: AuditSource, product: Product, credits: CreditsReader | None
) -> ProductPosture:
    missing: list[str] = []
    if product.nodes:
        certs_call: Awaitable[list[CertificateDefinition] | None] = _try(
            "certificates not reviewed", source.list_certificates(product.id), missing)
        # Who this profile is only spares its own certificate a finding: its failure is no gap in the review.
        me_call: Awaitable[CertificateDefinition | None] = _try("", source.whoami(product.id), [])
    else:
        missing.append(f"certificates not reviewed: the product has no nodes yet (status {product.status.value})")
        certs_call, me_call = _none(), _none()
    rules, certs, me, reading = await asyncio.gather(
        _try("IP allow-list not reviewed", source.get_ip_rules(product.id), missing),
        certs_call,
        me_call,
        _try("CPU credits not reviewed", credits(product.id), missing) if credits else _none(),
    )
    data = PostureData(product, source.now(), rules, certs, me.thumbprint if me else None, reading)
    return ProductPosture(product, tuple(review(data)), tuple(sorted(missing)))


async def audit(
    source: AuditSource, products: Sequence[Product] | None = None, *, credits: CreditsReader | None = None
) -> list[ProductPosture]:
    """The posture of ``products`` (default: every product of the profile), in the order given.

    Listing the products may raise (the API key is refused...); anything a single product cannot answer is
    recorded in its ``not_reviewed`` instead.
    """
    chosen = list(products) if products is not None else await source.list_products()
    return list(await asyncio.gather(*(_review_product(source, p, credits) for p in chosen)))
