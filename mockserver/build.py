"""WorldSpec -> CloudState. The first build makes all key material (deterministically from the world's
seed) and every backup file; later builds reuse them, so ``reset()`` only rebuilds the mutable containers."""

from __future__ import annotations

import copy
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from core.backups import encrypt_backup
from core.certs.bundle import CertBundle
from core.models import BackupKeySource, BackupKind, IpRule, ProductStatus, SecurityClearance
from mockserver.node.certificates import entry_for
from mockserver.state import (
    Account,
    BackupEntry,
    CertEntry,
    CloudState,
    Cluster,
    Database,
    Document,
    MockNode,
    ProductState,
)
from mockserver.tls import MockPki
from mockserver.worlds import CertSpec, DatabaseSpec, ProductSpec, WorldSpec

_ID_NAMESPACE = uuid.UUID("6f1c2d8e-4b7a-4e59-9d0b-2a5c3e7f9a10")
_PENDING = {
    ProductStatus.CREATING: ProductStatus.ACTIVE,
    ProductStatus.DEPLOYING_CHANGES: ProductStatus.ACTIVE,
    ProductStatus.TERMINATING: ProductStatus.TERMINATED,
}
SUPPORT_CERT_NAME = "RavenDB Cloud support"


def _seed(*parts: object) -> int:
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") or 1


def anchored_clock(start: datetime) -> Callable[[], datetime]:
    """A clock that starts at ``start`` and then runs at real speed (time-driven transitions still happen)."""
    t0 = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - t0)


def product_id(spec: WorldSpec, product: ProductSpec) -> str:
    return product.id or str(uuid.uuid5(_ID_NAMESPACE, f"{spec.seed}:{spec.domain}:{product.subdomain}"))


def initial_certificate_name(product: ProductSpec | ProductState, domain: str) -> str:
    sub = product.subdomain
    return f"{sub}.{domain}.client.certificate"


