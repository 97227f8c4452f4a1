"""Products as the Cloud API v1 describes them (camelCase), and their allow-list rules."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ValidationError
from ._parse import _str, lenient_enum
from .enums import ProductStatus, Tier

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network



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
    """One node of a product: its tag (A, B, ...) and its HTTPS URL."""

    tag: str
    url: str


@dataclass(frozen=True)
class Storage:
    """A product's disk: size (GB), type and, where the tier has them, IOPS and throughput."""

    size: int | None = None
    type: str = ""
    iops: int | None = None
    throughput: int | None = None


@dataclass(frozen=True)
class ProductSummary:
    """A product as the list answers it: id and name."""

    id: str
    name: str

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> ProductSummary:
        return cls(id=_str(d, "id", "product"), name=str(d.get("name") or d.get("displayName") or ""))


@dataclass(frozen=True)
class Product:
    """A product as its details answer it: status, tier, nodes, storage and allow-list."""

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
    """The account behind the API key: its domain, and the raw answer."""

    domain: str
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> AccountInfo:
        domain = d.get("domainName") or d.get("domain") or d.get("accountDomain") or ""
        return cls(domain=str(domain), raw=dict(d))


