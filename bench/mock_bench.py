"""The mock as users pay for it, each figure beside its baseline in one interleaved run (several samples,
min/median/max), servers and load clients in separate processes:

- whole process to first answer: exec of ``ravensec-mock serve`` to a node's first mTLS response, vs exec of
  ``moto_server`` to its first real service call (S3 create bucket + list buckets);
- keep-alive throughput at 1 / 8 / 32 clients and TLS handshakes/s on the same path with the same TLS context
  as a bare aiohttp server returning the same bytes (``bench._bare``);
- a page of 100 certificates from 10 / 100 / 1,000 / 10,000, vs the bare server sending that page's bytes,
  and the mock's resident memory while paging through all 10,000 twice;
- ``reset()`` at the same sizes and with 50 products (in process: it is a Python call);
- products isolation: a request to one product while another is flooded with 500 concurrent clients, and the
  flooded product's own throughput meanwhile (each listener's fair share of the loop, ``mockserver/fair_share``).

Targets: page of 100 from 10,000 <= 2x bare and <= 1.5x the same page from 100; RSS +10% at most
while paging; reset <= 5 ms; 32 clients >= 0.8x bare; the other product's p99 <= 50 ms under the flood.
"""

from __future__ import annotations

import json
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

from bench import _procs as procs
from bench._worlds import write_world

SAMPLES = 5
SECONDS = 1.0  # per throughput sample
SIZES = (10, 100, 1_000, 10_000)
PAGE = "/admin/certificates?start=0&pageSize=100"
SEED = 7  # the bench worlds' seed: the PKI's too, so the bare server can present the same certificate

Row = tuple[str, str, str, str, str]


def spread(xs: Sequence[float], unit: str = "", fmt: str = "{:.0f}") -> str:
    """min / median / max."""
    return " / ".join(fmt.format(x) for x in (min(xs), statistics.median(xs), max(xs))) + unit


def interleaved(samples: int, *fns: Callable[[], float]) -> list[list[float]]:
    """Each function ``samples`` times, taking turns, so that noise from other processes hits all alike."""
    out: list[list[float]] = [[] for _ in fns]
    for _ in range(samples):
        for i, fn in enumerate(fns):
            out[i].append(fn())
    return out


def cold_start(tmp: Path) -> list[Row]:
    procs.cold_start_mock("demo", tmp)  # the material cache warm, as on any run after the first
    mock, moto = interleaved(SAMPLES, lambda: procs.cold_start_mock("demo", tmp),
                             lambda: procs.cold_start_moto() or float("nan"))
    ratio = statistics.median(mock) / statistics.median(moto)
    return [("exec to first answer (demo world | moto S3)", spread([m * 1000 for m in mock], " ms"),
             spread([m * 1000 for m in moto], " ms"), f"{ratio:.2f}x moto", "< 500 ms")]


def rps(url: str, ca: str, cert: str, clients: int, handshake: bool = False) -> float:
    r = procs.load(url, ca, cert, SECONDS, clients, handshake=handshake)
    return r["requests"] / r["seconds"]


def throughput(tmp: Path, world: Path) -> list[Row]:
    rows: list[Row] = []
    with ExitStack() as stack:
        s = stack.enter_context(procs.mock_process(str(world), tmp / "tp"))
        body = procs.get(s.node_url, s.ca, s.operator_pem, PAGE)
        port = stack.enter_context(procs.bare_process(SEED, s.product_id, body, tmp))
        bare = f"https://127.0.0.1:{port}"
        for clients, hs in ((1, False), (8, False), (32, False), (1, True)):
            m, b = interleaved(SAMPLES, lambda c=clients, h=hs: rps(s.node_url + PAGE, s.ca, s.operator_pem, c, h),
                               lambda c=clients, h=hs: rps(bare + PAGE, s.ca, s.operator_pem, c, h))
            what = "new TLS connection per request" if hs else f"keep-alive, {clients} client(s)"
            ratio = statistics.median(m) / statistics.median(b)
            rows.append((f"{what}: GET 100 certificates", spread(m, " req/s"), spread(b, " req/s"),
                         f"{ratio:.2f}x bare", ">= 0.8x" if clients == 32 else ""))
    return rows


