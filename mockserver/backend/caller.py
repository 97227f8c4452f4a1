"""Who asks a cluster rule: the clearance of the client certificate and the thumbprints it connects with;
:data:`OWNER`, the test or fixture user, may do anything. ``ADMINISH`` are the clearances only a Cluster
Admin may grant, edit or delete."""

from __future__ import annotations

from dataclasses import dataclass, field

from ravensec.core.models import SecurityClearance

ADMINISH = (SecurityClearance.CLUSTER_ADMIN, SecurityClearance.CLUSTER_NODE)


@dataclass(frozen=True)
class Caller:
    """Who asks: the clearance of the client certificate, and the thumbprints it connects with (a
    certificate in use cannot be deleted). The default, :data:`OWNER`, is the test or fixture user."""

    clearance: SecurityClearance
    thumbprints: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_cluster_admin(self) -> bool:
        return self.clearance == SecurityClearance.CLUSTER_ADMIN


OWNER = Caller(SecurityClearance.CLUSTER_ADMIN)
