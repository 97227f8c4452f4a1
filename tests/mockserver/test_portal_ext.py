"""The mock's /ext/v1 endpoints over a real socket: capabilities, allowed IPs, regenerate, backups."""

from __future__ import annotations

from ravensec.core.backups import BackupKeyError, decrypt_backup
from ravensec.core.models import Backup, BackupKeySource
from tests.mockserver.portal_helpers import portal, product_id

EXT = "/ext/v1"


async def test_capabilities_need_the_api_key() -> None:
    async with portal() as (client, _):
        caps = await (await client.get(f"{EXT}/capabilities")).json()
        assert caps == {"allowedIpsEdit": True, "backups": True, "regenerateCertificate": True}
        assert (await client.get(f"{EXT}/capabilities", headers={"X-Api-Key": "bad"})).status == 401


async def test_allowed_ips_get_put_and_errors() -> None:
    async with portal() as (client, state):
        pid = product_id(state, "Shop")
        got = await (await client.get(f"{EXT}/products/{pid}/allowed-ips")).json()
        assert {"ip": "203.0.113.0/24", "alias": "office"} in got["allowedIps"]
        new = [{"ip": "127.0.0.1/32", "alias": "me"}, {"ip": "198.51.100.7", "alias": "home"}]
        r = await client.put(f"{EXT}/products/{pid}/allowed-ips", json={"allowedIps": new})
        assert r.status == 200
        assert (await r.json())["allowedIps"][1] == {"ip": "198.51.100.7/32", "alias": "home"}
        assert [x.cidr for x in state.products[pid].allowed_ips] == ["127.0.0.1/32", "198.51.100.7/32"]
        bad = [{"ip": "10.0.0.1/8", "alias": "x"}, {"ip": "banana", "alias": ""}]
        r = await client.put(f"{EXT}/products/{pid}/allowed-ips", json={"allowedIps": bad})
        body = await r.json()
        assert r.status == 400 and len(body["allowedIps"]) == 2 and "host bits" in body["allowedIps"][0]
        dup = [{"ip": "127.0.0.1/32"}, {"ip": "127.0.0.1/32"}]
        r = await client.put(f"{EXT}/products/{pid}/allowed-ips", json={"allowedIps": dup})
        assert r.status == 400 and (await r.json())["allowedIps"]
        assert len(state.products[pid].allowed_ips) == 2  # unchanged after refusals
        r = await client.put(f"{EXT}/products/{pid}/allowed-ips", json={"allowedIps": "1.2.3.4"})
        assert r.status == 400
        assert (await client.get(f"{EXT}/products/nope/allowed-ips")).status == 404


async def test_azure_rejects_allow_all_beside_others() -> None:
    async with portal() as (client, state):
        pid = product_id(state, "Staging")  # an azure product
        body = {"allowedIps": [{"ip": "0.0.0.0/0"}, {"ip": "127.0.0.1/32"}]}
        r = await client.put(f"{EXT}/products/{pid}/allowed-ips", json=body)
        assert r.status == 400


async def test_regenerate_keeps_the_old_certificate_registered() -> None:
    async with portal() as (client, state):
        pid = product_id(state, "Shop")
        p = state.products[pid]
        old = p.operator_cert
        before = set(p.cluster.certificates)
        r = await client.post(f"{EXT}/products/{pid}/certificate/regenerate")
        assert r.status == 200
        tp = (await r.json())["thumbprint"]
        assert tp not in before and set(p.cluster.certificates) == before | {tp}
        assert p.operator_cert is not old and p.cluster.certificates[tp].clearance.value == "Operator"


async def test_backups_list_and_fetch() -> None:
    async with portal() as (client, state):
        pid = product_id(state, "Shop")
        items = (await (await client.get(f"{EXT}/products/{pid}/backups")).json())["items"]
        backups = [Backup.from_api(i) for i in items]
        assert len(backups) == 4 and backups[0].created_at >= backups[-1].created_at
        cust = next(b for b in backups if b.database == "Customers")
        assert cust.key_source == BackupKeySource.DATABASE
        r = await client.get(f"{EXT}/products/{pid}/backups/Customers/{cust.file_name}")
        assert r.status == 200 and r.content_type == "application/octet-stream"
        blob = await r.read()
        assert len(blob) == cust.size
        key = state.products[pid].cluster.databases["customers"].key
        assert key is not None and len(decrypt_backup(blob, key).documents) == 2
        try:
            decrypt_backup(blob, state.account.backup_key)
        except BackupKeyError:
            pass
        else:
            raise AssertionError("the account key must not open an encrypted database's backup")
        assert (await client.get(f"{EXT}/products/{pid}/backups/Customers/nope")).status == 404
        dev = product_id(state, "Staging")
        assert (await (await client.get(f"{EXT}/products/{dev}/backups")).json())["items"] == []
