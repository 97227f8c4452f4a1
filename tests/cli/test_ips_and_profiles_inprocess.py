"""``ips`` and ``profile`` in-process: rule files, validation, diffs, confirmation; profiles in a temp config."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from ravensec.core.errors import ValidationError
from ravensec.core.iprules import parse_rule, rule_warnings
from ravensec.tui.cli.commands_ips import parse_rules_text
from tests.cli.fakes import FakeWorkspace, run_cli


def test_rules_file_formats() -> None:
    text = "# office\n203.0.113.0/24  head office\n\n198.51.100.7 # vpn box\n"
    assert [(r.cidr, r.alias) for r in parse_rules_text(text, "f")] == [
        ("203.0.113.0/24", "head office"), ("198.51.100.7/32", "")]
    js = json.dumps({"allowedIps": [{"ip": "10.0.0.0/8", "alias": "lan"}, "::1"]})
    assert [(r.cidr, r.alias) for r in parse_rules_text(js, "f")] == [("10.0.0.0/8", "lan"), ("::1/128", "")]


@pytest.mark.parametrize(("text", "needle"), [
    ("10.0.0.1/8 lan\nnot-an-ip x\n", "line 2"),
    ("[{\"alias\": \"x\"}]", "rule 1"),
    ("{\"allowedIps\": 3}", "expected a list"),
    ("{bad json", "not valid JSON"),
])
def test_rules_file_errors_name_the_place(text: str, needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        parse_rules_text(text, "rules.txt")


def test_add_prints_diff_and_saves() -> None:
    ws = FakeWorkspace()
    rc, out, _ = run_cli(["ips", "add", "203.0.113.0/24", "--alias", "office", "-p", "p1"], ws)
    assert rc == 0 and "+ 203.0.113.0/24  office" in out and "saved 2 rules" in out
    assert ws.calls[0] == ("set_ips", "p1", ["127.0.0.1/32", "203.0.113.0/24"])


def test_add_existing_only_changes_alias_and_otherwise_nothing() -> None:
    ws = FakeWorkspace()
    rc, out, _ = run_cli(["ips", "add", "127.0.0.1", "-p", "p1", "-o", "json"], ws)
    assert rc == 0 and json.loads(out)["changed"] is False and ws.calls == [("close",)]
    rc, out, _ = run_cli(["ips", "add", "127.0.0.1", "--alias", "laptop", "-p", "p1", "-o", "json"], ws)
    assert json.loads(out)["diff"]["changedAlias"] == [{"ip": "127.0.0.1/32", "alias": "laptop"}]


def test_bad_cidr_and_host_bits_are_usage_errors() -> None:
    for bad in ("300.1.1.1", "10.0.0.1/8", "office"):
        rc, _, err = run_cli(["ips", "add", bad, "-p", "p1"], FakeWorkspace())
        assert rc == 2 and err.startswith("ravensec: ") and err.endswith("\n") and err.count("\n") == 1


def test_remove_asks_refuses_and_guards_the_last_rule(tmp_path: Path) -> None:
    ws = FakeWorkspace()
    run_cli(["ips", "add", "10.0.0.0/8", "-p", "p1"], ws)
    rc, _, err = run_cli(["ips", "remove", "10.0.0.0/8", "-p", "p1"], ws)
    assert rc == 2 and "--yes" in err
    rc, out, _ = run_cli(["ips", "remove", "10.0.0.0/8", "-p", "p1", "-y"], ws)
    assert rc == 0 and "- 10.0.0.0/8" in out
    rc, _, err = run_cli(["ips", "remove", "10.0.0.0/8", "-p", "p1", "-y"], ws)
    assert rc == 4
    rc, _, err = run_cli(["ips", "remove", "127.0.0.1", "-p", "p1", "-y"], ws)
    assert rc == 2 and "empty allow-list" in err


def test_set_validates_the_whole_list_before_sending(tmp_path: Path) -> None:
    ws = FakeWorkspace()
    f = tmp_path / "r.txt"
    f.write_text("10.0.0.0/8 a\n10.0.0.0/8 b\n")
    rc, _, err = run_cli(["ips", "set", "--from", str(f), "-p", "p1", "-y"], ws)
    assert rc == 2 and "not valid" in err and not [c for c in ws.calls if c[0] == "set_ips"]
    rc, _, err = run_cli(["ips", "set", "--from", str(tmp_path / "nope"), "-p", "p1", "-y"], ws)
    assert rc == 2 and "does not exist" in err
    f.write_text("10.0.0.0/8 a\n")
    rc, out, err = run_cli(["ips", "set", "--from", str(f), "-p", "p1", "--dry-run", "-o", "json"], ws)
    assert rc == 0 and json.loads(out)["diff"]["removed"] == [{"ip": "127.0.0.1/32", "alias": "me"}]
    assert "- 127.0.0.1/32  me" in err and not [c for c in ws.calls if c[0] == "set_ips"]


def test_profiles_add_use_show_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "config.toml"
    monkeypatch.setenv("RAVENSEC_CONFIG", str(cfg))
    ws = FakeWorkspace()
    rc, _, err = run_cli(["profile", "add", "local", "--kind", "mock", "--state-dir", str(tmp_path)], ws)
    assert rc == 0, err
    rc, _, err = run_cli(["profile", "add", "prod", "--kind", "cloud", "--api-key-env", "RS_KEY"], ws)
    assert rc == 0, err
    rc, _, err = run_cli(["profile", "add", "bare", "--kind", "cloud"], ws)
    assert rc == 2 and "API key" in err
    rc, out, _ = run_cli(["profile", "list", "-o", "json"], ws)
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["local"]["current"] is True and rows["prod"]["apiKey"] == "env:RS_KEY"
    rc, _, _ = run_cli(["profile", "use", "prod"], ws)
    rc, out, _ = run_cli(["profile", "show", "-o", "json"], ws)
    assert json.loads(out)["name"] == "prod"
    rc, _, err = run_cli(["profile", "remove", "prod"], ws)
    assert rc == 2 and "--yes" in err
    rc, _, _ = run_cli(["profile", "remove", "prod", "-y"], ws)
    rc, out, _ = run_cli(["profile", "list", "-o", "json"], ws)
    assert [r["name"] for r in json.loads(out)] == ["local"]
    rc, _, err = run_cli(["profile", "use", "ghost"], ws)
    assert rc == 4


def test_secrets_are_never_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAVENSEC_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setattr(sys, "stdin", io.StringIO("sekrit-key-123\n"))
    ws = FakeWorkspace()
    rc, out, err = run_cli(["profile", "add", "c", "--kind", "cloud", "--api-key-stdin", "-o", "json"], ws)
    assert rc == 0, err
    assert "sekrit" not in out + err and json.loads(out)["apiKey"].startswith("secret:")
    rc, out, _ = run_cli(["profile", "show", "c", "-o", "yaml"], ws)
    assert "sekrit" not in out


def test_allow_all_beside_others_is_warned_about() -> None:
    rules = [parse_rule("127.0.0.1"), parse_rule("0.0.0.0/0")]
    expected = rule_warnings(rules, provider="AWS")
    assert expected
    rc, out, _ = run_cli(["ips", "add", "0.0.0.0/0", "-p", "p1", "--dry-run"], FakeWorkspace())
    assert rc == 0 and all(f"warning: {w}" in out for w in expected)
