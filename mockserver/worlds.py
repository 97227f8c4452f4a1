"""World files: TOML descriptions of a mock account (products, certificates, databases, backups), read and
validated into a frozen :class:`WorldSpec`. Here: finding a world (shipped name or path), ``extends``, and
the file's top level (account, portal, CPU time scale); each product's table is read by
``ravensec.mock.world_products``, and the specs themselves live in ``ravensec.mock.world_spec`` (re-exported
here).

Every problem raises :class:`ravensec.core.errors.ConfigError` naming the file and the key, e.g.
``demo.toml: products[2].tier: unknown tier 'Gold'; expected Free, Development or Production``.
Relative times (``expires_in_days``, ``hours_ago``) count from the world's ``now``; without ``now`` they count
from today's midnight UTC, so a world builds the same certificates all day long.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ravensec.core.errors import ConfigError
from ravensec.core.models import Tier
from ravensec.mock.world_products import read_product
from ravensec.mock.world_reader import Reader
from ravensec.mock.world_spec import (
    BackupSpec,
    CertSpec,
    CpuCreditsSpec,
    DatabaseSpec,
    DocumentSpec,
    PortalSpec,
    ProductSpec,
    WorldSpec,
)

WORLDS_DIR = Path(__file__).with_name("worlds")
DOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


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
    r = Reader(source, data, "")
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
    products = [read_product(p, seed, anchor) for p in r.tables("products")]
    _check_products(r, products)
    fingerprint = hashlib.sha256(text.encode() + anchor.isoformat().encode()).hexdigest()
    return WorldSpec(str(r.get("name", str, name)), source, seed, now, anchor, domain, api_key,
                     tuple(products), pspec, fingerprint, time_scale)


def _check_products(r: Reader, products: list[ProductSpec]) -> None:
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
    "BackupSpec", "CertSpec", "CpuCreditsSpec", "DatabaseSpec", "DocumentSpec", "PortalSpec", "ProductSpec",
    "WorldSpec", "load_world", "parse_world", "world_names", "world_path",
]
