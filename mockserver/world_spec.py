"""The frozen specs a world file is read into: the world (:class:`WorldSpec`), its portal behaviour, and each
product with its certificates, databases (and their documents), backups and CPU credits. Plain data, hashable
and validated already: ``ravensec.mock.worlds`` reads and checks the TOML, ``ravensec.mock.build`` turns a
spec into the mock's live state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ravensec.core.models import BackupKind, DatabaseAccess, IpRule, ProductStatus, SecurityClearance, Tier


@dataclass(frozen=True)
class CertSpec:
    name: str
    clearance: SecurityClearance
    permissions: tuple[tuple[str, DatabaseAccess], ...]
    not_before: datetime
    not_after: datetime
    disabled: bool = False
    key_type: str = "ec-p256"


@dataclass(frozen=True)
class DocumentSpec:
    id: str
    collection: str
    body: tuple[tuple[str, Any], ...]  # JSON-able values; tuples keep the spec hashable

    def body_dict(self) -> dict[str, Any]:
        return dict(self.body)


@dataclass(frozen=True)
class DatabaseSpec:
    name: str
    encrypted: bool = False
    documents: tuple[DocumentSpec, ...] = ()


@dataclass(frozen=True)
class BackupSpec:
    database: str
    kind: BackupKind
    at: datetime


@dataclass(frozen=True)
class CpuCreditsSpec:
    """``[products.cpu_credits]``: a burstable product's budget per node, in CPU seconds (None: the instance
    type's default, see ``ravensec.core.models.credits``)."""

    remaining: float | None = None
    max: float | None = None
    base: float | None = None
    background_tasks_threshold: float | None = None
    failover_threshold: float | None = None


@dataclass(frozen=True)
class ProductSpec:
    id: str
    display_name: str
    tier: Tier
    provider: str
    region: str
    subdomain: str
    instance_type: str
    release_channel: str
    status: ProductStatus
    nodes: tuple[str, ...]
    storage_size: int
    storage_type: str
    labels: tuple[str, ...]
    allowed_ips: tuple[IpRule, ...]
    certificates: tuple[CertSpec, ...] = ()
    databases: tuple[DatabaseSpec, ...] = ()
    backups: tuple[BackupSpec, ...] = ()
    cpu_credits: CpuCreditsSpec = field(default_factory=CpuCreditsSpec)


@dataclass(frozen=True)
class PortalSpec:
    """Portal behaviour: the real gateway's 1 req/s limit (off unless asked) and how long transitions last."""

    rate_limit: bool = False
    transition_seconds: float = 2.0


@dataclass(frozen=True)
class WorldSpec:
    name: str
    source: str  # the file name shown in errors
    seed: int
    now: datetime | None  # fixed clock, or None for the real one
    anchor: datetime  # what relative times count from
    domain: str
    api_key: str
    products: tuple[ProductSpec, ...] = ()
    portal: PortalSpec = field(default_factory=PortalSpec)
    fingerprint: str = ""  # sha256 of the file text + anchor: the build cache's key
    cpu_time_scale: float = 0.0  # [cpu_credits] time_scale
