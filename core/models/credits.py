"""CPU credits of burstable RavenDB Cloud instances: which products have them, what ``GET /debug/cpu-credits``
answers, and what generating a certificate on the server costs.

A credit is one core at 100% for a minute. The server counts in **CPU seconds**: once a second it subtracts
the utilization over all cores and adds ``BaseCredits / 3600`` (RavenDB's ``RavenServer.StartMonitoringCpuCredits``),
so ``BaseCredits`` is CPU seconds earned per hour and every figure of ``/debug/cpu-credits`` is CPU seconds.
This module keeps the wire's unit and offers credits (``/ 60``) for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import wiredates
from ..errors import ValidationError
from .enums import Tier

SECONDS_PER_CREDIT = 60.0  # one credit = one core for one minute

# RSA-4096 key generation (prime search) plus the PFX and the cluster write, single-threaded on one burstable
# core: several CPU seconds. [estimate] RavenDB generates the key in managed code (BouncyCastle), slower than
# OpenSSL; a faster instance type does not help a single thread, throttling to the baseline does.
RSA4096_GENERATION_CPU_SECONDS = 6.0


@dataclass(frozen=True)
class BurstableType:
    """What an instance type of a burstable tier earns: ``vcpus`` cores, each guaranteed ``baseline`` of a
    core; credits are earned at ``vcpus * baseline`` cores and kept for 24 hours (AWS's T-family rule)."""

    name: str
    vcpus: float
    baseline: float  # fraction of one core each vCPU may use for ever

    @property
    def base_seconds_per_hour(self) -> float:
        """``BaseCredits``: CPU seconds earned per hour."""
        return self.vcpus * self.baseline * 3600

    @property
    def max_seconds(self) -> float:
        """``MaxCredits``: a day of earnings."""
        return self.base_seconds_per_hour * 24

    @property
    def burst_cores(self) -> float:
        """What one thread gets while credits remain (a fractional vCPU is a share of one core)."""
        return min(1.0, self.vcpus)


# [mock choice, from the AWS T3 family each size resembles; the cloud does not publish its figures] The tiers'
# burstable sizes: Free, every Development size and Production Basic (PB*). Reserved Production (P*, PN*)
# instances have no credits.
BURSTABLE_TYPES: dict[str, BurstableType] = {
    t.name.lower(): t
    for t in (
        BurstableType("Free", 0.25, 0.20),
        BurstableType("Dev10", 1, 0.20),
        BurstableType("Dev20", 2, 0.20),
        BurstableType("Dev30", 2, 0.30),
        BurstableType("Dev50", 4, 0.40),
        BurstableType("Dev70", 8, 0.40),
        BurstableType("PB10", 2, 0.20),
        BurstableType("PB20", 2, 0.20),
        BurstableType("PB30", 2, 0.30),
    )
}
_TIER_DEFAULT = {Tier.FREE: "free", Tier.DEVELOPMENT: "dev10", Tier.PRODUCTION: "pb10"}


def burstable_type(tier: Tier, instance_type: str) -> BurstableType | None:
    """The burstable size of a product, or None for a reserved one. An unknown size of a burstable tier
    (a new Development size) counts as the tier's smallest: better to warn too much than too little."""
    known = BURSTABLE_TYPES.get(instance_type.lower())
    if known is not None:
        return known
    if tier in (Tier.FREE, Tier.DEVELOPMENT):
        return BURSTABLE_TYPES[_TIER_DEFAULT[tier]]
    if tier == Tier.PRODUCTION and instance_type.upper().startswith("PB"):
        return BURSTABLE_TYPES["pb10"]
    return None


def is_burstable(tier: Tier, instance_type: str) -> bool:
    return burstable_type(tier, instance_type) is not None


@dataclass(frozen=True)
class GenerationCost:
    """What generating one RSA-4096 certificate on the server takes on a burstable instance."""

    cpu_seconds: float
    seconds: float  # wall time while credits remain
    throttled_seconds: float  # wall time once throttled to the baseline

    @property
    def credits(self) -> float:
        return self.cpu_seconds / SECONDS_PER_CREDIT


def generation_cost(kind: BurstableType) -> GenerationCost:
    cpu = RSA4096_GENERATION_CPU_SECONDS
    return GenerationCost(cpu, cpu / kind.burst_cores, cpu / (kind.burst_cores * kind.baseline))


def _num(d: Mapping[str, Any], key: str) -> float:
    v = d.get(key, 0)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValidationError(f"cpu credits: field {key!r} must be a number, got {v!r}")
    return float(v)


@dataclass(frozen=True)
class CpuCredits:
    """``GET /debug/cpu-credits`` (RavenDB's ``RavenServer.CpuCreditsState.ToJson``); figures in CPU seconds."""

    used: bool
    base: float  # earned per hour
    max: float
    failover_threshold: float  # below it, flagged database requests answer 503 (-1: never)
    background_tasks_threshold: float  # below it, indexing, ETL and backups are throttled
    remaining: float
    background_tasks_release: float = 0.0  # the alerts lower again above these (1.25 x the thresholds)
    failover_release: float = 0.0
    gained_per_second: float = 0.0
    current_consumption: float = 0.0  # cores busy now
    machine_cpu_usage: float = 0.0  # percent
    history: tuple[float, ...] = ()  # the last hour, one average per minute (cores), oldest first
    last_sync: datetime | None = None

    @classmethod
    def from_wire(cls, d: Any) -> CpuCredits:
        if not isinstance(d, Mapping):
            raise ValidationError(f"cpu credits: expected a JSON object, got {type(d).__name__}")
        history = d.get("History") or []
        if not isinstance(history, list):
            raise ValidationError("cpu credits: field 'History' must be a list")
        sync = d.get("LastSyncTime")
        try:
            last = wiredates.parse(sync) if isinstance(sync, str) and not sync.startswith("0001-") else None
        except ValueError:
            last = None
        return cls(
            used=bool(d.get("Used", False)),
            base=_num(d, "BaseCredits"),
            max=_num(d, "MaxCredits"),
            failover_threshold=_num(d, "FailoverThreshold"),
            background_tasks_threshold=_num(d, "BackgroundTasksThreshold"),
            remaining=_num(d, "RemainingCpuCredits"),
            background_tasks_release=_num(d, "BackgroundTasksThresholdReleaseValue"),
            failover_release=_num(d, "FailoverThresholdReleaseValue"),
            gained_per_second=_num(d, "CreditsGainedPerSecond"),
            current_consumption=_num(d, "CurrentConsumption"),
            machine_cpu_usage=_num(d, "MachineCpuUsage"),
            history=tuple(float(x) for x in history if isinstance(x, (int, float))),
            last_sync=last,
        )

    def to_wire(self) -> dict[str, Any]:
        return {
            "Used": self.used,
            "BaseCredits": self.base,
            "MaxCredits": self.max,
            "FailoverThreshold": self.failover_threshold,
            "BackgroundTasksThreshold": self.background_tasks_threshold,
            "RemainingCpuCredits": self.remaining,
            "BackgroundTasksThresholdReleaseValue": self.background_tasks_release,
            "FailoverThresholdReleaseValue": self.failover_release,
            "CreditsGainedPerSecond": self.gained_per_second,
            "CurrentConsumption": self.current_consumption,
            "MachineCpuUsage": self.machine_cpu_usage,
            "History": list(self.history),
            "LastSyncTime": wiredates.format(self.last_sync) if self.last_sync else "0001-01-01T00:00:00.0000000",
        }

    # --- for people: credits, not CPU seconds ----------------------------------------------------------

    @property
    def remaining_credits(self) -> float:
        return self.remaining / SECONDS_PER_CREDIT

    @property
    def max_credits(self) -> float:
        return self.max / SECONDS_PER_CREDIT

    @property
    def fraction(self) -> float:
        return self.remaining / self.max if self.max > 0 else 0.0

    @property
    def rejecting(self) -> bool:
        """Below the failover threshold: the server refuses flagged database requests (503)."""
        return self.used and self.failover_threshold >= 0 and self.remaining < self.failover_threshold

    @property
    def throttling(self) -> bool:
        """Below the background-tasks threshold: indexing, ETL and backups are throttled."""
        return self.used and self.remaining < self.background_tasks_threshold

    @property
    def state(self) -> str:
        return "exhausted" if self.rejecting else "low" if self.throttling else "ok"

    def summary(self) -> str:
        """``212.5 of 288 credits (74%)``, plus what the server does about it when low."""
        text = f"{self.remaining_credits:,.1f} of {self.max_credits:,.0f} credits ({self.fraction:.0%})"
        if self.rejecting:
            return text + ": exhausted, database requests are refused"
        if self.throttling:
            return text + ": low, indexing, ETL and backups are throttled"
        return text

    def minutes_to_recover(self) -> float:
        """Idle minutes until the server stops refusing (above the failover release value)."""
        target = max(self.failover_release, self.failover_threshold * 1.25)
        gap = target - self.remaining
        if gap <= 0 or self.gained_per_second <= 0:
            return 0.0
        return gap / self.gained_per_second / 60


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def generation_advice(instance_type: str, cost: GenerationCost, budget: CpuCredits | None) -> list[str]:
    """Why generating on the server is the worse choice on a burstable instance, in words the TUI and the CLI
    both show: the cost in credits and time, the balance, and the alternative."""
    lines = [
        f"Generating on the server makes an RSA-4096 key on this {instance_type or 'burstable'} instance: about "
        f"{cost.cpu_seconds:.0f} CPU seconds ({cost.credits:.2f} credits) and {_duration(cost.seconds)}, "
        f"{_duration(cost.throttled_seconds)} once its credits run out.",
    ]
    if budget is not None:
        lines.append(f"CPU credits now: {budget.summary()}.")
    lines.append(
        "Generate here and register instead: the key is made on this machine and never leaves it, "
        "and the instance spends no CPU credits."
    )
    return lines
