"""WorldSpec -> CloudState.

The first build of a world generates its key material (deterministically from the world's seed) and its
encrypted backup files; both are cached per (world file, anchor, CA), so later builds -- every
``MockCloud.reset()`` -- only rebuild the mutable containers around the same immutable certificates and
blobs, which takes a fraction of a millisecond for the demo world. Given a ``MaterialCache``, the material
is also kept between runs (``ravensec.mock.material_cache``): a start that finds it there makes no certificate.
So ``core.certs.generate`` (cryptography) is imported by the functions that make certificates, not here.
"""

from __future__ import annotations

import copy
import hashlib
import re
import threading
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from ravensec.core.certs.bundle import CertBundle, CertMaterial
from ravensec.core.certs.der import thumbprint_of_der
from ravensec.core.clock import utc_now
from ravensec.core.models import BackupKeySource, SecurityClearance
from ravensec.core.models.credits import burstable_type
from ravensec.mock import keypool, keyring
from ravensec.mock import material_cache as mc
from ravensec.mock.backend import entry_for
from ravensec.mock.backups import derive_key, make_backup
from ravensec.mock.cpu_credits import CpuBudget, budget_for
from ravensec.mock.material_cache import MaterialCache
from ravensec.mock.state import (
    Account,
    BackupEntry,
    CertEntry,
    CertStore,
    CloudState,
    Cluster,
    Database,
    Document,
    MockNode,
    ProductState,
)
from ravensec.mock.tls import MockPki
from ravensec.mock.world_spec import DatabaseSpec, ProductSpec, WorldSpec

if TYPE_CHECKING:
    from ravensec.core.certs.generate import KeyType

INITIAL_CERT_YEARS = 5
_CACHE_MAX = 16


def key_seed(seed: int, *parts: str) -> int:
    """A sub-seed for ``generate_key`` that depends only on the world seed and ``parts``."""
    return int.from_bytes(hashlib.sha256(":".join([str(seed), *parts]).encode()).digest()[:8], "big")


def initial_cert_name(subdomain: str, domain: str) -> str:
    """The cloud's name for a product's initial client certificate (and its package's files)."""
    return f"{subdomain}.{domain}.client.certificate"


def make_initial_certificates(
    seed: int, product_id: str, subdomain: str, domain: str, issuer: CertMaterial | None, anchor: datetime,
    ordinal: int,
) -> tuple[CertBundle, CertBundle]:
    """The product's initial Operator certificate (5 years from ``anchor``) and the tests' Cluster Admin one,
    with the ``ordinal``-th product's pair of RSA-4096 keys from the mock's key ring (the same on every run)."""
    from ravensec.core.certs.generate import make_client_certificate

    not_after = anchor + timedelta(days=365 * INITIAL_CERT_YEARS)
    operator = make_client_certificate(
        initial_cert_name(subdomain, domain),
        key=keyring.world_key(2 * ordinal),
        issuer=issuer,
        not_before=anchor,
        not_after=not_after,
        serial=key_seed(seed, product_id, "operator-serial") >> 1,
        deterministic=True,
    )
    admin = make_client_certificate(
        f"{subdomain}.{domain}.cluster-admin.mock",
        key=keyring.world_key(2 * ordinal + 1),
        issuer=issuer,
        not_before=anchor,
        not_after=not_after,
        serial=key_seed(seed, product_id, "cluster-admin-serial") >> 1,
        deterministic=True,
    )
    return operator, admin


def regenerate_operator(state: CloudState, product: ProductState) -> CertBundle:
    """A new initial certificate for ``product`` (the portal's "regenerate"), with a fresh RSA-4096 key, valid
    5 years from now."""
    from ravensec.core.certs.generate import make_client_certificate

    now = state.clock()
    return make_client_certificate(
        initial_cert_name(product.subdomain, state.account.domain),
        key=keypool.take(),
        issuer=state.issuer,
        not_before=now - timedelta(minutes=1),
        not_after=now + timedelta(days=365 * INITIAL_CERT_YEARS),
    )


def operator_entry(bundle: CertMaterial) -> CertEntry:
    return entry_for(bundle.certificate, _cn(bundle), SecurityClearance.OPERATOR, {})


def _cn(bundle: CertMaterial) -> str:
    from cryptography.x509.oid import NameOID

    attrs = bundle.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""


@dataclass(frozen=True)
class _ProductMaterial:
    operator: CertMaterial
    cluster_admin: CertMaterial
    entries: tuple[CertEntry, ...]  # immutable: every build shares them
    bundles: dict[str, CertMaterial]  # thumbprint -> key pair of each world certificate
    db_keys: dict[str, bytes]
    backups: tuple[BackupEntry, ...]  # immutable: every build shares them


@dataclass(frozen=True)
class _Material:
    account_key: bytes
    products: dict[str, _ProductMaterial]


