"""Scenario files: ``mockserver/training/scenarios/<name>.toml`` -- a mock world (the ``[world]`` table, in the world file
format) plus a title, a briefing, hints, goal conditions, handouts and a debrief. See docs/scenarios.md.

Every mistake raises ``ravensec.core.errors.ConfigError`` naming the file and the key
(``leaked-certificate.toml [goals[1].check]: unknown check 'cert_gone'; ...``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ravensec.core.errors import ConfigError
from ravensec.core.models.credits import is_burstable
from ravensec.mock import keyring
from ravensec.mock.training.goals import Context, Goal, GoalError, GoalResult, evaluate, parse_goal
from ravensec.mock.training.snapshot import Snapshot

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ravensec.mock.worlds import ProductSpec

HANDOUT_KINDS = ("client_certificate", "backup_key", "wrong_backup_key", "api_access")
TOP_KEYS = {"title", "order", "briefing", "debrief", "hints", "product", "goals", "handouts", "world"}


def scenarios_dir() -> Path:
    """``$RAVENSEC_SCENARIOS`` or the shipped ``mockserver/training/scenarios``."""
    env = os.environ.get("RAVENSEC_SCENARIOS")
    return Path(env) if env else Path(__file__).resolve().parent / "scenarios"


@dataclass(frozen=True)
class Handout:
    """Something the trainee is handed: a client certificate file, a backup key, the portal's API access."""

    kind: str
    name: str
    label: str


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    order: int
    briefing: str
    debrief: str
    hints: tuple[str, ...]
    product: str
    goals: tuple[Goal, ...]
    handouts: tuple[Handout, ...]
    world: dict[str, Any]
    path: Path

    def world_toml(self) -> str:
        """The scenario's world as a world file (for ``ravensec-mock serve --world``)."""
        return to_toml(self.world)

    def handout_certificate(self, name: str) -> Any:
        """The client certificate (a CertBundle) of handout ``name``: the same key pair (RSA-4096, from the
        mock's key ring, like every key the mock hands out) and dates on every run, so ``--check`` recognises
        it without the trainee's files."""
        from ravensec.core.certs.generate import make_client_certificate

        seed = int.from_bytes(hashlib.sha256(f"training:{self.name}:{name}".encode()).digest()[:8], "big")
        handouts = [h.name for h in self.handouts if h.kind == "client_certificate"]
        index = handouts.index(name) if name in handouts else len(handouts)
        return make_client_certificate(
            name, key=keyring.handout_key(index), not_before=datetime(2025, 1, 1, tzinfo=UTC),
            not_after=datetime(2030, 1, 1, tzinfo=UTC), serial=seed >> 1, deterministic=True,
        )

    def handout_thumbprints(self) -> dict[str, str]:
        from ravensec.core.certs.identity import thumbprint

        return {h.name: thumbprint(self.handout_certificate(h.name).certificate)
                for h in self.handouts if h.kind == "client_certificate"}

    def context(self, answers: dict[str, str] | None = None) -> Context:
        return Context(self.product, dict(answers or {}), self.handout_thumbprints())

    def judge(self, snap: Snapshot, answers: dict[str, str] | None = None) -> list[GoalResult]:
        """Every goal judged against a snapshot of the mock (``GET /ext/v1/state``). Pure."""
        return evaluate(list(self.goals), snap, self.context(answers))

    def make_cloud(self, **kwargs: Any) -> Any:
        """A ``MockCloud`` serving this scenario's world (not started)."""
        from ravensec.mock.build import WorldBuilder
        from ravensec.mock.runtime import MockCloud

        spec = self.world_spec()
        builders: dict[int, Any] = {}

        def build(pki: Any) -> Any:
            b = builders.get(id(pki)) or builders.setdefault(id(pki), WorldBuilder(spec, pki))
            return b.build()

        return MockCloud(self.name, seed=spec.seed, state_factory=build, **kwargs)

    def world_spec(self) -> Any:
        from ravensec.mock.worlds import WORLDS_DIR, parse_world

        try:
            return parse_world(self.world_toml(), name=self.name, source=self.path.name, base_dir=WORLDS_DIR)
        except ConfigError as e:
            # The world reader names its own key (products[0].tier): report it under [world] of this file.
            key, text = getattr(e, "key", ""), e.message
            if key and f"{key}: " in text:
                raise ConfigError(text.split(f"{key}: ", 1)[1], path=self.path.name, key=f"world.{key}") from None
            raise ConfigError(f"in [world]: {text}", path=self.path.name) from None


def wrong_backup_key(account_key: bytes) -> str:
    """A well-formed key that does not open the account's backups (last year's key, in the story)."""
    return base64.b64encode(hashlib.sha256(b"retired:" + account_key).digest()).decode()


def list_scenarios(directory: Path | None = None) -> list[Scenario]:
    """Every scenario in ``directory``, by ``order`` then name; a broken file raises ConfigError."""
    d = directory or scenarios_dir()
    found = [load_scenario(p) for p in sorted(d.glob("*.toml"))]
    return sorted(found, key=lambda s: (s.order, s.name))


