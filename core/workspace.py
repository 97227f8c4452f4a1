"""The facade the TUI and the CLI use: one profile's products, certificates, IP rules and backups.

``Workspace.open(profile)`` wires a :class:`CloudApi` (cloud and mock kinds) and, lazily, one
:class:`InstanceClient` per product. A "direct" profile is one pseudo product ``"direct"`` made of
``profile.nodes``, with no Cloud API. Read-only is enforced here, before any request leaves.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from .certs.bundle import CertBundle
from .errors import (
    ConfigError,
    CpuCreditsExhausted,
    NotFound,
    NotSupported,
    RavensecError,
    ReadOnlyError,
    UsageError,
)
from .fsutil import create_private, safe_file_name
from .http._targets import client_cert_for
from .http.cloud_api import CloudApi
from .http.echo import my_ip
from .http.instance import InstanceClient, Permissions
from .http.tls import ClientCert
from .mock_connection import MockConnection
from .models import Backup, CertificateDefinition, CpuCredits, IpRule, Node, Product, SecurityClearance
from .models.credits import GenerationCost, burstable_type, generation_cost
from .profile import Profile

__all__ = ["DIRECT_PRODUCT_ID", "Capabilities", "Workspace"]

DIRECT_PRODUCT_ID = "direct"


def utc_now() -> datetime:
    """The real clock, in UTC: what a Workspace uses unless given another ``now``."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Capabilities:
    """What the profile's API can do beyond the real Cloud API v1 (the mock's /ext/v1 endpoints)."""

    edit_ip_rules: bool
    backups: bool
    regenerate_certificate: bool
    portal_url: str


