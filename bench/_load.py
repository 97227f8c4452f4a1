"""The load client, in a process of its own so that it never shares the server's interpreter: ``clients``
concurrent workers over keep-alive connections (or a new TLS connection per request with ``--handshake``),
for ``seconds``; prints JSON: requests, seconds, p50 and p99 latency in ms.

``python -m bench._load URL CA CERT SECONDS CLIENTS [--handshake]``"""

from __future__ import annotations

import asyncio
import json
import ssl
import sys
import time

import aiohttp


async def run(url: str, ca: str, cert: str, seconds: float, clients: int, handshake: bool) -> dict[str, float]:
    ctx = ssl.create_default_context(cafile=ca)
    ctx.load_cert_chain(cert)
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(ssl=ctx, limit=clients, force_close=handshake)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(url) as r:  # warm: the first connection and the server's caches
            await r.read()
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while (t := time.perf_counter()) < deadline:
                async with session.get(url) as r:
                    body = await r.read()
                    if r.status != 200 or not body:
                        raise RuntimeError(f"GET {url} answered {r.status}")
                latencies.append(time.perf_counter() - t)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    n = len(latencies)
    return {"requests": n, "seconds": elapsed, "p50_ms": latencies[n // 2] * 1000,
            "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000}


if __name__ == "__main__":
    a = sys.argv[1:]
    print(json.dumps(asyncio.run(run(a[0], a[1], a[2], float(a[3]), int(a[4]), "--handshake" in a))))
