"""One ``[[products]]`` table of a world file, read and checked into a :class:`ProductSpec`: its tier, cloud
placement (provider, region, subdomain, instance type, release channel), node tags, IP allowlist,
certificates, databases with their documents, backups and CPU credits. Each check names the key it refused.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Any

from ravensec.core.iprules import parse_rule, validate_rules
from ravensec.core.models import BackupKind, DatabaseAccess, IpRule, ProductStatus, SecurityClearance, Tier
from ravensec.core.models.credits import is_burstable
from ravensec.mock.portal.metadata import instance_type, known_region, release_channels
from ravensec.mock.world_reader import Reader
from ravensec.mock.world_spec import (
    BackupSpec,
    CertSpec,
    CpuCreditsSpec,
    DatabaseSpec,
    DocumentSpec,
    ProductSpec,
)

PROVIDERS = ("aws", "azure", "gcp")
KEY_TYPES = ("ec-p256", "rsa2048", "rsa4096")
SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,11}[a-z0-9])?$")
NODE_TAGS = ("A", "B", "C", "D", "E", "F")


def _product_id(seed: int, subdomain: str) -> str:
    h = hashlib.sha256(f"{seed}:{subdomain}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _rules(r: Reader, key: str, tier: Tier) -> tuple[IpRule, ...]:
    raw = r.get(key, list, [], what="an array")
    rules = []
    for i, item in enumerate(raw):
        k = f"{r.key(key)}[{i}]"
        if isinstance(item, str):
            text, alias = item, ""
        elif isinstance(item, dict):
            sub = Reader(r.source, item, k)
            sub.check_known({"ip", "alias"})
            text, alias = sub.text("ip"), sub.get("alias", str, "")
        else:
            raise r.fail(k, "expected a CIDR string or a table {ip, alias}")
        try:
            rules.append(parse_rule(text, alias))
        except Exception as e:
            raise r.fail(k, str(e)) from None
    problems = validate_rules(rules, provider=str(r.data.get("provider", "")))
    if problems:
        raise r.fail(r.key(key), "; ".join(problems))
    return tuple(rules)


def _certificate(r: Reader, anchor: datetime) -> CertSpec:
    r.check_known({"name", "clearance", "permissions", "not_before", "not_after", "expires_in_days",
                   "valid_days", "disabled", "key_type"})
    clearance = r.enum("clearance", SecurityClearance, "clearance", SecurityClearance.VALID_USER,
                       choices=(SecurityClearance.CLUSTER_ADMIN, SecurityClearance.OPERATOR,
                                SecurityClearance.VALID_USER))
    perms_r = r.table("permissions")
    perms = tuple(
        sorted((db, perms_r.enum(db, DatabaseAccess, "access")) for db in perms_r.data)
    )
    if "expires_in_days" in r.data and "not_after" in r.data:
        raise r.fail(r.key("expires_in_days"), "give either expires_in_days or not_after, not both")
    if "expires_in_days" in r.data:
        not_after = anchor + timedelta(days=r.get("expires_in_days", int))
    else:
        not_after = r.when("not_after", anchor, anchor + timedelta(days=365 * 5))
    valid_days = r.get("valid_days", int, 365)
    # By default a certificate has been valid for a while: not_before never lands after the world's now
    # unless the file says so (a "not yet valid" certificate).
    default_nb = min(not_after - timedelta(days=valid_days), anchor - timedelta(days=1))
    not_before = r.when("not_before", anchor, default_nb)
    if not_before >= not_after:
        raise r.fail(r.key("not_before"), "must be before not_after")
    key_type = r.get("key_type", str, "ec-p256")
    if key_type not in KEY_TYPES:
        raise r.fail(r.key("key_type"), f"unknown key type {key_type!r}; expected {', '.join(KEY_TYPES)}")
    return CertSpec(r.text("name"), clearance, perms, not_before, not_after, r.get("disabled", bool, False),
                    key_type)


def _jsonable(r: Reader, key: str, v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _jsonable(r, key, x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(r, key, x) for x in v]
    if isinstance(v, str | int | float | bool):
        return v
    raise r.fail(key, f"value of type {type(v).__name__} cannot be stored in a document")


def _database(r: Reader) -> DatabaseSpec:
    r.check_known({"name", "encrypted", "documents"})
    name = r.text("name")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,128}", name):
        raise r.fail(r.key("name"), f"{name!r} is not a valid database name (letters, digits, _ . -)")
    docs = []
    seen: set[str] = set()
    for d in r.tables("documents"):
        doc_id, coll = d.text("@id"), d.text("@collection")
        if doc_id.lower() in seen:
            raise d.fail(d.key("@id"), f"duplicate document id {doc_id!r}")
        seen.add(doc_id.lower())
        body = tuple((k, _jsonable(d, d.key(k), v)) for k, v in d.data.items() if k not in ("@id", "@collection"))
        docs.append(DocumentSpec(doc_id, coll, body))
    return DatabaseSpec(name, r.get("encrypted", bool, False), tuple(docs))


def read_product(r: Reader, seed: int, anchor: datetime) -> ProductSpec:
    """The product table ``r``; its id, when the file gives none, derives from ``seed`` and the subdomain, and
    its relative dates count from ``anchor``."""
    r.check_known({"id", "display_name", "tier", "provider", "region", "subdomain", "instance_type",
                   "release_channel", "status", "nodes", "storage_size", "storage_type", "labels", "allowed_ips",
                   "certificates", "databases", "backups", "cpu_credits"})
    tier = r.enum("tier", Tier, "tier")
    provider = r.get("provider", str, "aws")
    if provider not in PROVIDERS:
        raise r.fail(r.key("provider"), f"unknown provider {provider!r}; expected {', '.join(PROVIDERS)}")
    subdomain = r.text("subdomain", "free" if tier == Tier.FREE else ...)
    if not SUBDOMAIN_RE.match(subdomain):
        raise r.fail(r.key("subdomain"), f"{subdomain!r}: up to 13 of a-z 0-9 -, not starting or ending with -")
    default_nodes = ["A", "B", "C"] if tier == Tier.PRODUCTION else ["A"]
    nodes = r.get("nodes", list, default_nodes, what="an array of node tags")
    if any(n not in NODE_TAGS for n in nodes) or len(set(nodes)) != len(nodes) or not nodes:
        raise r.fail(r.key("nodes"), f"node tags are distinct letters among {', '.join(NODE_TAGS)}")
    if tier == Tier.PRODUCTION and not {"A", "B", "C"} <= set(nodes):
        raise r.fail(r.key("nodes"), "a Production product has nodes A, B and C")
    if tier != Tier.PRODUCTION and len(nodes) != 1:
        raise r.fail(r.key("nodes"), f"a {tier.value} product has a single node")
    default_type = {Tier.FREE: "Free", Tier.DEVELOPMENT: "Dev10", Tier.PRODUCTION: "PB10"}[tier]
    itype = r.get("instance_type", str, default_type)
    it = instance_type(itype)
    if it is None or it["tier"] != tier.value:
        raise r.fail(r.key("instance_type"), f"{itype!r} is not a {tier.value} instance type")
    region = r.get("region", str, {"aws": "us-east-1", "azure": "eastus", "gcp": "us-central1"}[provider])
    if not known_region(provider, region):
        raise r.fail(r.key("region"), f"unknown {provider} region {region!r}")
    channel = r.get("release_channel", str, "Stable62")
    if channel not in release_channels():
        raise r.fail(r.key("release_channel"), f"unknown release channel {channel!r}; expected "
                     f"{', '.join(release_channels())}")
    dbs = tuple(_database(d) for d in r.tables("databases"))
    names = [d.name.lower() for d in dbs]
    if len(set(names)) != len(names):
        raise r.fail(r.key("databases"), "two databases have the same name")
    backups = []
    for b in r.tables("backups"):
        b.check_known({"database", "kind", "at", "hours_ago"})
        db = b.text("database")
        if db.lower() not in names:
            raise b.fail(b.key("database"), f"no database {db!r} in this product")
        if "at" in b.data:
            at = b.when("at", anchor)
        else:
            at = anchor - timedelta(hours=b.get("hours_ago", (int, float), 1))
        backups.append(BackupSpec(db, b.enum("kind", BackupKind, "backup kind", BackupKind.FULL), at))
    if backups and not tier.backup_mandatory:
        raise r.fail(r.key("backups"), f"a {tier.value} product has no cloud backups (only Free and Production)")
    storage_size = r.get("storage_size", int, it["parameters"]["availableDiskSizes"][0])
    cpu = _cpu_credits(r, tier, itype)
    return ProductSpec(
        id=r.text("id", "") or _product_id(seed, subdomain),
        display_name=r.text("display_name", subdomain),
        tier=tier,
        provider=provider,
        region=region,
        subdomain=subdomain,
        instance_type=itype,
        release_channel=channel,
        status=r.enum("status", ProductStatus, "status", ProductStatus.ACTIVE),
        nodes=tuple(nodes),
        storage_size=storage_size,
        storage_type=r.get("storage_type", str, "SsdStandard"),
        labels=tuple(str(x) for x in r.get("labels", list, [])),
        allowed_ips=_rules(r, "allowed_ips", tier),
        certificates=tuple(_certificate(c, anchor) for c in r.tables("certificates")),
        databases=dbs,
        backups=tuple(backups),
        cpu_credits=cpu,
    )


def _cpu_credits(r: Reader, tier: Tier, itype: str) -> CpuCreditsSpec:
    if "cpu_credits" not in r.data:
        return CpuCreditsSpec()
    if not is_burstable(tier, itype):
        raise r.fail(r.key("cpu_credits"), f"a {itype} instance is reserved: it has no CPU credits "
                     "(only Free, Development and Production Basic PB* instances are burstable)")
    c = r.table("cpu_credits")
    keys = ("remaining", "max", "base", "background_tasks_threshold", "failover_threshold")
    c.check_known(set(keys))
    values: dict[str, float | None] = {}
    for k in keys:
        v = c.get(k, (int, float), None)
        if v is not None and v < 0 and k != "failover_threshold":  # the server's -1 disables failover
            raise c.fail(c.key(k), "must be 0 or more (CPU seconds)")
        values[k] = None if v is None else float(v)
    return CpuCreditsSpec(**values)
