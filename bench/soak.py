"""Soak: the mock under a bounded mixed load, watched for leaks and tail latency.

The mock runs in this process (a background thread, so what is measured is the mock, not the clients); N
client processes send a mix of reads and writes over keep-alive mTLS to every node and to the portal. Every
few seconds the mock process's RSS and open file descriptors are sampled. The report gives RSS and fds over
time, their growth from the first to the last quarter of the run, throughput, error count and p50/p99
latency per operation.

    python -m bench.soak                      # 2 minutes, 4 clients
    python -m bench.soak --seconds 20 --clients 2 --json out.json
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing as mp
import os
import platform
import ssl
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def rss_kib() -> int:
    """Resident set size of this process in KiB (Linux /proc; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def fd_count() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# ---------------------------------------------------------------------------------------------- clients


class _Conn:
    """One keep-alive HTTPS connection, reopened when the server closes it."""

    def __init__(self, url: str, ctx: ssl.SSLContext) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.ctx = parts.hostname or "127.0.0.1", parts.port or 443, ctx
        self.conn: http.client.HTTPSConnection | None = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> int:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=10)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                resp.read()
                return resp.status
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        return 0


def _client(index: int, info: dict[str, Any], seconds: float, out: Any) -> None:
    from ravensec.core.certs.generate import generate_key, make_client_certificate

    product = next(p for p in info["products"].values() if p["node_urls"])
    node_ctx = ssl.create_default_context(cafile=info["ca_path"])
    node_ctx.load_cert_chain(product["operator_pem"])
    portal_ctx = ssl.create_default_context(cafile=info["ca_path"])
    nodes = [_Conn(u, node_ctx) for u in product["node_urls"].values()]
    portal = _Conn(info["portal_url"], portal_ctx)
    api = {"X-Api-Key": info["api_key"], "User-Agent": "ravensec-soak"}
    json_h = {"Content-Type": "application/json"}
    db = "soak"
    nodes[0].request("PUT", f"/admin/databases?name={db}", b"{}", json_h)  # 201, or 409 once another made it
    pid = next(k for k, p in info["products"].items() if p["node_urls"])
    # One reusable certificate per client: register/delete cycles without paying key generation each time.
    bundle = make_client_certificate(
        f"soak-{index}", key_type="ec-p256", key=generate_key("ec-p256", seed=900 + index)
    )
    cert_b64 = base64.b64encode(bundle.cert_der()).decode()

    ops: dict[str, tuple[str, Any]] = {
        "list-certificates": ("node", lambda c, i: c.request("GET", "/admin/certificates?metadataOnly=true")),
        "topology": ("node", lambda c, i: c.request("GET", "/cluster/topology")),
        "get-doc": ("node", lambda c, i: c.request("GET", f"/databases/{db}/docs?id=soak/{index}-{i % 50}")),
        "put-doc": (
            "node",
            lambda c, i: c.request(
                "PUT",
                f"/databases/{db}/docs?id=soak/{index}-{i % 50}",
                json.dumps({"n": i, "@metadata": {"@collection": "Soak"}}).encode(),
                json_h,
            ),
        ),
        "register-delete": ("node", None),
        "portal-products": ("portal", lambda c, i: c.request("GET", "/api/v1/products/list", headers=api)),
        "portal-allowed-ips": (
            "portal",
            lambda c, i: c.request("GET", f"/ext/v1/products/{pid}/allowed-ips", headers=api),
        ),
    }
    mix = [
        "list-certificates",
        "topology",
        "get-doc",
        "get-doc",
        "put-doc",
        "put-doc",
        "register-delete",
        "portal-products",
        "portal-allowed-ips",
    ]
    lat: dict[str, list[float]] = {k: [] for k in ops}
    errors: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        name = mix[i % len(mix)]
        where, fn = ops[name]
        conn = portal if where == "portal" else nodes[i % len(nodes)]
        t0 = time.perf_counter()
        status: int | str = 0
        try:
            if name == "register-delete":
                body = json.dumps(
                    {
                        "Name": f"soak-{index}",
                        "Certificate": cert_b64,
                        "SecurityClearance": "ValidUser",
                        "Permissions": {db: "Read"},
                    }
                ).encode()
                status = conn.request("PUT", "/admin/certificates", body, json_h)
                tp = bundle_thumbprint(bundle)
                status2 = nodes[(i + 1) % len(nodes)].request(
                    "DELETE", f"/admin/certificates?thumbprint={tp}"
                )
                ok = status == 201 and status2 == 204
            else:
                code: int = fn(conn, i)
                status = code
                ok = code < 500 and code not in (401, 403)
        except (OSError, http.client.HTTPException) as e:
            ok, status = False, type(e).__name__
        lat[name].append((time.perf_counter() - t0) * 1000)
        if not ok:
            key = f"{name}: {status}"
            errors[key] = errors.get(key, 0) + 1
        i += 1
    out.put({"latencies": lat, "errors": errors, "requests": i})


