"""A listener given its application as a function makes it on the first connection, and a started mock has not
loaded the node handlers before a node is called (the embedded demo's start must not pay for them)."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from pathlib import Path

from mockserver import tls


async def test_a_listener_given_an_app_maker_makes_it_on_the_first_connection_only() -> None:
    import aiohttp
    from aiohttp import web

    from mockserver.node.listener import Listener

    pki = tls.MockPki(seed=3)
    made: list[str] = []

    async def ok(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    def maker(name: str) -> web.Application:
        made.append(name)
        app = web.Application()
        app.router.add_get("/", ok)
        return app

    ctx = pki.server_context(pki.server_bundle(["127.0.0.1"]))
    called, idle = Listener(lambda: maker("called"), ctx), Listener(lambda: maker("idle"), ctx)
    client_ctx = ssl.create_default_context(cadata=pki.ca_pem.decode())
    try:
        for lst in (called, idle):
            await lst.start()
        assert made == [] and called.up and idle.up
        async with aiohttp.ClientSession() as http:
            for _ in range(2):  # down and up again: the application is kept
                async with http.get(called.url + "/", ssl=client_ctx) as r:
                    assert r.status == 200 and await r.text() == "ok"
                called.take_down()
                called.bring_up()
        idle.take_down()
        assert made == ["called"] and not idle.up and idle.runner is None
    finally:
        for lst in (called, idle):
            await lst.stop()
        pki.close()


def test_a_started_mock_loads_the_node_handlers_with_the_first_node_request(tmp_path: Path) -> None:
    code = (
        "import sys, ssl, http.client\n"
        "from mockserver import MockCloud\n"
        "with MockCloud('demo') as cloud:\n"
        "    before = [m for m in ('mockserver.node.app', 'mockserver.routes') if m in sys.modules]\n"
        "    p = cloud.product('Shop')\n"
        "    ctx = ssl.create_default_context(cafile=str(cloud.ca_path))\n"
        "    ctx.load_cert_chain(str(p.operator_pem))\n"
        "    host, port = p.node_urls['A'].removeprefix('https://').rsplit(':', 1)\n"
        "    c = http.client.HTTPSConnection(host, int(port), context=ctx)\n"
        "    c.request('GET', '/certificates/whoami')\n"
        "    print(before, c.getresponse().status, 'mockserver.node.app' in sys.modules)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    # The first run fills the key-material cache (making certificate entries loads the handlers); the second
    # is the ordinary warm start.
    for _ in range(2):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
        assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["[]", "200", "True"]
