"""CPU credits of a burstable node: the budget, how it accrues over the world's clock and how work spends it.

Rules followed (RavenDB's ``RavenServer.StartMonitoringCpuCredits`` / ``CpuCreditsState``):

- every figure is CPU seconds; ``BaseCredits`` is earned per hour, capped at ``MaxCredits``, never below 0;
- ``BackgroundTasksThreshold`` defaults to a quarter of ``BaseCredits``; below it the server throttles
  indexing, ETL and backups and raises an alert;
- below ``FailoverThreshold`` (-1: never) the failover flag is raised: the router then refuses database
  requests flagged ``DisableOnCpuCreditsExhaustion`` with 503 (``RequestRouter.HandlePath``);
- each flag lowers again only above 1.25 x its threshold (``*ReleaseValue``: no flapping).

[mock choice] The server updates once a second on a thread; the mock settles the budget lazily, on every read
and spend, from the world's clock (a fixed clock earns nothing: snapshots stay identical). The server raises
its alert one tick after the flag; the mock raises both at once. Work is accounted in *simulated* time: a
spend returns how long it would take on that instance, and only when ``CloudState.cpu_time_scale`` > 0 does
the node really wait (``scale x`` that), so tests stay fast and exact while the demo can be felt.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from ravensec.core import wiredates
from ravensec.core.errors import UsageError
from ravensec.core.models import Tier
from ravensec.core.models.credits import BurstableType, burstable_type, generation_cost

if TYPE_CHECKING:  # state.py imports this module (each node holds a CpuBudget)
    from ravensec.mock.state import CloudState


class _Scaled(Protocol):
    cpu_time_scale: float


RELEASE_FACTOR = 1.25  # RavenServer: *ThresholdReleaseValue = threshold * 1.25
# [mock choice] The cloud configures a failover threshold but does not publish it: a tenth of an hour's earnings.
FAILOVER_SHARE = 0.1

# RequestRouter.RejectRequestBecauseOfCpuThresholdAsync (text checked against messages.tsv, id 1bdf1e230015)
REJECTED_MESSAGE = (
    "The request has been rejected because the CPU credits balance on this instance has been exhausted. "
    "See /debug/cpu-credits endpoint for details."
)
ALERT_TITLE = "CPU credits balance exhausted"
BACKGROUND_ALERT = (
    "The CPU credits balance for this instance is nearly exhausted (see /debug/cpu-credits endpoint for details), "
    "RavenDB will throttle internal processes to reduce CPU consumption such as indexing, ETL processes and backups."
)
FAILOVER_ALERT = (
    "The CPU credits balance for this instance is nearly exhausted (see /debug/cpu-credits endpoint for details), "
    "rejecting requests to databases to alleviate machine load."
)


@dataclass
class CpuBudget:
    """One node's balance. ``used`` False: a reserved instance (the server reports zeros and never refuses)."""

    used: bool = False
    kind: BurstableType | None = None
    base: float = 0.0
    max: float = 0.0
    background_threshold: float = 0.0
    failover_threshold: float = 0.0
    remaining: float = 0.0
    updated: datetime | None = None  # world time of the last settle
    last_sync: datetime | None = None
    background_raised: bool = False
    failover_raised: bool = False
    alert_at: datetime | None = None  # when the notification was added (both alerts share its id)
    spent: dict[int, float] = field(default_factory=dict)  # world minute -> CPU seconds spent in it


def budget_for(
    kind: BurstableType | None,
    now: datetime,
    *,
    remaining: float | None = None,
    max_credits: float | None = None,
    base: float | None = None,
    background_threshold: float | None = None,
    failover_threshold: float | None = None,
) -> CpuBudget:
    """A node's starting budget: the instance type's defaults, each overridable (world file, fixture)."""
    if kind is None:
        return CpuBudget()
    b = base if base is not None else kind.base_seconds_per_hour
    top = max_credits if max_credits is not None else kind.max_seconds
    budget = CpuBudget(
        used=True,
        kind=kind,
        base=b,
        max=top,
        background_threshold=background_threshold if background_threshold is not None else b / 4,
        failover_threshold=failover_threshold if failover_threshold is not None else b * FAILOVER_SHARE,
        # RavenServer: "until we know differently" the balance starts full
        remaining=min(top, remaining) if remaining is not None else top,
        updated=now,
        last_sync=now,
    )
    _flags(budget, now)
    return budget


def node_budget(tier: Tier, instance_type: str, now: datetime) -> CpuBudget:
    """The default budget of a new node of this size (a full balance; none for a reserved instance)."""
    return budget_for(burstable_type(tier, instance_type), now)


def settle(b: CpuBudget, now: datetime) -> None:
    """Earn what the time since the last settle brought (capped), then update the flags."""
    if not b.used:
        return
    if b.updated is not None and now > b.updated:
        earned = (now - b.updated).total_seconds() * b.base / 3600
        b.remaining = min(b.max, b.remaining + earned)
    if b.updated is None or now > b.updated:
        b.updated = now
    _flags(b, now)


def _flags(b: CpuBudget, now: datetime) -> None:
    # RavenServer.MaybeRaiseAlert: raise below the threshold, lower above 1.25 x it.
    was = b.background_raised or b.failover_raised
    for attr, threshold in (("background_raised", b.background_threshold), ("failover_raised", b.failover_threshold)):
        if b.remaining < threshold:
            setattr(b, attr, True)
        elif getattr(b, attr) and b.remaining > threshold * RELEASE_FACTOR:
            setattr(b, attr, False)
    now_raised = b.background_raised or b.failover_raised
    if now_raised and not was:
        b.alert_at = now
    elif not now_raised:
        b.alert_at = None


