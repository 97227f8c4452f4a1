"""Run the real ``ravensec`` as a subprocess against a real mock over TLS, with a temporary config."""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ravensec.core.config import Config, save_config
from ravensec.core.profile import Profile
from ravensec.mock import MockCloud

RAVENSEC = Path(sys.executable).parent / "ravensec"


@dataclass
class Result:
    rc: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    """``cli("certs", "list", ...)`` runs ravensec with the test's RAVENSEC_CONFIG and returns a Result."""

    def __init__(self, config: Path, cloud: Any) -> None:
        self.config = config
        self.cloud = cloud

    def __call__(self, *argv: str, stdin: str | None = None, profile: str | None = None) -> Result:
        env = dict(os.environ)
        env["RAVENSEC_CONFIG"] = str(self.config)
        env["NO_COLOR"] = "1"
        cmd = [str(RAVENSEC)] if RAVENSEC.exists() else [sys.executable, "-m", "ravensec.tui"]
        if profile:
            cmd += ["--profile", profile]
        proc = subprocess.run([*cmd, *argv], capture_output=True, text=True, env=env, input=stdin,
                              timeout=60, stdin=None if stdin is not None else subprocess.DEVNULL)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def write_profiles(self, **extra: Profile) -> None:
        """Profiles: ``admin`` (Cluster Admin certs), ``ops`` (Operator certs), plus ``extra``; admin is current."""
        prods = self.cloud.products
        profiles = {
            "admin": Profile(name="admin", kind="mock", state_dir=self.cloud.state_dir,
                             certificates={pid: p.cluster_admin_pem for pid, p in prods.items()}),
            "ops": Profile(name="ops", kind="mock", state_dir=self.cloud.state_dir,
                           certificates={pid: p.operator_pem for pid, p in prods.items()}),
            **extra,
        }
        save_config(Config(profiles=profiles, current="admin", keymap={}, path=self.config))


@pytest.fixture(scope="session")
def mock_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    state_dir = tmp_path_factory.mktemp("mock-state")
    with MockCloud("demo", state_dir=state_dir) as cloud:
        yield cloud


@pytest.fixture
def cli(mock_cloud: Any, tmp_path: Path, isolated_home: Path) -> Cli:
    mock_cloud.reset()
    runner = Cli(tmp_path / "config" / "config.toml", mock_cloud)
    runner.config.parent.mkdir()
    runner.write_profiles()
    return runner


def active_product(cloud: Any) -> Any:
    """The first product with nodes whose allow-list names loopback explicitly (not through allow-all)."""
    with cloud.state.lock:
        for p in cloud.state.products.values():
            rules = [ipaddress.ip_network(str(getattr(r, "network", r)), strict=False)
                     for r in getattr(p, "allowed_ips", [])]
            if p.nodes and any(r.prefixlen and ipaddress.ip_address("127.0.0.1") in r for r in rules):
                return cloud.products[p.id]
    raise AssertionError("the demo world has no product reachable from 127.0.0.1")
