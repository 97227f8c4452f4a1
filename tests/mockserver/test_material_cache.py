"""The material cache: a start from it has the very certificates, keys and backup files a fresh build makes,
and loads no cryptography; anything wrong in it is a miss; RSA worlds are never kept."""

from __future__ import annotations

import dataclasses
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.certs.der import thumbprint_of_der
from ravensec.mock import MockCloud
from ravensec.mock import build as build_mod
from ravensec.mock import material_cache as mc
from ravensec.mock.build import WorldBuilder
from ravensec.mock.listeners import HOSTS
from ravensec.mock.material_cache import KEEP, MaterialCache, PemBundle, bundle_from_json, bundle_to_json
from ravensec.mock.tls import MockPki
from ravensec.mock.worlds import load_world, parse_world
from tests.mockserver.test_build import FIXED

# A world with an RSA certificate: its key cannot be seeded.
RSA_WORLD = FIXED + '[[products.certificates]]\nname = "legacy"\nkey_type = "rsa2048"\n'


def _material(spec: object, pki: MockPki, cache: MaterialCache | None) -> dict[str, object]:
    build_mod._cache.clear()  # the process-wide cache would answer before the disk is asked
    return build_mod._material_to_json(WorldBuilder(spec, pki, cache=cache).material())  # type: ignore[arg-type]


def test_a_hit_gives_what_a_fresh_build_makes(tmp_path: Path) -> None:
    cache = MaterialCache(tmp_path)
    spec = load_world("demo")
    cold_pki = MockPki(spec.seed, cache=cache)
    cold = _material(spec, cold_pki, cache)
    cold_server = bundle_to_json(cold_pki.server_bundle(HOSTS, label="p1"))
    cold_pki.save()
    assert sorted(p.name.split("-")[0] for p in tmp_path.iterdir()) == ["pki", "world"]

    warm_pki = MockPki(spec.seed, cache=cache)
    assert isinstance(warm_pki.ca, PemBundle)
    warm = _material(spec, warm_pki, cache)
    assert warm == cold
    (kept,) = build_mod._cache.values()
    assert all(isinstance(p.operator, PemBundle) for p in kept.products.values())  # read, not made
    assert bundle_to_json(warm_pki.server_bundle(HOSTS, label="p1")) == cold_server

    plain_pki = MockPki(spec.seed)
    assert _material(spec, plain_pki, None) == cold  # and a build that never saw a cache agrees
    assert warm_pki.ca_pem == plain_pki.ca_pem


def test_a_pem_bundle_is_the_bundle_it_was_kept_from() -> None:
    original = MockPki(3).server_bundle(["localhost"])
    kept = bundle_from_json(bundle_to_json(original))
    assert isinstance(kept.parsed, CertBundle)  # composition: the PEM, and the bundle parsed from it
    assert repr(kept) == f"PemBundle(thumbprint={thumbprint_of_der(original.cert_der())})"  # never the key
    assert kept.cert_pem() == original.cert_pem() and kept.cert_der() == original.cert_der()
    assert kept.combined_pem() == original.combined_pem()
    assert kept.certificate == original.certificate and kept.chain == original.chain
    assert kept.private_key.private_numbers() == original.private_key.private_numbers()  # type: ignore[union-attr]
    encrypted = load_pem_private_key(kept.key_pem("pw"), b"pw")
    assert encrypted.private_numbers() == original.private_key.private_numbers()  # type: ignore[union-attr]
    assert kept == bundle_from_json(bundle_to_json(kept)) and len({kept, bundle_from_json(bundle_to_json(kept))}) == 1
    public = PemBundle(original.cert_pem())
    assert public.private_key is None
    with pytest.raises(ValueError):
        public.key_pem()


