"""The real ``ravensec`` process lists certificates and products whose names are hostile (tests/hostile_names):
nothing of a name steers the terminal in a table, and JSON/YAML carry every name exactly."""

from __future__ import annotations

import pytest

from tests.cli.mockcli import Cli, active_product
from tests.hostile_names import CONTROL, CORPUS, FORBIDDEN, LONG, PRODUCT_NAME, plant


@pytest.fixture
def planted(cli: Cli) -> tuple[str, dict[str, str]]:
    prod = active_product(cli.cloud)
    return prod.id, plant(cli.cloud, prod.id)


def _assert_inert(out: str) -> None:
    bad = [ch for ch in FORBIDDEN if ch in out]
    assert bad == [], f"terminal control reached stdout: {bad!r}"


@pytest.mark.parametrize("no_color", [False, True])
def test_tables_show_escapes_never_controls(cli: Cli, planted: tuple[str, dict[str, str]], no_color: bool) -> None:
    pid, _ = planted
    extra = ["--no-color"] if no_color else []
    runs = {
        "certs": cli("certs", "list", "-p", pid, *extra),
        "products": cli("products", "list", *extra),
        "expiring": cli("expiring", "--within", "30d", *extra),
    }
    for what, r in runs.items():
        assert r.rc == 0, (what, r.err)
        _assert_inert(r.out)
        _assert_inert(r.err)
        assert "Traceback" not in r.err
    certs = runs["certs"].out
    assert "title\\x1b]0;pwned\\x07" in certs and "admin-ok\\x0dEVIL" in certs and "rtl\\u202egnp.exe" in certs
    assert "nul\\x00byte" in certs and "[@click=app.quit]quit[/]" in certs and "証明書-本番" in certs
    # The 10,000-character name (and its database) is cut with an ellipsis, not printed whole.
    assert LONG[:101] not in certs and "L" * 99 + "…" in certs  # TABLE_CELL_LIMIT cells, the last an ellipsis
    assert max(len(line) for line in certs.splitlines()) < 1000
    assert "Zed[/b] [@click=app.quit]x[/]\\x1b]0;pwned\\x07\\x0dSpoof" in runs["products"].out
    assert "Zed[/b]" in runs["expiring"].out and "clear\\x1b[2J" in runs["expiring"].out
    # Each certificate stays on its own line: no name adds or overwrites one.
    assert len(certs.splitlines()) == len(cli("certs", "list", "-p", pid, "-o", "json").json()) + 1


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_machine_output_carries_the_exact_names(cli: Cli, planted: tuple[str, dict[str, str]], fmt: str) -> None:
    pid, made = planted
    for argv in (("certs", "list", "-p", pid), ("products", "list"), ("expiring", "--within", "30d")):
        r = cli(*argv, "-o", fmt)
        assert r.rc == 0, r.err
        _assert_inert(r.out)
    if fmt != "json":
        return
    certs = {c["thumbprint"]: c for c in cli("certs", "list", "-p", pid, "-o", "json").json()}
    for name, tp in made.items():
        assert certs[tp]["name"] == name
        assert certs[tp]["permissions"] == {name: "read"}
    products = cli("products", "list", "-o", "json").json()
    assert PRODUCT_NAME in {p["name"] for p in products}
    expiring = cli("expiring", "--within", "30d", "-o", "json").json()
    assert {c["name"] for c in expiring} >= set(CORPUS)
    assert {c["productName"] for c in expiring if c["product"] == pid} == {PRODUCT_NAME}


def test_show_and_messages_escape_names(cli: Cli, planted: tuple[str, dict[str, str]]) -> None:
    pid, made = planted
    for name in CONTROL:
        r = cli("certs", "show", made[name], "-p", pid)
        assert r.rc == 0, r.err
        _assert_inert(r.out)
    r = cli("certs", "disable", made["admin-ok\rEVIL"], "-p", pid, "--dry-run")
    assert r.rc == 0, r.err
    _assert_inert(r.out)
    assert "admin-ok\\x0dEVIL" in r.out
    r = cli("certs", "show", "no such\x1b[2J", "-p", pid)  # an error quoting what it was given
    assert r.rc == 4
    _assert_inert(r.err)
