"""``ravensec-mock`` as a user runs it: a subprocess serving a world, reached with requests and the CA."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.mock_process import until_serving

CLI = [sys.executable, "-m", "ravensec.mock.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


def test_worlds_lists_the_shipped_worlds() -> None:
    r = run("worlds")
    assert r.returncode == 0
    assert "demo" in r.stdout and "empty" in r.stdout and "Shop (Production)" in r.stdout


def test_check_world() -> None:
    assert run("check-world", "demo").returncode == 0
    bad = Path(__file__).resolve().parents[2] / "fixtures" / "worlds" / "bad-tier.toml"
    r = run("check-world", str(bad))
    assert r.returncode == 2 and "bad-tier.toml: products[0].tier: unknown tier 'Gold'" in r.stderr
    r = run("check-world", "no-such-world")
    assert r.returncode == 2 and "no world named" in r.stderr
    assert run("frobnicate").returncode == 2


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_until_interrupted(tmp_path: Path, sig: signal.Signals) -> None:
    state_dir = tmp_path / "state"
    proc = subprocess.Popen([*CLI, "serve", "--world", "demo", "--state-dir", str(state_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        printed = until_serving(proc)
        info = json.loads((state_dir / "connection.json").read_text())
        s = requests.Session()
        s.trust_env = False
        r = s.get(info["api_url"] + "/products/list", verify=info["ca_path"],
                  headers={"X-Api-Key": info["api_key"], "User-Agent": "tests"}, timeout=10)
        assert r.status_code == 200
        assert {i["name"] for i in r.json()["items"]} == {"Playground", "Staging", "Shop"}
        assert info["now"] is None  # the demo world runs on the real clock
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert 'kind = "mock"' in printed and f'state_dir = "{state_dir.resolve()}"' in printed
        assert info["api_key"] in printed and "stopped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_serve_stops_when_its_input_closes_and_tells_a_fixed_clock(tmp_path: Path) -> None:
    # --stop-on-eof: a parent that starts the mock as its child ends it by closing the pipe (or by dying).
    state_dir = tmp_path / "state"
    proc = subprocess.Popen([*CLI, "serve", "--world", "demo-fixed", "--state-dir", str(state_dir),
                             "--cpu-time-scale", "0.5", "--stop-on-eof"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        until_serving(proc)
        info = json.loads((state_dir / "connection.json").read_text())
        assert info["now"].startswith("2026-11-27T09:00:00")  # demo-fixed's clock, for the client's expiry
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0, proc.stderr.read()
        assert "stopped" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("scale", ["-1", "11"])
def test_serve_refuses_a_time_scale_out_of_range(tmp_path: Path, scale: str) -> None:
    r = run("serve", "--cpu-time-scale", scale, "--state-dir", str(tmp_path))
    assert r.returncode == 2 and "--cpu-time-scale must be between 0 and 10" in r.stderr


def test_serve_refuses_a_bad_world(tmp_path: Path) -> None:
    r = run("serve", "--world", str(tmp_path / "missing.toml"), "--state-dir", str(tmp_path))
    assert r.returncode == 2 and "does not exist" in r.stderr
