"""What a plan reads and checks before it says anything: the databases and the caller (either may be
unreadable, which a plan says rather than refuses), the server's rules on clearance and databases, the
registration being changed, the read-only rule, a non-empty name, and files that must not exist yet."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..certs.access import check_access
from ..errors import NotFound, RavensecError, ReadOnlyError, UsageError, ValidationError
from ..models import CertificateDefinition
from ..plan import Access, Effect, Severity

if TYPE_CHECKING:  # a plan reads through a workspace; screens import plans before any workspace exists
    from ..workspace import Workspace


async def databases(ws: Workspace, product_id: str) -> list[str] | None:
    try:
        return await ws.databases(product_id)
    except RavensecError:
        return None  # validation says it could not check, rather than refusing


async def caller(ws: Workspace, product_id: str) -> CertificateDefinition | None:
    try:
        return await ws.whoami(product_id)
    except RavensecError:
        return None


async def validated(ws: Workspace, product_id: str, access: Access, *, known: Iterable[str] = ()) -> list[Effect]:
    """The server's rules on clearance and databases; ``known`` databases (already granted) pass as they are."""
    dbs = await databases(ws, product_id) if access.permissions else []
    if dbs is not None:
        dbs = [*dbs, *known]
    return [Effect(Severity.WARNING, w) for w in check_access(access.clearance, access.permissions, dbs)]


def require_writable(ws: Workspace, what: str) -> None:
    if ws.read_only:
        raise ReadOnlyError(what)


def check_name(name: str) -> None:
    if not name.strip():
        raise ValidationError("The certificate's name is empty.", hint="Give it a name you will recognise.")


def claimable(paths: Iterable[Path]) -> None:
    existing = [str(p) for p in paths if p.exists() or p.is_symlink()]
    if existing:
        verb = "exists" if len(existing) == 1 else "exist"
        raise UsageError(f"{', '.join(existing)} already {verb}; key material is never overwritten.",
                         hint="Choose another name or directory.")


async def existing(ws: Workspace, product_id: str, thumbprint: str) -> CertificateDefinition:
    cert = await ws.certificate(product_id, thumbprint)
    if cert is None:
        # ?thumbprint= reads the registered certificates only (AdminCertificatesHandler.GetCertificates): the
        # server's own certificate is in the full list alone, and must be named (and refused) as what it is.
        tp = thumbprint.upper()
        cert = next((c for c in await ws.list_certificates(product_id) if c.thumbprint == tp), None)
    if cert is None:
        raise NotFound(f"No certificate with thumbprint {thumbprint} on product {product_id}.")
    return cert