def spend(b: CpuBudget, now: datetime, cpu_seconds: float) -> float:
    """Charge ``cpu_seconds`` of single-threaded work; the simulated wall time it takes on this instance
    (at burst speed while credits last, at the baseline once they run out)."""
    settle(b, now)
    if not b.used or b.kind is None:
        return cpu_seconds
    covered = min(cpu_seconds, b.remaining)
    burst = b.kind.burst_cores
    wall = covered / burst + (cpu_seconds - covered) / (burst * b.kind.baseline)
    # At the baseline an instance earns what it spends: the balance stops at 0.
    b.remaining = max(0.0, b.remaining - cpu_seconds)
    minute = int(now.timestamp() // 60)
    b.spent[minute] = b.spent.get(minute, 0.0) + cpu_seconds
    _flags(b, now)
    return wall


def spend_generation(b: CpuBudget, now: datetime) -> float:
    """Charge one server-side RSA-4096 certificate generation; its simulated wall time (0 when not burstable)."""
    if not b.used or b.kind is None:
        return 0.0
    return spend(b, now, generation_cost(b.kind).cpu_seconds)


async def work_delay(state: _Scaled, simulated_seconds: float) -> None:
    """Really wait ``state.cpu_time_scale`` x the simulated duration (nothing at the default 0)."""
    delay = simulated_seconds * state.cpu_time_scale
    if delay > 0:
        await asyncio.sleep(delay)


def set_remaining(b: CpuBudget, now: datetime, remaining: float) -> None:
    """``POST /admin/cpu-credits`` (AdminCpuCreditsHandler.UpdateCpuCredits): the cloud sets the balance."""
    settle(b, now)
    b.remaining = max(0.0, float(remaining))
    _flags(b, now)


def rejecting(b: CpuBudget, now: datetime) -> bool:
    """The failover flag (RequestRouter checks ``FailoverAlertRaised.IsRaised()``)."""
    settle(b, now)
    return b.used and b.failover_raised


def to_wire(b: CpuBudget, now: datetime) -> dict[str, object]:
    """``GET /debug/cpu-credits``: RavenServer.CpuCreditsState.ToJson, History as 60 per-minute averages."""
    settle(b, now)
    minute = int(now.timestamp() // 60)
    history = [round(b.spent.get(m, 0.0) / 60, 6) for m in range(minute - 59, minute + 1)]
    monitored = b.used
    return {
        "Used": b.used,
        "BaseCredits": b.base,
        "MaxCredits": b.max,
        "FailoverThreshold": b.failover_threshold,
        "BackgroundTasksThreshold": b.background_threshold,
        "RemainingCpuCredits": round(b.remaining, 6),
        "BackgroundTasksThresholdReleaseValue": b.background_threshold * RELEASE_FACTOR if monitored else 0.0,
        "FailoverThresholdReleaseValue": b.failover_threshold * RELEASE_FACTOR if monitored else 0.0,
        "CreditsGainedPerSecond": b.base / 3600 if monitored else 0.0,
        "CurrentConsumption": history[-1],
        "MachineCpuUsage": 0.0,
        "History": history,
        "LastSyncTime": wiredates.format(b.last_sync) if b.last_sync else "0001-01-01T00:00:00.0000000",
    }


def alerts(b: CpuBudget, now: datetime) -> list[dict[str, object]]:
    """The notification center's CPU-credits alert (both thresholds share ``AlertRaised/Throttling_CpuCredits
    Balance``: the failover one replaces the background one); empty when none is raised."""
    settle(b, now)
    if not (b.background_raised or b.failover_raised):
        return []
    return [{
        "Id": "AlertRaised/Throttling_CpuCreditsBalance",
        "CreatedAt": wiredates.format(b.alert_at or now),
        "Type": "AlertRaised",
        "Title": ALERT_TITLE,
        "Message": FAILOVER_ALERT if b.failover_raised else BACKGROUND_ALERT,
        "IsPersistent": True,
        "Database": None,
        "AlertType": "Throttling_CpuCreditsBalance",
        "Key": None,
        "Severity": "Warning",
        "Details": None,
    }]


def set_budget(
    state: CloudState,
    product_id: str,
    *,
    node: str | None = None,
    remaining: float | None = None,
    max_credits: float | None = None,
    background_threshold: float | None = None,
    failover_threshold: float | None = None,
) -> list[dict[str, object]]:
    """Change a burstable product's budget on one node or all (tests and fixtures: the cloud's own lever);
    ``remaining=0`` exhausts it. Each node's ``/debug/cpu-credits`` after the change."""
    with state.lock:
        p = state.products.get(product_id)
        if p is None:
            raise UsageError(f"The mock world has no product {product_id!r}.")
        nodes = [n for n in p.nodes if node is None or n.tag == node.upper()]
        if not nodes:
            raise UsageError(f"Product {p.display_name!r} has no node {node!r}.")
        if not all(n.cpu.used for n in nodes):
            raise UsageError(
                f"Product {p.display_name!r} ({p.instance_type}) is a reserved instance: it has no CPU credits.",
                hint="Only Free, Development and Production Basic (PB*) instances are burstable.",
            )
        now = state.clock()
        out = []
        for n in nodes:
            b = n.cpu
            settle(b, now)
            if max_credits is not None:
                b.max = max(0.0, float(max_credits))
                b.remaining = min(b.remaining, b.max)
            if background_threshold is not None:
                b.background_threshold = float(background_threshold)
            if failover_threshold is not None:
                b.failover_threshold = float(failover_threshold)
            if remaining is not None:
                b.remaining = min(b.max, max(0.0, float(remaining)))
            _flags(b, now)
            out.append(to_wire(b, now))
        return out
