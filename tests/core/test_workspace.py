"""Workspace against a local HTTPS server playing both the Cloud API and a product's node (real mTLS)."""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.errors import (
    CertificateError,
    ConfigError,
    NotSupported,
    ReadOnlyError,
    UnsafePathError,
    UsageError,
)
from ravensec.core.models import IpRule, SecurityClearance
from ravensec.core.profile import Profile
from ravensec.core.workspace import DIRECT_PRODUCT_ID, Workspace
from tests.core.fake_cloud import NOW, fake_cloud, need_certs, tp_of
from tests.core.localserver import Pki


async def test_read_only_refuses_every_write_before_any_request(pki: Pki) -> None:
    async with fake_cloud(pki) as fake:
        ws = await Workspace.open(fake.profile(), read_only=True)
        async with ws:
            before = len(fake.rec.seen)
            writes = [
                lambda: ws.generate_certificate("p-1", "n", SecurityClearance.VALID_USER, {}),
                lambda: ws.register_certificate("p-1", "n", fake.package_owner, SecurityClearance.VALID_USER, {}),
                lambda: ws.generate_local_and_register("p-1", "n", SecurityClearance.VALID_USER, {}),
                lambda: ws.edit_certificate("p-1", "AA", name="x"),
                lambda: ws.delete_certificate("p-1", "AA"),
                lambda: ws.purge_expired("p-1"),
                lambda: ws.set_ip_rules("p-1", [IpRule.from_api("10.0.0.0/8")]),
                lambda: ws.regenerate_certificate("p-1"),
            ]
            for write in writes:
                with pytest.raises(ReadOnlyError):
                    await write()
            assert len(fake.rec.seen) == before
            assert ws.read_only


async def test_profile_read_only_flag_is_honoured_and_can_be_overridden(pki: Pki) -> None:
    async with fake_cloud(pki) as fake:
        async with await Workspace.open(fake.profile(read_only=True)) as ws:
            assert ws.read_only
            with pytest.raises(ReadOnlyError):
                await ws.delete_certificate("p-1", "AA")
        async with await Workspace.open(fake.profile(read_only=True), read_only=False) as ws:
            assert not ws.read_only


async def test_direct_profile_is_one_product_without_cloud(pki: Pki) -> None:
    profile = Profile(name="self-hosted", kind="direct", nodes=("https://127.0.0.1:1/",), ca_file=pki.ca_file)
    async with await Workspace.open(profile) as ws:
        [product] = await ws.list_products()
        assert product.id == DIRECT_PRODUCT_ID and product.node_urls == {"A": "https://127.0.0.1:1"}
        caps = ws.capabilities
        assert not (caps.edit_ip_rules or caps.backups or caps.regenerate_certificate)
        with pytest.raises(NotSupported):
            await ws.get_ip_rules(DIRECT_PRODUCT_ID)
        with pytest.raises(NotSupported):
            await ws.list_backups(DIRECT_PRODUCT_ID)


async def test_real_account_cannot_edit_ip_rules(pki: Pki) -> None:
    async with fake_cloud(pki, extensions=False) as fake, await Workspace.open(fake.profile()) as ws:
        assert ws.capabilities.edit_ip_rules is False
        assert [r.cidr for r in await ws.get_ip_rules("p-1")] == ["0.0.0.0/0"]
        with pytest.raises(NotSupported) as err:
            await ws.set_ip_rules("p-1", [IpRule.from_api("10.0.0.0/8")])
    assert err.value.portal_url == fake.url


async def test_mock_ip_rules_round_trip(pki: Pki) -> None:
    async with fake_cloud(pki) as fake, await Workspace.open(fake.profile()) as ws:
        rules = [IpRule.from_api({"ip": "198.51.100.0/24", "alias": "office"})]
        assert await ws.set_ip_rules("p-1", rules) == rules
        assert await ws.get_ip_rules("p-1") == rules


async def test_package_certificate_is_downloaded_once_and_cached_private(pki: Pki, isolated_home: Path) -> None:
    need_certs()
    from ravensec.core.config import cache_dir

    async with fake_cloud(pki) as fake:
        async with await Workspace.open(fake.profile()) as ws:
            me = await ws.whoami("p-1")
            assert me is not None and me.name == "shop-operator"
        cached = cache_dir() / "certs" / "p-1.pem"
        assert stat.S_IMODE(cached.stat().st_mode) == 0o600
        async with await Workspace.open(fake.profile()) as ws:
            assert (await ws.whoami("p-1")) is not None
    downloads = [p for p in fake.rec.paths() if p.startswith("GET /api/v1/products/security/certificate")]
    assert len(downloads) == 1


