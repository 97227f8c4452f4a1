"""Pilot: the remaining scenarios through the TUI (and, for the Cluster Admin wall, through the node and the
Cloud API as the scenario asks, with the TUI's panel watching), plus the answer modal."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from ravensec.core.http.cloud_api import CloudApi
from ravensec.tui.screens.backups import BackupsScreen, VerifyBackupModal
from ravensec.tui.training.answers import AnswerModal
from ravensec.tui.widgets.grid import Grid
from tests.tui.helpers import click_save, fill, press, settle, toasts

from .pilot import cert_key, panel_text, select, training, wait_for_text, wait_judged
from .solve import node_ssl
from .test_pilot_scenarios import open_certificates


async def answer(pilot: object, app: object, **values: str) -> None:
    await press(pilot, "A")  # type: ignore[arg-type]
    assert isinstance(app.screen, AnswerModal)  # type: ignore[attr-defined]
    fill(app, **{f"answer-{k}": v for k, v in values.items()})  # type: ignore[arg-type]
    await click_save(pilot)  # type: ignore[arg-type]


async def test_expiring_soon(tmp_path: Path) -> None:
    async with training("expiring-soon") as (pilot, app, _cloud):
        screen = await open_certificates(pilot)
        old = cert_key(screen, "payments")
        select(screen.query_one(Grid), old)
        await press(pilot, "n")  # clone: same clearance and access, a new key pair
        fill(app, name="payments", folder=str(tmp_path))
        await click_save(pilot)
        assert app.screen is screen, toasts(app)
        await settle(pilot)
        select(screen.query_one(Grid), old)
        await press(pilot, "x", "y")
        await settle(pilot)
        await answer(pilot, app, expiring="3")
        await wait_judged(pilot, app)
        assert app.progress.answers == {"expiring": "3"}


async def test_wrong_certificate() -> None:
    async with training("wrong-certificate") as (pilot, app, _cloud):
        pem = next(v for label, v in app.handouts if "inventory app" in label)
        assert Path(pem).stat().st_mode & 0o777 == 0o600
        await open_certificates(pilot)
        await press(pilot, "u")
        fill(app, name="inventory-app", perms="Inventory:ReadWrite", file=pem)
        await click_save(pilot)
        await wait_judged(pilot, app)


async def test_restore_drill() -> None:
    async with training("restore-drill") as (pilot, app, _cloud):
        good = next(v for label, v in app.handouts if label.startswith("key 1"))
        bad = next(v for label, v in app.handouts if label.startswith("key 2"))
        await press(pilot, "b")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BackupsScreen)
        latest = max(screen.backups, key=lambda b: b.created_at)
        select(screen.query_one(Grid), str(screen.backups.index(latest)))
        await press(pilot, "v")
        fill(app, key=bad)
        await click_save(pilot)
        assert isinstance(app.screen, VerifyBackupModal)  # refused: the dialog stays open with the reason
        await press(pilot, "escape")
        await press(pilot, "v")
        fill(app, key=good)
        await click_save(pilot)
        assert any("3 documents" in t for t in toasts(app)), toasts(app)
        await answer(pilot, app, documents="3", refused="2")
        await wait_judged(pilot, app)


async def test_cluster_admin_wall_panel_follows_the_wire() -> None:
    async with training("cluster-admin-wall") as (pilot, app, cloud):
        assert "X-Api-Key" in panel_text(app) or cloud.api_key in panel_text(app)
        p = cloud.product("Shop")
        url = p.node_urls["A"] + "/admin/cluster/node?url=https://127.0.0.1:1&tag=D"
        async with aiohttp.ClientSession() as s, s.put(url, ssl=node_ssl(cloud, p.operator_pem)) as r:
            assert r.status == 403
        await wait_for_text(pilot, app, "Goals 1/2")
        async with CloudApi(cloud.api_url, cloud.api_key, ca_file=cloud.ca_path) as api:
            await api.add_node(p.id)
        await wait_judged(pilot, app)


async def test_hints_are_counted_and_saved() -> None:
    from ravensec.tui.training.progress import load_progress

    async with training("leaked-certificate") as (pilot, app, _cloud):
        assert "Hints 0/3" in panel_text(app)
        await press(pilot, "H", "H")
        assert "Hints 2/3" in panel_text(app)
        assert load_progress("leaked-certificate").hints_shown == 2
