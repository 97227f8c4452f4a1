"""``ravensec ips list|add|remove|set``: core plans each change (validation, diff, your own address), the plan is printed before it is applied."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ravensec.core import planning
from ravensec.core.errors import NotFound, UsageError, ValidationError
from ravensec.core.iprules import diff_rules, parse_rule
from ravensec.core.models import IpRule, Product
from ravensec.core.words import plural
from ravensec.core.workspace import Workspace

from . import shapes
from .context import Context
from .output import Column
from .planout import carry_out, plan_data

COLUMNS = [Column("IP", "ip"), Column("ALIAS", "alias")]


async def _current(ctx: Context, *, change: bool = True) -> tuple[Workspace, Product, list[IpRule]]:
    p = await ctx.product()
    ws = await (ctx.writable_workspace("Changing allowed IPs") if change else ctx.workspace())
    return ws, p, list(await ws.get_ip_rules(p.id))


async def list_ips(ctx: Context) -> int:
    _, _, rules = await _current(ctx, change=False)
    ctx.out.result([shapes.ip_rule(r) for r in rules], columns=COLUMNS)
    return 0


def parse_rules_text(text: str, source: str) -> list[IpRule]:
    """Rules from a file: JSON (``{"allowedIps": [...]}`` or a list), else one ``CIDR [alias]`` per line."""
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            raw: Any = json.loads(stripped)
        except json.JSONDecodeError as e:
            raise ValidationError(f"{source} is not valid JSON ({e.msg} at line {e.lineno}).") from None
        items = raw.get("allowedIps") if isinstance(raw, dict) else raw
        if not isinstance(items, list):
            raise ValidationError(f"{source}: expected a list of rules or {{\"allowedIps\": [...]}}.")
        rules = []
        for i, item in enumerate(items, 1):
            if isinstance(item, str):
                rules.append(parse_rule(item))
            elif isinstance(item, dict) and isinstance(item.get("ip"), str):
                rules.append(parse_rule(item["ip"], str(item.get("alias") or "")))
            else:
                raise ValidationError(f"{source}: rule {i} needs an \"ip\" string.")
        return rules
    rules = []
    errors: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        cidr, _, alias = line.partition(" ")
        try:
            rules.append(parse_rule(cidr, alias.strip()))
        except ValidationError as e:
            errors.append(f"line {n}: {e}")
    if errors:
        raise ValidationError(f"{source} has {plural(len(errors), 'bad line')}: " + "; ".join(errors))
    return rules


async def _apply(ctx: Context, ws: Workspace, p: Product, old: list[IpRule], new: list[IpRule],
                 action: str) -> int:
    """Core plans the save (validation, diff, warnings, your own address), the plan is printed, then applied."""
    plan = await planning.plan_ip_rules(ws, p.id, new, provider=p.cloud_provider)
    diff = diff_rules(old, new)
    data = {
        "action": action,
        "product": p.id,
        "dryRun": ctx.dry_run,
        "changed": plan.changes,
        "diff": {
            "added": [shapes.ip_rule(r) for r in diff.added],
            "removed": [shapes.ip_rule(r) for r in diff.removed],
            "changedAlias": [shapes.ip_rule(new) for _, new in diff.alias_changed],
        },
        "allowedIps": [shapes.ip_rule(r) for r in new],
        **plan_data(plan),
    }
    if not plan.changes:
        ctx.out.result(data, text=plan.summary)
        return 0
    done = await carry_out(ctx, ws, plan)
    if done is not None:
        data["allowedIps"] = [shapes.ip_rule(r) for r in done.rules]
    ctx.out.result(data, text="dry run: nothing changed" if done is None else done.message)
    return 0


async def add(ctx: Context) -> int:
    rule = parse_rule(ctx.args.cidr, ctx.args.alias)
    ws, p, old = await _current(ctx)
    new = [r for r in old if r.network != rule.network] + [rule]
    if any(r.network == rule.network for r in old):
        new = [rule if r.network == rule.network else r for r in old]
        if not ctx.args.alias:
            new = old
    return await _apply(ctx, ws, p, old, new, "add")


async def remove(ctx: Context) -> int:
    rule = parse_rule(ctx.args.cidr)
    ws, p, old = await _current(ctx)
    new = [r for r in old if r.network != rule.network]
    if len(new) == len(old):
        listed = ", ".join(r.cidr for r in old) or "none"
        raise NotFound(f"{rule.cidr} is not on {p.display_name}'s allow-list (it has: {listed}).")
    if not new:
        raise ValidationError(f"Removing {rule.cidr} would leave {p.display_name} with an empty allow-list.",
                              hint="Add the replacement range first, or use `ips set`.")
    return await _apply(ctx, ws, p, old, new, "remove")


async def set_rules(ctx: Context) -> int:
    source = ctx.args.from_file
    if source == "-":
        text = sys.stdin.read()
        source = "stdin"
    else:
        path = Path(source)
        if not path.is_file():
            raise UsageError(f"Rules file {path} does not exist.", hint="Pass --from FILE (or - for stdin).")
        text = path.read_text(encoding="utf-8")
    new = parse_rules_text(text, source)
    if not new:
        raise UsageError(f"{source} holds no rules; an empty allow-list would lock everyone out.")
    ws, p, old = await _current(ctx)
    return await _apply(ctx, ws, p, old, new, "set")
