"""The command layer in-process against a fake workspace: product lookup, JSON shapes, confirmation, errors."""

from __future__ import annotations

import json
from dataclasses import replace

from ravensec.core.errors import AuthError, Unavailable
from ravensec.core.models import Product, ProductStatus
from tests.cli.fakes import FakeWorkspace, make_product, run_cli


def test_products_list_json_shape() -> None:
    rc, out, err = run_cli(["products", "list", "-o", "json"], FakeWorkspace())
    assert rc == 0 and err == ""
    data = json.loads(out)
    assert [p["id"] for p in data] == ["p1", "p2"]
    assert set(data[0]) == {"id", "name", "status", "tier", "provider", "region", "instanceType", "nodes",
                            "allowedIps"}
    assert data[0]["nodes"][0] == {"tag": "A", "url": "https://a.p1.invalid"}
    assert data[0]["allowedIps"] == [{"ip": "127.0.0.1/32", "alias": "me"}]


def test_products_list_yaml_and_table() -> None:
    rc, out, _ = run_cli(["products", "list", "-o", "yaml"], FakeWorkspace())
    assert rc == 0 and out.startswith("- id: p1\n  name: Orders\n")
    rc, out, _ = run_cli(["products", "list"], FakeWorkspace())
    assert out.splitlines()[0].split() == ["ID", "NAME", "STATUS", "TIER", "REGION", "NODES", "ALLOWED", "IPS"]
    assert "Orders" in out and "A,B" in out


def test_product_by_id_name_or_case_insensitive_name() -> None:
    for ref in ("p2", "Billing", "billing"):
        rc, out, _ = run_cli(["whoami", "--product", ref, "-o", "json"], FakeWorkspace())
        assert rc == 0 and json.loads(out)["product"] == "p2"


def test_product_missing_ambiguous_or_unknown() -> None:
    rc, _, err = run_cli(["certs", "list"], FakeWorkspace())
    assert rc == 2 and "Which product?" in err and "Orders (p1)" in err
    ws = FakeWorkspace(products=[make_product("p1", "Same"), make_product("p2", "Same")])
    rc, _, err = run_cli(["certs", "list", "-p", "Same"], ws)
    assert rc == 2 and "2 products are named 'Same'" in err
    rc, _, err = run_cli(["certs", "list", "-p", "nope"], FakeWorkspace())
    assert rc == 4 and "No product 'nope'" in err


def test_single_product_needs_no_flag() -> None:
    rc, out, _ = run_cli(["certs", "list", "-o", "json"], FakeWorkspace(products=[make_product("p1", "Solo")]))
    assert rc == 0 and len(json.loads(out)) == 3


def test_certs_list_json_shape() -> None:
    rc, out, _ = run_cli(["certs", "list", "-p", "p1", "-o", "json"], FakeWorkspace())
    rows = json.loads(out)
    assert rc == 0
    assert set(rows[0]) == {"name", "thumbprint", "clearance", "permissions", "notBefore", "notAfter", "daysLeft",
                            "expiry", "disabled", "pinningHash"}
    by = {r["name"]: r for r in rows}
    assert by["ops"]["clearance"] == "operator" and by["ops"]["expiry"] == "valid"
    assert by["old"]["expiry"] == "expired" and by["old"]["daysLeft"] < 0
    assert by["soon"]["permissions"] == {"orders": "read"} and by["soon"]["expiry"] == "expiring_30"
    assert by["ops"]["notAfter"].endswith("Z")


def test_cert_lookup_by_prefix_and_name() -> None:
    ws = FakeWorkspace()
    rc, out, _ = run_cli(["certs", "show", "abab:abab", "-p", "p1", "-o", "json"], ws)
    assert rc == 0 and json.loads(out)["name"] == "ops"
    rc, out, _ = run_cli(["certs", "show", "soon", "-p", "p1", "-o", "json"], ws)
    assert json.loads(out)["thumbprint"] == "EF" * 20
    rc, _, err = run_cli(["certs", "show", "zzzzzz", "-p", "p1"], ws)
    assert rc == 4 and "No certificate 'zzzzzz'" in err


