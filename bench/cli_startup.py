"""CLI cold start (printed, never asserted): ``ravensec --help`` and ``ravensec certs list --output json``
against a running mock, beside ``python -c pass`` measured the same way in the same run.

Target: the CLI's own import cost (``--help`` minus ``python -c pass``) under 150 ms.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5


def _time(cmd: list[str], env: dict[str, str]) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, env=env)
        samples.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-400:]}")
    return statistics.median(samples)


def main() -> int:
    from ravensec.core.config import Config, save_config
    from ravensec.core.profile import Profile
    from ravensec.mock import MockCloud

    ravensec = Path(sys.executable).parent / "ravensec"
    cli = [str(ravensec)] if ravensec.exists() else [sys.executable, "-m", "ravensec.tui"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {**os.environ, "HOME": str(root), "XDG_CONFIG_HOME": str(root / "cfg"),
               "XDG_CACHE_HOME": str(root / "cache"), "XDG_DATA_HOME": str(root / "data"),
               "RAVENSEC_CONFIG": str(root / "config.toml"), "NO_COLOR": "1"}
        with MockCloud("demo", state_dir=root / "mock") as cloud:
            product = next(p for p in cloud.products.values() if p.node_urls)
            profile = Profile(name="bench", kind="mock", state_dir=cloud.state_dir,
                              certificates={pid: p.cluster_admin_pem for pid, p in cloud.products.items()})
            save_config(Config(profiles={"bench": profile}, current="bench", keymap={}, path=root / "config.toml"))
            base = _time([sys.executable, "-c", "pass"], env)
            helped = _time([*cli, "--help"], env)
            listed = _time([*cli, "certs", "list", "--product", product.id, "--output", "json"], env)
    print(f"python -c pass                       {base * 1000:7.1f} ms  (median of {RUNS})")
    print(f"ravensec --help                      {helped * 1000:7.1f} ms  (+{(helped - base) * 1000:.1f} ms)")
    print(f"ravensec certs list --output json    {listed * 1000:7.1f} ms  (+{(listed - base) * 1000:.1f} ms, "
          "includes TLS to the mock)")
    verdict = "meets" if helped - base < 0.150 else "misses"
    print(f"CLI import cost {(helped - base) * 1000:.1f} ms {verdict} the 150 ms target")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