def test_a_start_from_the_cache_loads_no_cryptography_until_a_request_needs_it(tmp_path: Path) -> None:
    code = (
        "import sys, ssl, http.client\n"
        "from ravensec.mock import MockCloud\n"
        "with MockCloud('demo') as cloud:\n"
        "    loaded = any(m.startswith('cryptography.hazmat') for m in sys.modules)\n"
        "    p = cloud.product('Shop')\n"
        "    ctx = ssl.create_default_context(cafile=str(cloud.ca_path))\n"
        "    ctx.load_cert_chain(str(p.operator_pem))\n"
        "    host, port = p.node_urls['A'].removeprefix('https://').rsplit(':', 1)\n"
        "    c = http.client.HTTPSConnection(host, int(port), context=ctx)\n"
        "    c.request('GET', '/certificates/whoami')\n"
        "    r = c.getresponse()\n"
        "    print(loaded, r.status, r.read().decode())\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr + runs[1].stderr
    cold, warm = (r.stdout.split(" ", 2) for r in runs)
    assert cold[:2] == ["True", "200"] and warm[:2] == ["False", "200"]
    assert warm[2] == cold[2]  # the same operator certificate, recognised the same way


def test_an_unreadable_or_malformed_entry_is_a_miss(tmp_path: Path) -> None:
    cache = MaterialCache(tmp_path)
    spec = load_world("demo-fixed")
    pki = MockPki(spec.seed, cache=cache)
    made = _material(spec, pki, cache)
    pki.save()
    for i, f in enumerate(sorted(tmp_path.iterdir())):
        f.write_text("{not json" if i == 0 else '{"ca": 1, "products": []}')
    again = MockPki(spec.seed, cache=cache)
    assert not isinstance(again.ca, PemBundle)
    assert _material(spec, again, cache) == made
    again.save()
    assert isinstance(MockPki(spec.seed, cache=cache).ca, PemBundle)  # rewritten whole


def test_rsa_worlds_are_never_kept(tmp_path: Path) -> None:
    cache = MaterialCache(tmp_path)
    _material(parse_world(RSA_WORLD, name="rsa", source="rsa.toml"), MockPki(9), cache)
    assert not list(tmp_path.glob("world-*"))


def test_the_directory_keeps_the_newest_entries_private(tmp_path: Path) -> None:
    cache = MaterialCache(tmp_path / "mock")
    for i in range(KEEP + 2):
        cache.save({"i": i}, "test", str(i))
        os.utime(cache.path("test", str(i)), (1_000_000 + i, 1_000_000 + i))
    cache.save({"i": "last"}, "test", "last")
    files = list(cache.directory.iterdir())
    assert len(files) == KEEP and cache.load("test", "last") == {"i": "last"}
    assert cache.load("test", "0") is None and cache.load("test", "1") is None and cache.load("test", "2") is None
    assert stat.S_IMODE(cache.directory.stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}


def test_mock_cloud_keeps_material_in_the_user_cache_unless_told_not_to(isolated_home: Path) -> None:
    where = Path(os.environ["XDG_CACHE_HOME"]) / "ravensec" / "mock"
    build_mod._cache.clear()
    MockCloud("demo-fixed", material_cache=False)
    assert not where.exists()
    build_mod._cache.clear()
    with MockCloud("demo-fixed"):
        pass
    assert sorted(p.name.split("-")[0] for p in where.iterdir()) == ["pki", "world"]


def test_the_codecs_keep_every_field_of_the_state_records() -> None:
    # A field added to CertEntry or BackupEntry must be kept too, or a hit would lose what a build sets.
    spec = load_world("demo-fixed")
    state = WorldBuilder(spec, MockPki(spec.seed)).build()
    shop = next(p for p in state.products.values() if p.backups)
    entry, backup = next(iter(shop.cluster.certificates.values())), shop.backups[0]
    for record, to_json, from_json in (
        (entry, mc.entry_to_json, mc.entry_from_json),
        (backup, mc.backup_to_json, mc.backup_from_json),
    ):
        assert set(to_json(record)) == {f.name for f in dataclasses.fields(record)}  # type: ignore[operator]
        assert from_json(to_json(record)) == record  # type: ignore[operator]
