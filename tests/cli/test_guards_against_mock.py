"""Issue 13's red-team cases as regressions: the real ``ravensec`` process against the real mock over mTLS.
Each change prints its plan, needs its consents (--yes, --replace, --allow-lockout) and is read back."""

from __future__ import annotations

from pathlib import Path

from ravensec.core.certs.generate import make_client_certificate
from ravensec.core.certs.packages import export_pfx
from ravensec.core.profile import Profile
from tests.cli.mockcli import Cli


def test_reupload_of_a_registered_certificate_needs_replace(cli: Cli, tmp_path: Path) -> None:
    bundle = make_client_certificate("up")
    pem, pfx = tmp_path / "up.pem", tmp_path / "up.pfx"
    pem.write_bytes(bundle.cert_pem())
    pfx.write_bytes(export_pfx(bundle, "pw"))
    r = cli("certs", "upload", str(pem), "-p", "Shop", "--name", "cli-up", "--clearance", "user", "--db", "Orders=read")
    assert r.rc == 0, r.err
    again = ("certs", "upload", str(pfx), "--password", "pw", "-p", "Shop", "--name", "cli-up-again",
             "--clearance", "operator")
    r = cli(*again)
    assert r.rc == 2 and "--replace" in r.err and "nothing was changed" in r.err
    assert "already registered as 'cli-up'" in r.out and "User → Operator (raised)" in r.out
    assert "permissions lost: Orders=Read" in r.out
    shown = cli("certs", "show", "cli-up", "-p", "Shop", "-o", "json").json()
    assert shown["clearance"] == "user" and shown["permissions"] == {"Orders": "read"}
    r = cli(*again, "--dry-run", "-o", "json")
    assert r.rc == 0 and r.json()["replaces"] is True and r.json()["plan"]["consents"] == ["replace"]
    r = cli(*again, "--replace", "-o", "json")
    assert r.rc == 0, r.err
    shown = cli("certs", "show", r.json()["thumbprint"], "-p", "Shop", "-o", "json").json()
    assert shown["name"] == "cli-up-again" and shown["clearance"] == "operator"


def test_generate_never_overwrites_a_key_file(cli: Cli, tmp_path: Path) -> None:
    args = ("certs", "generate", "-p", "Shop", "--name", "cli-user", "--clearance", "user", "--db", "Orders=read",
            "--out", str(tmp_path))
    r = cli(*args)
    assert r.rc == 0, r.err
    first = (tmp_path / "cli-user.zip").read_bytes()
    count = len(cli("certs", "list", "-p", "Shop", "-o", "json").json())
    r = cli(*args)
    assert r.rc == 2 and "already exists" in r.err and "another name or directory" in r.err
    assert (tmp_path / "cli-user.zip").read_bytes() == first
    assert len(cli("certs", "list", "-p", "Shop", "-o", "json").json()) == count  # nothing generated
    local = ("certs", "generate-local", "-p", "Shop", "--name", "here", "--clearance", "operator", "--out",
             str(tmp_path / "keys"))
    assert cli(*local).rc == 0
    key = (tmp_path / "keys" / "here.key").read_bytes()
    r = cli(*local)
    assert r.rc == 2 and "already exist" in r.err and (tmp_path / "keys" / "here.key").read_bytes() == key


def test_removing_your_own_address_needs_allow_lockout(cli: Cli) -> None:
    r = cli("ips", "remove", "127.0.0.1/32", "-p", "Shop", "--dry-run")
    assert r.rc == 0 and "danger: your address 127.0.0.1 is no longer allowed" in r.out
    r = cli("ips", "remove", "127.0.0.1/32", "-p", "Shop", "--yes")
    assert r.rc == 2 and "--allow-lockout" in r.err
    assert "127.0.0.1/32" in cli("ips", "list", "-p", "Shop").out
    assert cli("certs", "list", "-p", "Shop").rc == 0  # still reachable: nothing was saved


def test_deleting_the_server_certificate_is_not_reported_done(cli: Cli) -> None:
    r = cli("certs", "delete", "Server Certificate", "-p", "Shop", "--yes")
    assert r.rc == 1 and "cannot be deleted" in r.err and "deleted" not in r.out
    assert "Server Certificate" in cli("certs", "list", "-p", "Shop").out


def test_delete_says_deleted_only_once_it_is_gone(cli: Cli) -> None:
    r = cli("certs", "delete", "orders-service", "-p", "Shop", "--yes")
    assert r.rc == 0 and "plan: delete 'orders-service'" in r.out and "deleted 'orders-service'" in r.out
    assert cli("certs", "show", "orders-service", "-p", "Shop").rc == 4


def test_one_validation_with_the_servers_rules(cli: Cli) -> None:
    base = ("certs", "generate-local", "-p", "Shop", "--name", "v", "--dry-run")
    r = cli(*base, "--clearance", "user")
    assert r.rc == 2 and "at least one database" in r.err
    r = cli(*base, "--clearance", "operator", "--db", "Orders=read")
    assert r.rc == 2 and "User certificates only" in r.err
    r = cli(*base, "--clearance", "user", "--db", "Nope=read")
    assert r.rc == 2 and "No database Nope" in r.err and "Orders" in r.err
    r = cli(*base, "--clearance", "user", "--db", "orders=read")
    assert r.rc == 0 and "dry run: nothing changed" in r.out


def test_a_user_is_told_listing_needs_an_operator(cli: Cli, tmp_path: Path) -> None:
    r = cli("certs", "generate-local", "-p", "Shop", "--name", "reader", "--clearance", "user", "--db",
            "Orders=read", "--out", str(tmp_path), "-o", "json")
    assert r.rc == 0, r.err
    pem = next(Path(f) for f in r.json()["files"] if f.endswith(".pem"))
    shop_id = cli("products", "show", "Shop", "-o", "json").json()["id"]
    cli.write_profiles(user=Profile(name="user", kind="mock", state_dir=cli.cloud.state_dir,
                                    certificates={shop_id: pem}))
    r = cli("certs", "list", "-p", "Shop", profile="user")
    assert r.rc == 3 and "needs Operator or Cluster Admin" in r.err
    assert "Operator cannot" not in r.err and "Cluster Admin certificate (self-hosted)" not in r.err
