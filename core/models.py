"""Enums and frozen dataclasses of the domain, with JSON mapping to and from both wires.

RavenDB server JSON is PascalCase (``from_wire``/``to_wire``); the Cloud API v1 is camelCase
(``from_api``/``to_api``). Readers are tolerant of unknown fields and strict on required ones: a missing
or malformed required field raises :class:`core.errors.ValidationError` naming it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any, TypeVar

from . import wiredates
from .errors import ValidationError

E = TypeVar("E", bound=Enum)

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SecurityClearance(StrEnum):
    CLUSTER_ADMIN = "ClusterAdmin"
    CLUSTER_NODE = "ClusterNode"
    OPERATOR = "Operator"
    VALID_USER = "ValidUser"
    UNAUTHENTICATED_CLIENTS = "UnauthenticatedClients"

    @property
    def label(self) -> str:
        return {"ClusterAdmin": "Cluster Admin", "ClusterNode": "Cluster Node", "ValidUser": "User"}.get(
            self.value, self.value
        )

    @property
    def rank(self) -> int:
        """Higher is more powerful; ClusterNode ranks as ClusterAdmin, as the server treats it."""
        return {"UnauthenticatedClients": 0, "ValidUser": 1, "Operator": 2, "ClusterAdmin": 3, "ClusterNode": 3}[
            self.value
        ]


class DatabaseAccess(StrEnum):
    ADMIN = "Admin"
    READ_WRITE = "ReadWrite"
    READ = "Read"

    @property
    def rank(self) -> int:
        return {"Read": 1, "ReadWrite": 2, "Admin": 3}[self.value]


class ProductStatus(StrEnum):
    CREATING = "Creating"
    DEPLOYING_CHANGES = "DeployingChanges"
    ACTIVE = "Active"
    TERMINATING = "Terminating"
    TERMINATED = "Terminated"
    ERROR = "Error"
    AWAITING_PAYMENT = "AwaitingPayment"
    UNKNOWN = "Unknown"


class Tier(StrEnum):
    FREE = "Free"
    DEVELOPMENT = "Development"
    PRODUCTION = "Production"
    UNKNOWN = "Unknown"

    @property
    def backup_mandatory(self) -> bool:
        return self in (Tier.FREE, Tier.PRODUCTION)


class BackupKind(StrEnum):
    FULL = "Full"
    INCREMENTAL = "Incremental"


class BackupKeySource(StrEnum):
    ACCOUNT = "Account"  # unencrypted database: the cloud's account-wide key
    DATABASE = "Database"  # encrypted database: the database's own key, not kept by the cloud


def parse_enum(cls: type[E], value: Any, field_name: str) -> E:
    """Map a wire value to ``cls`` case-insensitively, or raise a ValidationError listing valid values."""
    if isinstance(value, cls):
        return value
    if isinstance(value, str):
        for member in cls:
            if member.value.lower() == value.lower():
                return member
    valid = ", ".join(m.value for m in cls)
    raise ValidationError(f"{field_name}: unknown value {value!r}; expected one of {valid}")


def lenient_enum(cls: type[E], value: Any, default: E) -> E:
    """Like parse_enum, but unknown values map to ``default`` (for fields the cloud may extend)."""
    try:
        return parse_enum(cls, value, "")
    except ValidationError:
        return default


def _req(d: Mapping[str, Any], key: str, what: str) -> Any:
    if not isinstance(d, Mapping):
        raise ValidationError(f"{what}: expected a JSON object, got {type(d).__name__}")
    if key not in d or d[key] is None:
        raise ValidationError(f"{what}: required field {key!r} is missing")
    return d[key]


def _str(d: Mapping[str, Any], key: str, what: str) -> str:
    v = _req(d, key, what)
    if not isinstance(v, str):
        raise ValidationError(f"{what}: field {key!r} must be a string, got {type(v).__name__}")
    return v


def _date(d: Mapping[str, Any], key: str, what: str) -> datetime:
    v = _str(d, key, what)
    try:
        return wiredates.parse(v)
    except ValueError as e:
        raise ValidationError(f"{what}: field {key!r}: {e}") from None


def parse_permissions(raw: Any, what: str = "Permissions") -> dict[str, DatabaseAccess]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValidationError(f"{what}: expected an object of database -> access")
    out: dict[str, DatabaseAccess] = {}
    for db, access in raw.items():
        if not isinstance(db, str) or not db.strip():
            raise ValidationError(f"{what}: database name is empty")
        out[db] = parse_enum(DatabaseAccess, access, f"{what}[{db}]")
    return out


# --------------------------------------------------------------------------------------------- IP rules


@dataclass(frozen=True, order=True)
class IpRule:
    """One allow-list entry: a CIDR network and a free-text alias (the portal's "Security" card)."""

    network: IpNetwork
    alias: str = field(default="", compare=False)

    @property
    def cidr(self) -> str:
        return str(self.network)

    @property
    def allows_all(self) -> bool:
        return self.network.prefixlen == 0

    def to_api(self) -> dict[str, str]:
        return {"ip": self.cidr, "alias": self.alias}

    @classmethod
    def from_api(cls, raw: Any) -> IpRule:
        """Accept a bare CIDR string (product details) or ``{"ip"|"cidr", "alias"|"comment"}``."""
        if isinstance(raw, str):
            text, alias = raw, ""
        elif isinstance(raw, Mapping):
            text = raw.get("ip") or raw.get("cidr") or raw.get("address") or ""
            alias = str(raw.get("alias") or raw.get("comment") or raw.get("description") or "")
        else:
            raise ValidationError(f"allowedIps: expected a CIDR string or object, got {type(raw).__name__}")
        try:
            net = ipaddress.ip_network(str(text).strip(), strict=False)
        except ValueError:
            raise ValidationError(f"allowedIps: {text!r} is not an IP address or CIDR range") from None
        return cls(net, alias)


# --------------------------------------------------------------------------------------------- products


@dataclass(frozen=True)
class Node:
    tag: str
    url: str


@dataclass(frozen=True)
class Storage:
    size: int | None = None
    type: str = ""
    iops: int | None = None
    throughput: int | None = None


@dataclass(frozen=True)
class ProductSummary:
    id: str
    name: str

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> ProductSummary:
        return cls(id=_str(d, "id", "product"), name=str(d.get("name") or d.get("displayName") or ""))


@dataclass(frozen=True)
class Product:
    id: str
    display_name: str
    status: ProductStatus = ProductStatus.UNKNOWN
    tier: Tier = Tier.UNKNOWN
    cloud_provider: str = ""
    region: str = ""
    subdomain: str = ""
    instance_type: str = ""
    release_channel: str = ""
    nodes: tuple[Node, ...] = ()
    allowed_ips: tuple[IpRule, ...] = ()
    storage: Storage = field(default_factory=Storage)
    labels: tuple[str, ...] = ()

    @property
    def node_urls(self) -> dict[str, str]:
        return {n.tag: n.url for n in self.nodes}

    @property
    def allows_all(self) -> bool:
        return any(r.allows_all for r in self.allowed_ips)

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> Product:
        what = "product details"
        pid = _str(d, "id", what)
        dns = d.get("dns") or []
        tags = d.get("nodeTags") or []
        if not isinstance(dns, list) or not isinstance(tags, list):
            raise ValidationError(f"{what}: 'dns' and 'nodeTags' must be lists")
        if not tags:
            tags = [str(h).split(".", 1)[0].upper() for h in dns]
        nodes = []
        for i, host in enumerate(dns):
            host = str(host)
            url = host if host.startswith("https://") else f"https://{host}"
            tag = str(tags[i]) if i < len(tags) else chr(ord("A") + i)
            nodes.append(Node(tag=tag, url=url.rstrip("/")))
        security = d.get("security") or {}
        rules = tuple(IpRule.from_api(r) for r in (security.get("allowedIps") or []))
        hw = (d.get("hardwareInfo") or {}).get("storage") or {}
        storage = Storage(
            size=hw.get("size"), type=str(hw.get("type") or ""), iops=hw.get("iops"), throughput=hw.get("throughput")
        )
        return cls(
            id=pid,
            display_name=str(d.get("displayName") or d.get("name") or pid),
            status=lenient_enum(ProductStatus, d.get("status"), ProductStatus.UNKNOWN),
            tier=lenient_enum(Tier, d.get("tier"), Tier.UNKNOWN),
            cloud_provider=str(d.get("cloudProvider") or ""),
            region=str(d.get("region") or ""),
            subdomain=str(d.get("subdomainName") or ""),
            instance_type=str(d.get("instanceType") or ""),
            release_channel=str(d.get("releaseChannel") or ""),
            nodes=tuple(nodes),
            allowed_ips=rules,
            storage=storage,
            labels=tuple(str(x) for x in (d.get("labels") or [])),
        )

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "displayName": self.display_name,
            "status": self.status.value,
            "tier": self.tier.value,
            "cloudProvider": self.cloud_provider,
            "region": self.region,
            "subdomainName": self.subdomain,
            "instanceType": self.instance_type,
            "releaseChannel": self.release_channel,
            "dns": [n.url.removeprefix("https://") for n in self.nodes],
            "nodeTags": [n.tag for n in self.nodes],
            "security": {"allowedIps": [r.cidr for r in self.allowed_ips]},
            "hardwareInfo": {
                "storage": {
                    "size": self.storage.size,
                    "type": self.storage.type,
                    "iops": self.storage.iops,
                    "throughput": self.storage.throughput,
                },
                "additionalStorage": None,
            },
            "labels": list(self.labels),
        }