class WorldBuilder:
    def __init__(self, spec: WorldSpec, pki: MockPki) -> None:
        self.spec = spec
        self.pki = pki
        # Whole days keep certificate bytes (and so thumbprints) stable across runs of the same day.
        real_today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.now = spec.now or real_today
        self._clock = anchored_clock(self.now) if spec.now else None
        self._bundles: dict[tuple[str, str], CertBundle] = {}
        self._entries: dict[tuple[str, str], CertEntry] = {}
        self._backups: dict[tuple[str, str], list[BackupEntry]] = {}
        self.account_key = hashlib.sha256(f"{spec.seed}:{spec.domain}:account-backup-key".encode()).digest()

    # ------------------------------------------------------------------ key material (cached)
    def bundle(self, product: ProductSpec, name: str, *, self_signed: bool = False,
               valid_from_days: int = -1, expires_in_days: int = 5 * 365) -> CertBundle:
        cache_key = (product.subdomain, name)
        if cache_key not in self._bundles:
            from core.certs.generate import generate_key, make_client_certificate

            self._bundles[cache_key] = make_client_certificate(
                name,
                key_type="ec-p256",
                key=generate_key("ec-p256", seed=_seed(self.spec.seed, product.subdomain, name)),
                issuer=None if self_signed else self.pki.ca,
                not_before=self.now + timedelta(days=valid_from_days),
                not_after=self.now + timedelta(days=expires_in_days),
                deterministic=True,
            )
        return self._bundles[cache_key]

    def _entry(self, product: ProductSpec, name: str, bundle: CertBundle, clearance: SecurityClearance,
               cert: CertSpec | None = None) -> CertEntry:
        key = (product.subdomain, name)
        if key not in self._entries:
            perms = dict(cert.permissions) if cert else {}
            entry = entry_for(bundle.certificate, name, clearance, perms)
            entry.disabled = bool(cert and cert.disabled)
            self._entries[key] = entry
        template = self._entries[key]
        return replace(template, permissions=dict(template.permissions), secondary_keys=list(template.secondary_keys))

    def database_key(self, product: ProductSpec, db: DatabaseSpec) -> bytes:
        return hashlib.sha256(f"{self.spec.seed}:{product.subdomain}:{db.name}:database-key".encode()).digest()

    def _backup_entries(self, product: ProductSpec, db: DatabaseSpec) -> list[BackupEntry]:
        key = (product.subdomain, db.name)
        if key not in self._backups:
            entries = []
            for b in sorted(db.backups, key=lambda b: -b.hours_ago):
                created = self.now - timedelta(hours=b.hours_ago)
                enc_key = self.database_key(product, db) if db.encrypted else self.account_key
                nonce = hashlib.sha256(f"{product.subdomain}:{db.name}:{created.isoformat()}:{b.kind}".encode()).digest()[:12]
                kind = "full" if b.kind == BackupKind.FULL else "incremental"
                entries.append(BackupEntry(
                    database=db.name,
                    file_name=f"{created:%Y-%m-%d-%H-%M-%S}.ravendb-{kind}-backup",
                    created_at=created,
                    kind=b.kind,
                    key_source=BackupKeySource.DATABASE if db.encrypted else BackupKeySource.ACCOUNT,
                    blob=encrypt_backup(db.name, [dict(d) for d in db.documents], enc_key, kind=b.kind,
                                        created_at=created, nonce=nonce),
                ))
            self._backups[key] = entries
        return list(self._backups[key])

    # ------------------------------------------------------------------ the world
    def _database(self, product: ProductSpec, db: DatabaseSpec) -> Database:
        database = Database(name=db.name, encrypted=db.encrypted,
                            key=self.database_key(product, db) if db.encrypted else None)
        for n, raw in enumerate(db.documents, start=1):
            body = copy.deepcopy(dict(raw))
            doc_id = str(body.pop("@id"))
            collection = str(body.pop("@collection", doc_id.split("/")[0].capitalize() if "/" in doc_id else "@empty"))
            database.docs[doc_id.lower()] = Document(
                id=doc_id, collection=collection, body=body,
                change_vector=f"A:{n}-{product_id(self.spec, product)[:22]}", last_modified=self.now,
            )
            database.etag = n
        return database

    def _product(self, p: ProductSpec) -> ProductState:
        pid = product_id(self.spec, p)
        op_name = initial_certificate_name(p, self.spec.domain)
        op = self.bundle(p, op_name)
        admin = self.bundle(p, SUPPORT_CERT_NAME)
        certs: dict[str, CertEntry] = {}
        for bundle, name, clearance in ((op, op_name, SecurityClearance.OPERATOR),
                                        (admin, SUPPORT_CERT_NAME, SecurityClearance.CLUSTER_ADMIN)):
            e = self._entry(p, name, bundle, clearance)
            certs[e.thumbprint] = e
        for c in p.certificates:
            b = self.bundle(p, c.name, self_signed=c.self_signed, valid_from_days=c.valid_from_days,
                            expires_in_days=c.expires_in_days)
            if c.registered:
                e = self._entry(p, c.name, b, c.clearance, c)
                certs[e.thumbprint] = e
        backups: list[BackupEntry] = []
        if p.tier.backup_mandatory:
            for db in p.databases:
                backups.extend(self._backup_entries(p, db))
        pending = None
        if p.status in _PENDING:
            pending = (self.now + timedelta(seconds=self.spec.transition_seconds), _PENDING[p.status])
        return ProductState(
            id=pid,
            display_name=p.name,
            tier=p.tier,
            cloud_provider=p.provider,
            region=p.region,
            subdomain=p.subdomain,
            instance_type=p.instance_type,
            release_channel=p.release_channel,
            status=p.status,
            nodes=[MockNode(tag) for tag in p.nodes],
            allowed_ips=[IpRule.from_api({"ip": ip, "alias": alias}) for ip, alias in p.allowed_ips],
            cluster=Cluster(
                certificates=certs,
                databases={db.name.lower(): self._database(p, db) for db in p.databases},
                topology_id=str(uuid.uuid5(_ID_NAMESPACE, f"{pid}:topology")),
            ),
            operator_cert=op,
            cluster_admin_cert=admin,
            storage_size=p.storage_size,
            storage_type=p.storage_type,
            labels=list(p.labels),
            backups=backups,
            pending=pending,
        )

    def build(self) -> CloudState:
        state = CloudState(
            account=Account(domain=self.spec.domain, api_keys={self.spec.api_key}, backup_key=self.account_key),
            products={},
        )
        if self._clock is not None:
            state.clock = self._clock
        for p in self.spec.products:
            ps = self._product(p)
            state.products[ps.id] = ps
        return state
