"""The real ``ravensec`` process against the real mock over mTLS: output, JSON shapes, exit codes, refusals."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from ravensec.core.certs.generate import make_client_certificate
from ravensec.core.certs.packages import export_pfx
from ravensec.core.profile import Profile
from tests.cli.mockcli import Cli, active_product


def test_products_certs_whoami(cli: Cli) -> None:
    prod = active_product(cli.cloud)
    r = cli("products", "list", "-o", "json")
    assert r.rc == 0, r.err
    ids = {p["id"] for p in r.json()}
    assert prod.id in ids and set(r.json()[0]) >= {"id", "name", "status", "nodes", "allowedIps"}
    r = cli("certs", "list", "--product", prod.name, "-o", "json")
    assert r.rc == 0, r.err
    assert all(len(c["thumbprint"]) == 40 and c["notAfter"].endswith("Z") for c in r.json())
    r = cli("whoami", "--product", prod.id, "-o", "yaml", profile="ops")
    assert r.rc == 0, r.err
    assert f"product: {prod.id}\n" in r.out and "clearance: operator\n" in r.out


def test_generate_local_register_use_and_delete(cli: Cli, tmp_path: Path) -> None:
    prod = active_product(cli.cloud)
    out = tmp_path / "mine"
    r = cli("certs", "generate-local", "-p", prod.id, "--name", "cli-reader", "--clearance", "user",
            "--db", "inventory=read", "--out", str(out), "-o", "json")
    assert r.rc == 0, r.err
    made = r.json()
    tp = made["thumbprint"]
    assert made["action"] == "generate-local" and made["dryRun"] is False
    pem = next(Path(f) for f in made["files"] if f.endswith(".pem"))
    assert pem.stat().st_mode & 0o777 == 0o600
    # The new User certificate works, but a User may not list certificates: refused, exit 3.
    cli.write_profiles(user=Profile(name="user", kind="mock", state_dir=cli.cloud.state_dir,
                                    certificates={prod.id: pem}))
    r = cli("whoami", "-p", prod.id, "-o", "json", profile="user")
    assert r.rc == 0, r.err
    assert r.json()["thumbprint"] == tp and r.json()["clearance"] == "user"
    r = cli("certs", "list", "-p", prod.id, profile="user")
    assert r.rc == 3 and r.out == "" and "Traceback" not in r.err and len(r.err.strip().splitlines()) == 1
    # Destructive without --yes and without a terminal: refused, nothing deleted.
    r = cli("certs", "delete", tp, "-p", prod.id)
    assert r.rc == 2 and "--yes" in r.err
    r = cli("certs", "delete", tp[:10], "-p", prod.id, "--yes", "-o", "json")
    assert r.rc == 0, r.err
    done = r.json()
    assert done.pop("plan")["consents"] == ["confirm"]
    assert done == {"action": "delete", "dryRun": False, "product": prod.id, "thumbprint": tp}
    r = cli("certs", "show", tp, "-p", prod.id)
    assert r.rc == 4 and "No certificate" in r.err


def test_bad_files_and_wrong_passphrase(cli: Cli, tmp_path: Path) -> None:
    prod = active_product(cli.cloud)
    pfx = tmp_path / "c.pfx"
    pfx.write_bytes(export_pfx(make_client_certificate("uploaded"), "right"))
    r = cli("certs", "upload", str(pfx), "--password", "wrong", "-p", prod.id, "--name", "x",
            "--clearance", "operator")
    assert r.rc == 2 and "passphrase" in r.err and "Traceback" not in r.err, r.err
    r = cli("certs", "upload", str(tmp_path / "missing.pem"), "-p", prod.id, "--name", "x", "--clearance", "operator")
    assert r.rc == 2 and "does not exist" in r.err
    r = cli("certs", "upload", str(pfx), "--password", "right", "-p", prod.id, "--name", "uploaded",
            "--clearance", "operator", "-o", "json")
    assert r.rc == 0, r.err
    tp = r.json()["thumbprint"]
    r = cli("certs", "show", tp, "-p", prod.id, "-o", "json")
    assert r.rc == 0 and r.json()["name"] == "uploaded" and r.json()["clearance"] == "operator"


def test_operator_cannot_make_a_cluster_admin_and_read_only_refuses(cli: Cli) -> None:
    prod = active_product(cli.cloud)
    r = cli("certs", "generate-local", "-p", prod.id, "--name", "boss", "--clearance", "cluster-admin",
            profile="ops")
    assert r.rc == 3, r.err
    r = cli("--read-only", "certs", "purge-expired", "-p", prod.id, "--yes")
    assert r.rc == 3 and "read-only" in r.err


def test_ip_rules_diff_refusal_and_doctor(cli: Cli, tmp_path: Path) -> None:
    prod = active_product(cli.cloud)
    r = cli("ips", "add", "192.0.2.0/24", "--alias", "branch", "-p", prod.id, "--dry-run", "-o", "json")
    assert r.rc == 0, r.err
    d = r.json()
    assert d["dryRun"] is True and d["diff"]["added"] == [{"ip": "192.0.2.0/24", "alias": "branch"}]
    assert "+ 192.0.2.0/24" in r.err  # the diff, on stderr since stdout is JSON
    assert "192.0.2.0/24" not in cli("ips", "list", "-p", prod.id).out  # the dry run changed nothing
    r = cli("ips", "add", "300.1.1.1/8", "-p", prod.id)
    assert r.rc == 2 and "300.1.1.1" in r.err
    rules = tmp_path / "rules.txt"
    rules.write_text("# branch only\n192.0.2.0/24 branch\n198.51.100.7 vpn\n")
    # Dropping 127.0.0.1/32 (this machine, as the mock sees it) locks us out: --yes is not enough.
    r = cli("ips", "set", "--from", str(rules), "-p", prod.id, "--yes")
    assert r.rc == 2 and "--allow-lockout" in r.err and "danger: your address 127.0.0.1" in r.out
    assert "127.0.0.1/32" in cli("ips", "list", "-p", prod.id).out
    r = cli("ips", "set", "--from", str(rules), "-p", prod.id, "--yes", "--allow-lockout")
    assert r.rc == 0, r.err
    assert "+ 192.0.2.0/24  branch" in r.out and "- 127.0.0.1/32" in r.out
    # Our loopback address is now outside the allow-list: the nodes refuse us.
    r = cli("certs", "list", "-p", prod.id)
    assert r.rc in (3, 5) and "Traceback" not in r.err and r.err.startswith("ravensec: ")
    r = cli("doctor", "-o", "json")
    assert r.rc == 1
    checks = r.json()["checks"]
    assert any(c["check"] == "your IP" and c["status"] == "fail" and "127.0.0.1" in c["detail"] for c in checks)


def test_backups_list_and_verify(cli: Cli) -> None:
    with cli.cloud.state.lock:
        found = [(p.id, b.database, b.file_name) for p in cli.cloud.state.products.values() for b in p.backups
                 if b.key_source.value == "Account"]
        key = base64.b64encode(cli.cloud.state.account.backup_key).decode()
    assert found, "the demo world has backups under the account key"
    pid, database, file_name = found[0]
    r = cli("backups", "list", "-p", pid, "-o", "json")
    assert r.rc == 0, r.err
    assert {"database": database, "fileName": file_name}.items() <= next(
        b for b in r.json() if b["fileName"] == file_name and b["database"] == database).items()
    r = cli("backups", "verify", f"{database}/{file_name}", "--key", key, "-p", pid, "-o", "json")
    assert r.rc == 0, r.err
    assert r.json()["ok"] is True and r.json()["database"] == database and r.json()["documents"] >= 1
    wrong = base64.b64encode(b"\x01" * 32).decode()
    r = cli("backups", "verify", f"{database}/{file_name}", "--key", wrong, "-p", pid)
    assert r.rc == 1 and "FAILED" in r.out and wrong not in r.err + r.out
    r = cli("backups", "verify", f"{database}/{file_name}", "--key", "not-a-key", "-p", pid)
    assert r.rc == 2 and "not-a-key" not in r.err


def test_expiring_doctor_and_package(cli: Cli, tmp_path: Path) -> None:
    r = cli("expiring", "--within", "36500d", "-o", "json")
    assert r.rc == 0, r.err
    assert all({"product", "productName", "thumbprint", "daysLeft"} <= set(row) for row in r.json())
    assert r.json() and r.json() == sorted(r.json(), key=lambda x: x["notAfter"])
    r = cli("doctor")
    assert "TLS handshake" in r.out and "node" in r.out
    prod = active_product(cli.cloud)
    r = cli("products", "cert-package", prod.name, "--out", str(tmp_path / "pkg"), "-o", "json")
    assert r.rc == 0, r.err
    assert r.json()["files"] and all(Path(f).exists() for f in r.json()["files"])


def test_a_subcommand_never_imports_textual_or_the_mock(cli: Cli) -> None:
    code = (
        "import sys\n"
        "from ravensec.tui.__main__ import main\n"
        "rc = main(['products', 'list', '-o', 'json'])\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual' or m in ('ravensec.tui.app', 'ravensec.tui.launch')\n"
        "             or m.startswith('ravensec.mock'))\n"
        "print('RC', rc, 'BAD', bad, file=sys.stderr)\n"
    )
    env = {**os.environ, "RAVENSEC_CONFIG": str(cli.config)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert "RC 0 BAD []" in proc.stderr, proc.stderr
    assert isinstance(json.loads(proc.stdout), list)


def test_profile_added_by_the_cli_reaches_the_mock(cli: Cli) -> None:
    prod = active_product(cli.cloud)
    r = cli("profile", "add", "local", "--kind", "mock", "--state-dir", str(cli.cloud.state_dir), "--use")
    assert r.rc == 0, r.err
    # No certificate configured: the product's package is fetched through the API and its cert presented.
    r = cli("whoami", "-p", prod.name, "-o", "json")
    assert r.rc == 0, r.err
    assert r.json()["clearance"] == "operator"