def bundle_thumbprint(bundle: Any) -> str:
    from ravensec.core.certs.identity import thumbprint

    return thumbprint(bundle.certificate)


# ---------------------------------------------------------------------------------------------- the run


def run(seconds: float = 120.0, clients: int = 4, sample_every: float | None = None) -> dict[str, Any]:
    from ravensec.mock import MockCloud

    every = sample_every or max(0.5, min(5.0, seconds / 40))
    samples: list[dict[str, float]] = []
    with MockCloud("demo") as cloud:
        info = cloud.connection_info()
        stop = threading.Event()
        t_start = time.monotonic()

        def sample() -> None:
            while not stop.is_set():
                samples.append(
                    {"t": round(time.monotonic() - t_start, 2), "rss_kib": rss_kib(), "fds": fd_count()}
                )
                stop.wait(every)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        ctx = mp.get_context("spawn")  # clean client processes: no copy of the mock's threads
        q = ctx.Queue()
        procs = [ctx.Process(target=_client, args=(n, info, seconds, q)) for n in range(clients)]
        for p in procs:
            p.start()
        # Sample only while the load runs: the results the clients send back afterwards (every latency)
        # live in this process too and would read as growth of the mock.
        time.sleep(seconds)
        stop.set()
        sampler.join()
        samples.append({"t": round(time.monotonic() - t_start, 2), "rss_kib": rss_kib(), "fds": fd_count()})
        results = [q.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        elapsed = time.monotonic() - t_start
    return summarise(results, samples, seconds, clients, elapsed)


def summarise(
    results: list[dict[str, Any]],
    samples: list[dict[str, float]],
    seconds: float,
    clients: int,
    elapsed: float,
) -> dict[str, Any]:
    lat: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for r in results:
        for k, v in r["latencies"].items():
            lat.setdefault(k, []).extend(v)
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    total = sum(r["requests"] for r in results)
    every_latency = [x for v in lat.values() for x in v]
    quarter = max(1, len(samples) // 4)
    first, last = samples[:quarter], samples[-quarter:]

    def avg(rows: list[dict[str, float]], key: str) -> float:
        return statistics.fmean(r[key] for r in rows)

    return {
        "seconds": seconds,
        "clients": clients,
        "elapsed": round(elapsed, 1),
        "requests": total,
        "throughput_rps": round(total / elapsed, 1) if elapsed else 0.0,
        "errors": errors,
        "latency_ms": {
            name: {"n": len(v), "p50": round(percentile(v, 0.5), 2), "p99": round(percentile(v, 0.99), 2)}
            for name, v in sorted(lat.items())
        }
        | {
            "all": {
                "n": len(every_latency),
                "p50": round(percentile(every_latency, 0.5), 2),
                "p99": round(percentile(every_latency, 0.99), 2),
            }
        },
        "rss_mib": {
            "start": round(samples[0]["rss_kib"] / 1024, 1),
            "end": round(samples[-1]["rss_kib"] / 1024, 1),
            "max": round(max(s["rss_kib"] for s in samples) / 1024, 1),
            "growth_first_to_last_quarter": round((avg(last, "rss_kib") - avg(first, "rss_kib")) / 1024, 1),
        },
        "fds": {
            "start": samples[0]["fds"],
            "end": samples[-1]["fds"],
            "max": max(s["fds"] for s in samples),
        },
        "samples": samples,
        "machine": {
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
        },
    }


def render(report: dict[str, Any]) -> str:
    lines = [
        f"soak: {report['clients']} client processes x {report['seconds']:g} s "
        f"(elapsed {report['elapsed']} s), {report['requests']} requests, {report['throughput_rps']} req/s",
        f"errors: {sum(report['errors'].values())} {report['errors'] or ''}".rstrip(),
        "RSS MiB: start {start}, end {end}, max {max}, growth first->last quarter {growth_first_to_last_quarter}".format(
            **report["rss_mib"]
        ),
        "fds: start {start}, end {end}, max {max}".format(**report["fds"]),
        f"{'operation':<22}{'n':>8}{'p50 ms':>10}{'p99 ms':>10}",
    ]
    for name, v in report["latency_ms"].items():
        lines.append(f"{name:<22}{v['n']:>8}{v['p50']:>10}{v['p99']:>10}")
    lines.append(
        "RSS/fds over time (s: MiB, fds): "
        + ", ".join(
            f"{s['t']:g}: {s['rss_kib'] / 1024:.1f}, {s['fds']:.0f}"
            for s in report["samples"][:: max(1, len(report["samples"]) // 12)]
        )
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=120.0, help="how long the load runs (default 120)")
    ap.add_argument("--clients", type=int, default=4, help="client processes (default 4)")
    ap.add_argument("--sample-every", type=float, default=None, help="seconds between RSS/fd samples")
    ap.add_argument("--json", type=Path, default=None, help="also write the full report as JSON here")
    args = ap.parse_args(argv)
    report = run(args.seconds, args.clients, args.sample_every)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 1 if sum(report["errors"].values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
