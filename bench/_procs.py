"""Processes for the benchmarks: the mock as users run it (``ravensec-mock serve``), the bare baseline, the
load client, moto's server; and what they cost (resident memory)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
POLL = 0.002  # s between looks for a server that is starting (bounded by START_TIMEOUT)
START_TIMEOUT = 120.0


@dataclass(frozen=True)
class Served:
    pid: int
    ca: str
    product_id: str
    node_url: str
    operator_pem: str


def _wait_for(path: Path, proc: subprocess.Popen[bytes], deadline: float) -> None:
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the server did not write {path} (exit {proc.returncode})")
        time.sleep(POLL)


@contextmanager
def mock_process(world: str, state_dir: Path) -> Iterator[Served]:
    """``ravensec-mock serve --world WORLD`` until the block ends; its first product with the most nodes."""
    proc = subprocess.Popen([str(BIN / "ravensec-mock"), "serve", "--world", world, "--state-dir", str(state_dir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield _served(proc, state_dir, time.monotonic() + START_TIMEOUT)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def _served(proc: subprocess.Popen[bytes], state_dir: Path, deadline: float) -> Served:
    _wait_for(state_dir / "connection.json", proc, deadline)
    info = json.loads((state_dir / "connection.json").read_text())
    pid, p = max(info["products"].items(), key=lambda kv: len(kv[1]["node_urls"]))
    return Served(proc.pid, info["ca_path"], pid, next(iter(p["node_urls"].values())), p["operator_pem"])


def served_products(state_dir: Path) -> dict[str, tuple[str, str]]:
    """product id -> (first node URL, operator PEM) of a serving mock."""
    info = json.loads((state_dir / "connection.json").read_text())
    return {pid: (next(iter(p["node_urls"].values())), p["operator_pem"]) for pid, p in info["products"].items()}


@contextmanager
def bare_process(seed: int, label: str, body: bytes, tmp: Path) -> Iterator[int]:
    """The bare baseline serving ``body`` with the TLS of the mock's ``label`` node; yields its port."""
    body_file = tmp / f"bare-{label}-{len(body)}.json"
    body_file.write_bytes(body)
    proc = subprocess.Popen([sys.executable, "-m", "bench._bare", str(seed), label, str(body_file)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=Path(__file__).parent.parent)
    try:
        assert proc.stdout is not None
        yield int(proc.stdout.readline())
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(30)


def load(url: str, ca: str, cert: str, seconds: float, clients: int, *, handshake: bool = False) -> dict[str, float]:
    args = [sys.executable, "-m", "bench._load", url, ca, cert, str(seconds), str(clients)]
    out = subprocess.run([*args, *(["--handshake"] if handshake else [])], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parent.parent)
    result: dict[str, float] = json.loads(out.stdout)
    return result


def load_async(url: str, ca: str, cert: str, seconds: float, clients: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bench._load", url, ca, cert, str(seconds), str(clients)],
                            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def get(url: str, ca: str, cert: str, path: str) -> bytes:
    ctx = ssl.create_default_context(cafile=ca)
    ctx.load_cert_chain(cert)
    host, port = url.removeprefix("https://").rsplit(":", 1)
    c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=30)
    try:
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"GET {path} answered {r.status}")
        return body
    finally:
        c.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cold_start_mock(world: str, tmp: Path) -> float:
    """Seconds from exec of ``ravensec-mock serve`` to its node's first mTLS answer."""
    state_dir = tmp / f"cold-{time.monotonic_ns()}"
    t = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "ravensec-mock"), "serve", "--world", world, "--state-dir", str(state_dir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        s = _served(proc, state_dir, time.monotonic() + START_TIMEOUT)
        get(s.node_url, s.ca, s.operator_pem, "/certificates/whoami")
        return time.perf_counter() - t
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def cold_start_moto() -> float | None:
    """Seconds from exec of ``moto_server`` to its first real service call answered (S3: create a bucket,
    then list buckets), or None without moto."""
    exe = BIN / "moto_server"
    if not exe.exists():
        return None
    port = free_port()
    t = time.perf_counter()
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ})
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                c.request("PUT", "/bench-bucket")
                break
            except ConnectionRefusedError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(POLL)
        r = c.getresponse()
        r.read()
        c.request("GET", "/")
        listing = c.getresponse().read()
        if r.status != 200 or b"bench-bucket" not in listing:
            raise RuntimeError(f"moto answered {r.status}")
        return time.perf_counter() - t
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
