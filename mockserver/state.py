"""One in-memory world: the account, its products, each product's cluster (certificates, databases,
documents) and backups. Every front door (portal, nodes, the Python API) reads and writes this, under
``CloudState.lock``. ``reset()`` puts the world back as it was loaded, cheaply (key material is shared,
immutable; only the mutable containers are rebuilt).
"""

from __future__ import annotations

import base64
import itertools
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from ravensec.core.certs.bundle import CertMaterial
from ravensec.core.clock import utc_now
from ravensec.core.models import (
    BackupKeySource,
    BackupKind,
    CertificateDefinition,
    DatabaseAccess,
    IpRule,
    ProductStatus,
    SecurityClearance,
    Tier,
)
from ravensec.mock.cpu_credits import CpuBudget
from ravensec.mock.routes import cloud_server_version


@dataclass(frozen=True)
class CertEntry:
    """A certificate registered in a product's cluster. ``der`` is the public certificate only.

    Immutable, so that the world's entries are shared by every build of it (``reset()`` copies no entry)
    and every change goes through ``CertStore`` (a new entry replaces the old one), which versions it."""

    name: str
    thumbprint: str  # uppercase hex SHA-1 of der
    clearance: SecurityClearance
    permissions: Mapping[str, DatabaseAccess]
    not_before: datetime
    not_after: datetime
    pinning_hash: str
    der: bytes
    disabled: bool = False
    primary_key: str = ""
    secondary_keys: tuple[str, ...] = ()
    # True when the mock's own server generated it (POST /admin/certificates): training checks use this.
    generated_by_server: bool = False

    def __post_init__(self) -> None:
        # A caller's dict is copied: changing it later must not change the registered certificate.
        if not isinstance(self.permissions, MappingProxyType):
            object.__setattr__(self, "permissions", MappingProxyType(dict(self.permissions)))

    def definition(self) -> CertificateDefinition:
        return CertificateDefinition(
            name=self.name,
            thumbprint=self.thumbprint,
            security_clearance=self.clearance,
            permissions=dict(self.permissions),
            not_before=self.not_before,
            not_after=self.not_after,
            public_key_pinning_hash=self.pinning_hash,
            collection_primary_key=self.primary_key,
            collection_secondary_keys=tuple(self.secondary_keys),
            certificate=base64.b64encode(self.der).decode(),
            disabled=self.disabled,
        )


@dataclass(frozen=True)
class Document:
    """Immutable (a write stores a new one; readers copy ``body``): builds of a world share them."""

    id: str
    collection: str
    body: dict[str, Any]
    change_vector: str
    last_modified: datetime


@dataclass
class Database:
    name: str
    encrypted: bool = False
    docs: dict[str, Document] = field(default_factory=dict)  # keyed by lower-cased id
    hilo: dict[str, int] = field(default_factory=dict)  # collection tag -> last High
    etag: int = 0
    key: bytes | None = None  # the database's own key when encrypted (the cloud never keeps it)
    # The database group's member node tags; empty: every node of the cluster (a world's databases).
    members: tuple[str, ...] = ()
    settings: dict[str, str] = field(default_factory=dict)  # the record's Settings (configuration keys)


@dataclass(frozen=True)
class BackupEntry:
    database: str
    file_name: str
    created_at: datetime
    kind: BackupKind
    key_source: BackupKeySource
    blob: bytes  # the encrypted backup file, as ravensec.core.backups reads it

    @property
    def size(self) -> int:
        return len(self.blob)


@dataclass
class MockNode:
    tag: str
    url: str = ""  # https://127.0.0.1:PORT once listening
    port: int = 0
    up: bool = True
    watcher: bool = False  # a Watcher of the cluster (added with ?watcher=true), not a voting Member
    cpu: CpuBudget = field(default_factory=CpuBudget)  # each node is its own instance: its own CPU credits


# Versions are unique across every store of the process, so a version alone names one store's contents.
_versions = itertools.count(1)


class CertStore(dict[str, CertEntry]):
    """A cluster's certificates by thumbprint, with a ``version`` that changes on every change to them.

    The version keys the listing's response cache: every dict operation that writes bumps it, and entries
    are immutable, so nothing can change the certificates without a new version."""

    version: int

    def __init__(self, entries: Mapping[str, CertEntry] | Iterable[tuple[str, CertEntry]] = ()) -> None:
        super().__init__(entries)
        self.version = next(_versions)

    def changed(self) -> None:
        """Mark the certificates changed (every write below calls it)."""
        self.version = next(_versions)

    def __setitem__(self, key: str, value: CertEntry) -> None:
        super().__setitem__(key, value)
        self.changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.changed()

    def pop(self, key: str, *default: Any) -> Any:
        self.changed()
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, CertEntry]:
        self.changed()
        return super().popitem()

    def clear(self) -> None:
        super().clear()
        self.changed()

    def update(self, *args: Any, **kwargs: CertEntry) -> None:
        super().update(*args, **kwargs)
        self.changed()

    def setdefault(self, key: str, default: CertEntry) -> CertEntry:
        self.changed()
        return super().setdefault(key, default)

    def __ior__(self, other: Any) -> CertStore:  # type: ignore[override,misc]
        super().__ior__(other)
        self.changed()
        return self


