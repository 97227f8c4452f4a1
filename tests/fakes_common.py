"""What the CLI's and the TUI's in-memory stand-ins for ravensec.core.workspace.Workspace share.

Capabilities, certificates dated relative to a clock, the read-only rule (checked before anything changes,
as the real Workspace does) and ``expiring`` with the real one's semantics: ``now()`` plus ``within_days``,
expired ones included, soonest first. Each fake says which certificates it holds (``_all_certificates``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from ravensec.core.errors import ReadOnlyError
from ravensec.core.models import CertificateDefinition, DatabaseAccess, Product, SecurityClearance


@dataclass(frozen=True)
class FakeCapabilities:
    edit_ip_rules: bool = True
    backups: bool = True
    regenerate_certificate: bool = True
    portal_url: str = "https://portal.invalid"


def fake_cert(name: str, thumbprint: str, clearance: SecurityClearance, *, now: datetime, days: float,
              issued_days_ago: float, permissions: Mapping[str, DatabaseAccess] | None = None,
              disabled: bool = False) -> CertificateDefinition:
    """A certificate expiring ``days`` after ``now`` (negative: already expired)."""
    return CertificateDefinition(name=name, thumbprint=thumbprint, security_clearance=clearance,
                                 permissions=dict(permissions or {}),
                                 not_before=now - timedelta(days=issued_days_ago),
                                 not_after=now + timedelta(days=days), disabled=disabled)


class FakeWorkspaceBase:
    """Mix into a fake: set ``read_only`` and ``now``, implement ``_all_certificates``."""

    read_only: bool
    now: Callable[[], datetime]

    def _write(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyError(what)

    def _all_certificates(self) -> list[tuple[Product, CertificateDefinition]]:
        raise NotImplementedError

    async def expiring(self, within_days: int = 60) -> list[tuple[Product, CertificateDefinition]]:
        limit = self.now() + timedelta(days=within_days)
        return sorted(((p, c) for p, c in self._all_certificates() if c.not_after <= limit),
                      key=lambda pc: pc[1].not_after)
