"""Issue 14, "one voice": every documented exit code provoked for real, errors as JSON with ``-o json``,
``-o json`` honoured by every command, the same names and aliases everywhere, and the demo's backup key."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ravensec.core.profile import Profile
from tests.cli.mockcli import RAVENSEC, Cli, Result, active_product
from tests.mock_process import until_serving

MOCK = Path(sys.executable).parent / "ravensec-mock"


def _error(r: Result) -> dict[str, Any]:
    """The JSON error record, the last line on stderr (stdout stays empty: it only ever carries results); any
    lines before it are notes for a person (a change's plan), never JSON."""
    assert r.out == "", r.out
    *notes, last = r.err.strip().splitlines()
    assert not any(line.lstrip().startswith("{") for line in notes), r.err
    record: dict[str, Any] = json.loads(last)["error"]
    # A whole sentence: ends with a stop, starts with a capital (or with a path or an option, as it is).
    assert record["code"] == r.rc and record["message"].endswith((".", "?", "!"))
    assert not record["message"][0].islower(), record["message"]
    return record


def _wrong_key_verify(cli: Cli) -> tuple[str, ...]:
    prod = cli.cloud.product("Shop")
    b = next(b for b in cli("backups", "list", "-p", prod.id, "-o", "json").json() if b["keySource"] == "Account")
    return ("backups", "verify", f"{b['database']}/{b['fileName']}", "-p", prod.id, "--key", "AQ" * 21 + "A=")


def _unreachable(cli: Cli) -> tuple[str, ...]:
    prod = active_product(cli.cloud)
    dead = Profile(name="dead", kind="direct", nodes=("https://127.0.0.1:9",), client_cert=prod.cluster_admin_pem,
                   ca_file=cli.cloud.ca_path)
    cli.write_profiles(dead=dead)
    return ("--profile", "dead", "certs", "list")


CASES: list[tuple[int, str, Any]] = [
    (0, "ok", lambda cli: ("products", "list")),
    (1, "failed: a backup the key does not open", _wrong_key_verify),
    (2, "usage: an unknown option", lambda cli: ("certs", "list", "--bogus")),
    (2, "usage: a duration that is not one", lambda cli: ("expiring", "--within", "soon")),
    (3, "refused: read-only", lambda cli: ("--read-only", "ips", "add", "10.9.0.0/16", "-p", "Shop", "--yes")),
    (3, "refused: an Operator may not touch a Cluster Admin's certificate",
     lambda cli: ("--profile", "ops", "certs", "generate-local", "-p", "Shop", "--name", "x",
                  "--clearance", "cluster-admin", "--out", "/nonexistent-dir-ravensec")),
    (4, "not found: a profile", lambda cli: ("--profile", "nope", "products", "list")),
    (4, "not found: a certificate", lambda cli: ("certs", "show", "no-such-cert", "-p", "Shop")),
    (5, "unreachable: no node answers", _unreachable),
]


@pytest.mark.parametrize(("code", "why", "argv"), CASES, ids=[c[1] for c in CASES])
def test_every_exit_code_as_documented(cli: Cli, code: int, why: str, argv: Any) -> None:
    words = argv(cli)
    r = cli(*words)
    assert r.rc == code, (why, r.err)
    assert "Traceback" not in r.err
    if code == 0:
        return
    # Table mode: one line, "ravensec: <what happened>. <what to do>." (a failed verification is a result).
    assert r.err.startswith(("ravensec: ", "usage: ")) or (code == 1 and r.out.startswith("FAILED: "))
    # -o json: the same code, and one JSON record on stderr.
    j = cli(*words, "-o", "json")
    assert j.rc == code, j.err
    if code == 1 and j.out:  # a verification that ran is a result (ok: false), not an error
        assert j.json()["ok"] is False
        return
    record = _error(j)
    assert record["type"] and (record["hint"] is None or record["hint"].endswith((".", "`")))


def test_the_error_record_names_its_kind(cli: Cli) -> None:
    record = _error(cli("--profile", "nope", "products", "list", "-o", "json"))
    assert record["type"] == "ProfileNotFound" and "nope" in record["message"]
    assert record["message"].endswith("(from --profile).") and record["hint"].startswith("Known profiles:")
    record = _error(cli("certs", "show", "no-such-cert", "-p", "Shop", "-o", "json"))
    # The product by its name, not its id.
    assert record["type"] == "NotFound" and "on Shop." in record["message"]
    assert cli.cloud.product("Shop").id not in record["message"]


def test_json_everywhere(cli: Cli, tmp_path: Path) -> None:
    listing = cli("train", "-o", "json")
    assert listing.rc == 0, listing.err
    assert {"name", "title", "state"} <= set(listing.json()[0])
    check = cli("train", "--check", "least-privilege", "--state-dir", str(cli.cloud.state_dir), "-o", "json")
    assert check.rc in (0, 1), check.err
    assert check.json()["scenario"] == "least-privilege" and isinstance(check.json()["goals"], list)
    stopped = cli("train", "--check", "least-privilege", "--state-dir", str(tmp_path), "-o", "json")
    assert stopped.rc == 2 and "connection.json" in _error(stopped)["message"]
    doctor = cli("doctor", "-o", "json")
    assert isinstance(doctor.json()["checks"], list)
    prof = cli("profile", "show", "admin", "-o", "json")
    assert prof.rc == 0 and prof.json()["apiUrl"] == cli.cloud.api_url  # the mock's, not the real cloud's


def test_products_show_the_aliases_ips_list_shows(cli: Cli) -> None:
    prod = cli.cloud.product("Shop")
    rules = cli("ips", "list", "-p", prod.id, "-o", "json").json()
    assert any(r["alias"] for r in rules)
    shown = cli("products", "show", prod.id, "-o", "json").json()
    listed = next(p for p in cli("products", "list", "-o", "json").json() if p["id"] == prod.id)
    assert shown["allowedIps"] == listed["allowedIps"] == rules
    assert shown["provider"] == shown["provider"].lower()  # one spelling, as docs/cli.md shows it


def test_edit_names_the_certificate_by_its_new_name(cli: Cli, tmp_path: Path) -> None:
    prod = active_product(cli.cloud)
    made = cli("certs", "generate-local", "-p", prod.id, "--name", "cli-up", "--clearance", "operator",
               "--out", str(tmp_path / "c"), "-o", "json")
    assert made.rc == 0, made.err
    r = cli("certs", "edit", made.json()["thumbprint"], "-p", prod.id, "--name", "cli-up-again")
    assert r.rc == 0, r.err
    assert "edited 'cli-up-again'" in r.out and "edited 'cli-up'" not in r.out


def test_the_demo_backup_key_is_handed_out_and_opens_the_demo_backups(
    tmp_path: Path, isolated_home: Path
) -> None:
    """serve -> the key in its output and in connection.json -> `ravensec backups verify` with it: OK."""
    state = tmp_path / "mock"
    server = subprocess.Popen([str(MOCK), "serve", "--state-dir", str(state)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    printed = ""
    try:
        printed = until_serving(server)
        info = json.loads((state / "connection.json").read_text())
        key = info["backup_key"]
        assert len(key) == 44
        env = {**os.environ, "RAVENSEC_CONFIG": str(tmp_path / "config.toml"), "RAVEN_BACKUP_KEY": key}

        def ravensec(*argv: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([str(RAVENSEC), *argv], capture_output=True, text=True, env=env, timeout=60,
                                  stdin=subprocess.DEVNULL)

        assert ravensec("profile", "add", "demo", "--kind", "mock", "--state-dir", str(state), "--use").returncode == 0
        shop = next(pid for pid, p in info["products"].items() if p["name"] == "Shop")
        backups = json.loads(ravensec("backups", "list", "-p", "Shop", "-o", "json").stdout)
        for b in backups:
            own = info["products"][shop]["database_keys"].get(b["database"])
            env["RAVEN_BACKUP_KEY"] = own or key
            r = ravensec("backups", "verify", f"{b['database']}/{b['fileName']}", "-p", "Shop",
                         "--key", "env:RAVEN_BACKUP_KEY", "-o", "json")
            assert r.returncode == 0 and json.loads(r.stdout)["ok"] is True, r.stdout + r.stderr
        assert any(b["keySource"] == "Account" for b in backups)
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=30)
    assert f"account backup key {key}" in printed + out
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert key in readme  # the README names the demo world's (deterministic) account backup key
