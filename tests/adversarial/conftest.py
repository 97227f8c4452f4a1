"""Shared pieces of the adversarial suite: the hypothesis profiles ("fast" by default, "slow" with
HYPOTHESIS_PROFILE=slow), skipping of slow tests unless asked for, and a fingerprint of the mock's whole
state so a test can prove a refused request changed nothing (fingerprint.py).

The mock fixtures themselves (a one-product world with every kind of identity) are the ones of
tests/mockserver/conftest.py, re-exported here rather than duplicated.
"""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, settings

from tests.mockserver.conftest import cloud, cloud_module, pem_dir  # noqa: F401  (fixtures reused)

# "fast" keeps the whole property suite to a few hundred cases (make test); "slow" is the >= 10,000-case
# run of `make slow` / bench.reliability. Deadlines off: requests go over real TLS on a shared machine.
settings.register_profile(
    "fast", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "slow", max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


def _wants_slow(config: pytest.Config) -> bool:
    # `make slow` is `pytest -m slow`: that alone selects the slow profile too ("not slow" does not).
    markexpr = config.getoption("-m") or ""
    return os.environ.get("HYPOTHESIS_PROFILE") == "slow" or bool(re.search(r"(?<!not )\bslow\b", markexpr))


def pytest_configure(config: pytest.Config) -> None:
    if _wants_slow(config):
        settings.load_profile("slow")


@pytest.hookimpl(tryfirst=True)  # before pytest's own -m deselection sees the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    mine = [i for i in items if "tests/adversarial/" in str(i.path).replace("\\", "/")]
    if _wants_slow(config):
        # The property tests are the bulk of the slow run: under -m slow they are selected, with 1,500
        # examples each instead of 25.
        for item in mine:
            if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
                item.add_marker(pytest.mark.slow)
        return
    # Slow tests run only when asked for, so a bare `pytest` stays fast.
    skip = pytest.mark.skip(reason="slow: run with -m slow or HYPOTHESIS_PROFILE=slow")
    for item in mine:
        if "slow" in item.keywords:
            item.add_marker(skip)
