"""TUI benchmarks (printed, never asserted):

Start-up: the real ``ravensec --demo`` process in a pseudo-terminal (120x40), from exec to the first bytes
   of its first frame and of the painted products table, beside two peers timed the same way, interleaved in
   the same run: a minimal Textual app (one DataTable) and Harlequin (a Textual 8 SQL IDE, in-memory DuckDB)
   showing its data catalog. Targets: the products table at or below 0.7x Harlequin's catalog, the first
   frame at or below 1.3x the minimal app. Harlequin comes with the ``bench`` extra.
Large tables (open, filter keystrokes, end) are measured by ``bench.tui_table``; idleness by ``bench.tui_idle``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._pty import ROOT, spawn, stop, wait_for

RUNS = 5
MINIMAL_MARKER = b"alpha-row"
FRAME_MARKER = b"DEMO"  # the header badge, in the first frame
TABLE_MARKER = b"Playground"  # a product of the demo world, in the products table
HARLEQUIN_MARKER = b"memory"  # the in-memory DuckDB database, in Harlequin's data catalog


def _child_minimal() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("Name", "Status")
            table.add_rows([(MINIMAL_MARKER.decode(), "Active"), ("b", "Active")])

    Minimal().run()


def _pty_times(argv: list[str], markers: list[bytes], env: dict[str, str], timeout: float = 30.0) -> list[float]:
    """Start ``argv`` on a fresh 120x40 pseudo-terminal; seconds until each marker first shows in its output."""
    start = time.perf_counter()
    pid, fd = spawn(argv, env)
    try:
        times, _ = wait_for(fd, markers, start, timeout)
    except RuntimeError as e:
        raise RuntimeError(f"{argv}: {e}") from None
    finally:
        stop(pid, fd)
    return times


def _bench_env(home: str) -> dict[str, str]:
    # The app writes a log file and reads a config: keep both out of the user's directories.
    env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=f"{home}/config", XDG_DATA_HOME=f"{home}/data",
               XDG_STATE_HOME=f"{home}/state", XDG_CACHE_HOME=f"{home}/cache", TERM="xterm-256color",
               COLUMNS="120", LINES="40", PYTHONPYCACHEPREFIX=f"{home}/pycache")
    # Byte-code is cached (in the temporary folder) as in any normal install: an environment with
    # PYTHONDONTWRITEBYTECODE (CI images) would otherwise compile ravensec's modules on every start, which
    # the peers, all in site-packages, never pay.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _minimal_argv() -> list[str]:
    return [sys.executable, "-m", "bench.tui_startup", "child-minimal"]


def _ravensec_argv() -> list[str]:
    script = Path(sys.executable).with_name("ravensec")
    return [str(script), "--demo"] if script.exists() else [sys.executable, "-m", "ravensec.tui", "--demo"]


def _serve_mock(home: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """``ravensec-mock serve`` in the background with a ``mock`` profile for it in the bench's config."""
    state = Path(home) / "mock-state"
    server = subprocess.Popen([sys.executable, "-m", "ravensec.mock.cli", "serve", "--world", "demo",
                               "--state-dir", str(state)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    for line in server.stdout:
        if line.startswith("Serving;"):
            break
    else:
        raise RuntimeError("ravensec-mock serve did not start")
    config = Path(env["XDG_CONFIG_HOME"]) / "ravensec" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[profiles.mock]\nkind = "mock"\nstate_dir = "{state}"\n', encoding="utf-8")
    return server


def _spread(times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    return f"{ms[0]:.0f}/{statistics.median(ms):.0f}/{ms[-1]:.0f} ms"


def startup() -> None:
    harlequin = Path(sys.executable).with_name("harlequin")
    with tempfile.TemporaryDirectory(prefix="ravensec-bench-") as home:
        env = _bench_env(home)
        minimal_argv = _minimal_argv()
        profile_argv = [*_ravensec_argv()[:-1], "--profile", "mock"]
        minimal, frame, table, running, peer = [], [], [], [], []
        server = _serve_mock(home, env)
        try:
            _pty_times(_ravensec_argv(), [TABLE_MARKER], env)  # warm the caches (.pyc, page cache) once
            if harlequin.exists():
                _pty_times([str(harlequin)], [HARLEQUIN_MARKER], env)
            for _ in range(RUNS):  # interleaved, so drift on the machine hits all alike
                minimal += _pty_times(minimal_argv, [MINIMAL_MARKER], env)
                f, t = _pty_times(_ravensec_argv(), [FRAME_MARKER, TABLE_MARKER], env)
                frame.append(f)
                table.append(t)
                running += _pty_times(profile_argv, [TABLE_MARKER], env)
                if harlequin.exists():
                    peer += _pty_times([str(harlequin)], [HARLEQUIN_MARKER], env)
        finally:
            server.terminate()
            server.wait(10)
    m, f, t = statistics.median(minimal), statistics.median(frame), statistics.median(table)
    print(f"start-up in a 120x40 pty, {RUNS} interleaved runs (min/median/max):")
    print(f"  minimal Textual app, table painted     {_spread(minimal)}")
    print(f"  ravensec --demo, first frame           {_spread(frame)}  = {f / m:.2f}x minimal (target <= 1.3)")
    print(f"  ravensec --demo, products table        {_spread(table)}")
    print(f"  ravensec --profile on a running mock   {_spread(running)}")
    if peer:
        h = statistics.median(peer)
        print(f"  Harlequin (in-memory DuckDB), catalog  {_spread(peer)}")
        print(f"  ravensec --demo products table / Harlequin catalog = {t / h:.2f}x (target <= 0.7)")
    else:
        print("  Harlequin is not installed (pip install -e '.[bench]'): no peer ratio")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "child-minimal":
        _child_minimal()
        return 0
    startup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
