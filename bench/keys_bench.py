"""What the server-like keys (RSA-4096, PKCS#1) cost the mock, min / median / max of several samples:

- exec of ``ravensec-mock serve --world demo`` to a node's first mTLS answer, with the material cache cold
  (a new ``XDG_CACHE_HOME`` each time) and warm;
- ``reset()`` of the demo world, in process;
- ``POST /admin/certificates`` (a fresh RSA-4096 key each): with the key pool full (waiting for the pool
  between requests, as a test that generates now and then) and back to back (the pool runs dry);
- ``GET`` of the portal's certificate package (PFX export of the RSA-4096 key).

Run it against another tree with ``PYTHONPATH=<view with ravensec/{core,mock,tui}>``: the mock is then
started from that tree (the figures before a change). Targets: cold start (warm cache) < 500 ms like
``bench.mock_bench``; reset <= 5 ms; generate with the pool full <= 100 ms.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import requests

from bench import _procs as procs

SAMPLES = 5
GENERATE = 8


def spread(xs: Sequence[float], scale: float = 1000, unit: str = "ms") -> str:
    return " / ".join(f"{x * scale:.0f}" for x in (min(xs), statistics.median(xs), max(xs))) + f" {unit}"


def _cold(tmp: Path, cache: Path) -> float:
    state_dir = tmp / f"s-{time.monotonic_ns()}"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    code = "import sys; from ravensec.mock.cli import main; sys.exit(main())"
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--world", "demo", "--state-dir", str(state_dir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        s = procs._served(proc, state_dir, time.monotonic() + procs.START_TIMEOUT)
        procs.get(s.node_url, s.ca, s.operator_pem, "/certificates/whoami")
        return time.perf_counter() - t
    finally:
        proc.terminate()
        proc.wait(30)


def cold_starts(tmp: Path) -> list[tuple[str, str]]:
    warm_cache = tmp / "warm-cache"
    _cold(tmp, warm_cache)
    cold, warm = [], []
    for i in range(SAMPLES):
        cold.append(_cold(tmp, tmp / f"cold-cache-{i}"))
        warm.append(_cold(tmp, warm_cache))
    return [("exec to first answer, demo, material cache cold", spread(cold)),
            ("exec to first answer, demo, material cache warm", spread(warm))]


def in_process(tmp: Path) -> list[tuple[str, str]]:
    from ravensec.mock import MockCloud

    rows = []
    with MockCloud("demo", material_cache=False) as cloud:
        cloud.reset()
        resets = []
        for _ in range(200):
            t = time.perf_counter()
            cloud.reset()
            resets.append(time.perf_counter() - t)
        rows.append(("reset(), demo", spread(resets, 1e6, "µs")))
        shop = cloud.product("Shop")
        s = requests.Session()
        s.trust_env = False
        s.verify, s.cert = str(cloud.ca_path), str(shop.cluster_admin_pem)
        url = f"{shop.node_urls['A']}/admin/certificates"

        def generate(i: int) -> float:
            body = {"Name": f"bench-{time.monotonic_ns()}-{i}", "SecurityClearance": "ValidUser", "Permissions": {}}
            t = time.perf_counter()
            r = s.post(url, json=body)
            assert r.status_code == 200, r.text
            return time.perf_counter() - t

        full = []
        for i in range(GENERATE):
            _wait_for_pool()
            full.append(generate(i))
        dry = [generate(i) for i in range(GENERATE)]
        rows += [("POST /admin/certificates, key pool full", spread(full)),
                 ("POST /admin/certificates, back to back", spread(dry))]
        api = requests.Session()
        api.trust_env = False
        api.verify = str(cloud.ca_path)
        package = []
        for _ in range(SAMPLES):
            t = time.perf_counter()
            r = api.get(f"{cloud.api_url}/products/security/certificate/{shop.id}", headers={"X-Api-Key": cloud.api_key})
            assert r.status_code == 200
            package.append(time.perf_counter() - t)
        rows.append(("GET portal certificate package", spread(package)))
    return rows


def _wait_for_pool() -> None:
    try:
        from ravensec.mock import keypool
    except ImportError:  # a tree without the pool: nothing to wait for
        return
    deadline = time.monotonic() + 30
    while keypool.ready() < keypool.TARGET and time.monotonic() < deadline:
        time.sleep(0.05)


def main() -> int:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = cold_starts(tmp) + in_process(tmp)
    import ravensec.mock

    print(f"python {sys.version.split()[0]}, {SAMPLES} samples ({GENERATE} for generate), min / median / max; "
          f"ravensec.mock from {Path(ravensec.mock.__file__).parent}")
    width = max(len(r[0]) for r in rows)
    for what, figure in rows:
        print(f"{what.ljust(width)}  {figure}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
