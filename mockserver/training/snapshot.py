"""A JSON-able picture of the mock's live state: exactly what training goals may look at.

The same shape is built in-process (``snapshot(cloud.state, cloud.journal)``) and served over the wire by the
mock-only ``GET /ext/v1/state`` (``ravensec.mock.portal.state_dump``), so one evaluator serves the TUI's task
panel and ``ravensec train --check``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ravensec.core.certs.identity import thumbprint as _thumbprint
from ravensec.mock import cpu_credits
from ravensec.mock.journal import JournalEntry
from ravensec.mock.state import CloudState

Snapshot = dict[str, Any]


def _common_name(bundle: Any) -> str:
    from cryptography.x509.oid import NameOID

    attrs = bundle.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""


def _budget(b: cpu_credits.CpuBudget, now: datetime) -> dict[str, Any]:
    """One node's CPU credits in CPU seconds, settled at ``now`` (what the router looks at before a flagged
    database request): ``failover_raised`` is the flag that makes it answer 503."""
    cpu_credits.settle(b, now)
    return {
        "used": b.used,
        "remaining": round(b.remaining, 6),
        "max": b.max,
        "base": b.base,
        "failover_threshold": b.failover_threshold,
        "failover_release": b.failover_threshold * cpu_credits.RELEASE_FACTOR if b.used else 0.0,
        "failover_raised": b.used and b.failover_raised,
        "background_raised": b.used and b.background_raised,
    }


def snapshot(state: CloudState, journal: Iterable[JournalEntry] = ()) -> Snapshot:
    """The products, their certificates, allow-lists, nodes and each node's CPU credits, the world's original
    certificates by name, and the requests the mock answered (method, path, node, status)."""
    with state.lock:
        now = state.clock()
        originals: dict[str, list[str]] = {}
        # The world file's certificates keep their key pairs here even after the trainee deletes or renames
        # them, so "the certificate the world called ci-runner" stays identifiable by thumbprint.
        for tp, bundle in state.client_bundles.items():
            originals.setdefault(_common_name(bundle), []).append(tp)
        products = []
        for p in state.products.values():
            products.append({
                "id": p.id,
                "name": p.display_name,
                "tier": p.tier.value,
                "nodes": [n.tag for n in p.nodes],
                "cpu_credits": {n.tag: _budget(n.cpu, now) for n in p.nodes},
                "allowed_ips": [r.to_api() for r in p.allowed_ips],
                "operator": _thumbprint(p.operator_cert.certificate),
                "certificates": [
                    {
                        "name": c.name,
                        "thumbprint": c.thumbprint,
                        "clearance": c.clearance.value,
                        "permissions": {db: a.value for db, a in c.permissions.items()},
                        "not_after": c.not_after.isoformat(),
                        "disabled": c.disabled,
                        "generated_by_server": c.generated_by_server,
                    }
                    for c in p.cluster.certificates.values()
                ],
                "backups": [{"database": b.database, "file_name": b.file_name} for b in p.backups],
            })
    requests = [
        {"method": e.method, "path": e.path.split("?", 1)[0], "node": e.node, "status": e.status}
        for e in journal
    ]
    return {"now": now.isoformat(), "world": state.world_name, "originals": originals,
            "products": products, "requests": requests}
