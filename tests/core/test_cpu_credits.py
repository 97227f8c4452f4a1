"""The core model of CPU credits: which products are burstable, the wire shape, the words for people, the
typed 503; and the Workspace against the mock over real mTLS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ravensec.core.errors import CpuCreditsExhausted
from ravensec.core.http._server_errors import map_server_error
from ravensec.core.http._transport import Answer
from ravensec.core.models import CpuCredits, SecurityClearance, Tier
from ravensec.core.models.credits import burstable_type, generation_cost, is_burstable
from ravensec.core.workspace import Workspace
from ravensec.mock import MockCloud
from ravensec.mock.cpu_credits import REJECTED_MESSAGE
from tests.mockserver.test_cpu_credits import WORLD

WIRE = {
    "Used": True, "BaseCredits": 720.0, "MaxCredits": 17280.0, "FailoverThreshold": 72.0,
    "BackgroundTasksThreshold": 180.0, "RemainingCpuCredits": 60.0, "BackgroundTasksThresholdReleaseValue": 225.0,
    "FailoverThresholdReleaseValue": 90.0, "CreditsGainedPerSecond": 0.2, "CurrentConsumption": 0.0,
    "MachineCpuUsage": 3.5, "History": [0.0] * 60, "LastSyncTime": "2030-01-01T00:00:00.0000000",
}


@pytest.mark.parametrize(("tier", "itype", "burstable"), [
    (Tier.FREE, "Free", True), (Tier.DEVELOPMENT, "Dev70", True), (Tier.DEVELOPMENT, "Dev99", True),
    (Tier.PRODUCTION, "PB20", True), (Tier.PRODUCTION, "P10", False), (Tier.PRODUCTION, "PN30", False),
    (Tier.UNKNOWN, "", False),
])
def test_burstable_tiers_and_sizes(tier: Tier, itype: str, burstable: bool) -> None:
    assert is_burstable(tier, itype) is burstable


def test_wire_round_trip_and_words() -> None:
    c = CpuCredits.from_wire(WIRE)
    assert c.to_wire() == WIRE
    assert c.remaining_credits == 1 and c.max_credits == 288
    assert c.rejecting and c.throttling and c.state == "exhausted"
    assert c.summary() == "1.0 of 288 credits (0%): exhausted, database requests are refused"
    assert c.minutes_to_recover() == pytest.approx(2.5)  # (90 - 60) / 0.2 per second
    assert not CpuCredits.from_wire({**WIRE, "FailoverThreshold": -1}).rejecting


def test_generation_cost_follows_the_instance_type() -> None:
    dev10 = generation_cost(burstable_type(Tier.DEVELOPMENT, "Dev10"))  # type: ignore[arg-type]
    free = generation_cost(burstable_type(Tier.FREE, "Free"))  # type: ignore[arg-type]
    assert dev10.cpu_seconds == 6 and dev10.seconds == 6 and dev10.throttled_seconds == pytest.approx(30)
    assert free.seconds == 24 and free.throttled_seconds == pytest.approx(120)  # a quarter of a core
    assert dev10.credits == pytest.approx(0.1)


def test_the_servers_503_is_a_typed_error() -> None:
    ans = Answer(503, {}, f'{{"Type":"Error","Message":"{REJECTED_MESSAGE}"}}'.encode(), "https://a/x")
    err = map_server_error(ans, "PUT /databases/Orders/docs")
    assert isinstance(err, CpuCreditsExhausted) and err.status == 503
    assert "used up its CPU credits" in str(err) and "generate certificates here" in err.hint


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[MockCloud]:
    world = tmp_path / "credits.toml"
    world.write_text(WORLD)
    async with MockCloud(world, state_dir=tmp_path / "mock", material_cache=False) as c:
        yield c


async def test_workspace_reads_the_budget_of_burstable_products_only(cloud: MockCloud) -> None:
    lab, big = cloud.product("Lab").id, cloud.product("Big").id
    async with await Workspace.open(cloud.profile()) as ws:
        budget = await ws.cpu_credits(lab)
        assert budget is not None and budget.remaining == 600 and budget.state == "ok"
        assert await ws.cpu_credits(big) is None
        assert (await ws.generation_cost(lab)) is not None and await ws.generation_cost(big) is None
        await ws.generate_certificate(lab, "svc", SecurityClearance.VALID_USER)
        after = await ws.cpu_credits(lab)
    assert after is not None and after.remaining == 594


async def test_a_refused_generation_says_so_with_the_budget(cloud: MockCloud) -> None:
    lab = cloud.product("Lab")
    lab.set_cpu_credits(remaining=30)
    cloud.faults.add(route="/admin/certificates", method="POST", kind="cpu-credits")
    async with await Workspace.open(cloud.profile()) as ws:
        with pytest.raises(CpuCreditsExhausted) as info:
            await ws.generate_certificate(lab.id, "svc", SecurityClearance.VALID_USER)
    err = info.value
    assert isinstance(err.budget, CpuCredits) and err.budget.remaining == 30
    assert "Balance: 0.5 of 288 credits (0%): exhausted" in str(err)
    assert "back in about 5 minutes" in str(err)  # (90 - 30) / 0.2 s
