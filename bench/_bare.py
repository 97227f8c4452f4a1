"""The baseline server, in a process of its own: aiohttp over the very TLS context a mock node uses (same
PKI seed, same server certificate, same client-certificate handling), answering one fixed body to any GET.

``python -m bench._bare SEED LABEL BODY_FILE``: prints its port, serves until stdin closes."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from aiohttp import web

from ravensec.mock.listeners import HOSTS
from ravensec.mock.material_cache import MaterialCache
from ravensec.mock.tls import MockPki


async def serve(seed: int, label: str, body: bytes) -> None:
    pki = MockPki(seed, cache=MaterialCache.default())
    ctx = pki.server_context(pki.server_bundle(HOSTS, label=label))

    async def handler(_: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    server = site._server
    assert server is not None
    print(server.sockets[0].getsockname()[1], flush=True)  # type: ignore[attr-defined]
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()
    pki.close()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]).read_bytes()))
