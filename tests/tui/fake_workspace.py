"""An in-memory stand-in for ravensec.core.workspace.Workspace, for fast tests of pure UI logic only.

The Pilot tests that claim "done" run against the real mock (see test_pilot_mock.py); this fake exists so
that filtering/sorting/refusal logic can be exercised without sockets.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from ravensec.core.errors import NotFound
from ravensec.core.models import (
    CertificateDefinition,
    DatabaseAccess,
    IpRule,
    Node,
    Product,
    ProductStatus,
    SecurityClearance,
    Tier,
)
from tests.fakes_common import FakeCapabilities, FakeWorkspaceBase, fake_cert

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def cert(name: str, clearance: SecurityClearance, days: int, n: int) -> CertificateDefinition:
    perms = {"orders": DatabaseAccess.READ_WRITE} if clearance is SecurityClearance.VALID_USER else {}
    return fake_cert(name, f"{n:040X}", clearance, now=NOW, days=days, issued_days_ago=365, permissions=perms)


class FakeWorkspace(FakeWorkspaceBase):
    def __init__(self, *, caller: SecurityClearance = SecurityClearance.OPERATOR, read_only: bool = False,
                 n_certs: int = 0) -> None:
        self.read_only = read_only
        self.now = lambda: NOW
        self.capabilities = FakeCapabilities()
        self.products = [
            Product("p1", "orders-prod", ProductStatus.ACTIVE, Tier.PRODUCTION, "AWS", "eu-west-1",
                    instance_type="PR10", nodes=(Node("A", "https://a.orders.invalid"),),
                    allowed_ips=(IpRule.from_api("0.0.0.0/0"),), labels=("team-a",)),
            Product("p2", "sandbox", ProductStatus.CREATING, Tier.DEVELOPMENT, "Azure", "westeurope",
                    instance_type="DV5", nodes=(Node("A", "https://a.sandbox.invalid"),)),
        ]
        self.me = cert("operator", caller, 1000, 1)
        self.certs = [
            self.me,
            cert("admin", SecurityClearance.CLUSTER_ADMIN, 20, 2),
            cert("reporting", SecurityClearance.VALID_USER, 45, 3),
            cert("old", SecurityClearance.VALID_USER, -3, 4),
        ]
        self.certs += [cert(f"bulk-{i:05d}", SecurityClearance.VALID_USER, 100 + i % 500, 100 + i) for i in range(n_certs)]
        self.calls: list[str] = []

    async def close(self) -> None:
        pass

    async def list_products(self) -> list[Product]:
        return list(self.products)

    async def whoami(self, product_id: str) -> CertificateDefinition | None:
        return self.me

    async def list_certificates(self, product_id: str) -> list[CertificateDefinition]:
        return list(self.certs)

    async def cpu_credits(self, product_id: str) -> None:
        return None  # the fakes' products are not burstable

    async def generation_cost(self, product_id: str) -> None:
        return None

    async def certificate(self, product_id: str, thumbprint: str) -> CertificateDefinition | None:
        return next((c for c in self.certs if c.thumbprint == thumbprint), None)

    async def my_address(self) -> str | None:
        return "127.0.0.1"

    async def databases(self, product_id: str) -> list[str]:
        return ["orders"]

    async def list_backups(self, product_id: str) -> list[object]:
        return []

    def _all_certificates(self) -> list[tuple[Product, CertificateDefinition]]:
        return [(self.products[0], c) for c in self.certs]

    async def get_ip_rules(self, product_id: str) -> list[IpRule]:
        return list(self.products[0].allowed_ips)

    async def delete_certificate(self, product_id: str, thumbprint: str) -> None:
        self._write("Deleting a certificate")
        self.calls.append(f"delete {thumbprint}")
        before = len(self.certs)
        self.certs = [c for c in self.certs if c.thumbprint != thumbprint]
        if len(self.certs) == before:
            raise NotFound(f"no certificate {thumbprint}")

    async def edit_certificate(self, product_id: str, thumbprint: str, *, name: str | None = None, clearance=None,
                               permissions=None, disabled=None) -> None:  # type: ignore[no-untyped-def]
        self.calls.append(f"edit {thumbprint}")
        self.certs = [replace(c, name=name or c.name) if c.thumbprint == thumbprint else c for c in self.certs]
