"""The one definition of the expiry states and days left, at its edges (``ravensec.core.certs.expiry``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ravensec.core import certs
from ravensec.core.certs import expiry, identity
from ravensec.core.certs.expiry import ExpiryState, days_left, expiry_state

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
STARTED = NOW - timedelta(days=300)


@pytest.mark.parametrize(
    ("left", "state", "days"),
    [
        (timedelta(days=61), ExpiryState.VALID, 61),
        (timedelta(days=60, seconds=1), ExpiryState.VALID, 60),
        (timedelta(days=60), ExpiryState.EXPIRING_60, 60),
        (timedelta(days=31), ExpiryState.EXPIRING_60, 31),
        (timedelta(days=30, hours=1), ExpiryState.EXPIRING_60, 30),
        (timedelta(days=30), ExpiryState.EXPIRING_30, 30),
        (timedelta(days=29, hours=23), ExpiryState.EXPIRING_30, 29),
        (timedelta(days=29), ExpiryState.EXPIRING_30, 29),
        (timedelta(seconds=1), ExpiryState.EXPIRING_30, 0),
        (timedelta(0), ExpiryState.EXPIRED, 0),
        (timedelta(seconds=-1), ExpiryState.EXPIRED, -1),
        (timedelta(days=-31), ExpiryState.EXPIRED, -31),
    ],
    ids=lambda v: str(v),
)
def test_state_and_days_left_at_the_edges(left: timedelta, state: ExpiryState, days: int) -> None:
    assert expiry_state(STARTED, NOW + left, NOW) is state
    assert days_left(NOW + left, NOW) == days


def test_not_yet_valid_comes_first() -> None:
    assert expiry_state(NOW + timedelta(seconds=1), NOW + timedelta(days=400), NOW) is ExpiryState.NOT_YET_VALID
    assert expiry_state(NOW + timedelta(days=1), NOW - timedelta(days=1), NOW) is ExpiryState.NOT_YET_VALID
    assert expiry_state(NOW, NOW + timedelta(days=400), NOW) is ExpiryState.VALID  # valid from not_before on


def test_the_edges_are_the_cloud_s_and_one_definition_is_exported() -> None:
    assert (expiry.EXPIRING_URGENT_DAYS, expiry.EXPIRING_SOON_DAYS) == (30, 60)
    for name in ("ExpiryState", "days_left", "expiry_state"):
        assert getattr(certs, name) is getattr(expiry, name) is getattr(identity, name)
