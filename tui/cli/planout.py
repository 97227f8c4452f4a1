"""The CLI's side of core's plan → consent → apply: print the plan, gather consents from flags and the y/N
question, then apply (which reads the change back). ``--dry-run`` stops after the plan."""

from __future__ import annotations

from typing import Any

from ravensec.core import planning
from ravensec.core.plan import ChangePlan, Consent, ConsentRequired, Severity
from ravensec.core.workspace import Workspace

from .context import Context

# The flag that gives each consent beyond the ordinary confirmation (--yes or y on a terminal).
CONSENT_FLAGS = {Consent.REPLACE: ("replace", "--replace"), Consent.LOCKOUT: ("allow_lockout", "--allow-lockout")}
_WHY = {Consent.REPLACE: "to replace the existing registration", Consent.LOCKOUT: "to lock yourself out"}
_COLOR = {Severity.INFO: None, Severity.WARNING: "yellow", Severity.DANGER: "red"}


def show_plan(ctx: Context, plan: ChangePlan) -> None:
    """The plan as notes: stdout for people, stderr when stdout carries JSON/YAML. Severity is a word too."""
    ctx.out.note(f"plan: {plan.summary}", "bold")
    for e in plan.effects:
        ctx.out.note(f"  {e.line()}", _COLOR[e.severity])


def plan_data(plan: ChangePlan) -> dict[str, Any]:
    return {"plan": plan.to_json()}


async def carry_out(ctx: Context, ws: Workspace, plan: ChangePlan) -> planning.Applied | None:
    """Show ``plan``; None on --dry-run or when nothing would change; else apply it with the consents given."""
    show_plan(ctx, plan)
    if ctx.dry_run or not plan.changes:
        return None
    given: set[Consent] = set()
    for consent, (attr, _flag) in CONSENT_FLAGS.items():
        if getattr(ctx.args, attr, False):
            given.add(consent)
    missing = plan.missing(given) - {Consent.CONFIRM}
    if missing:
        flags = " and ".join(f"{CONSENT_FLAGS[c][1]} ({_WHY[c]})" for c in sorted(missing))
        raise ConsentRequired(plan, frozenset(missing), hint=f"Read the plan above; pass {flags} if you mean it.")
    if Consent.CONFIRM in plan.consents:
        ctx.confirm(plan.summary)
        given.add(Consent.CONFIRM)
    return await planning.apply(ws, plan, given)