class Workspace:
    """Open with ``await Workspace.open(profile)`` or ``async with await Workspace.open(profile)``."""

    def __init__(
        self,
        profile: Profile,
        *,
        read_only: bool,
        api: CloudApi | None,
        capabilities: Capabilities,
        ca_file: Path | None,
        connection: MockConnection | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.profile = profile
        self.now = now  # a fixed-clock world (the mock's demo-fixed) passes its own, for consistent answers
        self.read_only = read_only
        self.capabilities = capabilities
        self.skipped: dict[str, str] = {}  # product id -> why `expiring()` could not read it
        self._api = api
        self._ca_file = ca_file
        self._connection = connection
        self._clients: dict[str, InstanceClient] = {}
        self._products: dict[str, Product] = {}
        self._client_locks: dict[str, asyncio.Lock] = {}  # one per product: products open in parallel

    # ------------------------------------------------------------------------------------------ lifecycle

    @classmethod
    async def open(
        cls, profile: Profile, *, read_only: bool | None = None, now: Callable[[], datetime] = utc_now
    ) -> Workspace:
        ro = profile.read_only if read_only is None else read_only
        if profile.kind == "direct":
            if not profile.nodes:
                raise ConfigError("a direct profile needs at least one node URL", key=f"{profile.name}.nodes")
            caps = Capabilities(False, False, False, profile.portal_url)
            return cls(profile, read_only=ro, api=None, capabilities=caps, ca_file=profile.ca_file, now=now)
        conn = None
        # A mock profile that already carries the API key (MockCloud.profile()) works without the file.
        if (
            profile.kind == "mock"
            and profile.state_dir
            and (profile.api_key is None or (profile.state_dir / "connection.json").exists())
        ):
            conn = MockConnection.read(profile.state_dir)
        api_url = conn.api_url if conn else profile.api_url
        api_key = conn.api_key if conn else profile.api_key
        ca_file = (conn.ca_path if conn else None) or profile.ca_file
        portal = conn.portal_url if conn else profile.portal_url
        if not api_key:
            raise ConfigError(
                "no API key for this profile",
                key=f"{profile.name}.api_key",
                hint="Store one with `ravensec profile set-key` (kept in the 0600 secrets file) or env:VAR.",
            )
        api = CloudApi(api_url, api_key, ca_file=ca_file, timeout=profile.timeout, portal_url=portal)
        try:
            ext = await api.capabilities()
        except BaseException:
            await api.close()
            raise
        caps = Capabilities(ext.allowed_ips_edit, ext.backups, ext.regenerate_certificate, portal)
        return cls(profile, read_only=ro, api=api, capabilities=caps, ca_file=ca_file, connection=conn, now=now)

    async def __aenter__(self) -> Workspace:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        if self._api is not None:
            await self._api.close()

    def _write(self, what: str) -> None:
        if self.read_only:
            raise ReadOnlyError(what)

    def _cloud(self, what: str) -> CloudApi:
        if self._api is None:
            raise NotSupported(
                f"A direct profile has no Cloud API, so it cannot {what}.",
                hint="Use a cloud profile (API key) for this product.",
                portal_url=self.profile.portal_url,
            )
        return self._api

    # ------------------------------------------------------------------------------------------ products

    def _direct_product(self) -> Product:
        nodes = tuple(Node(chr(ord("A") + i), u.rstrip("/")) for i, u in enumerate(self.profile.nodes))
        return Product(id=DIRECT_PRODUCT_ID, display_name=self.profile.name, nodes=nodes)

    async def list_products(self) -> list[Product]:
        if self._api is None:
            products = [self._direct_product()]
        else:
            api = self._api
            summaries = await api.list_products()
            products = list(await asyncio.gather(*(self._details(s.id) for s in summaries)))
        self._products.update({p.id: p for p in products})
        return products

    async def get_product(self, product_id: str) -> Product:
        if self._api is None:
            if product_id != DIRECT_PRODUCT_ID:
                raise NotFound(f"A direct profile has one product, {DIRECT_PRODUCT_ID!r}, not {product_id!r}.")
            product = self._direct_product()
        else:
            product = await self._details(product_id)
        self._products[product_id] = product
        return product

    async def _details(self, product_id: str) -> Product:
        """A product's details, its allow-list with the aliases people typed where the target keeps them (the
        mock's ext endpoint; the Cloud API's details carry bare CIDRs), so every view shows the same rules."""
        assert self._api is not None
        product = await self._api.product(product_id)
        if not self.capabilities.edit_ip_rules or not product.allowed_ips:
            return product
        try:
            rules = await self._api.allowed_ips(product_id)
        except RavensecError:
            return product  # the details' own list (without aliases) is still the right set of rules
        return replace(product, allowed_ips=tuple(rules))

    async def download_certificate_package(self, product_id: str, dest_dir: Path) -> list[Path]:
        # Imported here: zipfile stays off the facade's import path (tests/core/test_import_cost.py).
        from .certs.package_zip import extract_package

        data = await self._cloud("download the product's certificate package").certificate_package(product_id)
        return extract_package(data, dest_dir)

    # ------------------------------------------------------------------------------------------ nodes

    async def _instance(self, product_id: str) -> InstanceClient:
        async with self._client_locks.setdefault(product_id, asyncio.Lock()):
            client = self._clients.get(product_id)
            if client is None:
                urls = await self._node_urls(product_id)
                identity = await self._client_cert(product_id)
                client = InstanceClient(urls, identity, ca_file=self._ca_file, timeout=self.profile.timeout)
                self._clients[product_id] = client
            return client

    async def _node_urls(self, product_id: str) -> dict[str, str]:
        if self._connection and self._connection.node_urls.get(product_id):
            return dict(self._connection.node_urls[product_id])
        product = self._products.get(product_id) or await self.get_product(product_id)
        if not product.nodes:
            raise NotFound(f"Product {product_id} has no nodes yet (status {product.status.value}).")
        return product.node_urls

    async def _client_cert(self, product_id: str) -> ClientCert:
        return await client_cert_for(self.profile, product_id, self._api)

    # ------------------------------------------------------------------------------------------ certificates

    async def whoami(self, product_id: str) -> CertificateDefinition | None:
        return await (await self._instance(product_id)).whoami()

    async def list_certificates(self, product_id: str) -> list[CertificateDefinition]:
        return await (await self._instance(product_id)).certificates()

    async def certificate(self, product_id: str, thumbprint: str) -> CertificateDefinition | None:
        """One registration by thumbprint, or None when the server does not list it."""
        return await (await self._instance(product_id)).certificate(thumbprint)

    async def generate_certificate(
        self,
        product_id: str,
        name: str,
        clearance: SecurityClearance | str,
        permissions: Permissions | None = None,
        password: str | None = None,
        not_after: datetime | None = None,
    ) -> bytes:
        self._write("Generating a certificate")
        client = await self._instance(product_id)
        try:
            return await client.generate(name, clearance, permissions, password=password, not_after=not_after)
        except CpuCreditsExhausted as e:
            raise await self._with_budget(product_id, e) from None

    # ------------------------------------------------------------------------------------------ CPU credits

    async def cpu_credits(self, product_id: str) -> CpuCredits | None:
        """The CPU-credit budget of the node serving ``product_id`` (``GET /debug/cpu-credits``, CPU seconds);
        None for a reserved instance, or a server without credits configured."""
        product = self._products.get(product_id) or await self.get_product(product_id)
        if product.id != DIRECT_PRODUCT_ID and burstable_type(product.tier, product.instance_type) is None:
            return None  # a reserved instance: no request needed
        credits = await (await self._instance(product_id)).cpu_credits()
        return credits if credits.used else None

    async def generation_cost(self, product_id: str) -> GenerationCost | None:
        """What generating a certificate on the server costs this product (None: not burstable, no cost)."""
        product = self._products.get(product_id) or await self.get_product(product_id)
        kind = burstable_type(product.tier, product.instance_type)
        return generation_cost(kind) if kind is not None else None

    async def _with_budget(self, product_id: str, err: CpuCreditsExhausted) -> CpuCreditsExhausted:
        """``err`` with the budget in its words, when the budget can be read (the route is not refused)."""
        try:
            budget = await self.cpu_credits(product_id)
        except RavensecError:
            return err
        if budget is None:
            return err
        recover = budget.minutes_to_recover()
        wait = f" Idle, it is back in about {recover:.0f} minutes." if recover >= 1 else ""
        enriched = CpuCreditsExhausted(
            f"{err.message} Balance: {budget.summary()}.{wait}", budget=budget, hint=err.hint, status=err.status,
            server_type=err.server_type, server_message=err.server_message, url=err.url,
        )
        return enriched

    async def register_certificate(
        self,
        product_id: str,
        name: str,
        certificate: bytes | CertBundle,
        clearance: SecurityClearance | str,
        permissions: Permissions | None = None,
        password: str | None = None,
    ) -> str:
        self._write("Registering a certificate")
        # Imported here, as below: cryptography loads on the first call that reads a certificate.
        from .certs.identity import thumbprint
        from .certs.load import load_certificates_any

        if isinstance(certificate, CertBundle):
            tp = thumbprint(certificate.certificate)
        else:
            tp = thumbprint(load_certificates_any(certificate, password)[0])
        client = await self._instance(product_id)
        await client.register(name, certificate, clearance, permissions, password=password)
        return tp

    async def generate_local_and_register(
        self,
        product_id: str,
        name: str,
        clearance: SecurityClearance | str,
        permissions: Permissions | None = None,
        key_type: str = "ec-p256",
        dest_dir: Path | None = None,
        password: str | None = None,
    ) -> tuple[str, list[Path]]:
        """Make the key here (no server CPU credits, the key never leaves), register only the certificate."""
        self._write("Registering a certificate")
        from .certs.generate import make_client_certificate
        from .certs.identity import thumbprint
        from .certs.packages import export_pfx
        from .config import data_dir  # reads TOML: not on the facade's import path either

        if key_type not in ("rsa2048", "rsa4096", "ec-p256"):
            raise UsageError(f"unknown key type {key_type!r}; use rsa2048, rsa4096 or ec-p256")
        bundle = make_client_certificate(name, key_type=key_type)  # type: ignore[arg-type]
        target = dest_dir or data_dir() / "certificates" / safe_file_name(product_id)
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        stem = safe_file_name(name)
        contents = {
            ".pem": bundle.cert_pem() + bundle.key_pem(password),
            ".crt": bundle.cert_pem(),
            ".key": bundle.key_pem(password),
            ".pfx": export_pfx(bundle, password),
        }
        # Exclusive creates: never overwrite (or, on failure, delete) someone's earlier key. Written before
        # registering: a registered certificate whose key was lost would be useless.
        files: list[Path] = []
        try:
            for ext, data in contents.items():
                files.append(create_private(target / f"{stem}{ext}", data))
            await (await self._instance(product_id)).register(name, bundle, clearance, permissions)
        except BaseException as e:
            for f in files:  # only the files this call created
                f.unlink(missing_ok=True)
            if isinstance(e, FileExistsError):
                raise UsageError(
                    f"{e.filename} already exists; key material is never overwritten.",
                    hint="Choose another name or destination folder.",
                ) from None
            raise
        return thumbprint(bundle.certificate), files

    async def edit_certificate(
        self,
        product_id: str,
        thumbprint: str,
        *,
        name: str | None = None,
        clearance: SecurityClearance | str | None = None,
        permissions: Permissions | None = None,
        disabled: bool | None = None,
    ) -> None:
        self._write("Editing a certificate")
        client = await self._instance(product_id)
        current = await client.certificate(thumbprint)
        if current is None:
            raise NotFound(f"No certificate with thumbprint {thumbprint} on product {product_id}.")
        await client.edit(
            thumbprint,
            name if name is not None else current.name,
            clearance if clearance is not None else current.security_clearance,
            permissions if permissions is not None else current.permissions,
            disabled=disabled if disabled is not None else current.disabled,
        )

    async def delete_certificate(self, product_id: str, thumbprint: str) -> None:
        self._write("Deleting a certificate")
        await (await self._instance(product_id)).delete(thumbprint)

    async def purge_expired(self, product_id: str) -> None:
        self._write("Purging expired certificates")
        await (await self._instance(product_id)).purge_expired()

    async def expiring(self, within_days: int = 60) -> list[tuple[Product, CertificateDefinition]]:
        """Certificates of every product expiring within ``within_days`` (or expired), soonest first.

        "Now" is ``self.now()``: the real UTC clock unless the workspace was opened with another. Products
        that cannot be read are skipped; why is kept in ``self.skipped``.
        """
        products = await self.list_products()
        limit = self.now() + timedelta(days=within_days)
        results = await asyncio.gather(
            *(self.list_certificates(p.id) for p in products if p.nodes), return_exceptions=True
        )
        self.skipped = {}
        out: list[tuple[Product, CertificateDefinition]] = []
        for product, res in zip([p for p in products if p.nodes], results, strict=True):
            if isinstance(res, RavensecError):
                self.skipped[product.id] = str(res)
                continue
            if isinstance(res, BaseException):
                raise res
            out.extend((product, c) for c in res if c.not_after <= limit)
        out.sort(key=lambda pc: pc[1].not_after)
        return out

    async def databases(self, product_id: str) -> list[str]:
        return await (await self._instance(product_id)).database_names()

    # ------------------------------------------------------------------------------------------ IP rules, backups

    async def get_ip_rules(self, product_id: str) -> list[IpRule]:
        return await self._cloud("read allowed IPs").allowed_ips(product_id)

    async def my_address(self) -> str | None:
        """This machine's address as the product sees it: loopback for a mock (it listens there; no public
        service is asked), the public address for anything else; None when it cannot be found."""
        if self.profile.kind == "mock":
            return "127.0.0.1"
        return await my_ip()

    async def set_ip_rules(self, product_id: str, rules: Sequence[IpRule]) -> list[IpRule]:
        self._write("Changing allowed IPs")
        return await self._cloud("change allowed IPs").set_allowed_ips(product_id, list(rules))

    async def regenerate_certificate(self, product_id: str) -> str:
        self._write("Regenerating the product's certificate")
        return await self._cloud("regenerate the certificate").regenerate_certificate(product_id)

    async def list_backups(self, product_id: str) -> list[Backup]:
        return await self._cloud("list backups").backups(product_id)

    def known_backup_key(self, backup: Backup) -> str | None:
        """The key a running mock's connection.json hands out for ``backup`` (so the demo's backups can be
        verified); None for any other target: a real account's backup keys are shown only in its portal."""
        if self._connection is None:
            return None
        return self._connection.backup_key_for(backup.product_id, backup.database)

    async def fetch_backup(self, product_id: str, database: str, file_name: str) -> bytes:
        return await self._cloud("download backups").backup_file(product_id, database, file_name)