@dataclass(frozen=True)
class AccountInfo:
    domain: str
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> AccountInfo:
        domain = d.get("domainName") or d.get("domain") or d.get("accountDomain") or ""
        return cls(domain=str(domain), raw=dict(d))


# --------------------------------------------------------------------------------------------- certificates


@dataclass(frozen=True)
class CertificateDefinition:
    """A registered client certificate as the server describes it (``/admin/certificates``, ``whoami``)."""

    name: str
    thumbprint: str
    security_clearance: SecurityClearance
    permissions: Mapping[str, DatabaseAccess]
    not_before: datetime | None
    not_after: datetime
    public_key_pinning_hash: str = ""
    collection_primary_key: str = ""
    collection_secondary_keys: tuple[str, ...] = ()
    certificate: str | None = None  # base64 DER, public part only; None with metadataOnly
    disabled: bool = False

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> CertificateDefinition:
        what = "certificate definition"
        nb = d.get("NotBefore")
        try:
            not_before = wiredates.parse(nb) if isinstance(nb, str) and nb else None
        except ValueError as e:
            raise ValidationError(f"{what}: field 'NotBefore': {e}") from None
        secondary = d.get("CollectionSecondaryKeys") or []
        return cls(
            name=str(d.get("Name") or ""),
            thumbprint=_str(d, "Thumbprint", what).upper(),
            security_clearance=parse_enum(
                SecurityClearance, _req(d, "SecurityClearance", what), f"{what}.SecurityClearance"
            ),
            permissions=parse_permissions(d.get("Permissions"), f"{what}.Permissions"),
            not_before=not_before,
            not_after=_date(d, "NotAfter", what),
            public_key_pinning_hash=str(d.get("PublicKeyPinningHash") or ""),
            collection_primary_key=str(d.get("CollectionPrimaryKey") or ""),
            collection_secondary_keys=tuple(str(x) for x in secondary),
            certificate=d.get("Certificate") or None,
            disabled=bool(d.get("Disabled", False)),
        )

    def to_wire(self, *, metadata_only: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Name": self.name,
            "Thumbprint": self.thumbprint,
            "SecurityClearance": self.security_clearance.value,
            "Permissions": {db: a.value for db, a in self.permissions.items()},
            "NotBefore": wiredates.format(self.not_before) if self.not_before else None,
            "NotAfter": wiredates.format(self.not_after),
            "PublicKeyPinningHash": self.public_key_pinning_hash,
            "CollectionPrimaryKey": self.collection_primary_key,
            "CollectionSecondaryKeys": list(self.collection_secondary_keys),
            "Disabled": self.disabled,
        }
        if not metadata_only:
            out["Certificate"] = self.certificate
        return out