def test_delete_refuses_without_yes_when_not_interactive() -> None:
    ws = FakeWorkspace()
    rc, _, err = run_cli(["certs", "delete", "soon", "-p", "p1"], ws)
    assert rc == 2 and "--yes" in err
    assert not [c for c in ws.calls if c[0] == "delete"]
    rc, out, _ = run_cli(["certs", "delete", "soon", "-p", "p1", "--dry-run", "-o", "json"], ws)
    assert rc == 0 and json.loads(out)["dryRun"] is True
    assert json.loads(out)["plan"]["consents"] == ["confirm"]
    assert not [c for c in ws.calls if c[0] == "delete"]
    rc, out, _ = run_cli(["certs", "delete", "soon", "-p", "p1", "--yes"], ws)
    assert rc == 0 and "deleted 'soon'" in out
    assert ("delete", "p1", "EF" * 20) in ws.calls
    # The certificate in use ("ops", whoami's answer here): refused in the plan, before anything is sent.
    rc, _, err = run_cli(["certs", "delete", "ops", "-p", "p1", "--yes"], ws)
    assert rc == 1 and "certificate this session uses" in err
    assert ("delete", "p1", "AB" * 20) not in ws.calls


def test_read_only_refuses_even_a_dry_run() -> None:
    ws = FakeWorkspace(read_only=True)
    rc, _, err = run_cli(["certs", "disable", "ops", "-p", "p1", "--dry-run"], ws)
    assert rc == 3 and "read-only" in err
    rc, _, err = run_cli(["certs", "delete", "ops", "-p", "p1", "--yes"], ws)
    assert rc == 3 and "read-only" in err and not [c for c in ws.calls if c[0] == "delete"]


def test_disable_then_enable() -> None:
    ws = FakeWorkspace()
    rc, out, _ = run_cli(["certs", "disable", "soon", "-p", "p1"], ws)
    assert rc == 0 and "disabled 'soon'" in out
    assert ws.calls[0][0] == "edit" and ws.calls[0][3]["disabled"] is True
    rc, _, _ = run_cli(["certs", "enable", "soon", "-p", "p1"], ws)
    assert rc == 0 and [c for c in ws.calls if c[0] == "edit"][-1][3]["disabled"] is False


def test_disabling_the_certificate_in_use_needs_allow_lockout() -> None:
    ws = FakeWorkspace()
    rc, out, err = run_cli(["certs", "disable", "ops", "-p", "p1", "--yes"], ws)
    assert rc == 2 and "--allow-lockout" in err and "locks you out" in out
    assert not [c for c in ws.calls if c[0] == "edit"]
    rc, _, _ = run_cli(["certs", "disable", "ops", "-p", "p1", "--yes", "--allow-lockout"], ws)
    assert rc == 0 and [c for c in ws.calls if c[0] == "edit"][-1][3]["disabled"] is True


def test_purge_expired_lists_what_goes() -> None:
    ws = FakeWorkspace()
    rc, out, _ = run_cli(["certs", "purge-expired", "-p", "p1", "-y", "-o", "json"], ws)
    assert rc == 0 and json.loads(out)["thumbprints"] == ["CD" * 20]
    assert ("purge", "p1") in ws.calls


def test_expiring_across_products() -> None:
    rc, out, _ = run_cli(["expiring", "--within", "30d", "-o", "json"], FakeWorkspace())
    rows = json.loads(out)
    assert rc == 0 and {(r["product"], r["name"]) for r in rows} == {("p1", "old"), ("p1", "soon"),
                                                                     ("p2", "old"), ("p2", "soon")}
    rc, _, err = run_cli(["expiring", "--within", "soon"], FakeWorkspace())
    assert rc == 2 and "duration" in err


def test_errors_are_one_line_unless_verbose() -> None:
    rc, out, err = run_cli(["products", "list"], FakeWorkspace(fail_with=AuthError("The API key was refused.",
                                                                                   hint="Check it.")))
    assert rc == 3 and out == "" and err == "ravensec: The API key was refused. Check it.\n"
    rc, _, err = run_cli(["products", "list", "-v"], FakeWorkspace(fail_with=Unavailable("No node answered.")))
    assert rc == 5 and "Traceback" in err and err.endswith("ravensec: No node answered.\n")


def test_user_certificate_without_database_is_refused_before_any_call() -> None:
    ws = FakeWorkspace()
    rc, _, err = run_cli(["certs", "generate-local", "-p", "p1", "--name", "u", "--clearance", "user"], ws)
    assert rc == 2 and "--db" in err and ws.calls == [("close",)]


def test_wait_polls_until_active_and_stays_quiet_when_piped() -> None:
    class Slow(FakeWorkspace):
        polls = 0

        async def get_product(self, pid: str) -> Product:
            self.polls += 1
            p = await super().get_product(pid)
            return p if self.polls >= 3 else replace(p, status=ProductStatus.CREATING)

    ws = Slow()
    rc, out, err = run_cli(["products", "wait", "p1", "--interval", "0"], ws)
    assert rc == 0 and ws.polls == 3 and out == "Orders is Active.\n" and err == ""
    ws = Slow()
    rc, _, err = run_cli(["products", "wait", "p1", "--interval", "0", "--timeout", "0"], ws)
    assert rc == 1 and "still Creating" in err
