"""A program on a pseudo-terminal, as a person's terminal would run it: start it at a size, read what it
writes until markers show or for a while, stop it. Shared by the TUI benchmarks and the tests that drive the
real ``ravensec`` process."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def spawn(argv: list[str], env: dict[str, str], size: tuple[int, int] = (120, 40)) -> tuple[int, int]:
    """Start ``argv`` on a fresh pseudo-terminal of ``size`` (columns, rows); its pid and the pty's fd."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program
        os.chdir(ROOT)
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    return pid, fd


def read_chunk(fd: int, timeout: float) -> bytes | None:
    """What the program wrote within ``timeout`` seconds (b"" if nothing); None once it closed the terminal."""
    ready, _, _ = select.select([fd], [], [], max(0.0, timeout))
    if not ready:
        return b""
    try:
        return os.read(fd, 1 << 16) or None
    except OSError:  # the program exited: Linux reports the closed pty as EIO
        return None


def wait_for(fd: int, markers: list[bytes], start: float, timeout: float = 30.0) -> tuple[list[float], bytes]:
    """Read until every marker has shown; seconds from ``start`` (perf_counter) to each marker, and the output."""
    seen: dict[bytes, float] = {}
    out = b""
    while len(seen) < len(markers) and (left := start + timeout - time.perf_counter()) > 0:
        chunk = read_chunk(fd, left)
        if chunk is None:
            break
        out += chunk
        now = time.perf_counter() - start
        for m in markers:
            if m not in seen and m in out:
                seen[m] = now
    missing = [m for m in markers if m not in seen]
    if missing:
        raise RuntimeError(f"never showed {missing}; output tail: {out[-400:]!r}")
    return [seen[m] for m in markers], out


def drain(fd: int, seconds: float) -> int:
    """Read whatever the program writes for ``seconds``; the byte count."""
    written = 0
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        chunk = read_chunk(fd, left)
        if chunk is None:
            break
        written += len(chunk)
    return written


def stop(pid: int, fd: int) -> None:
    """SIGTERM, up to 5 s to leave (the pty kept drained so it can write its way out), then SIGKILL."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if read_chunk(fd, 0.05) is None or os.waitpid(pid, os.WNOHANG)[0]:
            break
    else:
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    os.close(fd)
