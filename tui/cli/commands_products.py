"""``ravensec products list|show|cert-package|wait``."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from ravensec.core.errors import RavensecError
from ravensec.core.models import ProductStatus

from . import shapes
from .context import Context
from .output import Column

_STATUS_COLOR = {"Active": "green", "Error": "red", "Creating": "yellow", "DeployingChanges": "yellow",
                 "Terminating": "red", "Terminated": "dim"}

COLUMNS = [
    Column("ID", "id"),
    Column("NAME", "name"),
    Column("STATUS", "status", color=lambda v: _STATUS_COLOR.get(str(v))),
    Column("TIER", "tier"),
    Column("REGION", "region"),
    Column("NODES", "nodes", fmt=lambda v: ",".join(n["tag"] for n in v) or "-"),
    Column("ALLOWED IPS", "allowedIps", fmt=lambda v: ", ".join(r["ip"] for r in v) or "-"),
]

LABELS = {"id": "ID", "name": "Name", "status": "Status", "tier": "Tier", "provider": "Provider",
          "region": "Region", "instanceType": "Instance type", "nodes": "Nodes", "allowedIps": "Allowed IPs",
          "cpuCredits": "CPU credits"}


async def list_products(ctx: Context) -> int:
    rows = [shapes.product(p) for p in await ctx.products()]
    ctx.out.result(rows, columns=COLUMNS)
    return 0


async def show_product(ctx: Context) -> int:
    p = await ctx.product(ctx.args.product)
    ws = await ctx.workspace()
    data = shapes.product(await ws.get_product(p.id))
    try:
        budget = await ws.cpu_credits(p.id)
    except RavensecError as e:
        budget = None
        ctx.out.note(f"CPU credits could not be read: {e}", "yellow")
    data["cpuCredits"] = shapes.cpu_credits(budget)
    if not ctx.out.machine:  # people get the sentence; JSON/YAML the figures
        data["cpuCredits"] = budget.summary() if budget is not None else "none (reserved instance)"
    ctx.out.result(data, labels=LABELS)
    return 0


async def cert_package(ctx: Context) -> int:
    p = await ctx.product(ctx.args.product)
    ws = await ctx.workspace()
    dest = Path(ctx.args.out)
    dest.mkdir(parents=True, exist_ok=True)
    paths = await ws.download_certificate_package(p.id, dest)
    files = [str(x) for x in paths]
    ctx.out.result({"product": p.id, "files": files},
                   text="\n".join(f"wrote {f}" for f in files) or "the package was empty")
    return 0


async def wait_active(ctx: Context) -> int:
    p = await ctx.product(ctx.args.product)
    ws = await ctx.workspace()
    deadline = time.monotonic() + ctx.args.timeout
    spinner = "|/-\\"
    tick = 0
    try:
        while True:
            current = await ws.get_product(p.id)
            if current.status == ProductStatus.ACTIVE:
                break
            if current.status in (ProductStatus.ERROR, ProductStatus.TERMINATED):
                raise RavensecError(f"Product {p.display_name} is {current.status.value}; it will not become Active.")
            if time.monotonic() >= deadline:
                raise RavensecError(
                    f"Product {p.display_name} is still {current.status.value} after {ctx.args.timeout:g} s.",
                    hint="Wait longer with --timeout SECONDS.",
                )
            ctx.progress(f"{spinner[tick % 4]} waiting for {p.display_name}: {current.status.value}")
            tick += 1
            await asyncio.sleep(ctx.args.interval)
    finally:
        ctx.progress_done()
    ctx.out.result(shapes.product(current), text=f"{current.display_name} is Active.")
    return 0