def load_scenario(name_or_path: str | Path) -> Scenario:
    p = Path(name_or_path)
    if not (isinstance(name_or_path, Path) or name_or_path.endswith(".toml") or "/" in name_or_path):
        p = scenarios_dir() / f"{name_or_path}.toml"
        if not p.is_file():
            known = ", ".join(s.stem for s in sorted(scenarios_dir().glob("*.toml"))) or "none"
            raise ConfigError(f"no training scenario named {name_or_path!r}", hint=f"Known: {known}.")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"cannot read the scenario: {e.strerror or e}", path=str(p)) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"not valid TOML: {e}", path=str(p)) from None
    return parse_scenario(data, p)


def _fail(path: Path, key: str, message: str) -> ConfigError:
    return ConfigError(message, path=path.name, key=key)


def parse_scenario(data: dict[str, Any], path: Path) -> Scenario:
    for k in data:
        if k not in TOP_KEYS:
            raise _fail(path, k, f"unknown key; expected one of {', '.join(sorted(TOP_KEYS))}")

    def text(key: str, default: str | None = None) -> str:
        v = data.get(key, default)
        if v is None:
            raise _fail(path, key, "required key is missing")
        if not isinstance(v, str) or not v.strip():
            raise _fail(path, key, "expected a non-empty string")
        return v.strip()

    order = data.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool):
        raise _fail(path, "order", "expected an integer")
    hints = data.get("hints", [])
    if not isinstance(hints, list) or not all(isinstance(h, str) and h.strip() for h in hints):
        raise _fail(path, "hints", "expected an array of non-empty strings")
    goals_raw = data.get("goals")
    if not isinstance(goals_raw, list) or not goals_raw:
        raise _fail(path, "goals", "expected a non-empty array of tables ([[goals]])")
    goals = []
    for i, g in enumerate(goals_raw):
        if not isinstance(g, dict):
            raise _fail(path, f"goals[{i}]", "expected a table")
        try:
            goals.append(parse_goal(g))
        except GoalError as e:
            raise _fail(path, f"goals[{i}].{e.key}", str(e).split(": ", 1)[1]) from None
    handouts = tuple(_handout(path, i, h) for i, h in enumerate(data.get("handouts", [])))
    names = {h.name for h in handouts}
    for i, g in enumerate(goals):
        if g.check == "handout_registered" and g.get("handout") not in names:
            raise _fail(path, f"goals[{i}].handout", f"no handout named {g.get('handout')!r}")
    ids = [g.get("id") for g in goals if g.check == "answer"]
    if len(set(ids)) != len(ids):
        raise _fail(path, "goals", "two answer goals share an id")
    world = data.get("world")
    if not isinstance(world, dict):
        raise _fail(path, "world", "required table (a mock world, in the world file format)")
    sc = Scenario(
        name=path.stem, title=text("title"), order=order, briefing=text("briefing"),
        debrief=text("debrief"), hints=tuple(h.strip() for h in hints), product=str(data.get("product", "")),
        goals=tuple(goals), handouts=handouts, world=world, path=path,
    )
    spec = sc.world_spec()  # the world itself is validated by the world reader
    if sc.product and not any(sc.product.lower() in (p.display_name.lower(), p.id) for p in spec.products):
        raise _fail(path, "product", f"the world has no product {sc.product!r}")
    for i, g in enumerate(goals):
        if g.check == "cpu_credits_available":
            _check_burstable(path, i, g, sc.product, spec.products)
    return sc


def _check_burstable(path: Path, i: int, goal: Goal, default: str, products: Sequence[ProductSpec]) -> None:
    """A ``cpu_credits_available`` goal needs a burstable product: a reserved one has no credits to run out of."""
    want = (goal.product or default).lower()
    key = f"goals[{i}].product" if goal.product else f"goals[{i}].check"
    found = next((p for p in products if not want or want in (p.display_name.lower(), p.id)), None)
    if found is None:
        raise _fail(path, key, f"the world has no product {goal.product or default!r}")
    if not is_burstable(found.tier, found.instance_type):
        raise _fail(path, key, f"{found.display_name} ({found.instance_type}) is a reserved instance: it has no "
                    "CPU credits (only Free, Development and Production Basic PB* instances are burstable)")


def _handout(path: Path, i: int, h: Any) -> Handout:
    key = f"handouts[{i}]"
    if not isinstance(h, dict):
        raise _fail(path, key, "expected a table")
    for k in h:
        if k not in ("kind", "name", "label"):
            raise _fail(path, f"{key}.{k}", "unknown key; expected kind, name, label")
    kind = h.get("kind")
    if kind not in HANDOUT_KINDS:
        raise _fail(path, f"{key}.kind", f"unknown handout {kind!r}; expected {', '.join(HANDOUT_KINDS)}")
    name = h.get("name", kind)
    if not isinstance(name, str) or not name:
        raise _fail(path, f"{key}.name", "expected a non-empty string")
    return Handout(kind, name, str(h.get("label", name)))


# --------------------------------------------------------------------------- world -> TOML text


def to_toml(data: dict[str, Any]) -> str:
    """Top-level keys as ``key = <inline value>`` lines: enough for a world table read by tomllib."""
    return "".join(f"{_key(k)} = {_value(v)}\n" for k, v in data.items())


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() and k.isascii() else json.dumps(k)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # JSON's escapes are valid in TOML basic strings
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    raise ConfigError(f"a value of type {type(v).__name__} cannot be part of a world")
