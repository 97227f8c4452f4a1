"""The server's rules for what a certificate may be given, checked once here for the TUI and the CLI.

RavenDB grants databases only to User certificates: a User with none can do nothing, and an Operator or
Cluster Admin already reaches every database, so permissions beside them mean nothing (and mislead whoever
reads the list later). A granted database must exist; when the list of databases cannot be read the check
becomes a warning rather than a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import ValidationError
from ..models import DatabaseAccess, SecurityClearance

GRANTABLE = (SecurityClearance.CLUSTER_ADMIN, SecurityClearance.OPERATOR, SecurityClearance.VALID_USER)


def check_access(
    clearance: SecurityClearance,
    permissions: Mapping[str, DatabaseAccess],
    databases: Sequence[str] | None,
) -> list[str]:
    """Raise ValidationError when the server's rules refuse this; else the warnings worth showing.

    ``databases`` is the product's database names, or None when they could not be read.
    """
    if clearance not in GRANTABLE:
        raise ValidationError(
            f"A certificate cannot be given clearance {clearance.label}.",
            hint="Choose Cluster Admin, Operator or User.",
        )
    if clearance is SecurityClearance.VALID_USER and not permissions:
        raise ValidationError(
            "A User certificate needs at least one database, or it can do nothing.",
            hint="Grant a database (e.g. Orders=Read), or choose Operator.",
        )
    if clearance is not SecurityClearance.VALID_USER and permissions:
        raise ValidationError(
            f"An {clearance.label} certificate reaches every database; per-database permissions "
            f"({', '.join(sorted(permissions))}) apply to User certificates only.",
            hint="Remove the permissions, or choose User.",
        )
    if not permissions:
        return []
    if databases is None:
        return [f"The product's databases could not be read, so {', '.join(sorted(permissions))} "
                "could not be checked."]
    known = {d.casefold() for d in databases}
    unknown = sorted(db for db in permissions if db.casefold() not in known)
    if unknown:
        listed = ", ".join(sorted(databases)) or "none"
        raise ValidationError(
            f"No database {', '.join(unknown)} on this product (it has: {listed}).",
            hint="Check the spelling, or create the database first.",
        )
    return []
