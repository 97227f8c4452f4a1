"""A small local aiohttp HTTPS server for the core HTTP client tests: real sockets, real (m)TLS.

The server certificate (IP SAN 127.0.0.1) comes from a trustme CA; the server asks for a client
certificate (``CERT_OPTIONAL``, that same CA as client CA), so tests can check which certificate arrived.
Handlers are plain aiohttp handlers; ``peer_thumbprint(request)`` gives the caller's certificate.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from ravensec.core.certs.bundle import CertBundle

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Pki:
    """A CA, its PEM on disk (what a profile's ca_file points at), and a way to mint client bundles."""

    ca: trustme.CA
    ca_file: Path
    server_ctx: ssl.SSLContext

    def client(self, name: str = "client1") -> CertBundle:
        leaf = self.ca.issue_cert(f"{name}.example", common_name=name)
        cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
        key = load_pem_private_key(leaf.private_key_pem.bytes(), password=None)
        return CertBundle(certificate=cert, private_key=key)  # type: ignore[arg-type]


def make_pki(directory: Path) -> Pki:
    ca = trustme.CA()
    ca_file = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_ctx)
    server_ctx.verify_mode = ssl.CERT_OPTIONAL
    ca.configure_trust(server_ctx)
    return Pki(ca, ca_file, server_ctx)


def peer_thumbprint(request: web.Request) -> str | None:
    """Uppercase SHA-1 of the client certificate presented on this request's connection, if any."""
    ssl_obj = request.transport.get_extra_info("ssl_object") if request.transport else None
    der = ssl_obj.getpeercert(binary_form=True) if ssl_obj else None
    return hashlib.sha1(der).hexdigest().upper() if der else None


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, body=json.dumps(body).encode(), content_type="application/json", headers=headers
    )


@dataclass
class Recorder:
    """Every request the server saw: (method, path_qs, headers, body bytes, client thumbprint)."""

    seen: list[tuple[str, str, dict[str, str], bytes, str | None]] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [f"{m} {p}" for m, p, *_ in self.seen]


@asynccontextmanager
async def serve(
    pki: Pki, routes: dict[tuple[str, str], Handler], recorder: Recorder | None = None
) -> AsyncIterator[str]:
    """Serve ``routes`` ({(METHOD, path): handler}) over HTTPS on 127.0.0.1; yields the base URL."""

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        if recorder is not None:
            body = await request.read()
            recorder.seen.append(
                (request.method, request.path_qs, dict(request.headers), body, peer_thumbprint(request))
            )
        return await handler(request)

    app = web.Application(middlewares=[record])
    for (method, path), handler in routes.items():
        app.router.add_route(method, path, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=pki.server_ctx)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def dead_port() -> int:
    """A port nothing listens on: bound, then closed (connecting gets refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


@asynccontextmanager
async def dropping_server() -> AsyncIterator[str]:
    """Accepts TCP and closes at once, as a server that drops an address outside its allow-list."""

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(drop, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()
