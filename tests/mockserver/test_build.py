"""WorldBuilder: deterministic key material, independent mutable state per build, backups that open with
the right key only."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ravensec.core.backups import BackupKeyError, decrypt_backup, read_backup_header
from ravensec.core.models import BackupKeySource, SecurityClearance, Tier
from ravensec.mock import build as build_mod
from ravensec.mock.build import WorldBuilder, initial_cert_name
from ravensec.mock.tls import MockPki
from ravensec.mock.worlds import load_world, parse_world

FIXED = """
seed = 5
now = 2030-01-01T00:00:00Z
[account]
domain = "acme"
[[products]]
tier = "Free"
allowed_ips = ["127.0.0.1"]
[[products.certificates]]
name = "reader"
permissions = { Notes = "Read" }
expires_in_days = 20
[[products.databases]]
name = "Notes"
[[products.databases.documents]]
"@id" = "notes/7-A"
"@collection" = "Notes"
text = "hi"
[[products.backups]]
database = "Notes"
kind = "Full"
hours_ago = 3
"""


@pytest.fixture(scope="module")
def pki() -> MockPki:
    return MockPki(0)


def thumbprints(state: object) -> list[str]:
    return sorted(t for p in state.products.values() for t in p.cluster.certificates)  # type: ignore[attr-defined]


def test_same_seed_same_thumbprints(pki: MockPki) -> None:
    a = WorldBuilder(parse_world(FIXED, name="a", source="a.toml"), pki).build()
    build_mod._cache.clear()  # a cold second build must regenerate the very same certificates
    b = WorldBuilder(parse_world(FIXED, name="a", source="a.toml"), pki).build()
    assert thumbprints(a) == thumbprints(b)
    other = WorldBuilder(parse_world(FIXED.replace("seed = 5", "seed = 6"), name="a", source="a.toml"), pki).build()
    assert set(thumbprints(other)).isdisjoint(thumbprints(a))
    pa, pb = next(iter(a.products.values())), next(iter(b.products.values()))
    assert [x.blob for x in pa.backups] == [x.blob for x in pb.backups]


def test_demo_state_shape(pki: MockPki) -> None:
    spec = load_world("demo")
    state = WorldBuilder(spec, pki).build()
    assert state.account.domain == "acme" and spec.api_key in state.account.api_keys
    shop = next(p for p in state.products.values() if p.tier == Tier.PRODUCTION)
    assert [n.tag for n in shop.nodes] == ["A", "B", "C"] and all(n.url == "" and n.port == 0 for n in shop.nodes)
    op = shop.cluster.certificates[build_mod._thumbprint(shop.operator_cert)]
    assert op.clearance == SecurityClearance.OPERATOR and op.name == initial_cert_name("shop", "acme")
    assert (op.not_after - op.not_before).days >= 5 * 365
    admin_tp = build_mod._thumbprint(shop.cluster_admin_cert)
    assert admin_tp in shop.cluster.well_known_admin_thumbprints and admin_tp not in shop.cluster.certificates
    names = {e.name: e for e in shop.cluster.certificates.values()}
    assert names["intern"].disabled and not names["orders-service"].disabled
    orders = shop.cluster.databases["orders"]
    assert len(orders.docs) == 3 and orders.hilo["orders"] == 3
    assert shop.cluster.databases["customers"].encrypted and shop.cluster.databases["customers"].key


def test_rebuild_is_independent_and_equal(pki: MockPki) -> None:
    spec = load_world("demo")
    a, b = WorldBuilder(spec, pki).build(), WorldBuilder(spec, pki).build()
    assert thumbprints(a) == thumbprints(b)
    pid = next(iter(a.products))
    a.products[pid].allowed_ips.clear()
    first = next(iter(a.products[pid].cluster.certificates.values()))
    a.products[pid].cluster.certificates[first.thumbprint] = replace(first, name="changed")
    a.products[pid].cluster.databases.clear()
    assert b.products[pid].allowed_ips and b.products[pid].cluster.databases
    assert b.products[pid].cluster.certificates[first.thumbprint].name != "changed"
    with pytest.raises(TypeError):  # entries are shared between builds: nothing may change one in place
        first.permissions["X"] = "Read"  # type: ignore[index]
    # key material is shared, not regenerated
    assert a.products[pid].operator_cert is b.products[pid].operator_cert


def test_backups_open_with_the_right_key_only(pki: MockPki) -> None:
    state = WorldBuilder(load_world("demo"), pki).build()
    shop = next(p for p in state.products.values() if p.display_name == "Shop")
    by_db = {b.database: b for b in shop.backups if b.kind.value == "Full"}
    orders, customers = by_db["Orders"], by_db["Customers"]
    assert orders.key_source == BackupKeySource.ACCOUNT and customers.key_source == BackupKeySource.DATABASE
    got = decrypt_backup(orders.blob, state.account.backup_key)
    assert {d["@id"] for d in got.documents} == {"orders/1-A", "orders/2-A", "orders/3-A"}
    db_key = shop.cluster.databases["customers"].key
    assert db_key is not None
    assert len(decrypt_backup(customers.blob, db_key).documents) == 2
    with pytest.raises(BackupKeyError):
        decrypt_backup(customers.blob, state.account.backup_key)
    with pytest.raises(BackupKeyError):
        decrypt_backup(orders.blob, db_key)
    assert read_backup_header(orders.blob).database == "Orders"
    dev = next(p for p in state.products.values() if p.tier == Tier.DEVELOPMENT)
    assert dev.backups == []


def test_fixed_now_is_the_clock(pki: MockPki) -> None:
    state = WorldBuilder(parse_world(FIXED, name="a", source="a.toml"), pki).build()
    assert state.clock().year == 2030
    p = next(iter(state.products.values()))
    assert p.subdomain == "free" and p.backups[0].created_at.hour == 21


def test_world_certificates_keep_their_key_pairs(pki: MockPki) -> None:
    state = WorldBuilder(load_world("demo"), pki).build()
    shop = next(p for p in state.products.values() if p.display_name == "Shop")
    entry = next(e for e in shop.cluster.certificates.values() if e.name == "orders-service")
    bundle = state.client_bundles[entry.thumbprint]
    assert bundle.private_key is not None and bundle.cert_der() == entry.der


def test_demo_fixed_is_identical_across_processes() -> None:
    import subprocess
    import sys

    code = (
        "from ravensec.mock.build import WorldBuilder; from ravensec.mock.tls import MockPki; "
        "from ravensec.mock.worlds import load_world; "
        "s = WorldBuilder(load_world('demo-fixed'), MockPki(0)).build(); "
        "print(sorted(t for p in s.products.values() for t in p.cluster.certificates), s.clock())"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60) for _ in range(2)]
    assert runs[0].returncode == 0, runs[0].stderr
    assert runs[0].stdout == runs[1].stdout and "2026-11-27" in runs[0].stdout
