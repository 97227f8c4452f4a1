"""The credits-drain scenario and its ``cpu_credits_available`` check: the snapshot carries each node's CPU
credits, the check is unmet exactly while the failover flag is raised (and says why), and against the real
mock two server-side generations exhaust the Development instance -- its databases answer the server's 503 --
while the same certificates made off-cloud spend nothing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from ravensec.core.errors import ConfigError
from ravensec.core.models import SecurityClearance
from ravensec.core.workspace import Workspace
from ravensec.mock.cpu_credits import REJECTED_MESSAGE
from ravensec.mock.training import evaluate, evaluate_state, load_scenario, snapshot
from ravensec.mock.training.goals import Context, GoalError, parse_goal
from ravensec.mock.training.scenario import Scenario, scenarios_dir

from .solve import CREDITS_DRAIN_SERVICES, credits_drain, put_order

NAME = "credits-drain"
CREDITS = parse_goal({"check": "cpu_credits_available"})


def judge(sc: Scenario, cloud: Any) -> list[Any]:
    return evaluate_state(list(sc.goals), cloud.state, cloud.journal.snapshot(), sc.context())


def unmet(results: list[Any]) -> dict[str, str]:
    return {r.goal.text: r.detail for r in results if not r.met}


def quiet(cloud: Any) -> Any:
    # The scenario's world sets [cpu_credits] time_scale = 1 so that a trainee waits the 6 s a server-side
    # generation takes; the tests only account the time.
    cloud.state.cpu_time_scale = 0.0
    return cloud


def test_the_scenario_loads() -> None:
    sc = load_scenario(NAME)
    assert (sc.title, sc.order, sc.product) == ("Credits drain", 10, "Shop")
    checks = [g.check for g in sc.goals]
    assert checks.count("registered_not_generated") == 3 and checks[-1] == "cpu_credits_available"
    spec = sc.world_spec()
    assert spec.cpu_time_scale == 1.0  # a server-side generation takes the 6 s the advice announces
    (shop,) = spec.products
    assert (shop.tier.value, shop.instance_type) == ("Development", "Dev10")
    assert shop.allowed_ips[0].cidr == "127.0.0.1/32"
    budget = shop.cpu_credits
    # Two 6-second generations take 80 under the failover threshold of 72; one does not.
    assert budget.remaining is not None and budget.failover_threshold is not None
    assert budget.remaining - 6 >= budget.failover_threshold > budget.remaining - 2 * 6


async def test_the_snapshot_carries_each_nodes_budget() -> None:
    sc = load_scenario(NAME)
    async with sc.make_cloud() as cloud:
        (shop,) = snapshot(cloud.state)["products"]
    (node,) = shop["cpu_credits"].values()
    assert node["used"] is True and node["failover_raised"] is False
    assert node["remaining"] == pytest.approx(80, abs=0.5)  # a few real seconds earn a little (6 an hour)
    assert (node["max"], node["base"], node["failover_threshold"], node["failover_release"]) == (17280, 6, 72, 90)
    assert node["background_raised"] is True  # a busy day: indexing and backups are already throttled


async def test_the_check_follows_the_failover_flag_and_says_why() -> None:
    sc = load_scenario(NAME)
    async with sc.make_cloud() as cloud:
        assert [r.met for r in judge(sc, cloud)][-1] is True
        cloud.product("Shop").set_cpu_credits(remaining=0)
        detail = unmet(judge(sc, cloud))["the shop is still served: Shop's CPU credits are not exhausted"]
        assert detail == ("node A has 0.0 CPU credits left (0 CPU seconds), under the failover threshold of 1.2 "
                          "(72): its database requests are refused with 503")
        # Above the threshold but not yet above its release value (1.25 x): the flag is still raised.
        cloud.product("Shop").set_cpu_credits(remaining=80)
        assert "not yet back above 1.5 (90)" in unmet(judge(sc, cloud))[sc.goals[-1].text]
        cloud.product("Shop").set_cpu_credits(remaining=91)
        assert judge(sc, cloud)[-1].met


def _product(budgets: dict[str, Any] | None) -> dict[str, Any]:
    p: dict[str, Any] = {"id": "p1", "name": "Shop", "tier": "Development", "nodes": ["A"], "operator": "OP",
                         "certificates": [], "backups": [], "allowed_ips": []}
    if budgets is not None:
        p["cpu_credits"] = budgets
    return p


def test_the_check_is_pure_over_a_snapshot() -> None:
    served = {"used": True, "remaining": 74.0, "max": 17280.0, "base": 6.0, "failover_threshold": 72.0,
              "failover_release": 90.0, "failover_raised": False, "background_raised": True}
    refused = {**served, "remaining": 68.0, "failover_raised": True}
    reserved = {**refused, "used": False}  # a reserved instance reports zeros and never refuses

    def check(budgets: dict[str, Any] | None) -> Any:
        snap = {"now": "2030-01-01T00:00:00+00:00", "world": "x", "originals": {}, "requests": [],
                "products": [_product(copy.deepcopy(budgets) if budgets is not None else None)]}
        (result,) = evaluate([CREDITS], snap, Context("Shop"))
        return result

    assert check({"A": served}).met and check({"A": reserved}).met
    one = check({"A": served, "B": refused})
    assert not one.met and one.detail.startswith("node B has 1.1 CPU credits left (68 CPU seconds)")
    both = check({"A": refused, "B": refused})
    assert both.detail.endswith("refused with 503 (on node B too)")
    assert "older than this check" in check(None).detail
    assert CREDITS.text == "the product's databases are still served: its CPU credits are not exhausted"


def test_the_check_takes_no_keys_but_product_and_text() -> None:
    assert parse_goal({"check": "cpu_credits_available", "product": "Shop", "text": "t"}).product == "Shop"
    with pytest.raises(GoalError) as e:
        parse_goal({"check": "cpu_credits_available", "node": "A"})
    assert e.value.key == "node" and "unknown key for cpu_credits_available" in str(e.value)


@pytest.mark.parametrize(("change", "key", "says"), [
    (('instance_type = "Dev10"', 'tier = "Production"\ninstance_type = "P10"'), None, None),
    (('text = "the shop is still served', 'product = "Elsewhere"\ntext = "the shop is still served'),
     "goals[6].product", "the world has no product 'Elsewhere'"),
    (('check = "cpu_credits_available"', 'check = "cpu_credits_available"\nfloor = 72'),
     "goals[6].floor", "unknown key"),
])
def test_scenario_mistakes_name_the_key(tmp_path: Path, change: tuple[str, str], key: str | None,
                                        says: str | None) -> None:
    text = (scenarios_dir() / f"{NAME}.toml").read_text()
    old, new = change
    assert old in text
    text = text.replace(old, new, 1)
    if key is None:  # a reserved product: no [products.cpu_credits] and no credits to run out of
        text = text.replace('tier = "Development"\n', "", 1)
        text = text[:text.index("[world.products.cpu_credits]")]
        key, says = "goals[6].check", "Shop (P10) is a reserved instance: it has no CPU credits"
    path = tmp_path / "mine.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_scenario(path)
    assert "mine.toml" in str(e.value) and key in str(e.value) and says in str(e.value)


async def test_off_cloud_spends_nothing(tmp_path: Path) -> None:
    sc = load_scenario(NAME)
    async with sc.make_cloud() as cloud:
        async with await Workspace.open(cloud.profile()) as ws:
            await credits_drain(ws, cloud, sc, tmp_path)
        assert cloud.product("Shop").cpu_credits()["RemainingCpuCredits"] == pytest.approx(80, abs=0.5)
        assert unmet(judge(sc, cloud)) == {}
        status, _ = await put_order(cloud)
        assert status == 201


async def test_two_server_side_generations_take_the_shop_down(tmp_path: Path) -> None:
    sc = load_scenario(NAME)
    async with sc.make_cloud() as cloud:
        quiet(cloud)
        pid = cloud.product("Shop").id
        services = iter(CREDITS_DRAIN_SERVICES.items())
        async with await Workspace.open(cloud.profile()) as ws:
            name, perms = next(services)
            await ws.generate_certificate(pid, name, SecurityClearance.VALID_USER, perms)
            # One generation: 74 left, above the threshold of 72: still served, one away from refusals.
            assert cloud.product("Shop").cpu_credits()["RemainingCpuCredits"] == pytest.approx(74, abs=0.5)
            assert judge(sc, cloud)[-1].met
            name, perms = next(services)
            await ws.generate_certificate(pid, name, SecurityClearance.VALID_USER, perms)
        budget = cloud.product("Shop").cpu_credits()
        assert budget["RemainingCpuCredits"] == pytest.approx(68, abs=0.5)
        status, body = await put_order(cloud)
        assert status == 503 and body == {"Type": "Error", "Message": REJECTED_MESSAGE}
        failed = unmet(judge(sc, cloud))
        assert "refused with 503" in failed[sc.goals[-1].text]
        assert "generated by the server" in failed["storefront has its own certificate, made off-cloud"]


async def test_check_over_the_wire_sees_the_budget(tmp_path: Path) -> None:
    from ravensec.core.http.mock_ext import fetch_mock_state

    sc = load_scenario(NAME)
    async with sc.make_cloud(state_dir=tmp_path) as cloud:
        cloud.product("Shop").set_cpu_credits(remaining=10)
        snap = await fetch_mock_state(tmp_path)  # GET /ext/v1/state, what `ravensec train --check` judges
    assert snap["products"][0]["cpu_credits"]["A"]["failover_raised"] is True
    assert "refused with 503" in unmet(sc.judge(snap))[sc.goals[-1].text]
