"""``ravensec train --check`` in a subprocess against ``ravensec-mock serve`` (a separate process, real TLS),
plus the other ``train`` forms: listing, --print-world, unknown names."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ravensec.core.http.cloud_api import CloudApi
from ravensec.core.iprules import parse_rule
from ravensec.mock.training import load_scenario, scenarios_dir
from tests.mock_process import until_serving

RAVENSEC = [sys.executable, "-m", "ravensec.tui"]
MOCK = [sys.executable, "-m", "ravensec.mock.cli"]


def ravensec(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RAVENSEC, *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    """``close-the-door``'s world served by ravensec-mock in its own process; yields its state dir."""
    world = tmp_path / "world.toml"
    out = ravensec("train", "--print-world", "close-the-door")
    assert out.returncode == 0, out.stderr
    world.write_text(out.stdout)
    state_dir = tmp_path / "state"
    proc = subprocess.Popen([*MOCK, "serve", "--world", str(world), "--state-dir", str(state_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        until_serving(proc)
        yield state_dir
    finally:
        proc.terminate()
        proc.wait(10)


async def _close_the_door(state_dir: Path) -> None:
    info = json.loads((state_dir / "connection.json").read_text())
    async with CloudApi(info["api_url"], info["api_key"], ca_file=info["ca_path"]) as api:
        (product_id,) = info["products"]
        await api.set_allowed_ips(product_id, [parse_rule("127.0.0.1/32", "me"),
                                               parse_rule("198.51.100.0/24", "office"),
                                               parse_rule("203.0.113.7/32", "VPN")])


def test_check_against_a_served_mock(served: Path) -> None:
    before = ravensec("train", "--check", "close-the-door", "--state-dir", str(served))
    assert before.returncode == 1, before.stderr
    assert "1 of 4 goals met." in before.stdout
    assert "0.0.0.0/0 is still in the allow-list" in before.stdout
    asyncio.run(_close_the_door(served))
    after = ravensec("train", "--check", "close-the-door", "--state-dir", str(served))
    assert after.returncode == 0, after.stdout + after.stderr
    assert "All goals met." in after.stdout


def test_check_without_a_mock_says_what_to_do(tmp_path: Path) -> None:
    out = ravensec("train", "--check", "close-the-door", "--state-dir", str(tmp_path))
    assert out.returncode == 2
    assert "connection.json" in out.stderr and "ravensec-mock serve" in out.stderr


def test_check_against_a_stopped_mock_says_so_in_words(tmp_path: Path) -> None:
    async def serve_and_stop() -> str:
        async with load_scenario("close-the-door").make_cloud(state_dir=tmp_path) as cloud:
            connection = (tmp_path / "connection.json").read_bytes()
            url: str = cloud.portal_url
        (tmp_path / "connection.json").write_bytes(connection)
        return url

    portal_url = asyncio.run(serve_and_stop())
    out = ravensec("train", "--check", "close-the-door", "--state-dir", str(tmp_path))
    assert out.returncode == 5, out.stderr
    assert f"Cannot reach the mock at {portal_url}: connection refused." in out.stderr  # a sentence
    assert "ravensec-mock serve" in out.stderr
    assert "SSLContext" not in out.stderr and "Traceback" not in out.stderr


def test_list_and_unknown_names() -> None:
    out = ravensec("train")
    assert out.returncode == 0
    for name in ("leaked-certificate", "least-privilege", "off-cloud-generation", "close-the-door",
                 "cluster-admin-wall", "expiring-soon", "wrong-certificate", "restore-drill", "posture-review",
                 "credits-drain"):
        assert name in out.stdout
    bad = ravensec("train", "no-such-scenario")
    assert bad.returncode == 2 and "No training scenario named 'no-such-scenario'." in bad.stderr


def test_a_broken_scenario_is_named_with_its_key(tmp_path: Path) -> None:
    src = scenarios_dir() / "close-the-door.toml"
    (tmp_path / "mine.toml").write_text(src.read_text().replace('check = "allowlist_includes"',
                                                               'check = "allowlist_contains"', 1))
    out = subprocess.run([*RAVENSEC, "train"], capture_output=True, text=True, timeout=60,
                         env={**__import__("os").environ, "RAVENSEC_SCENARIOS": str(tmp_path)})
    assert out.returncode == 2
    assert "mine.toml" in out.stderr and "goals[1].check" in out.stderr and "allowlist_contains" in out.stderr
