"""The real clock, in UTC: one definition for core, the mock and the UI. Anything that takes another ``now``
(a fixed world, a test) defaults to this one."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
