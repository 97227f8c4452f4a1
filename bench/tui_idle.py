"""TUI at rest (printed, never asserted): the real ``ravensec --demo`` in a 120x40 pty, from the moment its
products table is painted, left alone for 10 seconds; CPU time the process spent (utime+stime from
/proc/PID/stat) and bytes it wrote to the terminal, beside a minimal Textual app (one DataTable) measured the
same way in the same run.

Target: idle means idle, as for the minimal app: no timer, spinner or poll that repaints when nothing changed
(a few hundredths of a second of CPU, next to no bytes).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from bench._pty import drain, spawn, stop, wait_for
from bench.tui_startup import MINIMAL_MARKER, TABLE_MARKER, _bench_env, _minimal_argv, _ravensec_argv

IDLE_SECONDS = 10.0
# Textual may still be finishing the frame the marker arrived in (and the footer's keys, the whoami answers):
# the idle window starts once the output has been quiet this long.
QUIET_SECONDS = 1.0


def _cpu_seconds(pid: int) -> float:
    # Fields after the command name (which may hold spaces) in /proc/PID/stat; utime and stime are 14 and 15.
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settle(fd: int, limit: float = 5.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and drain(fd, QUIET_SECONDS):
        pass


def idle(argv: list[str], marker: bytes, env: dict[str, str]) -> tuple[float, int]:
    """CPU seconds and bytes written during IDLE_SECONDS once ``marker`` is on screen and output is quiet."""
    pid, fd = spawn(argv, env)
    try:
        wait_for(fd, [marker], time.perf_counter(), timeout=60)
        _settle(fd)
        cpu = _cpu_seconds(pid)
        written = drain(fd, IDLE_SECONDS)
        return _cpu_seconds(pid) - cpu, written
    finally:
        stop(pid, fd)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ravensec-bench-") as home:
        env = _bench_env(home)
        idle(_ravensec_argv(), TABLE_MARKER, env)  # warm the caches (.pyc, mock material) once
        results = [
            ("minimal Textual app", idle(_minimal_argv(), MINIMAL_MARKER, env)),
            ("ravensec --demo, products table", idle(_ravensec_argv(), TABLE_MARKER, env)),
        ]
    print(f"idle for {IDLE_SECONDS:.0f} s in a 120x40 pty after the first table is painted:")
    for name, (cpu, written) in results:
        print(f"  {name:<33} CPU {cpu:6.2f} s   written {written:>9,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
