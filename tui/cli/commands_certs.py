"""``ravensec certs ...``, ``ravensec whoami`` and ``ravensec expiring``."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from ravensec.core import planning
from ravensec.core.certs.load import load_certificates_any
from ravensec.core.errors import NotFound, RavensecError, UsageError
from ravensec.core.models import CertificateDefinition, DatabaseAccess, Product, SecurityClearance
from ravensec.core.models.credits import generation_advice
from ravensec.core.plan import Access, ChangePlan
from ravensec.core.planning import Applied
from ravensec.core.workspace import Workspace

from . import shapes
from .context import Context
from .durations import CLEARANCE, check_access, parse_days, parse_grants, valid_until
from .output import Column
from .planout import carry_out, plan_data

_EXPIRY_COLOR = {"expired": "red", "expiring_30": "red", "expiring_60": "yellow", "not_yet_valid": "yellow",
                 "valid": "green"}

COLUMNS = [
    Column("NAME", "name"),
    Column("THUMBPRINT", "thumbprint"),
    Column("CLEARANCE", "clearance"),
    Column("DATABASES", "permissions"),
    Column("EXPIRES", "notAfter", fmt=lambda v: str(v)[:10] if v else "-"),
    Column("DAYS", "daysLeft"),
    Column("STATE", "expiry", color=lambda v: _EXPIRY_COLOR.get(str(v))),
    Column("DISABLED", "disabled", color=lambda v: "red" if v else None),
]
LABELS = {"name": "Name", "thumbprint": "Thumbprint", "clearance": "Clearance", "permissions": "Databases",
          "notBefore": "Not before", "notAfter": "Not after", "daysLeft": "Days left", "expiry": "Expiry",
          "disabled": "Disabled", "pinningHash": "Pinning hash"}


async def find_cert(ws: Workspace, product: Product | str, ref: str) -> CertificateDefinition:
    """A certificate by thumbprint, unique thumbprint prefix (6+ characters) or unique name."""
    product_id = product if isinstance(product, str) else product.id
    certs = await ws.list_certificates(product_id)
    key = ref.replace(":", "").replace(" ", "").upper()
    for c in certs:
        if c.thumbprint == key:
            return c
    by_prefix = [c for c in certs if len(key) >= 6 and c.thumbprint.startswith(key)]
    by_name = [c for c in certs if c.name == ref] or [c for c in certs if c.name.casefold() == ref.casefold()]
    for matches in (by_prefix, by_name):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            tps = ", ".join(c.thumbprint[:12] for c in matches)
            raise UsageError(f"{ref!r} matches {len(matches)} certificates ({tps}).",
                             hint="Pass more of the thumbprint.")
    raise NotFound(f"No certificate {ref!r} on {await _product_name(ws, product)}.",
                   hint="See `ravensec certs list`.")


async def _product_name(ws: Workspace, product: Product | str) -> str:
    """A product as people know it (its display name), for messages; its id only when the name is unknown."""
    if not isinstance(product, str):
        return product.display_name
    with contextlib.suppress(RavensecError):
        return (await ws.get_product(product)).display_name
    return f"product {product}"


async def list_certs(ctx: Context) -> int:
    p = await ctx.product()
    ws = await ctx.workspace()
    rows = [shapes.certificate(c) for c in await ws.list_certificates(p.id)]
    ctx.out.result(rows, columns=COLUMNS)
    return 0


async def show_cert(ctx: Context) -> int:
    p = await ctx.product()
    ws = await ctx.workspace()
    ctx.out.result(shapes.certificate(await find_cert(ws, p, ctx.args.cert)), labels=LABELS)
    return 0


async def whoami(ctx: Context) -> int:
    p = await ctx.product()
    ws = await ctx.workspace()
    me = await ws.whoami(p.id)
    if me is None:
        raise NotFound(f"Product {p.display_name} does not know the certificate this profile presents.",
                       hint="Register it with `ravensec certs upload`, or set the profile's client_cert.")
    ctx.out.result({"product": p.id, **shapes.certificate(me)}, labels={"product": "Product", **LABELS})
    return 0


def _access(ctx: Context) -> tuple[SecurityClearance, dict[str, DatabaseAccess]]:
    clearance = CLEARANCE[ctx.args.clearance]
    grants = parse_grants(ctx.args.db)
    check_access(clearance, grants)
    return clearance, grants


def _result(ctx: Context, action: str, data: dict[str, Any], plan: ChangePlan, done: Applied | None) -> None:
    """The change's answer: JSON/YAML carry the plan; people read the plan above, then what was done."""
    text = "dry run: nothing changed" if ctx.dry_run else done.message if done else plan.summary
    ctx.out.result({"action": action, "dryRun": ctx.dry_run, **data, **plan_data(plan)}, text=text)


async def generate(ctx: Context) -> int:
    clearance, grants = _access(ctx)
    not_after = valid_until(ctx.args.valid_for, "--valid-for") if ctx.args.valid_for else None
    p = await ctx.product()
    ws = await ctx.writable_workspace("Generating a certificate")
    cost = await _credits_advice(ctx, ws, p.id, p.instance_type)
    plan = await planning.plan_generate(ws, p.id, ctx.args.name, Access(clearance, grants),
                                        folder=Path(ctx.args.out), password=ctx.args.password, not_after=not_after)
    done = await carry_out(ctx, ws, plan)
    data: dict[str, Any] = {"product": p.id, "name": ctx.args.name, "file": str(plan.request.target)}
    if ctx.dry_run:
        data["cpuCost"] = cost
    if done:
        data["thumbprint"] = done.thumbprint
    _result(ctx, "generate", data, plan, done)
    return 0