@dataclass
class Cluster:
    """What every node of one product shares: RavenDB's cluster state."""

    # thumbprint -> entry; always a CertStore (a plain dict given is turned into one, see __setattr__)
    certificates: dict[str, CertEntry] = field(default_factory=CertStore)
    databases: dict[str, Database] = field(default_factory=dict)  # keyed by lower-cased name
    topology_etag: int = 1
    topology_id: str = ""
    raft_index: int = 1
    server_thumbprint: str = ""
    well_known_admin_thumbprints: list[str] = field(default_factory=list)

    def __setattr__(self, name: str, value: Any) -> None:
        # A plain dict given here (by a test, a backend, the constructor) becomes a versioned store.
        if name == "certificates" and not isinstance(value, CertStore):
            value = CertStore(value)
        super().__setattr__(name, value)

    @property
    def cert_version(self) -> int:
        """Changes whenever the certificates do (see ``CertStore``)."""
        return self._store().version

    def certificates_changed(self) -> None:
        self._store().changed()

    def _store(self) -> CertStore:
        store = self.certificates
        assert isinstance(store, CertStore)
        return store


@dataclass
class ProductState:
    id: str
    display_name: str
    tier: Tier
    cloud_provider: str
    region: str
    subdomain: str
    instance_type: str
    release_channel: str
    status: ProductStatus
    nodes: list[MockNode]
    allowed_ips: list[IpRule]
    cluster: Cluster
    operator_cert: CertMaterial  # the product's initial Operator certificate, with its key
    cluster_admin_cert: CertMaterial  # never given to cloud customers; the fixture hands it to tests
    storage_size: int = 10
    storage_type: str = "SsdStandard"
    labels: list[str] = field(default_factory=list)
    backups: list[BackupEntry] = field(default_factory=list)
    hidden: bool = False
    # Pending status transition: (when, next status); the portal advances it lazily on read.
    pending: tuple[datetime, ProductStatus] | None = None
    server_version: str = field(default_factory=cloud_server_version)


@dataclass
class Account:
    domain: str
    api_keys: set[str]
    backup_key: bytes  # account-wide key for unencrypted databases' backups (32 bytes)
    max_paid_products: int = 3


@dataclass
class CloudState:
    """The whole mock world. Mutate only while holding ``lock``."""

    account: Account
    products: dict[str, ProductState] = field(default_factory=dict)
    clock: Callable[[], datetime] = utc_now
    lock: threading.RLock = field(default_factory=threading.RLock)

    def product(self, product_id: str) -> ProductState | None:
        return self.products.get(product_id)

    # --- appended by the portal/worlds part -------------------------------------------------------------
    # Portal behaviour from the world file ([portal]): the real gateway's 1 req/s/IP/endpoint limit (off by
    # default so tests and the demo are not throttled) and how long Creating/DeployingChanges/Terminating last.
    rate_limit: bool = False
    transition_seconds: float = 2.0
    # Called (lock held) with each product created through the API; the runtime registers one to start
    # listeners for its nodes. Survives reset() (the runtime swaps only ``account`` and ``products``).
    on_product_added: list[Callable[[ProductState], None]] = field(default_factory=list)
    # The CA that signs initial certificates of products created through the API (the mock PKI's CA).
    issuer: CertMaterial | None = None
    seed: int = 0
    world_name: str = ""
    # Key pairs of the world file's certificates, by thumbprint (the cloud never has them; the demo and the
    # training hand them out to show what each certificate may do).
    client_bundles: dict[str, CertMaterial] = field(default_factory=dict)
    # Real seconds a node waits per simulated second of CPU work (ravensec.mock.cpu_credits): 0 = account the
    # time only (tests), > 0 to feel it (the demo). From the world's [cpu_credits] time_scale.
    cpu_time_scale: float = 0.0

    def schedule(self, product: ProductState, now_status: ProductStatus, then: ProductStatus) -> None:
        """Put ``product`` in ``now_status`` and let it reach ``then`` after ``transition_seconds``.

        Transitions run on the real clock even when the world's clock is fixed, so they always end."""
        product.status = now_status
        product.pending = (utc_now() + timedelta(seconds=self.transition_seconds), then)
        if self.transition_seconds <= 0:
            self.advance(product.id)

    def advance(self, product_id: str) -> ProductStatus | None:
        """Finish ``product_id``'s pending transition now; its (new) status, or None for an unknown id."""
        with self.lock:
            p = self.products.get(product_id)
            if p is None:
                return None
            if p.pending is not None:
                p.status = p.pending[1]
                p.pending = None
            return p.status

    def tick(self) -> None:
        """Finish every transition whose time has come (the portal calls this before answering)."""
        now = utc_now()
        with self.lock:
            for p in self.products.values():
                if p.pending is not None and p.pending[0] <= now:
                    self.advance(p.id)
