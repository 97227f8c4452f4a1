"""Soak the timing-sensitive suites: TUI, training and end to end, N times in a row on a loaded machine.

A test that passes on an idle machine and fails under load is a race in the app; this finds them. One
busy-loop process per CPU competes with pytest for the whole soak (they are killed at the end, however it
ends). Every run prints pass/fail and its duration; a failed run also prints pytest's summary lines and
keeps its full output in build/soak-tests/run-N.log (written as the run goes). A run longer than --timeout
is killed and counts as failed. The exit code is 1 if any run failed.

    python -m bench.soak_tests --runs 10
    python -m bench.soak_tests --runs 3 --busy 0 -- tests/tui   # no load, another selection
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
SUITES = ["tests/tui", "tests/training", "tests/e2e"]
LOG_DIR = ROOT / "build" / "soak-tests"
# pytest's short summary ("FAILED ...", "ERROR ...") and its last line say what broke.
SUMMARY_PREFIXES = ("FAILED", "ERROR", "=")


@contextmanager
def busy_loops(count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` processes spinning on a CPU each, killed on the way out whatever happens."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(count):
            procs.append(subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL))
        yield procs
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    # SIGTERM (make interrupted, CI timeout) otherwise ends the process without running the finally blocks
    # that kill the busy loops.
    raise SystemExit(128 + signum)


def run_once(index: int, selection: list[str], timeout: float) -> tuple[bool, float, list[str]]:
    """One pytest run; (passed, seconds, summary lines). Its output goes to LOG_DIR/run-N.log as it runs (to
    watch a slow run); a passing run's log is removed."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *selection]
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG_DIR / f"run-{index}.log"
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        try:
            returncode = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            returncode = None
        finally:
            if proc.poll() is None:  # timed out, or this script is being stopped
                proc.kill()
                proc.wait()
    elapsed = time.monotonic() - started
    if returncode == 0:
        log.unlink()
        return True, elapsed, []
    text = log.read_text(errors="replace")
    summary = [line for line in text.splitlines() if line.startswith(SUMMARY_PREFIXES)][-20:]
    if returncode is None:
        summary.append(f"killed after {timeout:.0f} s (a hung test)")
    summary.append(f"full output: {log.relative_to(ROOT)}")
    return False, elapsed, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="how many pytest runs in a row (default 10)")
    parser.add_argument("--busy", type=int, default=os.cpu_count() or 1,
                        help="busy-loop processes competing for the CPUs (default: one per CPU)")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds one run may take before it counts as failed (default 1800)")
    parser.add_argument("selection", nargs="*", default=SUITES, help=f"what pytest runs (default: {' '.join(SUITES)})")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_exit)

    results: list[tuple[bool, float]] = []
    print(f"soak-tests: {args.runs} runs of pytest {' '.join(args.selection)} with {args.busy} busy loops",
          flush=True)
    with busy_loops(args.busy):
        for index in range(1, args.runs + 1):
            passed, elapsed, summary = run_once(index, args.selection, args.timeout)
            results.append((passed, elapsed))
            print(f"run {index}/{args.runs}: {'pass' if passed else 'FAIL'} in {elapsed:.1f} s", flush=True)
            for line in summary:
                print(f"    {line}", flush=True)

    failed = [i for i, (passed, _) in enumerate(results, 1) if not passed]
    durations = [elapsed for _, elapsed in results]
    print(f"soak-tests: {len(results) - len(failed)}/{len(results)} runs passed"
          f"{' (failed: ' + ', '.join(map(str, failed)) + ')' if failed else ''}; "
          f"duration min {min(durations, default=0):.1f} s, max {max(durations, default=0):.1f} s, "
          f"total {sum(durations):.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