async def _credits_advice(ctx: Context, ws: Workspace, product_id: str, instance_type: str) -> dict[str, Any] | None:
    """On a burstable instance, say what generating on the server costs and what to do instead (the TUI's
    words); the estimate for --dry-run's answer. None for a reserved instance."""
    cost = await ws.generation_cost(product_id)
    if cost is None:
        return None
    try:
        budget = await ws.cpu_credits(product_id)
    except RavensecError:
        budget = None  # the advice stands without the balance
    for line in generation_advice(instance_type, cost, budget):
        ctx.out.note(line, "yellow")
    ctx.out.note("Off-cloud: `ravensec certs generate-local` (same options).", "yellow")
    return shapes.generation_cost(cost, budget)


async def generate_local(ctx: Context) -> int:
    clearance, grants = _access(ctx)
    p = await ctx.product()
    ws = await ctx.writable_workspace("Registering a certificate")
    out_dir = Path(ctx.args.out) if ctx.args.out else None
    plan = await planning.plan_generate_local(ws, p.id, ctx.args.name, Access(clearance, grants),
                                              key_type=ctx.args.key_type, folder=out_dir, password=ctx.args.password)
    done = await carry_out(ctx, ws, plan)
    data: dict[str, Any] = {"product": p.id, "name": ctx.args.name, "keyType": ctx.args.key_type}
    if done:
        data |= {"thumbprint": done.thumbprint, "files": [str(f) for f in done.files]}
    _result(ctx, "generate-local", data, plan, done)
    if done:
        ctx.out.note("\n".join(f"  {f}" for f in done.files))
    return 0


async def upload(ctx: Context) -> int:
    clearance, grants = _access(ctx)
    path = Path(ctx.args.file)
    if not path.is_file():
        raise UsageError(f"Certificate file {path} does not exist.", hint="Pass the path of a PEM, DER or PFX file.")
    data = path.read_bytes()
    # Parsed here first so a wrong password or a bad file fails before anything is sent.
    load_certificates_any(data, ctx.args.password)
    p = await ctx.product()
    ws = await ctx.writable_workspace("Registering a certificate")
    plan = await planning.plan_register(ws, p.id, ctx.args.name, data, Access(clearance, grants),
                                        password=ctx.args.password)
    done = await carry_out(ctx, ws, plan)
    _result(ctx, "upload", {"product": p.id, "name": ctx.args.name, "thumbprint": plan.request.thumbprint,
                            "replaces": plan.request.replaces is not None}, plan, done)
    return 0


async def edit(ctx: Context) -> int:
    a = ctx.args
    if a.name is None and a.clearance is None and not a.db and not a.clear_db:
        raise UsageError("Nothing to change.", hint="Pass --name, --clearance, --db or --clear-db.")
    p = await ctx.product()
    ws = await ctx.writable_workspace("Editing a certificate")
    cert = await find_cert(ws, p, a.cert)
    grants = None
    if a.db or a.clear_db:
        grants = {} if a.clear_db else dict(cert.permissions)
        grants.update(parse_grants(a.db))
    plan = await planning.plan_edit(ws, p.id, cert.thumbprint, name=a.name,
                                    clearance=CLEARANCE[a.clearance] if a.clearance else None, permissions=grants)
    done = await carry_out(ctx, ws, plan)
    _result(ctx, "edit", {"product": p.id, "thumbprint": cert.thumbprint}, plan, done)
    return 0


async def _toggle(ctx: Context, disabled: bool) -> int:
    p = await ctx.product()
    ws = await ctx.writable_workspace("Editing a certificate")
    cert = await find_cert(ws, p, ctx.args.cert)
    plan = await planning.plan_edit(ws, p.id, cert.thumbprint, disabled=disabled)
    done = await carry_out(ctx, ws, plan)
    _result(ctx, "disable" if disabled else "enable", {"product": p.id, "thumbprint": cert.thumbprint}, plan, done)
    return 0


async def disable(ctx: Context) -> int:
    return await _toggle(ctx, True)


async def enable(ctx: Context) -> int:
    return await _toggle(ctx, False)


async def delete(ctx: Context) -> int:
    p = await ctx.product()
    ws = await ctx.writable_workspace("Deleting a certificate")
    cert = await find_cert(ws, p, ctx.args.cert)
    plan = await planning.plan_delete(ws, p.id, cert.thumbprint)
    done = await carry_out(ctx, ws, plan)
    _result(ctx, "delete", {"product": p.id, "thumbprint": cert.thumbprint}, plan, done)
    return 0


async def purge_expired(ctx: Context) -> int:
    p = await ctx.product()
    ws = await ctx.writable_workspace("Purging expired certificates")
    plan = await planning.plan_purge_expired(ws, p.id)
    done = await carry_out(ctx, ws, plan)
    tps = [c.thumbprint for c in plan.request.certificates]
    _result(ctx, "purge-expired", {"product": p.id, "thumbprints": tps}, plan, done)
    return 0


EXPIRING_COLUMNS = [Column("PRODUCT", "productName"), *COLUMNS[:1], *COLUMNS[2:3], *COLUMNS[4:7],
                    Column("THUMBPRINT", "thumbprint", fmt=lambda v: str(v)[:12])]


async def expiring(ctx: Context) -> int:
    days = parse_days(ctx.args.within)
    ws = await ctx.workspace()
    found = await ws.expiring(days)
    rows = [{"product": p.id, "productName": p.display_name, **shapes.certificate(c)} for p, c in found]
    ctx.out.result(rows, columns=EXPIRING_COLUMNS)
    for pid, why in sorted(ws.skipped.items()):
        ctx.out.note(f"skipped {pid}: {why}", "yellow")
    return 0
