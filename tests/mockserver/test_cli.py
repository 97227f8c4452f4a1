"""``ravensec-mock`` as a user runs it: a subprocess serving a world, reached with requests and the CA."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

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
        conn = state_dir / "connection.json"
        deadline = time.monotonic() + 60
        while not conn.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "connection.json did not appear"
            time.sleep(0.1)
        time.sleep(0.2)  # the file is replaced atomically, but may be rewritten once more at start
        info = json.loads(conn.read_text())
        s = requests.Session()
        s.trust_env = False
        r = s.get(info["api_url"] + "/products/list", verify=info["ca_path"],
                  headers={"X-Api-Key": info["api_key"], "User-Agent": "tests"}, timeout=10)
        assert r.status_code == 200
        assert {i["name"] for i in r.json()["items"]} == {"Playground", "Staging", "Shop"}
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert 'kind = "mock"' in out and f'state_dir = "{state_dir.resolve()}"' in out
        assert info["api_key"] in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_serve_refuses_a_bad_world(tmp_path: Path) -> None:
    r = run("serve", "--world", str(tmp_path / "missing.toml"), "--state-dir", str(tmp_path))
    assert r.returncode == 2 and "does not exist" in r.stderr
