"""Goal conditions: a small vocabulary of checks written as data in scenario files, and a pure evaluator
over a state snapshot (see ``snapshot.py``). Nothing here looks at what the UI did -- only at the live state,
the mock's request journal, and answers the trainee typed.

Every check is one table in a scenario's ``goals`` array: ``check = "<kind>"`` plus the keys of that kind
(``PARAMS``), an optional ``product`` (display name or id; default the scenario's ``product``) and ``text``,
the line the task panel shows.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ravensec.mock.training.snapshot import Snapshot

if TYPE_CHECKING:
    from ravensec.mock.journal import JournalEntry
    from ravensec.mock.state import CloudState

CLEARANCES = ("ClusterAdmin", "Operator", "ValidUser")
ACCESS = ("Admin", "ReadWrite", "Read")

# kind -> {key: (python type, required)}
PARAMS: dict[str, dict[str, tuple[type | tuple[type, ...], bool]]] = {
    "certificate_absent": {"name": (str, True)},
    "certificate_registered": {"name": (str, True), "clearance": (str, False), "permissions": (dict, False),
                               "new": (bool, False)},
    "registered_not_generated": {"name": (str, True), "clearance": (str, False)},
    "certificate_rotated": {"name": (str, True), "within_days": (int, False)},
    "handout_registered": {"handout": (str, True), "clearance": (str, False), "permissions": (dict, False)},
    "allowlist_excludes": {"cidr": (str, True)},
    "allowlist_includes": {"cidr": (str, True)},
    "address_allowed": {"address": (str, True)},
    "caller_still_authorized": {},
    "node_count": {"at_least": (int, True)},
    "cpu_credits_available": {},
    "request_seen": {"method": (str, True), "path": (str, True), "status": (int, False), "node": (str, False)},
    "answer": {"id": (str, True), "question": (str, True), "accept": (list, True)},
}
COMMON = {"check", "product", "text"}


@dataclass(frozen=True)
class Goal:
    check: str
    text: str
    product: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass(frozen=True)
class GoalResult:
    goal: Goal
    met: bool
    detail: str  # why not (or what was seen), for the panel and --check


class GoalError(ValueError):
    """A goal table is malformed; ``key`` is the offending key inside the table."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


def parse_goal(data: Mapping[str, Any]) -> Goal:
    """Validate one goal table; raises GoalError naming the key."""
    kind = data.get("check")
    if not isinstance(kind, str):
        raise GoalError("check", "required; one of " + ", ".join(sorted(PARAMS)))
    if kind not in PARAMS:
        raise GoalError("check", f"unknown check {kind!r}; expected one of {', '.join(sorted(PARAMS))}")
    spec = PARAMS[kind]
    for key in data:
        if key not in spec and key not in COMMON:
            raise GoalError(key, f"unknown key for {kind}; expected {', '.join(sorted(set(spec) | COMMON))}")
    for key, (typ, required) in spec.items():
        if key not in data:
            if required:
                raise GoalError(key, f"required by {kind}")
            continue
        v = data[key]
        if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
            raise GoalError(key, f"expected {getattr(typ, '__name__', typ)}, got {type(v).__name__}")
    _check_values(kind, data)
    for key in ("product", "text"):
        if key in data and not isinstance(data[key], str):
            raise GoalError(key, "expected a string")
    params = {k: v for k, v in data.items() if k not in COMMON}
    return Goal(kind, str(data.get("text") or _default_text(kind, params)), str(data.get("product", "")), params)


def _check_values(kind: str, data: Mapping[str, Any]) -> None:
    if "clearance" in data and data["clearance"] not in CLEARANCES:
        raise GoalError("clearance", f"unknown clearance {data['clearance']!r}; expected {', '.join(CLEARANCES)}")
    for db, access in dict(data.get("permissions", {})).items():
        if access not in ACCESS:
            raise GoalError(f"permissions.{db}", f"unknown access {access!r}; expected {', '.join(ACCESS)}")
    if "cidr" in data:
        try:
            ipaddress.ip_network(data["cidr"], strict=True)
        except ValueError as e:
            raise GoalError("cidr", str(e)) from None
    if "address" in data:
        try:
            ipaddress.ip_address(data["address"])
        except ValueError as e:
            raise GoalError("address", str(e)) from None
    if kind == "answer" and (not data["accept"] or not all(isinstance(a, str) for a in data["accept"])):
        raise GoalError("accept", "a non-empty array of accepted answers (strings)")
    if kind == "request_seen" and data.get("node", "any") not in ("any", "portal", "node"):
        raise GoalError("node", "expected portal, node or any")


