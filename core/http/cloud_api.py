"""The RavenDB Cloud API v1 client, plus the mock's clearly separate ``/ext/v1`` extension endpoints.

Every request carries ``X-Api-Key`` and a real ``User-Agent`` (the gateway answers 403 without one).
429 answers are retried after the server's ``Retry-After`` (capped) a few times, then RateLimited.
The extensions (allowed IPs, certificate regeneration, backups) exist only on the mock: a real account
answers 404 or non-JSON to the capability probe, and such edits then raise NotSupported naming the portal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import aiohttp

from ..errors import (
    ApiError,
    AuthError,
    Conflict,
    NotFound,
    NotSupported,
    RateLimited,
    ServerError,
    ValidationError,
)
from ..models import AccountInfo, Backup, IpRule, Product, ProductSummary
from ..profile import REAL_PORTAL_URL
from ._transport import (
    Answer,
    SessionOwner,
    classify_failure,
    is_tls_failure,
    network_error,
    read_answer,
    user_agent,
)
from ._transport import retry_after_seconds as _retry_after
from .tls import client_ssl_context

__all__ = ["CloudApi", "ExtCapabilities"]

Expect = Literal["json", "bytes", "none"]


@dataclass(frozen=True)
class ExtCapabilities:
    """What the mock's extension endpoints offer; all False on a real account."""

    allowed_ips_edit: bool = False
    backups: bool = False
    regenerate_certificate: bool = False

    @classmethod
    def from_api(cls, d: Any) -> ExtCapabilities:
        if not isinstance(d, Mapping):
            return cls()
        return cls(
            allowed_ips_edit=d.get("allowedIpsEdit") is True,
            backups=d.get("backups") is True,
            regenerate_certificate=d.get("regenerateCertificate") is True,
        )


def _field_errors(body: Any) -> dict[str, list[str]]:
    """The 400 field map: ``{"field": ["msg"]}``, or ASP.NET's ``{"errors": {...}}`` shape."""
    if not isinstance(body, Mapping):
        return {}
    if isinstance(body.get("errors"), Mapping):
        body = body["errors"]
    out: dict[str, list[str]] = {}
    for k, v in body.items():
        if isinstance(v, list):
            out[str(k)] = [str(x) for x in v]
        elif isinstance(v, str) and k not in ("title", "type", "traceId"):
            out[str(k)] = [v]
    return out


def _seg(value: str) -> str:
    """One URL path segment, escaped so a name cannot change the route."""
    return quote(value, safe="")


