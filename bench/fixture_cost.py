"""What the ``ravendb_cloud`` pytest fixture costs another project's suite, per test: a generated suite of N tests
that each make one mTLS call as the product's Operator, run serially and under pytest-xdist (``-n 2``), beside
the same suite with a plain fixture and no mock (the floor: pytest's own cost per test). Interleaved,
min/median/max of the whole run's wall time, per test. pytest-xdist comes with the ``bench`` extra.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TESTS = 60
RUNS = 3

MOCK_SUITE = '''
import requests, pytest

@pytest.mark.parametrize("i", range({n}))
def test_whoami(ravendb_cloud, i):
    shop = ravendb_cloud.product("Shop")
    s = requests.Session(); s.trust_env = False
    s.verify, s.cert = str(ravendb_cloud.ca_path), str(shop.operator_pem)
    assert s.get(shop.node_urls["A"] + "/certificates/whoami").status_code == 200
'''

FLOOR_SUITE = '''
import pytest

@pytest.fixture
def plain():
    return object()

@pytest.mark.parametrize("i", range({n}))
def test_nothing(plain, i):
    assert plain is not None
'''


def _run(folder: Path, extra: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, str(folder)],
                   check=True, env=env, cwd=folder, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _spread(times: list[float]) -> str:
    ms = sorted(t * 1000 / TESTS for t in times)
    return f"{ms[0]:.1f}/{statistics.median(ms):.1f}/{ms[-1]:.1f} ms per test"


def main() -> int:
    xdist = importlib.util.find_spec("xdist") is not None
    with tempfile.TemporaryDirectory(prefix="ravensec-fixture-") as tmp:
        home = Path(tmp)
        # The mock's key cache and the ravendb client's files stay in the temporary folder, never the user's.
        env = dict(os.environ, HOME=str(home), XDG_CACHE_HOME=str(home / "cache"), XDG_CONFIG_HOME=str(home / "config"))
        suites = {}
        for name, text in (("mock", MOCK_SUITE), ("floor", FLOOR_SUITE)):
            folder = home / name
            folder.mkdir()
            (folder / f"test_{name}.py").write_text(text.format(n=TESTS), encoding="utf-8")
            suites[name] = folder
        modes = {"serial": []} | ({"xdist -n 2": ["-n", "2"]} if xdist else {})
        results: dict[tuple[str, str], list[float]] = {(s, m): [] for s in suites for m in modes}
        _run(suites["mock"], [], env)  # warm the key cache and the byte-code once
        for _ in range(RUNS):  # interleaved
            for mode, extra in modes.items():
                for suite, folder in suites.items():
                    results[(suite, mode)].append(_run(folder, extra, env))
    print(f"ravendb_cloud fixture cost, {TESTS} tests, {RUNS} interleaved runs (min/median/max, whole run / tests):")
    for mode in modes:
        mock, floor = results[("mock", mode)], results[("floor", mode)]
        extra_ms = (statistics.median(mock) - statistics.median(floor)) * 1000 / TESTS
        print(f"  {mode:<11} with the mock {_spread(mock)}; plain fixture {_spread(floor)}; "
              f"the mock adds {extra_ms:.1f} ms per test (its start included)")
    if not xdist:
        print("  pytest-xdist is not installed (pip install -e '.[bench]'): serial only")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