_cache: dict[tuple[str, bytes], _Material] = {}
_cache_lock = threading.Lock()


def _material_to_json(m: _Material) -> dict[str, Any]:
    return {
        "account_key": m.account_key.hex(),
        "products": {
            pid: {
                "operator": mc.bundle_to_json(pm.operator),
                "cluster_admin": mc.bundle_to_json(pm.cluster_admin),
                "entries": [mc.entry_to_json(e) for e in pm.entries],
                "bundles": {tp: mc.bundle_to_json(b) for tp, b in pm.bundles.items()},
                "db_keys": {name: k.hex() for name, k in pm.db_keys.items()},
                "backups": [mc.backup_to_json(b) for b in pm.backups],
            }
            for pid, pm in m.products.items()
        },
    }


def _material_from_json(d: dict[str, Any]) -> _Material:
    products = {
        pid: _ProductMaterial(
            mc.bundle_from_json(p["operator"]),
            mc.bundle_from_json(p["cluster_admin"]),
            tuple(mc.entry_from_json(e) for e in p["entries"]),
            {tp: mc.bundle_from_json(b) for tp, b in p["bundles"].items()},
            {name: bytes.fromhex(k) for name, k in p["db_keys"].items()},
            tuple(mc.backup_from_json(b) for b in p["backups"]),
        )
        for pid, p in d["products"].items()
    }
    return _Material(bytes.fromhex(d["account_key"]), products)


def _doc_dicts(db: DatabaseSpec) -> list[dict[str, Any]]:
    return [{"@id": d.id, "@collection": d.collection, **d.body_dict()} for d in db.documents]


