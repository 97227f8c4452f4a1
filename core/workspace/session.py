"""The workspace's session: opening a profile (its Cloud API, or a direct profile's nodes), closing it, the
products it sees, and one node client per product, made on first use. The read-only rule and the refusal
of a Cloud API call on a direct profile live here, for every operation to use."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from ..clock import utc_now
from ..errors import ConfigError, NotFound, NotSupported, RavensecError, ReadOnlyError
from ..http._targets import client_cert_for
from ..http.cloud_api import CloudApi
from ..http.instance import InstanceClient
from ..http.tls import ClientCert
from ..mock_connection import MockConnection
from ..models import Node, Product
from ..profile import Profile

DIRECT_PRODUCT_ID = "direct"




@dataclass(frozen=True)
class Capabilities:
    """What the profile's API can do beyond the real Cloud API v1 (the mock's /ext/v1 endpoints)."""

    edit_ip_rules: bool
    backups: bool
    regenerate_certificate: bool
    portal_url: str


class WorkspaceSession:
    """A profile opened: its Cloud API (None for a direct profile), its products and their node clients."""

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
    ) -> Self:
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

    async def __aenter__(self) -> Self:
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
