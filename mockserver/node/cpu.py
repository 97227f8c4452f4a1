"""CPU credits on a node: ``/debug/cpu-credits``, ``/admin/cpu-credits`` (+ ``/sync``) from RavenDB's
``src/Raven.Server/Web/System/AdminCpuCreditsHandler.cs``, and the server's notification list, where the
near-exhaustion alert shows. The rules are in :mod:`ravensec.mock.cpu_credits`."""

from __future__ import annotations

from aiohttp import web

from ravensec.mock import cpu_credits
from ravensec.mock.node.context import Ctx, handles
from ravensec.mock.node.errors import argument_error, json_response


@handles("GET", "/debug/cpu-credits")
async def get_cpu_credits(ctx: Ctx) -> web.StreamResponse:
    # AdminCpuCreditsHandler.GetCpuCredits: the node's own CpuCreditsState (each node is its own instance).
    with ctx.state.lock:
        body = cpu_credits.to_wire(ctx.node.cpu, ctx.state.clock())
    return json_response(body)


@handles("POST", "/admin/cpu-credits")
async def update_cpu_credits(ctx: Ctx) -> web.StreamResponse:
    # AdminCpuCreditsHandler.UpdateCpuCredits: sets RemainingCpuCredits from {"RemainingCredits": n}; no body.
    d = await ctx.body()
    raw = d.get("RemainingCredits", 0) if isinstance(d, dict) else 0
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise argument_error(f"Could not read 'RemainingCredits' as a number, value was: {raw!r}")  # [mock choice]
    with ctx.state.lock:
        cpu_credits.set_remaining(ctx.node.cpu, ctx.state.clock(), float(raw))
    return web.Response(status=200)


@handles("POST", "/admin/cpu-credits/sync")
async def sync_cpu_credits(ctx: Ctx) -> web.StreamResponse:
    # AdminCpuCreditsHandler.SyncCpuCredits asks the monitor to re-read the cloud's balance at its next tick.
    # The mock's balance is the cloud's own: a sync only moves LastSyncTime.
    with ctx.state.lock:
        cpu = ctx.node.cpu
        if cpu.used:
            cpu.last_sync = ctx.state.clock()
    return web.Response(status=200)


@handles("GET", "/admin/server/notifications")
async def server_notifications(ctx: Ctx) -> web.StreamResponse:
    # ServerNotificationCenterHandler.GetNotifications. [mock choice] Only the CPU-credits alert
    # (RavenServer.MaybeRaiseAlert adds it, AlertType.Throttling_CpuCreditsBalance) is simulated.
    with ctx.state.lock:
        results = cpu_credits.alerts(ctx.node.cpu, ctx.state.clock())
    return json_response({"TotalResults": len(results), "Results": results})