def listing(tmp: Path, worlds: dict[int, Path]) -> list[Row]:
    rows: list[Row] = []
    with ExitStack() as stack:
        targets: list[tuple[int, str, str, str, str]] = []
        pids: dict[int, int] = {}
        for n in SIZES:
            s = stack.enter_context(procs.mock_process(str(worlds[n]), tmp / f"list-{n}"))
            body = procs.get(s.node_url, s.ca, s.operator_pem, PAGE)
            port = stack.enter_context(procs.bare_process(SEED, s.product_id, body, tmp))
            targets.append((n, s.node_url, f"https://127.0.0.1:{port}", s.ca, s.operator_pem))
            pids[n] = s.pid
        fns: list[Callable[[], float]] = []
        for _, mock, bare, ca, pem in targets:
            fns += [lambda u=mock, ca=ca, pem=pem: 1000 / rps(u + PAGE, ca, pem, 1),
                    lambda u=bare, ca=ca, pem=pem: 1000 / rps(u + PAGE, ca, pem, 1)]
        results = interleaved(SAMPLES, *fns)
        per_100 = statistics.median(results[2 * SIZES.index(100)])
        for i, (n, *_rest) in enumerate(targets):
            m, b = results[2 * i], results[2 * i + 1]
            rows.append((f"page of 100 from {n:,} certificates (ms/request)", spread(m, " ms", "{:.2f}"),
                         spread(b, " ms", "{:.2f}"),
                         f"{statistics.median(m) / statistics.median(b):.2f}x bare, "
                         f"{statistics.median(m) / per_100:.2f}x the page from 100",
                         "<= 2x bare, <= 1.5x" if n == 10_000 else ""))
        _, mock, _, ca, pem = targets[-1]
        before = procs.rss_mib(pids[10_000])
        for _ in range(2):
            for start in range(0, 10_001, 100):
                procs.get(mock, ca, pem, f"/admin/certificates?start={start}&pageSize=100")
        after = procs.rss_mib(pids[10_000])
        rows.append(("resident memory, paging through 10,000 twice", f"{before:.0f} -> {after:.0f} MiB",
                     "", f"{(after / before - 1) * 100:+.1f}%", "<= +10%"))
    return rows


def resets(worlds: dict[str, Path]) -> list[Row]:
    from ravensec.mock import MockCloud

    rows: list[Row] = []
    for label, world in worlds.items():
        with MockCloud(world) as cloud:
            times = []
            for _ in range(50):
                t = time.perf_counter()
                cloud.reset()
                times.append((time.perf_counter() - t) * 1000)
        rows.append((f"reset(), {label}", spread(times, " ms", "{:.2f}"), "", "", "<= 5 ms"))
    return rows


def isolation(tmp: Path, world: Path) -> list[Row]:
    with procs.mock_process(str(world), tmp / "iso") as s:
        products = procs.served_products(tmp / "iso")
        (flooded_url, flooded_pem), (other_url, other_pem) = list(products.values())[:2]
        probe = other_url + "/certificates/whoami"
        quiet = [procs.load(probe, s.ca, other_pem, 2.0, 1)["p99_ms"] for _ in range(3)]
        loaded, flooded = [], []
        for _ in range(3):
            flood = procs.load_async(flooded_url + "/certificates/whoami", s.ca, flooded_pem, 6.0, 500)
            time.sleep(2.0)  # let the flood's 500 connections get going before probing
            loaded.append(procs.load(probe, s.ca, other_pem, 2.0, 1)["p99_ms"])
            out, _ = flood.communicate(timeout=60)
            a = json.loads(out)
            flooded.append(a["requests"] / a["seconds"])  # A is not starved in turn: its own rate
    return [("p99 of a request to product B while A has 500 clients", spread(loaded, " ms", "{:.1f}"),
             f"B alone: {spread(quiet, ' ms', '{:.1f}')}", "", "<= 50 ms"),
            ("product A's throughput meanwhile (500 clients, whoami)", spread(flooded, " req/s"), "", "", "")]


def main() -> int:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        worlds = {n: write_world(tmp / f"w{n}.toml", certificates=n, seed=SEED) for n in SIZES}
        fifty = write_world(tmp / "w50p.toml", products=50, certificates=10, seed=SEED)
        two = write_world(tmp / "w2p.toml", products=2, certificates=10, seed=SEED)
        sections: list[tuple[str, Callable[[], list[Row]]]] = [
            ("cold start", lambda: cold_start(tmp)),
            ("throughput", lambda: throughput(tmp, worlds[100])),
            ("listing", lambda: listing(tmp, worlds)),
            ("reset", lambda: resets({**{f"{n:,} certificates": w for n, w in worlds.items()},
                                      "50 products": fifty})),
            ("isolation", lambda: isolation(tmp, two)),
        ]
        only = set(sys.argv[1:])
        for name, fn in sections:
            if not only or name in only:
                print(f"... {name}", file=sys.stderr, flush=True)
                rows += fn()
    _print(rows)
    return 0


def _print(rows: list[Row]) -> None:
    print(f"python {sys.version.split()[0]}, {socket.gethostname()}, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{SAMPLES} samples each, min / median / max")
    head: Row = ("what", "mock", "baseline", "ratio (medians)", "target")
    widths = [max(len(r[i]) for r in [*rows, head]) for i in range(5)]
    for r in [head, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


if __name__ == "__main__":
    raise SystemExit(main())
