"""What a RavenDB node says (PascalCase): certificate definitions, cluster topology, build version."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from .. import wiredates
from ..errors import ValidationError
from ._parse import _date, _req, _str, parse_enum, parse_permissions
from .enums import DatabaseAccess, SecurityClearance

T = TypeVar("T")


def _shape_checked(what: str, build: Callable[[], T]) -> T:
    """``build()``, with a wrong JSON shape (a list where an object belongs, an object where a number
    belongs...) reported as a ValidationError instead of whatever Python raised on the way."""
    try:
        return build()
    except (AttributeError, TypeError, ValueError, KeyError) as e:
        raise ValidationError(
            f"{what}: the server's JSON has an unexpected shape ({type(e).__name__}: {e})",
            hint="Is the URL a RavenDB node of a supported version?",
        ) from None


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
        return _shape_checked("certificate definition", lambda: cls._from_wire(d))

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> CertificateDefinition:
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
    """What a node says about its cluster: the leader, itself, and its nodes (tag -> URL) by role."""

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
        return _shape_checked("cluster topology", lambda: cls._from_wire(d))

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> ClusterTopology:
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
    """The RavenDB build a node runs."""

    product_version: str
    build_version: int
    commit_hash: str
    full_version: str

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> BuildVersion:
        return _shape_checked("build version", lambda: cls._from_wire(d))

    @classmethod
    def _from_wire(cls, d: Mapping[str, Any]) -> BuildVersion:
        return cls(
            product_version=str(d.get("ProductVersion") or ""),
            build_version=int(d.get("BuildVersion") or 0),
            commit_hash=str(d.get("CommitHash") or ""),
            full_version=str(d.get("FullVersion") or ""),
        )