def _message(body: Any) -> str:
    if isinstance(body, Mapping):
        for key in ("message", "Message", "error", "title", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return ""


class CloudApi(SessionOwner):
    """``async with CloudApi(base_url, api_key, ca_file=None, timeout=30) as api``."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        ca_file: Path | str | None = None,
        timeout: float = 30.0,
        *,
        portal_url: str = REAL_PORTAL_URL,
        max_retries: int = 3,
        retry_cap: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        root = self.base_url.removesuffix("/api/v1")
        self.ext_url = f"{root}/ext/v1"
        self.portal_url = portal_url
        self._api_key = api_key
        self._ca_file = ca_file
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._max_retries = max_retries
        self._retry_cap = retry_cap
        self._session: aiohttp.ClientSession | None = None
        self._caps: ExtCapabilities | None = None

    def __repr__(self) -> str:  # never show the key
        return f"CloudApi({self.base_url!r})"

    def _new_session(self) -> aiohttp.ClientSession:
        ctx = client_ssl_context(ca_file=self._ca_file)
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=ctx),
            timeout=self._timeout,
            headers={"X-Api-Key": self._api_key, "User-Agent": user_agent()},
            trust_env=False,
        )

    # ------------------------------------------------------------------------------------------ plumbing

    async def _send(self, method: str, url: str, body: Any) -> Answer:
        session = self._open()
        attempt = 0
        while True:
            try:
                async with session.request(method, url, json=body) as resp:
                    ans = await read_answer(resp)
            except (TimeoutError, aiohttp.ClientError) as e:
                if is_tls_failure(e) or classify_failure(e) is not None:
                    raise network_error(e, url) from None
                raise
            if ans.status != 429:
                return ans
            wait = _retry_after(ans.header("Retry-After"))
            if attempt >= self._max_retries:
                raise RateLimited(
                    f"The Cloud API is rate limiting us ({method} {url}); it asked to wait {wait:g}s.",
                    retry_after=wait,
                    status=429,
                    url=url,
                    hint="The API allows about one request per second per endpoint; try again shortly.",
                )
            attempt += 1
            await asyncio.sleep(min(wait, self._retry_cap))

    async def _call(
        self, method: str, path: str, body: Any = None, *, expect: Expect = "json", ext: bool = False
    ) -> Any:
        url = (self.ext_url if ext else self.base_url) + path
        ans = await self._send(method, url, body)
        if 200 <= ans.status < 300:
            if expect == "bytes":
                return ans.body
            if expect == "none":
                return None
            data = ans.json()
            if data is None and ans.body.strip():
                raise ServerError(
                    f"The Cloud API answered {method} {path} with something that is not JSON.",
                    status=ans.status,
                    url=url,
                )
            return data
        raise self._error(method, path, ans)

    def _error(self, method: str, path: str, ans: Answer) -> ApiError | ValidationError:
        body = ans.json()
        server_msg = _message(body)
        kw: dict[str, Any] = {"status": ans.status, "url": ans.url, "server_message": server_msg}
        what = f"{method} {path}"
        if ans.status == 400:
            fields = _field_errors(body)
            return ValidationError(
                f"The Cloud API refused {what}: {server_msg or 'invalid input'}.", field_errors=fields
            )
        if ans.status == 401:
            return AuthError(
                "The API key was refused: check it is current — keys last at most 12 months.",
                hint="Create a new key in the portal (Account > API keys) and store it again.",
                **kw,
            )
        if ans.status == 403:
            return AuthError(
                f"The Cloud API gateway refused {what} (403).",
                hint="Check the API key and that requests carry a User-Agent; the key acts as account owner.",
                **kw,
            )
        if ans.status == 404:
            return NotFound(f"Not found: {what}.", hint="Check the product id (ravensec products).", **kw)
        if ans.status == 409:
            return Conflict(f"The Cloud API reports a conflict for {what}: {server_msg}".rstrip(": "), **kw)
        if ans.status == 412:
            return Conflict(
                "The Cloud API refused to create another paid product: at most 3 paid products can be "
                "created through the API.",
                hint="Create it in the portal, or terminate a paid product first.",
                **kw,
            )
        if ans.status >= 500:
            return ServerError(f"The Cloud API failed on {what} ({ans.status}). {server_msg}".strip(), **kw)
        return ApiError(f"The Cloud API answered {ans.status} to {what}. {server_msg}".strip(), **kw)

    # ------------------------------------------------------------------------------------------ API v1

    async def account_info(self) -> AccountInfo:
        return AccountInfo.from_api(await self._call("GET", "/account/info") or {})

    async def list_products(self) -> list[ProductSummary]:
        data = await self._call("GET", "/products/list")
        return [ProductSummary.from_api(d) for d in (data or {}).get("items") or []]

    async def product(self, product_id: str) -> Product:
        return Product.from_api(await self._call("GET", f"/products/details/{_seg(product_id)}"))

    async def create_product(
        self,
        *,
        display_name: str,
        cloud_provider: str,
        instance_type: str,
        region: str,
        release_channel: str,
        disk_size: int,
        storage_type: str,
        tier: str,
        subdomain: str,
        allowed_ips: Sequence[IpRule | str] = (),
    ) -> str:
        body = {
            "displayName": display_name,
            "cloudProvider": cloud_provider,
            "instanceTypeName": instance_type,
            "region": region,
            "releaseChannel": release_channel,
            "diskSize": disk_size,
            "storageTypeName": storage_type,
            "tier": tier,
            "allowedIps": [r.cidr if isinstance(r, IpRule) else r for r in allowed_ips],
            "subdomainName": subdomain,
        }
        data = await self._call("POST", "/products/create", body)
        pid = (data or {}).get("productId") if isinstance(data, Mapping) else None
        if not isinstance(pid, str):
            raise ServerError("The Cloud API accepted the product but did not return its productId.")
        return pid

    async def terminate(self, product_id: str, hide: bool = False) -> None:
        await self._call("POST", f"/products/terminate/{_seg(product_id)}", {"hideInPortal": hide}, expect="none")

    async def add_node(self, product_id: str) -> None:
        await self._call("POST", "/products/additional-node/add", {"productId": product_id}, expect="none")

    async def remove_node(self, product_id: str, tag: str) -> None:
        body = {"productId": product_id, "nodeTag": tag}
        await self._call("POST", "/products/additional-node/remove", body, expect="none")

    async def restart_node(self, product_id: str, tag: str) -> None:
        await self._call("POST", "/products/restart-node", {"productId": product_id, "nodeTag": tag}, expect="none")

    async def certificate_package(self, product_id: str) -> bytes:
        data: bytes = await self._call("GET", f"/products/security/certificate/{_seg(product_id)}", expect="bytes")
        return data

    # ------------------------------------------------------------------------------------------ extensions

    async def capabilities(self) -> ExtCapabilities:
        """Probe ``/ext/v1/capabilities`` once: 404 or anything not JSON means a real account."""
        if self._caps is None:
            url = f"{self.ext_url}/capabilities"
            ans = await self._send("GET", url, None)
            if ans.status == 401:
                raise self._error("GET", "/ext/v1/capabilities", ans)
            # Anything else that is not a JSON 200 (404, a gateway's 403 for unknown paths, HTML) = real account.
            self._caps = ExtCapabilities.from_api(ans.json()) if ans.status == 200 else ExtCapabilities()
        return self._caps

    def _portal_only(self, what: str) -> NotSupported:
        return NotSupported(
            f"RavenDB Cloud's API cannot {what}; use the portal.",
            hint=f"Open {self.portal_url} and edit the product there.",
            portal_url=self.portal_url,
        )

    async def allowed_ips(self, product_id: str) -> list[IpRule]:
        if not (await self.capabilities()).allowed_ips_edit:
            # A real account still shows the rules in the product details (without aliases).
            return list((await self.product(product_id)).allowed_ips)
        data = await self._call("GET", f"/products/{_seg(product_id)}/allowed-ips", ext=True)
        return [IpRule.from_api(r) for r in (data or {}).get("allowedIps") or []]

    async def set_allowed_ips(self, product_id: str, rules: Sequence[IpRule]) -> list[IpRule]:
        if not (await self.capabilities()).allowed_ips_edit:
            raise self._portal_only("change allowed IPs")
        body = {"allowedIps": [r.to_api() for r in rules]}
        data = await self._call("PUT", f"/products/{_seg(product_id)}/allowed-ips", body, ext=True)
        return [IpRule.from_api(r) for r in (data or {}).get("allowedIps") or []]

    async def regenerate_certificate(self, product_id: str) -> str:
        if not (await self.capabilities()).regenerate_certificate:
            raise self._portal_only("regenerate the product's certificate")
        data = await self._call("POST", f"/products/{_seg(product_id)}/certificate/regenerate", {}, ext=True)
        tp = (data or {}).get("thumbprint") if isinstance(data, Mapping) else None
        if not isinstance(tp, str):
            raise ServerError("The certificate was regenerated but no thumbprint came back.")
        return tp.upper()

    async def backups(self, product_id: str) -> list[Backup]:
        if not (await self.capabilities()).backups:
            raise self._portal_only("list backups")
        data = await self._call("GET", f"/products/{_seg(product_id)}/backups", ext=True)
        return [Backup.from_api(b) for b in (data or {}).get("items") or []]

    async def backup_file(self, product_id: str, database: str, file_name: str) -> bytes:
        if not (await self.capabilities()).backups:
            raise self._portal_only("download backups")
        path = f"/products/{_seg(product_id)}/backups/{_seg(database)}/{_seg(file_name)}"
        data: bytes = await self._call("GET", path, ext=True, expect="bytes")
        return data
