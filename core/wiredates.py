"""RavenDB's .NET date format on the wire: ``2031-01-01T00:00:00.0000000`` (UTC, 7 fractional digits)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_WIRE = re.compile(
    r"^(?P<base>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d{1,9}))?(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)


def parse(value: str) -> datetime:
    """Parse a wire date (any 0-9 fractional digits, optional ``Z``/offset) into an aware UTC datetime."""
    if not isinstance(value, str):
        raise ValueError(f"expected a date string, got {type(value).__name__}")
    m = _WIRE.match(value.strip())
    if not m:
        raise ValueError(f"not a RavenDB date: {value!r} (expected e.g. 2031-01-01T00:00:00.0000000)")
    frac = (m.group("frac") or "0")[:6].ljust(6, "0")
    tz = m.group("tz")
    text = f"{m.group('base')}.{frac}"
    if tz and tz != "Z":
        text += tz if ":" in tz else f"{tz[:3]}:{tz[3:]}"
        parsed = datetime.fromisoformat(text)
        return parsed.astimezone(UTC)
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def format(value: datetime) -> str:
    """Format a datetime as RavenDB does; naive datetimes are taken as UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond:06d}0"
