"""``ravensec audit`` as a subprocess against the real mock: table, JSON, exit 1 with findings, 0 when clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ravensec.mock import MockCloud
from tests.cli.mockcli import Cli

CLEAN_WORLD = Path(__file__).resolve().parents[2] / "fixtures" / "worlds" / "clean.toml"
DEMO_CODES = {("Playground", "ip-allow-all"), ("Staging", "cert-expired"), ("Shop", "cert-expiring-30"),
              ("Shop", "cert-expired"), ("Shop", "cert-expiring-60"), ("Shop", "cert-disabled-long")}


def test_demo_table_exits_1_with_fixes(cli: Cli) -> None:
    r = cli("audit")
    assert r.rc == 1, r.err
    lines = r.out.splitlines()
    assert lines[0].split() == ["#", "SEVERITY", "PRODUCT", "FINDING", "WHAT"]
    severities = [line.split()[1] for line in lines[1:7]]
    assert severities == ["high", "high", "medium", "medium", "low", "low"]  # the most severe first
    assert "$ ravensec ips remove 0.0.0.0/0 -p Playground" in r.out
    assert "3 products reviewed, 6 findings (2 high, 2 medium, 2 low)." in r.out
    assert r.err == ""


def test_demo_json(cli: Cli) -> None:
    r = cli("audit", "-o", "json")
    assert r.rc == 1, r.err
    data = r.json()
    assert data["clean"] is False
    assert {(f["productName"], f["code"]) for f in data["findings"]} == DEMO_CODES
    assert [p["name"] for p in data["products"]] == ["Playground", "Staging", "Shop"]
    allow_all = next(f for f in data["findings"] if f["code"] == "ip-allow-all")
    assert allow_all["severity"] == "high" and allow_all["subject"] == "0.0.0.0/0"
    assert allow_all["fix"]["kind"] == "ip-rules" and allow_all["fix"]["rule"] == "0.0.0.0/0"
    assert "choose which IP addresses" in allow_all["advice"] and allow_all["evidence"]
    disabled = next(f for f in data["findings"] if f["code"] == "cert-disabled-long")
    assert len(disabled["subject"]) == 40 and disabled["fix"]["thumbprint"] == disabled["subject"]
    assert r.err == ""  # JSON mode: nothing but the document


def test_one_product(cli: Cli) -> None:
    r = cli("audit", "--product", "Staging", "-o", "json")
    assert r.rc == 1, r.err
    assert [f["code"] for f in r.json()["findings"]] == ["cert-expired"]
    assert cli("audit", "--product", "Nope").rc == 4


def test_read_only_profile_gets_the_review(cli: Cli) -> None:
    r = cli("--read-only", "audit", "-p", "Playground")
    assert r.rc == 1, r.err
    assert "ip-allow-all" in r.out and "read-only: the fixes need a writable profile" in r.out


@pytest.fixture
def clean_cli(tmp_path: Path, isolated_home: Path) -> Iterator[Cli]:
    with MockCloud(CLEAN_WORLD, state_dir=tmp_path / "mock") as cloud:
        runner = Cli(tmp_path / "config" / "config.toml", cloud)
        runner.config.parent.mkdir()
        runner.write_profiles()
        yield runner


def test_clean_world_exits_0(clean_cli: Cli) -> None:
    r = clean_cli("audit", profile="ops")
    assert r.rc == 0, r.out + r.err
    assert r.out == "1 product reviewed, 0 findings.\n"
    r = clean_cli("audit", "-o", "json", profile="ops")
    assert r.rc == 0
    data: Any = r.json()
    assert data["clean"] is True and data["findings"] == [] and data["products"][0]["notReviewed"] == []