def _default_text(kind: str, p: Mapping[str, Any]) -> str:
    return {
        "certificate_absent": "{name} can no longer connect",
        "certificate_registered": "{name} is registered with the required access",
        "registered_not_generated": "{name} is registered and its key never left your machine",
        "certificate_rotated": "{name} runs on a fresh certificate; the expiring one is gone",
        "handout_registered": "the certificate in {handout} is registered",
        "allowlist_excludes": "the allow-list no longer contains {cidr}",
        "allowlist_includes": "the allow-list contains {cidr}",
        "address_allowed": "{address} is still allowed",
        "caller_still_authorized": "you can still administer the product",
        "node_count": "the product has at least {at_least} nodes",
        "cpu_credits_available": "the product's databases are still served: its CPU credits are not exhausted",
        "request_seen": "the mock answered {method} {path}",
        "answer": "{question}",
    }[kind].format(**p)


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class Context:
    """What goals are judged against besides the snapshot."""

    default_product: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)
    handouts: Mapping[str, str] = field(default_factory=dict)  # handout name -> thumbprint


def evaluate(goals: list[Goal], snap: Snapshot, ctx: Context | None = None) -> list[GoalResult]:
    """Judge every goal against one snapshot. Pure: same inputs, same results."""
    ctx = ctx or Context()
    return [_judge(g, snap, ctx) for g in goals]


def evaluate_state(
    goals: list[Goal], state: CloudState, journal: Iterable[JournalEntry] = (), ctx: Context | None = None
) -> list[GoalResult]:
    """``evaluate`` over a live ``CloudState`` (and the mock's journal)."""
    from ravensec.mock.training.snapshot import snapshot

    return evaluate(goals, snapshot(state, journal), ctx)


def _product(snap: Snapshot, goal: Goal, ctx: Context) -> dict[str, Any] | None:
    want = (goal.product or ctx.default_product).lower()
    for p in snap["products"]:
        if not want or p["id"].lower() == want or p["name"].lower() == want:
            return p  # type: ignore[no-any-return]
    return None


def _enabled(p: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in p["certificates"] if not c["disabled"]]


def _perms(d: Mapping[str, str]) -> dict[str, str]:
    # RavenDB database names are case-insensitive.
    return {k.lower(): v for k, v in d.items()}


def _access_ok(c: dict[str, Any], goal: Goal) -> str:
    """'' when the certificate's clearance and permissions are what the goal asks; else why not."""
    if goal.get("clearance") and c["clearance"] != goal.get("clearance"):
        return f"{c['name']} has clearance {c['clearance']}, not {goal.get('clearance')}"
    if goal.get("permissions") is not None and _perms(c["permissions"]) != _perms(goal.get("permissions")):
        have = ", ".join(f"{k}={v}" for k, v in sorted(c["permissions"].items())) or "none"
        return f"{c['name']} has database access {have}"
    return ""


def _judge(goal: Goal, snap: Snapshot, ctx: Context) -> GoalResult:
    def res(met: bool, detail: str = "") -> GoalResult:
        return GoalResult(goal, met, detail)

    if goal.check == "answer":
        given = ctx.answers.get(goal.get("id"), "")
        ok = _normal(given) in {_normal(a) for a in goal.get("accept")}
        return res(ok, "" if ok else ("not answered yet" if not given else f"{given!r} is not right"))
    if goal.check == "request_seen":
        return _request_seen(goal, snap, ctx)
    p = _product(snap, goal, ctx)
    if p is None:
        return res(False, f"no product {goal.product or ctx.default_product!r} in the mock")
    name = goal.get("name", "")
    originals = set(snap["originals"].get(name, []))
    if goal.check == "certificate_absent":
        left = [c for c in _enabled(p) if c["thumbprint"] in originals or c["name"] == name]
        return res(not left, f"{name} is still registered and enabled" if left else "")
    if goal.check == "certificate_registered":
        cands = [c for c in _enabled(p) if c["name"] == name]
        if goal.get("new"):
            cands = [c for c in cands if c["thumbprint"] not in originals]
        return _best(res, cands, goal, f"no enabled certificate named {name}")
    if goal.check == "registered_not_generated":
        cands = [c for c in _enabled(p) if c["name"] == name and c["thumbprint"] not in originals]
        if cands and all(c["generated_by_server"] for c in cands):
            return res(False, f"{name} was generated by the server: its private key left the server")
        return _best(res, [c for c in cands if not c["generated_by_server"]], goal,
                     f"no certificate named {name} registered yet")
    if goal.check == "certificate_rotated":
        return _rotated(goal, p, snap, originals, res)
    if goal.check == "handout_registered":
        tp = ctx.handouts.get(goal.get("handout"), "")
        cands = [c for c in _enabled(p) if c["thumbprint"] == tp]
        return _best(res, cands, goal, f"the certificate in {goal.get('handout')} is not registered (or disabled)")
    nets = [ipaddress.ip_network(r["ip"], strict=False) for r in p["allowed_ips"]]
    if goal.check == "allowlist_excludes":
        net = ipaddress.ip_network(goal.get("cidr"))
        return res(net not in nets, f"{net} is still in the allow-list" if net in nets else "")
    if goal.check == "allowlist_includes":
        net = ipaddress.ip_network(goal.get("cidr"))
        return res(net in nets, "" if net in nets else f"{net} is not in the allow-list")
    if goal.check == "address_allowed":
        ip = ipaddress.ip_address(goal.get("address"))
        ok = any(ip.version == n.version and ip in n for n in nets)
        return res(ok, "" if ok else f"{ip} is no longer allowed: you would lock yourself out")
    if goal.check == "caller_still_authorized":
        mine = [c for c in p["certificates"] if c["thumbprint"] == p["operator"]]
        if not mine:
            return res(False, "your own certificate is no longer registered")
        if mine[0]["disabled"]:
            return res(False, "your own certificate is disabled")
        ok = mine[0]["clearance"] in ("Operator", "ClusterAdmin")
        return res(ok, "" if ok else f"your certificate is only {mine[0]['clearance']} now")
    if goal.check == "node_count":
        n = len(p["nodes"])
        return res(n >= goal.get("at_least"), f"{n} nodes ({', '.join(p['nodes'])})")
    if goal.check == "cpu_credits_available":
        return _credits_available(goal, p)
    raise AssertionError(f"unhandled check {goal.check}")  # parse_goal admits only known kinds