async def test_an_expired_cached_certificate_is_downloaded_again(pki: Pki, isolated_home: Path) -> None:
    need_certs()
    from ravensec.core.certs.generate import make_client_certificate
    from ravensec.core.config import cache_dir

    cached = cache_dir() / "certs" / "p-1.pem"
    cached.parent.mkdir(parents=True)
    old = make_client_certificate("old", not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=1))
    cached.write_bytes(old.combined_pem())
    async with fake_cloud(pki) as fake, await Workspace.open(fake.profile()) as ws:
        me = await ws.whoami("p-1")
        assert me is not None and me.name == "shop-operator"
    assert sum(p.startswith("GET /api/v1/products/security/certificate") for p in fake.rec.paths()) == 1
    assert cached.read_bytes() == fake.package_owner.cert_pem() + fake.package_owner.key_pem()


async def test_a_symlinked_certificate_cache_is_refused_not_followed(
    pki: Pki, isolated_home: Path, tmp_path: Path
) -> None:
    need_certs()
    from ravensec.core.config import cache_dir

    shared = tmp_path / "shared"
    shared.mkdir()
    cache_dir().mkdir(parents=True)
    (cache_dir() / "certs").symlink_to(shared, target_is_directory=True)
    async with fake_cloud(pki) as fake, await Workspace.open(fake.profile()) as ws:
        with pytest.raises(UnsafePathError, match="certs is a symbolic link") as info:
            await ws.whoami("p-1")
        assert "Remove the link" in info.value.hint
    assert list(shared.iterdir()) == []  # the key never went where the link points
    (cache_dir() / "certs").unlink()
    cache_dir().rmdir()
    cache_dir().symlink_to(shared, target_is_directory=True)  # the cache directory itself: the same
    async with fake_cloud(pki) as fake, await Workspace.open(fake.profile()) as ws:
        with pytest.raises(UnsafePathError, match="ravensec is a symbolic link"):
            await ws.whoami("p-1")
    assert list(shared.iterdir()) == []


async def test_a_symlinked_cache_file_is_replaced_not_read_or_written_through(
    pki: Pki, isolated_home: Path, tmp_path: Path
) -> None:
    need_certs()
    from ravensec.core.certs.generate import make_client_certificate
    from ravensec.core.config import cache_dir

    planted = tmp_path / "planted.pem"
    planted.write_bytes(make_client_certificate("planted").combined_pem())
    before = planted.read_bytes()
    cached = cache_dir() / "certs" / "p-1.pem"
    cached.parent.mkdir(parents=True)
    cached.symlink_to(planted)
    async with fake_cloud(pki) as fake, await Workspace.open(fake.profile()) as ws:
        me = await ws.whoami("p-1")
        assert me is not None and me.name == "shop-operator"  # the package's certificate, not the planted one
    assert planted.read_bytes() == before
    assert not cached.is_symlink() and stat.S_IMODE(cached.stat().st_mode) == 0o600


async def test_a_package_without_a_plain_pem_is_read_the_long_way(pki: Pki, isolated_home: Path) -> None:
    need_certs()
    from ravensec.core.certs.packages import build_server_package
    from ravensec.core.config import cache_dir

    async with fake_cloud(pki) as fake:
        fake.package_zip = build_server_package(fake.package_owner, "shop", password="pw-in-no-file")
        async with await Workspace.open(fake.profile()) as ws:
            with pytest.raises(CertificateError, match="passphrase"):  # as before: nothing opens it
                await ws.whoami("p-1")
        assert not (cache_dir() / "certs" / "p-1.pem").exists()
        fake.package_zip = build_server_package(fake.package_owner, "shop")  # a PFX, a .crt and a .key
        async with await Workspace.open(fake.profile()) as ws:
            assert isinstance(await ws._client_cert("p-1"), CertBundle)  # read with cryptography
            me = await ws.whoami("p-1")
            assert me is not None and me.name == "shop-operator"
        cached = cache_dir() / "certs" / "p-1.pem"
        assert cached.read_bytes() == fake.package_owner.combined_pem()  # certificate and key, as before
        async with await Workspace.open(fake.profile()) as ws:  # the cached PEM now goes to ssl as is
            assert (await ws.whoami("p-1")) is not None
    assert sum(p.startswith("GET /api/v1/products/security/certificate") for p in fake.rec.paths()) == 2


