"""World files: TOML descriptions of a mock account (products, certificates, databases, backups), read and
validated into a frozen :class:`WorldSpec`.

Every problem raises :class:`ravensec.core.errors.ConfigError` naming the file and the key, e.g.
``demo.toml: products[2].tier: unknown tier 'Gold'; expected Free, Development or Production``.
Relative times (``expires_in_days``, ``hours_ago``) count from the world's ``now``; without ``now`` they count
from today's midnight UTC, so a world builds the same certificates all day long.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ravensec.core.errors import ConfigError
from ravensec.core.iprules import parse_rule, validate_rules
from ravensec.core.models import BackupKind, DatabaseAccess, IpRule, ProductStatus, SecurityClearance, Tier
from ravensec.core.models.credits import is_burstable
from ravensec.mock.portal.metadata import instance_type, known_region, release_channels
from ravensec.mock.world_reader import Reader as _Reader

WORLDS_DIR = Path(__file__).with_name("worlds")
PROVIDERS = ("aws", "azure", "gcp")
KEY_TYPES = ("ec-p256", "rsa2048", "rsa4096")
SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,11}[a-z0-9])?$")
DOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
NODE_TAGS = ("A", "B", "C", "D", "E", "F")


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


def _product_id(seed: int, subdomain: str) -> str:
    h = hashlib.sha256(f"{seed}:{subdomain}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _rules(r: _Reader, key: str, tier: Tier) -> tuple[IpRule, ...]:
    raw = r.get(key, list, [], what="an array")
    rules = []
    for i, item in enumerate(raw):
        k = f"{r.key(key)}[{i}]"
        if isinstance(item, str):
            text, alias = item, ""
        elif isinstance(item, dict):
            sub = _Reader(r.source, item, k)
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


def _certificate(r: _Reader, anchor: datetime) -> CertSpec:
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


def _jsonable(r: _Reader, key: str, v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _jsonable(r, key, x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(r, key, x) for x in v]
    if isinstance(v, str | int | float | bool):
        return v
    raise r.fail(key, f"value of type {type(v).__name__} cannot be stored in a document")


def _database(r: _Reader) -> DatabaseSpec:
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


def _product(r: _Reader, seed: int, anchor: datetime) -> ProductSpec:
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


def _cpu_credits(r: _Reader, tier: Tier, itype: str) -> CpuCreditsSpec:
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


def _load_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"not valid TOML: {e}", path=source) from None


def _extend(data: dict[str, Any], source: str, base_dir: Path | None) -> tuple[dict[str, Any], str]:
    """``extends = "demo"`` (or a path beside the file): the base world's top-level keys, replaced by ours.
    Returns the merged data and the base's text (part of the cache fingerprint)."""
    base_ref = data.pop("extends", None)
    if base_ref is None:
        return data, ""
    if not isinstance(base_ref, str) or not base_ref:
        raise ConfigError("extends: expected a world name or a file path", path=source)
    ref: str | Path = base_ref
    if base_ref.endswith(".toml") and base_dir is not None and not Path(base_ref).is_absolute():
        ref = base_dir / base_ref
    try:
        base_path = world_path(ref)
        base_text = base_path.read_text(encoding="utf-8")
    except (ConfigError, OSError) as e:
        raise ConfigError(f"extends: {e}", path=source) from None
    base = _load_toml(base_text, base_path.name)
    if "extends" in base:
        raise ConfigError("extends: a base world may not extend another one", path=source)
    base.pop("name", None)
    return {**base, **data}, base_text


def parse_world(text: str, *, name: str, source: str, base_dir: Path | None = None) -> WorldSpec:
    """Validate a world's TOML text; ``source`` names the file in errors."""
    data, base_text = _extend(_load_toml(text, source), source, base_dir)
    text = base_text + text
    r = _Reader(source, data, "")
    r.check_known({"name", "description", "seed", "now", "account", "portal", "products", "cpu_credits"})
    seed = r.get("seed", int, 0)
    now = r.when("now", datetime.now(UTC), None)
    anchor = now or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    acc = r.table("account")
    acc.check_known({"domain", "api_key"})
    domain = acc.text("domain")
    if not DOMAIN_RE.match(domain):
        raise acc.fail(acc.key("domain"), f"{domain!r} is not a valid account domain (a-z 0-9 -)")
    api_key = acc.text("api_key", f"mock-{hashlib.sha256(f'{seed}:{domain}'.encode()).hexdigest()[:32]}")
    portal = r.table("portal")
    portal.check_known({"rate_limit", "transition_seconds"})
    pspec = PortalSpec(portal.get("rate_limit", bool, False),
                       float(portal.get("transition_seconds", (int, float), 2.0)))
    if pspec.transition_seconds < 0:
        raise portal.fail(portal.key("transition_seconds"), "must be 0 or more")
    cpu = r.table("cpu_credits")
    cpu.check_known({"time_scale"})
    time_scale = float(cpu.get("time_scale", (int, float), 0.0))
    if time_scale < 0:
        raise cpu.fail(cpu.key("time_scale"), "must be 0 or more")
    products = [_product(p, seed, anchor) for p in r.tables("products")]
    _check_products(r, products)
    fingerprint = hashlib.sha256(text.encode() + anchor.isoformat().encode()).hexdigest()
    return WorldSpec(str(r.get("name", str, name)), source, seed, now, anchor, domain, api_key,
                     tuple(products), pspec, fingerprint, time_scale)


def _check_products(r: _Reader, products: list[ProductSpec]) -> None:
    seen_ids: set[str] = set()
    seen_sub: set[str] = set()
    for i, p in enumerate(products):
        if p.subdomain in seen_sub:
            raise r.fail(f"products[{i}].subdomain", f"subdomain {p.subdomain!r} is already taken")
        if p.id in seen_ids:
            raise r.fail(f"products[{i}].id", f"duplicate product id {p.id!r}")
        seen_ids.add(p.id)
        seen_sub.add(p.subdomain)
    if sum(1 for p in products if p.tier == Tier.FREE) > 1:
        raise r.fail("products", "an account has at most one Free product")


def world_names() -> list[str]:
    """Names of the worlds shipped with the package."""
    return sorted(p.stem for p in WORLDS_DIR.glob("*.toml"))


def world_path(name_or_path: str | Path | None) -> Path:
    if name_or_path is None:
        name_or_path = "demo"
    p = Path(name_or_path)
    if isinstance(name_or_path, str) and "/" not in name_or_path and not name_or_path.endswith(".toml"):
        shipped = WORLDS_DIR / f"{name_or_path}.toml"
        if shipped.is_file():
            return shipped
        raise ConfigError(
            f"no world named {name_or_path!r}",
            hint=f"Known worlds: {', '.join(world_names())}; or give the path of a .toml file.",
        )
    if not p.is_file():
        raise ConfigError(f"world file {p} does not exist")
    return p


def load_world(name_or_path: str | Path | None = None) -> WorldSpec:
    """``None``/``"demo"`` -> the demo world; ``"empty"``; any other shipped name; or a path to a TOML file."""
    path = world_path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read the world file: {e}", path=str(path)) from None
    return parse_world(text, name=path.stem, source=path.name, base_dir=path.parent)


__all__ = [
    "BackupSpec", "CertSpec", "DatabaseSpec", "DocumentSpec", "PortalSpec", "ProductSpec", "WorldSpec",
    "load_world", "parse_world", "world_names", "world_path",
]