# --------------------------------------------------------------------------------------------- topology etc.


@dataclass(frozen=True)
class ClusterTopology:
    leader: str
    node_tag: str
    etag: int
    topology_id: str
    members: Mapping[str, str]
    promotables: Mapping[str, str] = field(default_factory=dict)
    watchers: Mapping[str, str] = field(default_factory=dict)

    @property
    def all_nodes(self) -> dict[str, str]:
        return {**self.members, **self.promotables, **self.watchers}

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> ClusterTopology:
        what = "cluster topology"
        topo = _req(d, "Topology", what)
        members = topo.get("Members") or {}
        if not isinstance(members, Mapping):
            raise ValidationError(f"{what}: Topology.Members must be an object")
        return cls(
            leader=str(d.get("Leader") or ""),
            node_tag=str(d.get("NodeTag") or ""),
            etag=int(d.get("Etag") or topo.get("Etag") or 0),
            topology_id=str(topo.get("TopologyId") or ""),
            members=dict(members),
            promotables=dict(topo.get("Promotables") or {}),
            watchers=dict(topo.get("Watchers") or {}),
        )


@dataclass(frozen=True)
class BuildVersion:
    product_version: str
    build_version: int
    commit_hash: str
    full_version: str

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> BuildVersion:
        return cls(
            product_version=str(d.get("ProductVersion") or ""),
            build_version=int(d.get("BuildVersion") or 0),
            commit_hash=str(d.get("CommitHash") or ""),
            full_version=str(d.get("FullVersion") or ""),
        )


@dataclass(frozen=True)
class Backup:
    """One backup file of one database of a product."""

    product_id: str
    database: str
    file_name: str
    created_at: datetime
    kind: BackupKind
    size: int
    encrypted: bool = True
    key_source: BackupKeySource = BackupKeySource.ACCOUNT

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> Backup:
        what = "backup"
        try:
            created = wiredates.parse(_str(d, "createdAt", what))
        except ValueError as e:
            raise ValidationError(f"{what}: createdAt: {e}") from None
        return cls(
            product_id=_str(d, "productId", what),
            database=_str(d, "database", what),
            file_name=_str(d, "fileName", what),
            created_at=created,
            kind=parse_enum(BackupKind, _req(d, "kind", what), f"{what}.kind"),
            size=int(d.get("size") or 0),
            encrypted=bool(d.get("encrypted", True)),
            key_source=lenient_enum(BackupKeySource, d.get("keySource"), BackupKeySource.ACCOUNT),
        )

    def to_api(self) -> dict[str, Any]:
        return {
            "productId": self.product_id,
            "database": self.database,
            "fileName": self.file_name,
            "createdAt": wiredates.format(self.created_at),
            "kind": self.kind.value,
            "size": self.size,
            "encrypted": self.encrypted,
            "keySource": self.key_source.value,
        }
