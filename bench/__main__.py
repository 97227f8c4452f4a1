"""Run every benchmark module in bench/ in turn, each in its own process (so cold starts are honest)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    # soak, soak_tests and reliability run for minutes: they have their own targets (make reliability,
    # make soak-tests).
    long_running = {"soak", "soak_tests", "reliability"}
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_") and m.name not in long_running
    )
    failed = 0
    for name in names:
        print(f"\n=== bench.{name}", flush=True)
        rc = subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=here.parent)
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
