"""The training engine against the real mock: every scenario starts unsolved, its honest solution (through
core.Workspace over real TLS) meets every goal, and the tempting wrong solutions do not."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from ravensec.core.iprules import parse_rule
from ravensec.core.models import DatabaseAccess, SecurityClearance
from ravensec.core.workspace import Workspace
from ravensec.mock.training import evaluate_state, list_scenarios, load_scenario
from ravensec.mock.training.scenario import Scenario

from .solve import SOLVERS


def judge(sc: Scenario, cloud: Any, answers: dict[str, str] | None = None) -> list[Any]:
    return evaluate_state(list(sc.goals), cloud.state, cloud.journal.snapshot(), sc.context(answers))


def test_ten_scenarios_ship_and_each_has_a_solver() -> None:
    names = [s.name for s in list_scenarios()]
    assert len(names) >= 10 and "credits-drain" in names
    assert set(SOLVERS) <= set(names)


@pytest.mark.parametrize("name", sorted(SOLVERS))
async def test_honest_solution_meets_every_goal(name: str, tmp_path: Path) -> None:
    sc = load_scenario(name)
    async with sc.make_cloud() as cloud:
        before = judge(sc, cloud)
        assert not all(r.met for r in before), f"{name} is solved before anyone acted"
        async with await Workspace.open(cloud.profile()) as ws:
            answers = await SOLVERS[name](ws, cloud, sc, tmp_path)
        after = judge(sc, cloud, answers)
        assert [r.detail for r in after if not r.met] == []


async def _wrong(name: str, act: Any, tmp_path: Path, answers: dict[str, str] | None = None) -> list[Any]:
    sc = load_scenario(name)
    async with sc.make_cloud() as cloud:
        async with await Workspace.open(cloud.profile()) as ws:
            await act(ws, cloud, sc, tmp_path)
        return [r for r in judge(sc, cloud, answers) if not r.met]


async def test_deleting_your_own_access_is_not_accepted(tmp_path: Path) -> None:
    async def act(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> None:
        pid = cloud.product("Shop").id
        for c in await ws.list_certificates(pid):
            if c.name == "ci-runner":
                await ws.delete_certificate(pid, c.thumbprint)
        me = await ws.whoami(pid)
        assert me is not None
        # The node refuses to delete the certificate making the request, but not to disable it.
        await ws.edit_certificate(pid, me.thumbprint, disabled=True)

    failed = await _wrong("leaked-certificate", act, tmp_path)
    assert [r.goal.check for r in failed] == ["caller_still_authorized"]
    assert "disabled" in failed[0].detail


async def test_renaming_the_leaked_certificate_is_not_revoking_it(tmp_path: Path) -> None:
    async def act(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> None:
        pid = cloud.product("Shop").id
        tp = next(c.thumbprint for c in await ws.list_certificates(pid) if c.name == "ci-runner")
        await ws.edit_certificate(pid, tp, name="ci-runner-revoked")

    failed = await _wrong("leaked-certificate", act, tmp_path)
    assert [r.goal.check for r in failed] == ["certificate_absent"]


async def test_allowing_everyone_is_not_accepted(tmp_path: Path) -> None:
    async def act(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> None:
        pid = cloud.product("Shop").id
        await ws.set_ip_rules(pid, [parse_rule("0.0.0.0/0", "all"), parse_rule("198.51.100.0/24", "office"),
                                    parse_rule("203.0.113.7/32", "VPN")])

    failed = await _wrong("close-the-door", act, tmp_path)
    assert [r.goal.check for r in failed] == ["allowlist_excludes"]


async def test_cutting_yourself_off_is_not_accepted(tmp_path: Path) -> None:
    async def act(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> None:
        pid = cloud.product("Shop").id
        await ws.set_ip_rules(pid, [parse_rule("198.51.100.0/24", "office"), parse_rule("203.0.113.7/32", "VPN")])

    failed = await _wrong("close-the-door", act, tmp_path)
    assert [r.goal.check for r in failed] == ["address_allowed"]


async def test_operator_clearance_is_not_least_privilege(tmp_path: Path) -> None:
    async def act(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> None:
        pid = cloud.product("Shop").id
        tp = next(c.thumbprint for c in await ws.list_certificates(pid) if c.name == "analytics")
        await ws.edit_certificate(pid, tp, clearance=SecurityClearance.OPERATOR, permissions={})

    failed = await _wrong("least-privilege", act, tmp_path)
    assert [r.goal.check for r in failed] == ["certificate_registered"]


async def test_server_generated_certificate_is_not_accepted(tmp_path: Path) -> None:
    async def act(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> None:
        pid = cloud.product("Shop").id
        await ws.generate_certificate(pid, "billing-service", SecurityClearance.VALID_USER,
                                      {"Billing": DatabaseAccess.READ_WRITE})

    failed = await _wrong("off-cloud-generation", act, tmp_path)
    assert [r.goal.check for r in failed] == ["registered_not_generated"]
    assert "generated by the server" in failed[0].detail


async def test_rotation_that_keeps_the_old_certificate_is_not_done(tmp_path: Path) -> None:
    async def act(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> None:
        pid = cloud.product("Shop").id
        await ws.generate_local_and_register(pid, "payments", SecurityClearance.VALID_USER,
                                             {"Payments": DatabaseAccess.READ_WRITE}, dest_dir=tmp)

    failed = await _wrong("expiring-soon", act, tmp_path, {"expiring": "2"})
    assert sorted(r.goal.check for r in failed) == ["answer", "certificate_rotated"]


async def test_registering_the_stale_certificate_again_does_not_help(tmp_path: Path) -> None:
    async def act(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> None:
        pid = cloud.product("Warehouse").id
        tp = next(c.thumbprint for c in await ws.list_certificates(pid) if c.name == "inventory-app")
        await ws.edit_certificate(pid, tp, clearance=SecurityClearance.OPERATOR)

    failed = await _wrong("wrong-certificate", act, tmp_path)
    assert [r.goal.check for r in failed] == ["handout_registered"]


async def test_restore_answers_without_fetching_are_not_enough(tmp_path: Path) -> None:
    async def act(ws: Workspace, cloud: Any, sc: Scenario, tmp: Path) -> None:
        return None

    failed = await _wrong("restore-drill", act, tmp_path, {"documents": "3", "refused": "2"})
    assert [r.goal.check for r in failed] == ["request_seen"]


def test_evaluation_is_pure_over_a_snapshot() -> None:
    from ravensec.mock.training import evaluate
    from ravensec.mock.training.goals import Context

    sc = load_scenario("close-the-door")
    snap: dict[str, Any] = {"now": "2030-01-01T00:00:00+00:00", "world": "x", "originals": {}, "requests": [],
                            "products": [{"id": "p1", "name": "Shop", "tier": "Development", "nodes": ["A"],
                                          "operator": "OP", "certificates": [], "backups": [],
                                          "allowed_ips": [{"ip": "127.0.0.1/32", "alias": ""},
                                                          {"ip": "198.51.100.0/24", "alias": ""},
                                                          {"ip": "203.0.113.7/32", "alias": ""}]}]}
    first = evaluate(list(sc.goals), snap, Context("Shop"))
    assert [r.met for r in first] == [True, True, True, True]
    assert evaluate(list(sc.goals), snap, Context("Shop")) == first
    snap["products"][0]["allowed_ips"].append({"ip": "0.0.0.0/0", "alias": ""})
    assert [r.met for r in evaluate(list(sc.goals), snap, Context("Shop"))] == [False, True, True, True]
    assert dataclasses.is_dataclass(first[0])
