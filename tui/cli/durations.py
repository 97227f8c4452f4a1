"""Parsing the small inputs of the CLI: durations (``60d``), clearances, ``DB=ACCESS`` grants."""

from __future__ import annotations

import re

from ravensec.core.certs.access import check_access as core_check_access
from ravensec.core.errors import UsageError, ValidationError
from ravensec.core.models import DatabaseAccess, SecurityClearance

_DURATION = re.compile(r"^\s*(\d+)\s*([dwmy]?)\s*$", re.IGNORECASE)
_UNIT_DAYS = {"": 1, "d": 1, "w": 7, "m": 30, "y": 365}

CLEARANCE = {
    "cluster-admin": SecurityClearance.CLUSTER_ADMIN,
    "operator": SecurityClearance.OPERATOR,
    "user": SecurityClearance.VALID_USER,
}
ACCESS = {"read": DatabaseAccess.READ, "read-write": DatabaseAccess.READ_WRITE, "readwrite": DatabaseAccess.READ_WRITE,
          "rw": DatabaseAccess.READ_WRITE, "admin": DatabaseAccess.ADMIN}


def parse_days(text: str, option: str = "--within") -> int:
    """``60d``, ``8w``, ``6m`` (30-day months), ``1y`` or a bare number of days."""
    m = _DURATION.match(text or "")
    if not m:
        raise UsageError(f"{option} {text!r} is not a duration.", hint="Use a number of days such as 60d, 8w or 1y.")
    return int(m.group(1)) * _UNIT_DAYS[m.group(2).lower()]


def parse_grants(items: list[str]) -> dict[str, DatabaseAccess]:
    """``["orders=read", "crm=admin"]`` -> permissions; a database named twice is an error."""
    out: dict[str, DatabaseAccess] = {}
    for item in items:
        db, sep, level = item.partition("=")
        db, level = db.strip(), level.strip().lower()
        if not sep or not db:
            raise UsageError(f"--db {item!r} is not DB=ACCESS.", hint="For example --db orders=read-write.")
        if level not in ACCESS:
            raise UsageError(f"--db {item!r}: unknown access {level!r}.", hint="Use read, read-write or admin.")
        if db in out:
            raise UsageError(f"--db names database {db!r} twice.")
        out[db] = ACCESS[level]
    return out


def check_access(clearance: SecurityClearance, grants: dict[str, DatabaseAccess]) -> None:
    """Core's rule (ravensec.core.certs.access) before connecting, with the CLI's options in the hint; whether
    the databases exist is checked in the plan, against the product."""
    try:
        core_check_access(clearance, grants, None)
    except ValidationError as e:
        hint = ("Add --db orders=read (repeatable), or choose --clearance operator."
                if clearance == SecurityClearance.VALID_USER else "Drop the --db options, or choose --clearance user.")
        raise ValidationError(e.message, hint=hint) from None
