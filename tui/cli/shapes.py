"""The stable JSON shapes of the CLI (documented in docs/cli.md): one function per domain object.

Keys are camelCase; dates are ISO 8601 in UTC with a ``Z``; absent values are ``null``. Adding a key is a
compatible change; renaming or removing one is not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ravensec.core.certs.expiry import days_left, expiry_state
from ravensec.core.models import Backup, CertificateDefinition, CpuCredits, GenerationCost, IpRule, Product

CLEARANCE_NAMES = {"ClusterAdmin": "cluster-admin", "ClusterNode": "cluster-node", "Operator": "operator",
                   "ValidUser": "user", "UnauthenticatedClients": "unauthenticated"}
ACCESS_NAMES = {"Admin": "admin", "ReadWrite": "read-write", "Read": "read"}


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ip_rule(rule: IpRule) -> dict[str, Any]:
    return {"ip": rule.cidr, "alias": rule.alias}


def product(p: Product) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.display_name,
        "status": p.status.value,
        "tier": p.tier.value,
        # One spelling whatever the server sends ("AWS", "aws"): lower case, as documented in docs/cli.md.
        "provider": p.cloud_provider.lower() or None,
        "region": p.region,
        "instanceType": p.instance_type,
        "nodes": [{"tag": n.tag, "url": n.url} for n in p.nodes],
        "allowedIps": [ip_rule(r) for r in p.allowed_ips],
    }


def cpu_credits(c: CpuCredits | None) -> dict[str, Any] | None:
    """A burstable node's budget (None: reserved instance); credits are CPU minutes, the server's figures
    CPU seconds."""
    if c is None:
        return None
    return {
        "state": c.state,
        "remainingCredits": round(c.remaining_credits, 2),
        "maxCredits": round(c.max_credits, 2),
        "remainingCpuSeconds": c.remaining,
        "maxCpuSeconds": c.max,
        "failoverThresholdCpuSeconds": c.failover_threshold,
        "backgroundTasksThresholdCpuSeconds": c.background_tasks_threshold,
        "summary": c.summary(),
    }


def generation_cost(cost: GenerationCost, budget: CpuCredits | None) -> dict[str, Any]:
    return {
        "cpuSeconds": cost.cpu_seconds,
        "credits": round(cost.credits, 3),
        "seconds": round(cost.seconds, 1),
        "throttledSeconds": round(cost.throttled_seconds, 1),
        "remainingCredits": round(budget.remaining_credits, 2) if budget is not None else None,
    }


def certificate(c: CertificateDefinition, now: datetime | None = None) -> dict[str, Any]:
    state = expiry_state(c.not_before, c.not_after, now)
    return {
        "name": c.name,
        "thumbprint": c.thumbprint,
        "clearance": CLEARANCE_NAMES.get(c.security_clearance.value, c.security_clearance.value),
        "permissions": {db: ACCESS_NAMES.get(a.value, a.value) for db, a in c.permissions.items()},
        "notBefore": iso(c.not_before),
        "notAfter": iso(c.not_after),
        "daysLeft": days_left(c.not_after, now),
        "expiry": state.name.lower(),
        "disabled": c.disabled,
        "pinningHash": c.public_key_pinning_hash or None,
    }


def backup(b: Backup) -> dict[str, Any]:
    return {
        "productId": b.product_id,
        "database": b.database,
        "fileName": b.file_name,
        "createdAt": iso(b.created_at),
        "kind": b.kind.value,
        "size": b.size,
        "encrypted": b.encrypted,
        "keySource": b.key_source.value,
    }
