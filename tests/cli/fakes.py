"""An in-memory stand-in for ravensec.core.workspace.Workspace, to drive the CLI's command layer in-process."""

from __future__ import annotations

import io
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ravensec.core.errors import NotFound
from ravensec.core.models import (
    Backup,
    BackupKind,
    CertificateDefinition,
    DatabaseAccess,
    IpRule,
    Node,
    Product,
    ProductStatus,
    SecurityClearance,
    Tier,
)
from ravensec.core.profile import Profile
from ravensec.tui.cli.context import Context
from ravensec.tui.cli.output import Output
from ravensec.tui.cli.parser import parse_args
from ravensec.tui.cli.run import run
from tests.fakes_common import FakeCapabilities, FakeWorkspaceBase, fake_cert

NOW = datetime.now(UTC).replace(microsecond=0)


def make_cert(name: str, tp: str, days: int, clearance: SecurityClearance = SecurityClearance.OPERATOR,
              perms: dict[str, DatabaseAccess] | None = None) -> CertificateDefinition:
    return fake_cert(name, tp, clearance, now=NOW, days=days, issued_days_ago=30, permissions=perms)


def make_product(pid: str, name: str) -> Product:
    return Product(id=pid, display_name=name, status=ProductStatus.ACTIVE, tier=Tier.DEVELOPMENT,
                   cloud_provider="AWS", region="eu-west-1",
                   nodes=(Node("A", f"https://a.{pid}.invalid"), Node("B", f"https://b.{pid}.invalid")),
                   allowed_ips=(IpRule(ipaddress.ip_network("127.0.0.1/32"), "me"),))


@dataclass
class FakeWorkspace(FakeWorkspaceBase):
    products: list[Product] = field(default_factory=lambda: [make_product("p1", "Orders"),
                                                             make_product("p2", "Billing")])
    certs: dict[str, list[CertificateDefinition]] = field(default_factory=dict)
    rules: dict[str, list[IpRule]] = field(default_factory=dict)
    read_only: bool = False
    fail_with: Exception | None = None
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    capabilities: FakeCapabilities = field(default_factory=FakeCapabilities)
    skipped: dict[str, str] = field(default_factory=dict)
    profile: Profile = field(default_factory=lambda: Profile(name="fake", kind="mock"))
    now: Callable[[], datetime] = lambda: NOW

    def __post_init__(self) -> None:
        for p in self.products:
            self.certs.setdefault(p.id, [make_cert("ops", "AB" * 20, 300),
                                         make_cert("old", "CD" * 20, -3),
                                         make_cert("soon", "EF" * 20, 20, SecurityClearance.VALID_USER,
                                                   {"orders": DatabaseAccess.READ})])
            self.rules.setdefault(p.id, list(p.allowed_ips))

    async def close(self) -> None:
        self.calls.append(("close",))

    async def list_products(self) -> list[Product]:
        if self.fail_with:
            raise self.fail_with
        return list(self.products)

    async def get_product(self, pid: str) -> Product:
        for p in self.products:
            if p.id == pid:
                return p
        raise NotFound(f"no product {pid}")

    async def list_certificates(self, pid: str) -> list[CertificateDefinition]:
        return list(self.certs[pid])

    async def cpu_credits(self, pid: str) -> None:
        return None  # the fakes' products are not burstable

    async def generation_cost(self, pid: str) -> None:
        return None

    async def whoami(self, pid: str) -> CertificateDefinition | None:
        return self.certs[pid][0]

    async def certificate(self, pid: str, tp: str) -> CertificateDefinition | None:
        return next((c for c in self.certs[pid] if c.thumbprint == tp), None)

    async def databases(self, pid: str) -> list[str]:
        return ["orders"]

    async def my_address(self) -> str | None:
        return "127.0.0.1"

    async def edit_certificate(self, pid: str, tp: str, **kw: Any) -> None:
        self._write("Editing a certificate")
        self.calls.append(("edit", pid, tp, kw))
        self.certs[pid] = [replace(c, disabled=kw["disabled"]) if c.thumbprint == tp and kw.get("disabled")
                           is not None else c for c in self.certs[pid]]

    async def delete_certificate(self, pid: str, tp: str) -> None:
        self._write("Deleting a certificate")
        self.calls.append(("delete", pid, tp))
        self.certs[pid] = [c for c in self.certs[pid] if c.thumbprint != tp]

    async def purge_expired(self, pid: str) -> None:
        self._write("Purging expired certificates")
        self.calls.append(("purge", pid))
        self.certs[pid] = [c for c in self.certs[pid] if c.not_after > NOW]

    async def get_ip_rules(self, pid: str) -> list[IpRule]:
        return list(self.rules[pid])

    async def set_ip_rules(self, pid: str, rules: list[IpRule]) -> list[IpRule]:
        self._write("Changing allowed IPs")
        self.calls.append(("set_ips", pid, [r.cidr for r in rules]))
        self.rules[pid] = list(rules)
        return list(rules)

    async def list_backups(self, pid: str) -> list[Backup]:
        return [Backup(pid, "orders", "orders-1.rvnbkp", NOW, BackupKind.FULL, 2048)]

    def _all_certificates(self) -> list[tuple[Product, CertificateDefinition]]:
        return [(p, c) for p in self.products for c in self.certs[p.id]]


def run_cli(argv: list[str], ws: FakeWorkspace) -> tuple[int, str, str]:
    """Parse and run ``argv`` against ``ws``; returns (exit code, stdout, stderr)."""
    args = parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(args, out=Output(args.output, no_color=True, stdout=out, stderr=err), workspace=ws)  # type: ignore[arg-type]
    rc = run(args, ctx)
    return rc, out.getvalue(), err.getvalue()
