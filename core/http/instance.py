"""The client of one product's RavenDB nodes over mutual TLS, with failover between nodes.

One aiohttp session per client (per target product), one SSLContext carrying the client certificate.
The node list starts from what the caller gives and grows with ``GET /cluster/topology``.

Failover: a node that refuses the connection (the request never left) is skipped for every call. A node
that resets, closes or times out after the request may have been sent is skipped only for calls that are
safe to repeat: GET; DELETE of a certificate or the purge (deleting twice gives the same state, 204); PUT
register (the same certificate registered again by thumbprint is the same state); POST edit (it sets
fields to given values). Not repeated: POST generate (it would mint a second certificate) and database
create/delete (a repeat answers 409/500 and would hide whether the first one worked). A 502/503/504
answer (other than a missing database) counts as that node being down, for the same safe calls.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from .. import wiredates
from ..certs.bundle import CertBundle
from ..errors import NotFound, TlsError, Unavailable
from ..models import (
    BuildVersion,
    CertificateDefinition,
    ClusterTopology,
    CpuCredits,
    DatabaseAccess,
    SecurityClearance,
    parse_enum,
)
from ._server_errors import map_server_error
from ._transport import (
    MAYBE_SENT,
    Answer,
    SessionOwner,
    classify_failure,
    describe_failure,
    is_tls_failure,
    read_answer,
    user_agent,
)
from .tls import ALLOW_LIST_HINT, ClientCert, client_ssl_context, is_handshake_alert, tls_error

__all__ = ["InstanceClient"]

Permissions = Mapping[str, DatabaseAccess | str]
_NODE_DOWN = (502, 503, 504)


def _tags_for(urls: Sequence[str]) -> dict[str, str]:
    return {chr(ord("A") + i) if i < 26 else f"N{i}": u for i, u in enumerate(urls)}


def _perm_wire(permissions: Permissions | None) -> dict[str, str]:
    return {db: parse_enum(DatabaseAccess, a, f"permissions[{db}]").value for db, a in (permissions or {}).items()}


def _clearance_wire(clearance: SecurityClearance | str) -> str:
    return parse_enum(SecurityClearance, clearance, "clearance").value


class InstanceClient(SessionOwner):
    """``async with InstanceClient(node_urls, client_cert, ca_file=None, timeout=30) as nodes``."""

    def __init__(
        self,
        node_urls: Mapping[str, str] | Sequence[str],
        client_cert: ClientCert | None,
        ca_file: Path | str | None = None,
        timeout: float = 30.0,
        *,
        learn_topology: bool = True,
    ) -> None:
        nodes = dict(node_urls) if isinstance(node_urls, Mapping) else _tags_for(list(node_urls))
        if not nodes:
            raise Unavailable("No node URLs are known for this product.", hint="Add node URLs to the profile.")
        self._nodes: dict[str, str] = {t: u.rstrip("/") for t, u in nodes.items()}
        self._preferred: str = next(iter(self._nodes))
        self._client_cert = client_cert
        self._ca_file = ca_file
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._learn = learn_topology
        self._learned = False
        self._session: aiohttp.ClientSession | None = None
        self._lock = asyncio.Lock()

    @property
    def nodes(self) -> dict[str, str]:
        return dict(self._nodes)

    def _new_session(self) -> aiohttp.ClientSession:
        ctx = client_ssl_context(ca_file=self._ca_file, client_cert=self._client_cert)
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=ctx, limit_per_host=8),
            timeout=self._timeout,
            headers={"User-Agent": user_agent(), "Accept": "application/json"},
            trust_env=False,
        )

    # ------------------------------------------------------------------------------------------ plumbing

    def _order(self) -> list[str]:
        tags = list(self._nodes)
        i = tags.index(self._preferred) if self._preferred in tags else 0
        return tags[i:] + tags[:i]

    async def _send(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None, body: Any = None,
        idempotent: bool = True,
    ) -> Answer:
        session = self._open()
        tried: list[str] = []
        last_down: Answer | None = None
        for tag in self._order():
            url = self._nodes[tag] + path
            try:
                async with session.request(method, url, params=params, json=body) as resp:
                    ans = await read_answer(resp)
            except (TimeoutError, aiohttp.ClientError) as e:
                if is_tls_failure(e) or is_handshake_alert(e):
                    raise tls_error(e, self._nodes[tag]) from None
                kind = classify_failure(e)
                if kind is None:
                    raise
                tried.append(f"{tag} {self._nodes[tag]} ({describe_failure(e)})")
                if kind == MAYBE_SENT and not idempotent:
                    raise Unavailable(
                        f"{method} {path} on node {tag} failed after it was sent ({describe_failure(e)}); "
                        "not retried on another node because it is not safe to repeat.",
                        hint="Check the current state (list it again) before retrying. " + ALLOW_LIST_HINT,
                    ) from None
                continue
            if ans.status in _NODE_DOWN and idempotent and not ans.header("Database-Missing"):
                # As the official client does: a 502/503/504 means that node cannot serve now (not "no"), so a
                # call that is safe to repeat goes to the next node; the last such answer stands if all do.
                tried.append(f"{tag} {self._nodes[tag]} (HTTP {ans.status})")
                last_down = ans
                continue
            self._preferred = tag
            return ans
        if last_down is not None:
            return last_down
        # Refused everywhere means nothing listens; closed/reset after connecting is what a firewall does.
        closed = any("closed the connection" in t or "reset" in t for t in tried)
        hint = ALLOW_LIST_HINT if closed else "Check the node URLs, your network, and that the product is running."
        if closed and self._client_cert is None:
            # aiohttp loses TLS 1.3's "certificate required" alert: a strict server looks like a firewall.
            hint += " No client certificate was presented: a server that requires one drops us the same way."
        raise Unavailable(f"Could not reach any node for {method} {path}; tried: " + "; ".join(tried) + ".", hint=hint)

    async def _call(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None, body: Any = None,
        idempotent: bool = True, ok: tuple[int, ...] = (),
    ) -> Answer:
        await self._ensure_topology()
        ans = await self._send(method, path, params=params, body=body, idempotent=idempotent)
        if 200 <= ans.status < 300 or ans.status in ok:
            return ans
        raise map_server_error(ans, f"{method} {path}")

    async def _ensure_topology(self) -> None:
        if self._learned or not self._learn:
            return
        async with self._lock:
            if self._learned:
                return
            self._learned = True
            try:
                topo = await self._fetch_topology()
            except (Unavailable, TlsError):
                raise
            except Exception:
                # Topology is an optimisation: a refusal here will show up, explained, on the real call.
                return
            for tag, url in topo.all_nodes.items():
                self._nodes.setdefault(tag, str(url).rstrip("/"))

    async def _fetch_topology(self) -> ClusterTopology:
        ans = await self._send("GET", "/cluster/topology")
        if not 200 <= ans.status < 300:
            raise map_server_error(ans, "GET /cluster/topology")
        return ClusterTopology.from_wire(ans.json() or {})

    # ------------------------------------------------------------------------------------------ certificates

    async def whoami(self) -> CertificateDefinition | None:
        ans = await self._call("GET", "/certificates/whoami")
        data = ans.json()
        if ans.status == 204 or not data:
            return None
        if isinstance(data, dict) and data.get("NotAfter") is None:
            # AdminCertificatesHandler.WhoAmI synthesizes a dateless definition for a well-known admin
            # certificate of the server's configuration: it is not a registered certificate.
            return None
        return CertificateDefinition.from_wire(data)

    async def certificates(
        self, name: str | None = None, metadata_only: bool = False, start: int = 0, page_size: int | None = None
    ) -> list[CertificateDefinition]:
        params = {"start": str(start)}
        if name is not None:
            params["name"] = name
        if metadata_only:
            params["metadataOnly"] = "true"
        if page_size is not None:
            params["pageSize"] = str(page_size)
        ans = await self._call("GET", "/admin/certificates", params=params)
        results = (ans.json() or {}).get("Results") or []
        return [CertificateDefinition.from_wire(d) for d in results]

    async def certificate(self, thumbprint: str) -> CertificateDefinition | None:
        try:
            ans = await self._call("GET", "/admin/certificates", params={"thumbprint": thumbprint})
        except NotFound:
            return None
        results = (ans.json() or {}).get("Results") or []
        return CertificateDefinition.from_wire(results[0]) if results else None

    async def generate(
        self,
        name: str,
        clearance: SecurityClearance | str,
        permissions: Permissions | None = None,
        password: str | None = None,
        not_after: datetime | None = None,
    ) -> bytes:
        body: dict[str, Any] = {
            "Name": name,
            "SecurityClearance": _clearance_wire(clearance),
            "Permissions": _perm_wire(permissions),
        }
        if password:
            body["Password"] = password
        if not_after is not None:
            body["NotAfter"] = wiredates.format(not_after)
        ans = await self._call("POST", "/admin/certificates", body=body, idempotent=False)
        return ans.body

    async def register(
        self,
        name: str,
        certificate: bytes | str | CertBundle,
        clearance: SecurityClearance | str,
        permissions: Permissions | None = None,
        password: str | None = None,
    ) -> None:
        body = {
            "Name": name,
            "Certificate": public_certificate_b64(certificate, password),
            "SecurityClearance": _clearance_wire(clearance),
            "Permissions": _perm_wire(permissions),
        }
        await self._call("PUT", "/admin/certificates", body=body)

    async def edit(
        self,
        thumbprint: str,
        name: str,
        clearance: SecurityClearance | str,
        permissions: Permissions | None = None,
        disabled: bool = False,
    ) -> None:
        body = {
            "Thumbprint": thumbprint,
            "Name": name,
            "SecurityClearance": _clearance_wire(clearance),
            "Permissions": _perm_wire(permissions),
            "Disabled": disabled,
        }
        await self._call("POST", "/admin/certificates/edit", body=body)

    async def delete(self, thumbprint: str) -> None:
        await self._call("DELETE", "/admin/certificates", params={"thumbprint": thumbprint})

    async def purge_expired(self) -> None:
        await self._call("DELETE", "/admin/certificates/purge")

    # ------------------------------------------------------------------------------------------ cluster, databases

    async def cluster_topology(self) -> ClusterTopology:
        return await self._fetch_topology()

    async def database_names(self) -> list[str]:
        ans = await self._call("GET", "/databases", params={"namesOnly": "true"})
        raw = (ans.json() or {}).get("Databases") or []
        return [d if isinstance(d, str) else str(d.get("Name") or "") for d in raw]

    async def create_database(self, name: str, replication_factor: int = 1) -> None:
        params = {"name": name, "replicationFactor": str(replication_factor)}
        body = {"DatabaseName": name, "Settings": {}, "Disabled": False}
        await self._call("PUT", "/admin/databases", params=params, body=body, idempotent=False)

    async def delete_database(self, name: str) -> None:
        body = {"DatabaseNames": [name], "HardDelete": True, "FromNodes": None}
        await self._call("DELETE", "/admin/databases", body=body, idempotent=False)

    async def cpu_credits(self) -> CpuCredits:
        """``GET /debug/cpu-credits`` of the node serving us (each node is its own instance, with its balance)."""
        ans = await self._call("GET", "/debug/cpu-credits")
        return CpuCredits.from_wire(ans.json())

    async def build_version(self) -> BuildVersion:
        ans = await self._call("GET", "/build/version")
        return BuildVersion.from_wire(ans.json() or {})


def public_certificate_b64(certificate: bytes | str | CertBundle, password: str | None = None) -> str:
    """Base64 of what PUT /admin/certificates takes, public parts only: never a private key.

    One certificate -> base64 DER; several leaves (a primary with secondaries) -> base64 of their PEMs.
    """
    # Imported here: cryptography loads on the first registration, not with the client.
    from cryptography.hazmat.primitives import serialization

    if isinstance(certificate, CertBundle):
        certs = [certificate.certificate]
    else:
        from ..certs.load import load_certificates_any

        certs = load_certificates_any(certificate, password)
    if len(certs) == 1:
        return base64.b64encode(certs[0].public_bytes(serialization.Encoding.DER)).decode()
    pems = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)
    return base64.b64encode(pems).decode()