def _best(res: Any, cands: list[dict[str, Any]], goal: Goal, missing: str) -> GoalResult:
    if not cands:
        return res(False, missing)  # type: ignore[no-any-return]
    problems = [_access_ok(c, goal) for c in cands]
    if "" in problems:
        return res(True, "")  # type: ignore[no-any-return]
    return res(False, problems[0])  # type: ignore[no-any-return]


def _rotated(goal: Goal, p: dict[str, Any], snap: Snapshot, originals: set[str], res: Any) -> GoalResult:
    name = goal.get("name")
    days = goal.get("within_days", 30)
    old = [c for c in p["certificates"] if c["thumbprint"] in originals]
    old_enabled = [c for c in old if not c["disabled"]]
    if old_enabled:
        return res(False, f"the expiring {name} certificate is still registered")  # type: ignore[no-any-return]
    now = datetime.fromisoformat(snap["now"])
    fresh = [c for c in _enabled(p) if c["name"] == name and c["thumbprint"] not in originals
             and datetime.fromisoformat(c["not_after"]) > now + timedelta(days=days)]
    if not fresh:
        return res(False, f"no new {name} certificate valid beyond {days} days")  # type: ignore[no-any-return]
    if old:
        # The replacement must keep the service working: the same clearance and database access.
        want = old[0]
        for c in fresh:
            if c["clearance"] == want["clearance"] and _perms(c["permissions"]) == _perms(want["permissions"]):
                return res(True, "")  # type: ignore[no-any-return]
        return res(False, f"the new {name} certificate lacks the old one's access")  # type: ignore[no-any-return]
    return res(True, "")  # type: ignore[no-any-return]


def _request_seen(goal: Goal, snap: Snapshot, ctx: Context) -> GoalResult:
    p = _product(snap, goal, ctx)
    path = str(goal.get("path")).replace("{product}", p["id"] if p else "")
    node = goal.get("node", "any")
    for r in snap["requests"]:
        if r["method"] != goal.get("method").upper() or not r["path"].startswith(path):
            continue
        if goal.get("status") is not None and r["status"] != goal.get("status"):
            continue
        if (node == "portal" and r["node"] != "portal") or (node == "node" and r["node"] == "portal"):
            continue
        return GoalResult(goal, True, "")
    return GoalResult(goal, False, f"no {goal.get('method')} {path} answered yet")


def _credits_available(goal: Goal, p: dict[str, Any]) -> GoalResult:
    """Met while no node of the product has its failover flag raised: the flag, not the balance alone, is what
    the router checks before a flagged database request (it lowers only above 1.25 x the threshold)."""
    budgets = p.get("cpu_credits")
    if budgets is None:
        return GoalResult(goal, False, "the mock's state carries no CPU credits (a mock older than this check)")
    refused = [(tag, b) for tag, b in sorted(budgets.items()) if b["used"] and b["failover_raised"]]
    if not refused:
        return GoalResult(goal, True, "")
    tag, b = refused[0]
    left, threshold, release = b["remaining"], b["failover_threshold"], b["failover_release"]
    where = (f"under the failover threshold of {threshold / 60:.1f} ({threshold:.0f})" if left < threshold
             else f"not yet back above {release / 60:.1f} ({release:.0f})")
    also = f" (on node {', '.join(t for t, _ in refused[1:])} too)" if len(refused) > 1 else ""
    return GoalResult(goal, False, (
        f"node {tag} has {left / 60:.1f} CPU credits left ({left:.0f} CPU seconds), {where}: "
        f"its database requests are refused with 503{also}"
    ))


def _normal(s: str) -> str:
    return " ".join(s.strip().lower().split())
