"""How close a certificate is to its end of validity: the one definition of the expiry states and of the
days left, for every front end (the TUI's highlighting, the CLI, doctor). Needs no ``cryptography``."""

from __future__ import annotations

import calendar
import math
from datetime import UTC, datetime, timedelta
from enum import StrEnum

__all__ = ["EXPIRING_SOON_DAYS", "EXPIRING_URGENT_DAYS", "ExpiryState", "add_months", "days_left", "expiry_state"]

EXPIRING_SOON_DAYS = 60  # the cloud e-mails 60 days before expiry
EXPIRING_URGENT_DAYS = 30  # ... and regenerates the initial certificate 30 days before


class ExpiryState(StrEnum):
    VALID = "valid"
    EXPIRING_60 = "expiring within 60 days"
    EXPIRING_30 = "expiring within 30 days"
    EXPIRED = "expired"
    NOT_YET_VALID = "not yet valid"


def add_months(start: datetime, months: int) -> datetime:
    """``start`` moved by calendar months (a validity of "24 months" ends on the same day two years on); a
    day the target month lacks becomes its last: Jan 31 + 1 month = Feb 28 (29)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return start.replace(year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1]))


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def days_left(not_after: datetime, now: datetime | None = None) -> int:
    """Whole days until ``not_after``, rounded down: 30 from exactly 30 days left until 31 days are left;
    0 on the last day; negative once expired (-1 on the day after)."""
    seconds = (_utc(not_after) - _utc(now or datetime.now(UTC))).total_seconds()
    return math.floor(seconds / 86400)


def expiry_state(
    not_before: datetime | None, not_after: datetime, now: datetime | None = None
) -> ExpiryState:
    """Where a certificate stands at ``now`` (default: the current time; naive datetimes are UTC).

    With ``left = not_after - now``, the edges (each state includes its edge):

    - ``NOT_YET_VALID``: ``now < not_before`` (checked first);
    - ``EXPIRED``: ``left <= 0``, i.e. from the instant ``not_after`` itself;
    - ``EXPIRING_30``: ``0 < left <= 30 days`` (exactly 30 x 24 h left is "within 30 days");
    - ``EXPIRING_60``: ``30 days < left <= 60 days``;
    - ``VALID``: ``left > 60 days``.

    So with 29 days and some hours left (``days_left`` 29) the state is ``EXPIRING_30``; with 30 days and
    some hours left (``days_left`` 30) it is still ``EXPIRING_60``, and ``EXPIRING_30`` at exactly 30 days.
    """
    current = _utc(now or datetime.now(UTC))
    if not_before is not None and current < _utc(not_before):
        return ExpiryState.NOT_YET_VALID
    left = _utc(not_after) - current
    if left <= timedelta(0):
        return ExpiryState.EXPIRED
    if left <= timedelta(days=EXPIRING_URGENT_DAYS):
        return ExpiryState.EXPIRING_30
    if left <= timedelta(days=EXPIRING_SOON_DAYS):
        return ExpiryState.EXPIRING_60
    return ExpiryState.VALID