class WorldBuilder:
    """``WorldBuilder(spec, pki).build()`` -> a fresh ``CloudState``; key material is built once and cached."""

    def __init__(
        self, spec: WorldSpec, pki: MockPki | None = None, *, cache: MaterialCache | None = None
    ) -> None:
        self.spec = spec
        self.pki = pki
        self.issuer: CertMaterial | None = pki.ca if pki is not None else None
        # RSA keys cannot be seeded: such a world's material differs on every run, so it is never kept.
        seeded = all(c.key_type == "ec-p256" for p in spec.products for c in p.certificates)
        self.cache = cache if seeded else None
        # Each product's certificates by thumbprint, made once: a build copies the dict, not the entries.
        self._certs: dict[str, tuple[tuple[CertEntry, ...], dict[str, CertEntry]]] = {}
        self._dbs: dict[tuple[str, str], Database] = {}  # (product id, name) -> the first build's database

    def _cache_key(self) -> tuple[str, bytes]:
        return (self.spec.fingerprint, self.issuer.cert_der() if self.issuer is not None else b"")

    def material(self) -> _Material:
        key = self._cache_key()
        with _cache_lock:
            found = _cache.get(key)
        if found is not None:
            return found
        parts = (key[0], hashlib.sha256(key[1]).hexdigest())
        made = self._kept_material(parts)
        if made is None:
            made = self._make_material()
            if self.cache is not None:
                self.cache.save(_material_to_json(made), "world", *parts)
        with _cache_lock:
            if len(_cache) >= _CACHE_MAX:
                _cache.pop(next(iter(_cache)))
            return _cache.setdefault(key, made)

    def _kept_material(self, parts: tuple[str, str]) -> _Material | None:
        kept = self.cache.load("world", *parts) if self.cache is not None else None
        if kept is None:
            return None
        try:
            return _material_from_json(kept)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def _make_material(self) -> _Material:
        from ravensec.core.certs.generate import generate_key, make_client_certificate

        s = self.spec
        account_key = derive_key(s.seed, s.domain, "account-backup-key")
        products: dict[str, _ProductMaterial] = {}
        for ordinal, p in enumerate(s.products):
            operator, admin = make_initial_certificates(
                s.seed, p.id, p.subdomain, s.domain, self.issuer, s.anchor, ordinal
            )
            entries = [operator_entry(operator)]
            bundles: dict[str, CertMaterial] = {}
            for i, c in enumerate(p.certificates):
                seed = key_seed(s.seed, p.id, "cert", str(i), c.name)
                key_type = cast("KeyType", c.key_type)  # checked against KEY_TYPES when the world loaded
                key = generate_key(key_type, seed=seed if key_type == "ec-p256" else None)
                bundle = make_client_certificate(
                    c.name, key_type=key_type, key=key, not_before=c.not_before, not_after=c.not_after,
                    serial=seed >> 1, deterministic=True,
                )
                e = replace(entry_for(bundle.certificate, c.name, c.clearance, dict(c.permissions)), disabled=c.disabled)
                entries.append(e)
                bundles[e.thumbprint] = bundle
            db_keys = {d.name: derive_key(s.seed, p.id, d.name, "db-key") for d in p.databases if d.encrypted}
            products[p.id] = _ProductMaterial(operator, admin, tuple(entries), bundles, db_keys,
                                              tuple(self._backups(p, account_key, db_keys)))
        return _Material(account_key, products)

    def _backups(self, p: ProductSpec, account_key: bytes, db_keys: dict[str, bytes]) -> list[BackupEntry]:
        dbs = {d.name.lower(): d for d in p.databases}
        out = []
        counts: dict[str, int] = {}
        for b in sorted(p.backups, key=lambda b: b.at):
            db = dbs[b.database.lower()]
            own = db_keys.get(db.name)
            n = counts[db.name] = counts.get(db.name, -1) + 1
            out.append(make_backup(
                self.spec.seed, db.name, _doc_dicts(db), kind=b.kind, created_at=b.at,
                key=own or account_key, key_source=BackupKeySource.DATABASE if own else BackupKeySource.ACCOUNT,
                index=n,
            ))
        return out

    def build(self) -> CloudState:
        s = self.spec
        m = self.material()
        fixed = s.now
        state = CloudState(
            account=Account(s.domain, {s.api_key}, m.account_key),
            clock=(lambda: fixed) if fixed is not None else utc_now,
            rate_limit=s.portal.rate_limit,
            transition_seconds=s.portal.transition_seconds,
            issuer=self.issuer,
            seed=s.seed,
            world_name=s.name,
            cpu_time_scale=s.cpu_time_scale,
        )
        for p in s.products:
            state.products[p.id] = self._product(p, m.products[p.id])
            state.client_bundles.update(m.products[p.id].bundles)
        return state

    def _product(self, p: ProductSpec, pm: _ProductMaterial) -> ProductState:
        made = self._certs.get(p.id)
        if made is None or made[0] is not pm.entries:  # the material was made again (evicted from its cache)
            made = self._certs[p.id] = (pm.entries, {e.thumbprint: e for e in pm.entries})
        template = made[1]
        cluster = Cluster(
            certificates=CertStore(template),
            databases={d.name.lower(): self._database(p, d, pm) for d in p.databases},
            topology_id=f"{p.id[:8]}-topology",
            well_known_admin_thumbprints=[_thumbprint(pm.cluster_admin)],
        )
        return ProductState(
            id=p.id,
            display_name=p.display_name,
            tier=p.tier,
            cloud_provider=p.provider,
            region=p.region,
            subdomain=p.subdomain,
            instance_type=p.instance_type,
            release_channel=p.release_channel,
            status=p.status,
            nodes=[MockNode(tag, cpu=self._cpu(p)) for tag in p.nodes],
            allowed_ips=list(p.allowed_ips),
            cluster=cluster,
            operator_cert=pm.operator,
            cluster_admin_cert=pm.cluster_admin,
            storage_size=p.storage_size,
            storage_type=p.storage_type,
            labels=list(p.labels),
            backups=list(pm.backups),
        )

    def _cpu(self, p: ProductSpec) -> CpuBudget:
        c = p.cpu_credits
        return budget_for(
            burstable_type(p.tier, p.instance_type), self.spec.now or utc_now(), remaining=c.remaining,
            max_credits=c.max, base=c.base, background_threshold=c.background_tasks_threshold,
            failover_threshold=c.failover_threshold,
        )

    def _database(self, p: ProductSpec, d: DatabaseSpec, pm: _ProductMaterial) -> Database:
        # Documents are immutable once stored (a write stores a new one, a read copies the body): every build
        # shares the first one's, so reset() copies two dicts per database, not every document.
        made = self._dbs.get((p.id, d.name))
        if made is None:
            made = self._dbs[(p.id, d.name)] = self._new_database(p, d, pm)
        return Database(d.name, encrypted=d.encrypted, docs=dict(made.docs), hilo=dict(made.hilo), etag=made.etag,
                        key=made.key)

    def _new_database(self, p: ProductSpec, d: DatabaseSpec, pm: _ProductMaterial) -> Database:
        db = Database(d.name, encrypted=d.encrypted, key=pm.db_keys.get(d.name))
        db_id = hashlib.sha256(f"{p.id}:{d.name}".encode()).hexdigest()[:22]
        for doc in d.documents:
            db.etag += 1
            db.docs[doc.id.lower()] = Document(
                doc.id, doc.collection, copy.deepcopy(doc.body_dict()), f"A:{db.etag}-{db_id}", self.spec.anchor
            )
            m = re.fullmatch(r"([^/]+)/(\d+)(?:-[A-Z])?", doc.id)
            if m:
                tag = m.group(1).lower()
                db.hilo[tag] = max(db.hilo.get(tag, 0), int(m.group(2)))
        return db


def _thumbprint(bundle: CertMaterial) -> str:
    return thumbprint_of_der(bundle.cert_der())
