"""The certificate definition a client sends to ``/admin/certificates`` (generate, register, edit): its
name, clearance and permissions, and the requested ``NotAfter``, checked with the server's messages. The
server refuses a bad definition with 500 (an ArgumentException from inside the handler), not 400.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ravensec.core import wiredates
from ravensec.core.models import DatabaseAccess, SecurityClearance
from ravensec.mock.node.errors import argument_error


def validate_definition(
    d: Any, *, need_permissions: bool = True
) -> tuple[str, SecurityClearance, dict[str, DatabaseAccess]]:
    if not isinstance(d, dict):
        raise argument_error("Name is a required field in the certificate definition")
    name = d.get("Name")
    if not isinstance(name, str) or not name.strip():
        raise argument_error("Name is a required field in the certificate definition")
    perms_raw = d.get("Permissions")
    if perms_raw is None and need_permissions:
        raise argument_error("Permissions is a required field in the certificate definition")
    if perms_raw is not None and not isinstance(perms_raw, dict):
        # [mock choice] wording: the server fails while deserialising; what matters is 500, not a mock crash.
        raise argument_error(
            "Error in permissions in the certificate definition, expected an object of database -> access"
        )
    perms: dict[str, DatabaseAccess] = {}
    for db, acc in (perms_raw or {}).items():
        if not str(db).strip():
            raise argument_error("Error in permissions in the certificate definition, database name is empty")
        try:
            perms[str(db)] = (
                DatabaseAccess(str(acc)) if str(acc) in {a.value for a in DatabaseAccess} else _access(acc)
            )
        except ValueError:
            raise argument_error(
                f"Error in permissions in the certificate definition, invalid access {acc} for database {db}"
            ) from None
    return name, clearance_of(d), perms


def clearance_of(d: Any) -> SecurityClearance:
    """The definition's ``SecurityClearance`` (read before the rest is validated: the generate rule needs it)."""
    if not isinstance(d, dict):
        raise argument_error("Name is a required field in the certificate definition")
    raw_cl = d.get("SecurityClearance") or "ClusterAdmin"  # the server's default clearance is Cluster Admin
    try:
        return next(c for c in SecurityClearance if c.value.lower() == str(raw_cl).lower())
    except StopIteration:
        raise argument_error(f"Unknown security clearance '{raw_cl}'") from None


def _access(v: Any) -> DatabaseAccess:
    for a in DatabaseAccess:
        if a.value.lower() == str(v).lower():
            return a
    raise ValueError(v)


def not_after_of(raw: Any, now: datetime) -> datetime:
    """The requested ``NotAfter``, else midnight (UTC) five years from today; one not after today is refused
    (``AdminCertificatesHandler.GenerateCertificateInternal`` and ``ValidateCertificateDefinition``)."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if not raw:
        try:
            return today.replace(year=today.year + 5)
        except ValueError:  # 29 February: DateTime.AddYears gives the 28th
            return today.replace(year=today.year + 5, day=28)
    try:
        value = wiredates.parse(str(raw))
    except ValueError:
        raise argument_error(f"Unable to parse NotAfter '{raw}'") from None
    if value <= today:
        raise argument_error("The certificate expiration date must be in the future.")
    return value
