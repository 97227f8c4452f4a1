"""``MockProduct``: what a test or a tool is handed for one product of a running mock (``MockCloud.product()``
and ``.products``): its id and name, its nodes' URLs, the paths of its operator and cluster-admin PEM files,
and its CPU credits to read or set as the cloud would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ravensec.mock.cpu_credits import set_budget, to_wire
from ravensec.mock.state import CloudState


@dataclass(frozen=True)
class MockProduct:
    id: str
    name: str
    node_urls: dict[str, str]
    operator_pem: Path
    cluster_admin_pem: Path
    state: CloudState | None = field(default=None, compare=False, repr=False)

    def set_cpu_credits(
        self,
        remaining: float | None = None,
        *,
        node: str | None = None,
        max_credits: float | None = None,
        background_threshold: float | None = None,
        failover_threshold: float | None = None,
    ) -> list[dict[str, Any]]:
        """Set this burstable product's CPU credits (CPU seconds) on ``node`` or every node, as the cloud
        does; ``remaining=0`` exhausts them (database requests flagged for it then answer 503)."""
        assert self.state is not None, "a MockProduct from MockCloud.product() or .products"
        return set_budget(self.state, self.id, node=node, remaining=remaining, max_credits=max_credits,
                          background_threshold=background_threshold, failover_threshold=failover_threshold)

    def cpu_credits(self, node: str = "A") -> dict[str, Any]:
        """What ``GET /debug/cpu-credits`` answers on ``node``."""
        assert self.state is not None, "a MockProduct from MockCloud.product() or .products"
        with self.state.lock:
            p = self.state.products[self.id]
            n = next(n for n in p.nodes if n.tag == node.upper())
            return to_wire(n.cpu, self.state.clock())
