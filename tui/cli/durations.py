"""Parsing the small inputs of the CLI: durations (``60d``), clearances, ``DB=ACCESS`` grants."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from ravensec.core.certs.access import check_access as core_check_access
from ravensec.core.certs.expiry import add_months
from ravensec.core.errors import UsageError, ValidationError
from ravensec.core.models import DatabaseAccess, SecurityClearance

_DURATION = re.compile(r"^\s*(\d+)\s*([dwmy]?)\s*$", re.IGNORECASE)
_UNIT_DAYS = {"": 1, "d": 1, "w": 7}
_UNIT_MONTHS = {"m": 1, "y": 12}

CLEARANCE = {
    "cluster-admin": SecurityClearance.CLUSTER_ADMIN,
    "operator": SecurityClearance.OPERATOR,
    "user": SecurityClearance.VALID_USER,
}
ACCESS = {"read": DatabaseAccess.READ, "read-write": DatabaseAccess.READ_WRITE, "readwrite": DatabaseAccess.READ_WRITE,
          "rw": DatabaseAccess.READ_WRITE, "admin": DatabaseAccess.ADMIN}


def valid_until(text: str, option: str = "--valid-for", now: datetime | None = None) -> datetime:
    """The instant ``text`` after ``now``: ``60d``, ``8w``, ``6m`` (calendar months), ``2y`` (calendar years)
    or a bare number of days. Months are calendar months, so 24m from 2026-01-15 ends on 2028-01-15."""
    m = _DURATION.match(text or "")
    if not m:
        raise UsageError(f"{option} {text!r} is not a duration.",
                         hint="Use a number of days, weeks, months or years such as 60d, 8w, 6m or 1y.")
    start = now or datetime.now(UTC)
    count, unit = int(m.group(1)), m.group(2).lower()
    if unit in _UNIT_MONTHS:
        try:
            return add_months(start, count * _UNIT_MONTHS[unit])
        except (ValueError, OverflowError):
            raise UsageError(f"{option} {text!r} is too long.") from None
    try:
        return start + timedelta(days=count * _UNIT_DAYS[unit])
    except OverflowError:
        raise UsageError(f"{option} {text!r} is too long.") from None


def parse_days(text: str, option: str = "--within", now: datetime | None = None) -> int:
    """Whole days from ``now`` until ``valid_until(text)`` (so ``1m`` is 28 to 31 days, by the calendar)."""
    start = now or datetime.now(UTC)
    return (valid_until(text, option, start) - start).days


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
