"""``ravensec audit``: the posture review of one product or all, as a table or JSON; exit 1 when not clean.

Read-only like every listing: the review changes nothing, and each finding names the command that fixes it.
"""

from __future__ import annotations

from typing import Any

from ravensec.core.audit import Finding, ProductPosture, Severity, audit
from ravensec.core.audit.credits import credits_reader

from .context import Context
from .exitcodes import FAILED, OK
from .output import Column
from .shapes import ACCESS_NAMES, CLEARANCE_NAMES

_SEVERITY_COLOR = {"high": "red", "medium": "yellow", "low": "blue"}

COLUMNS = [
    Column("#", "n"),
    Column("SEVERITY", "severity", color=lambda v: _SEVERITY_COLOR.get(str(v))),
    Column("PRODUCT", "productName"),
    Column("FINDING", "code"),
    Column("WHAT", "title"),
]


def finding(f: Finding) -> dict[str, Any]:
    """The stable JSON shape of a finding (docs/cli.md)."""
    fix = f.fix
    return {
        "code": f.code,
        "severity": f.severity.value,
        "product": f.product_id,
        "productName": f.product_name,
        "title": f.title,
        "subject": f.subject or None,
        "evidence": list(f.evidence),
        "advice": f.advice,
        "fix": {
            "kind": fix.kind.value,
            "hint": fix.hint,
            "command": fix.command or None,
            "rule": fix.rule,
            "thumbprint": fix.thumbprint,
            "clearance": CLEARANCE_NAMES.get(fix.clearance.value) if fix.clearance else None,
            "permissions": {db: ACCESS_NAMES.get(a.value, a.value) for db, a in fix.permissions.items()},
        },
    }


def posture(p: ProductPosture) -> dict[str, Any]:
    return {"id": p.product.id, "name": p.product.display_name, "clean": p.clean,
            "findings": len(p.findings), "notReviewed": list(p.not_reviewed)}


def _summary(postures: list[ProductPosture], findings: list[Finding]) -> str:
    counts = [f"{sum(f.severity is s for f in findings)} {s.value}" for s in Severity]
    n = len(postures)
    head = f"{n} product{'s' if n != 1 else ''} reviewed, {len(findings)} finding{'s' if len(findings) != 1 else ''}"
    return f"{head} ({', '.join(counts)})." if findings else f"{head}."


async def audit_command(ctx: Context) -> int:
    ws = await ctx.workspace()
    products = [await ctx.product()] if ctx.args.product else None
    postures = await audit(ws, products, credits=credits_reader(ws))
    # Most severe first across products; within a severity, in the products' order (sorted() is stable).
    findings = sorted((f for p in postures for f in p.findings), key=lambda f: -f.severity.rank)
    clean = all(p.clean for p in postures)
    if ctx.out.machine:
        ctx.out.result({"clean": clean, "products": [posture(p) for p in postures],
                        "findings": [finding(f) for f in findings]})
        return OK if clean else FAILED
    if findings:
        ctx.out.result([{"n": i, **finding(f)} for i, f in enumerate(findings, 1)], columns=COLUMNS)
        ctx.out.note("\nHow to fix (details and the advice behind each: -o json, docs/audit.md):")
        for i, f in enumerate(findings, 1):
            ctx.out.note(f"{i:>3}. {f.fix.hint}")
            if f.fix.command:
                ctx.out.note(f"     $ {f.fix.command}", "dim")
    for p in postures:
        for gap in p.not_reviewed:
            ctx.out.note(f"{p.product.display_name}: {gap}", "yellow")
    if ws.read_only and findings:
        ctx.out.note("This profile is read-only: the fixes need a writable profile.", "yellow")
    ctx.out.note(("\n" if findings else "") + _summary(postures, findings)
                 + ("" if clean or findings else " Some of it could not be reviewed (above)."),
                 None if clean else "bold")
    return OK if clean else FAILED
