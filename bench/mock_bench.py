"""The mock as a fixture: cold start, reset, keep-alive mTLS throughput and TLS handshakes per second.

Each figure stands beside a baseline measured in the same run: a bare aiohttp HTTPS server that does the least
possible work (same TLS, same client), and for the cold start moto's ThreadedMotoServer (``pip install
'.[bench]'``). Targets (issue 3): cold start < 0.5 s, reset < 5 ms, keep-alive throughput >= 0.5x bare.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import socket
import ssl
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

SECONDS = 3.0  # per throughput figure


def _client_context(ca: Path, cert_pem: Path | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca))
    if cert_pem is not None:
        ctx.load_cert_chain(str(cert_pem))
    return ctx


def _keepalive_rps(host: str, port: int, path: str, ctx: ssl.SSLContext, seconds: float = SECONDS) -> float:
    conn = http.client.HTTPSConnection(host, port, context=ctx)
    n = 0
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200 or not body:
            raise RuntimeError(f"GET {path} answered {resp.status}")
        n += 1
    conn.close()
    return n / (time.perf_counter() - start)


def _handshakes_per_s(host: str, port: int, path: str, ctx: ssl.SSLContext, seconds: float = SECONDS) -> float:
    n = 0
    deadline = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < deadline:
        conn = http.client.HTTPSConnection(host, port, context=ctx)
        conn.request("GET", path, headers={"Connection": "close"})
        conn.getresponse().read()
        conn.close()
        n += 1
    return n / (time.perf_counter() - start)


class BareServer:
    """An aiohttp HTTPS server that answers one fixed body: the floor for what a server can do here."""

    def __init__(self, server_ctx: ssl.SSLContext, body: bytes) -> None:
        self._ctx = server_ctx
        self._body = body
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from aiohttp import web

        async def handler(_: web.Request) -> web.Response:
            return web.Response(body=self._body, content_type="application/json")

        async def start() -> web.AppRunner:
            app = web.Application()
            app.router.add_get("/{tail:.*}", handler)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=self._ctx)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            return runner

        asyncio.set_event_loop(self._loop)
        self._runner = self._loop.run_until_complete(start())
        self._ready.set()
        self._loop.run_forever()

    def __enter__(self) -> BareServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def cold_start_mock(cache_home: str) -> tuple[float, float]:
    """(import seconds, construction-to-first-mTLS-response seconds), measured in a fresh process whose
    XDG_CACHE_HOME is ``cache_home`` (where the mock keeps its key material between runs)."""
    code = (
        "import time, ssl, http.client, json\n"
        "t0 = time.perf_counter()\n"
        "from mockserver import MockCloud\n"
        "t1 = time.perf_counter()\n"
        "cloud = MockCloud('demo').__enter__()\n"
        "p = next(iter(cloud.products.values()))\n"
        "ctx = ssl.create_default_context(cafile=str(cloud.ca_path)); ctx.load_cert_chain(str(p.operator_pem))\n"
        "url = next(iter(p.node_urls.values())).removeprefix('https://')\n"
        "host, port = url.rsplit(':', 1)\n"
        "c = http.client.HTTPSConnection(host, int(port), context=ctx); c.request('GET', '/certificates/whoami')\n"
        "r = c.getresponse(); r.read(); assert r.status == 200, r.status\n"
        "t2 = time.perf_counter()\n"
        "cloud.__exit__(None, None, None)\n"
        "print(json.dumps([t1 - t0, t2 - t1]))\n"
    )
    import subprocess

    env = {**os.environ, "XDG_CACHE_HOME": cache_home}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    imp, start = json.loads(out.stdout.strip().splitlines()[-1])
    return imp, start


def _median_cold_start(warm: bool) -> tuple[float, float]:
    """The median of 5 cold starts: with the material cache filled by an earlier run, or empty each time."""
    with tempfile.TemporaryDirectory() as shared:
        if warm:
            cold_start_mock(shared)
        runs = []
        for _ in range(5):
            if warm:
                runs.append(cold_start_mock(shared))
            else:
                with tempfile.TemporaryDirectory() as empty:
                    runs.append(cold_start_mock(empty))
    runs.sort(key=lambda t: t[1])
    return runs[len(runs) // 2]


def cold_start_moto() -> float | None:
    code = (
        "import time, json, socket, http.client\n"
        "from moto.server import ThreadedMotoServer\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()\n"
        "t1 = time.perf_counter()\n"
        "srv = ThreadedMotoServer(ip_address='127.0.0.1', port=port, verbose=False); srv.start()\n"
        "c = http.client.HTTPConnection('127.0.0.1', port); c.request('GET', '/moto-api/data.json')\n"
        "r = c.getresponse(); r.read()\n"
        "t2 = time.perf_counter(); srv.stop()\n"
        "print(json.dumps(t2 - t1))\n"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    from ravensec.core.certs.generate import make_client_certificate
    from ravensec.mock import MockCloud

    rows: list[tuple[str, str, str, str]] = []
    moto = cold_start_moto()
    for warm in (True, False):
        imp, start = _median_cold_start(warm)
        rows.append(
            (
                "cold start to first mTLS request" + ("" if warm else " (nothing cached)"),
                f"{start * 1000:.0f} ms (+{imp * 1000:.0f} ms import)",
                f"moto ThreadedMotoServer: {moto * 1000:.0f} ms" if moto is not None else "moto not installed",
                "< 500 ms",
            )
        )

    with MockCloud("demo") as cloud:
        resets = [_timed(cloud.reset) for _ in range(50)]
        rows.append(("reset()", f"{statistics.median(resets) * 1000:.2f} ms median", "", "< 5 ms"))

        product = max(cloud.products.values(), key=lambda p: len(p.node_urls))
        # 100 certificates in the listing: register extra ones straight into the cluster state.
        from ravensec.mock.state import CertEntry

        state_product = cloud.state.products[product.id]
        from ravensec.core.certs.identity import pinning_hash, thumbprint
        from ravensec.core.models import SecurityClearance

        with cloud.state.lock:
            while len(state_product.cluster.certificates) < 100:
                i = len(state_product.cluster.certificates)
                b = make_client_certificate(f"bench-{i}", key_type="ec-p256")
                c = b.certificate
                state_product.cluster.certificates[thumbprint(c)] = CertEntry(
                    name=f"bench-{i}",
                    thumbprint=thumbprint(c),
                    clearance=SecurityClearance.VALID_USER,
                    permissions={},
                    not_before=c.not_valid_before_utc,
                    not_after=c.not_valid_after_utc,
                    pinning_hash=pinning_hash(c),
                    der=b.cert_der(),
                )
        url = next(iter(product.node_urls.values())).removeprefix("https://")
        host, port = url.rsplit(":", 1)
        ctx = _client_context(Path(cloud.ca_path), Path(product.operator_pem))
        path = "/admin/certificates?start=0&pageSize=100"
        conn = http.client.HTTPSConnection(host, int(port), context=ctx)
        conn.request("GET", path)
        listing = conn.getresponse().read()
        conn.close()
        n = len(json.loads(listing)["Results"])
        mock_rps = _keepalive_rps(host, int(port), path, ctx)
        mock_hs = _handshakes_per_s(host, int(port), "/setup/alive", ctx)

        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        with tempfile.TemporaryDirectory() as tmp:
            pki = cloud_pki(cloud)
            bundle = pki.server_bundle(["127.0.0.1", "localhost"])
            pem = Path(tmp) / "server.pem"
            pem.write_bytes(bundle.combined_pem())
            server_ctx.load_cert_chain(str(pem))
        server_ctx.verify_mode = ssl.CERT_OPTIONAL
        server_ctx.load_verify_locations(cadata=pki.ca_pem.decode())
        with BareServer(server_ctx, listing) as bare:
            bare_rps = _keepalive_rps("127.0.0.1", bare.port, path, ctx)
            bare_hs = _handshakes_per_s("127.0.0.1", bare.port, "/", ctx)
    rows.append(
        (
            f"keep-alive mTLS GET listing of {n} certificates",
            f"{mock_rps:.0f} req/s ({mock_rps / bare_rps:.2f}x bare)",
            f"bare aiohttp: {bare_rps:.0f} req/s",
            ">= 0.5x bare",
        )
    )
    rows.append(
        ("new TLS handshakes (+1 request)", f"{mock_hs:.0f} /s", f"bare aiohttp: {bare_hs:.0f} /s", "")
    )
    _print(rows)
    return 0


def cloud_pki(cloud: object) -> object:
    pki = getattr(cloud, "pki", None)
    if pki is None:
        raise RuntimeError("MockCloud exposes no .pki; the bench needs the CA to build the baseline server")
    return pki


def _print(rows: list[tuple[str, str, str, str]]) -> None:
    print(f"python {sys.version.split()[0]}, {socket.gethostname()}, {time.strftime('%Y-%m-%d %H:%M')}")
    widths = [max(len(r[i]) for r in [*rows, ("what", "mock", "baseline", "target")]) for i in range(4)]
    for r in [("what", "mock", "baseline", "target"), *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    raise SystemExit(main())