async def test_profile_certificate_is_used_and_expiring_skips_unreachable(pki: Pki, tmp_path: Path) -> None:
    need_certs()
    async with fake_cloud(pki) as fake:
        pem = tmp_path / "op.pem"
        pem.write_bytes(fake.package_owner.combined_pem())
        profile = fake.profile(certificates={"p-1": pem, "p-2": pem})
        async with await Workspace.open(profile) as ws:
            found = await ws.expiring(within_days=60)
            assert [(p.id, c.name) for p, c in found] == [("p-1", "soon")]
            assert set(ws.skipped) == {"p-2"} and "connection refused" in ws.skipped["p-2"]
    assert not any("security/certificate" in p for p in fake.rec.paths())


async def test_generate_local_and_register(pki: Pki, tmp_path: Path) -> None:
    need_certs()
    from ravensec.core.certs.load import load_bundle_file

    async with fake_cloud(pki) as fake:
        pem = tmp_path / "op.pem"
        pem.write_bytes(fake.package_owner.combined_pem())
        async with await Workspace.open(fake.profile(client_cert=pem)) as ws:
            tp, files = await ws.generate_local_and_register(
                "p-1", "ci bot", SecurityClearance.VALID_USER, {"db": "Read"}, dest_dir=tmp_path / "out"
            )
            await ws.edit_certificate("p-1", tp, name="ci-bot-2")
            before = [f.read_bytes() for f in files]
            with pytest.raises(UsageError, match="already exist"):
                await ws.generate_local_and_register(
                    "p-1", "ci bot", SecurityClearance.VALID_USER, {"db": "Read"}, dest_dir=tmp_path / "out"
                )
            assert [f.read_bytes() for f in files] == before
        puts = [(p, b) for m, p, _h, b, _t in fake.rec.seen if m == "PUT"]
    assert len(puts) == 1 and b"PRIVATE KEY" not in puts[0][1]
    assert fake.certs[tp]["Name"] == "ci-bot-2" and fake.certs[tp]["Permissions"] == {"db": "Read"}
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    pem_out = next(f for f in files if f.suffix == ".pem")
    assert tp_of(load_bundle_file(pem_out).certificate) == tp
    json.dumps([str(f) for f in files])  # paths are plain, serialisable


async def test_mock_profile_reads_connection_json(pki: Pki, tmp_path: Path) -> None:
    async with fake_cloud(pki) as fake:
        state = tmp_path / "state"
        state.mkdir()
        (state / "connection.json").write_text(json.dumps({
            "portal_url": fake.url, "api_url": fake.url + "/api/v1", "api_key": "from-file",
            "ca_path": str(pki.ca_file), "products": {"p-1": {"name": "shop", "node_urls": {"A": fake.url}}},
        }))
        profile = Profile(name="m", kind="mock", state_dir=state)  # no key, no CA: all from the file
        async with await Workspace.open(profile) as ws:
            assert ws.capabilities.edit_ip_rules and ws.capabilities.portal_url == fake.url
            assert [p.id for p in await ws.list_products()] == ["p-1", "p-2"]
    assert all(h["X-Api-Key"] == "from-file" for _m, _p, h, _b, _t in fake.rec.seen)


async def test_mock_profile_without_connection_json_says_start_the_mock(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"connection\.json: does not exist"):
        await Workspace.open(Profile(name="m", kind="mock", state_dir=tmp_path))


async def test_refused_registration_leaves_no_key_files(pki: Pki, tmp_path: Path) -> None:
    need_certs()
    from ravensec.core.errors import Forbidden

    async with fake_cloud(pki) as fake:
        pem = tmp_path / "op.pem"
        pem.write_bytes(fake.package_owner.combined_pem())
        async with await Workspace.open(fake.profile(client_cert=pem)) as ws:
            with pytest.raises(Forbidden, match="lower clearance"):
                await ws.generate_local_and_register(
                    "p-1", "refused", SecurityClearance.CLUSTER_ADMIN, {}, dest_dir=tmp_path / "out"
                )
    assert list((tmp_path / "out").iterdir()) == []
