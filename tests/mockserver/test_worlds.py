"""World files: the shipped worlds load, and every kind of mistake names the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ravensec.core.errors import ConfigError
from ravensec.core.models import ProductStatus, Tier
from ravensec.mock.worlds import load_world, parse_world, world_names

# The world the mistakes below are made in (a file of its own, so it is also a valid world to serve).
BASE = (Path(__file__).resolve().parents[2] / "fixtures" / "worlds" / "one-shop.toml").read_text(encoding="utf-8")


def parse(text: str) -> object:
    return parse_world(text, name="t", source="t.toml")


def test_shipped_worlds_load() -> None:
    assert {"demo", "demo-fixed", "empty"} <= set(world_names())
    demo = load_world(None)
    assert demo.name == "demo" and load_world("demo").products == demo.products
    tiers = [p.tier for p in demo.products]
    assert tiers.count(Tier.FREE) == 1 and Tier.DEVELOPMENT in tiers
    prod = next(p for p in demo.products if p.tier == Tier.PRODUCTION)
    assert prod.nodes == ("A", "B", "C")
    assert load_world("empty").products == ()


def test_demo_has_the_cases_the_demo_needs() -> None:
    demo = load_world("demo")
    certs = [c for p in demo.products for c in p.certificates]
    days = [(c.not_after - demo.anchor).days for c in certs]
    assert any(0 < d < 30 for d in days), "one certificate expires within 30 days"
    assert any(d < 0 for d in days), "one certificate has expired"
    assert any(r.allows_all for p in demo.products for r in p.allowed_ips)
    import ipaddress

    loop = ipaddress.ip_address("127.0.0.1")
    for p in demo.products:  # the demo runs on loopback: every product must let it in
        assert any(loop in r.network for r in p.allowed_ips), p.display_name
    assert all(p.backups for p in demo.products if p.tier != Tier.DEVELOPMENT)
    assert not any(p.backups for p in demo.products if p.tier == Tier.DEVELOPMENT)
    assert any(d.encrypted for p in demo.products for d in p.databases)
    assert all(d.documents for p in demo.products for d in p.databases)


def test_load_by_path(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text(BASE)
    w = load_world(f)
    assert w.name == "mine" and w.products[0].status == ProductStatus.ACTIVE
    assert load_world(str(f)).products[0].id == w.products[0].id


def test_unknown_names_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no world named 'nope'.*demo"):
        load_world("nope")
    with pytest.raises(ConfigError, match="does not exist"):
        load_world(tmp_path / "missing.toml")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('tier = "Production"', 'tier = "Gold"',
         "t.toml: products[0].tier: unknown tier 'Gold'; expected Free, Development or Production"),
        ('domain = "acme"', 'domain = "Acme Inc"', "t.toml: account.domain: "),
        ('domain = "acme"', "", "t.toml: account.domain: required key is missing"),
        ('subdomain = "shop"', 'subdomain = "-shop"', "t.toml: products[0].subdomain: "),
        ('alias = "me" }', 'alias = "me" }, "10.0.0.1/8"', "t.toml: products[0].allowed_ips[1]: "),
        ('ip = "127.0.0.1/32"', 'ip = "not-an-ip"', "t.toml: products[0].allowed_ips[0]: "),
        ('name = "Orders"', 'name = "Orders"\nsize = 3', "t.toml: products[0].databases[0].size: unknown key"),
        ("seed = 1", 'seed = "one"', "t.toml: seed: expected an integer, got str"),
        ('tier = "Production"', 'tier = "Production"\nnodes = ["A"]', "t.toml: products[0].nodes: "),
        ('tier = "Production"', 'tier = "Production"\ninstance_type = "Dev10"',
         "t.toml: products[0].instance_type: 'Dev10' is not a Production instance type"),
        ('tier = "Production"', 'tier = "Production"\nregion = "mars-1"', "t.toml: products[0].region: "),
        ('tier = "Production"', 'tier = "Production"\nstatus = "Sleeping"', "t.toml: products[0].status: "),
        ("seed = 1", "seed = 1\nnow = 5", "t.toml: now: expected a date-time"),
        ("seed = 1", "seed = 1\n[portal]\ntransition_seconds = -1", "t.toml: portal.transition_seconds: "),
    ],
)
def test_invalid_keys_are_named(old: str, new: str, expected: str) -> None:
    assert old in BASE
    with pytest.raises(ConfigError) as err:
        parse(BASE.replace(old, new, 1))
    assert str(err.value).startswith(expected), str(err.value)


def test_nested_mistakes_are_named() -> None:
    cert = BASE + '[[products.certificates]]\nname = "x"\nclearance = "God"\n'
    with pytest.raises(ConfigError, match=r"products\[0\]\.certificates\[0\]\.clearance: unknown clearance 'God'"):
        parse(cert)
    perms = BASE + '[[products.certificates]]\nname = "x"\npermissions = { Orders = "Write" }\n'
    with pytest.raises(ConfigError, match=r"certificates\[0\]\.permissions\.Orders: unknown access 'Write'"):
        parse(perms)
    backup = BASE + '[[products.backups]]\ndatabase = "Nope"\n'
    with pytest.raises(ConfigError, match=r"products\[0\]\.backups\[0\]\.database: no database 'Nope'"):
        parse(backup)
    dup = BASE + '[[products.databases.documents]]\n"@id" = "a/1"\n"@collection" = "A"\n' * 2
    with pytest.raises(ConfigError, match=r"databases\[0\]\.documents\[1\]\.@id: duplicate document id"):
        parse(dup)
    nocoll = BASE + '[[products.databases.documents]]\n"@id" = "a/1"\n'
    with pytest.raises(ConfigError, match=r"documents\[0\]\.@collection: required key is missing"):
        parse(nocoll)


def test_account_level_rules() -> None:
    dev = BASE.replace('tier = "Production"', 'tier = "Development"')
    with pytest.raises(ConfigError, match=r"products\[0\]\.backups: a Development product has no cloud backups"):
        parse(dev + '[[products.backups]]\ndatabase = "Orders"\n')
    two = BASE + BASE[BASE.index("[[products]]"):]
    with pytest.raises(ConfigError, match=r"products\[1\]\.subdomain: subdomain 'shop' is already taken"):
        parse(two)
    with pytest.raises(ConfigError, match=r"t\.toml: not valid TOML"):
        parse("seed = ")


def test_relative_dates_follow_now() -> None:
    w = parse(BASE.replace("seed = 1", 'seed = 1\nnow = 2030-01-01T00:00:00Z') +
              '[[products.certificates]]\nname = "soon"\nexpires_in_days = 10\n')
    c = w.products[0].certificates[0]  # type: ignore[attr-defined]
    assert w.now is not None and (c.not_after - w.now).days == 10 and c.not_before < w.now  # type: ignore[attr-defined]


def test_extends_takes_the_base_and_replaces_top_level_keys(tmp_path: Path) -> None:
    fixed = load_world("demo-fixed")
    demo = load_world("demo")
    assert demo.now is None and fixed.now is not None and fixed.anchor == fixed.now
    assert [p.id for p in fixed.products] == [p.id for p in demo.products]
    base = tmp_path / "base.toml"
    base.write_text(BASE)
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\n[account]\ndomain = "other"\n')
    w = load_world(child)
    assert w.domain == "other" and w.products[0].subdomain == "shop" and w.name == "child"
    child.write_text('extends = "nope"\n')
    with pytest.raises(ConfigError, match=r"child\.toml: extends: no world named 'nope'"):
        load_world(child)
