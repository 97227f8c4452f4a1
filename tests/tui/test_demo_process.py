"""The demo's mock as a child process (``ServedDemo``): it serves what the UI opens, says why when it cannot
start, never outlives its parent, and leaves no files behind -- also when ``ravensec --demo`` is killed."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from bench._pty import spawn, wait_for
from ravensec.core.workspace import Workspace
from ravensec.tui.demo import DemoError, ServedDemo

DEADLINE = 60.0  # seconds; each wait below ends as soon as its event happens


def _wait_exit(pid: int, timeout: float = DEADLINE) -> bool:
    """Wait for any process (not only a child of ours) to end: its pidfd becomes readable then."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(fd)


async def test_the_served_demo_is_a_mock_profile_on_the_worlds_clock(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    demo = ServedDemo.spawn("demo-fixed")
    try:
        demo.wait_ready()
        assert demo.home.parent == tmp_path and (demo.home / "state" / "connection.json").is_file()
        async with await Workspace.open(demo.profile) as ws:
            products = await ws.list_products()
            assert any(p.display_name == "Playground" for p in products)
        fixed = demo.now()
        assert demo.now() == fixed and fixed.year < 2100  # the world's fixed clock, not the real one
        assert demo.backup_key(products[0].id, "anything")  # the mock hands its backup keys out
        assert "api_key" not in repr(demo) and demo.connection is not None
        assert demo.connection.api_key not in repr(demo)
    finally:
        demo.stop()
    assert demo.process.returncode == 0  # stopped in order when its input closed, not killed
    assert not demo.home.exists()
    demo.stop()  # twice is harmless


async def test_a_demo_that_cannot_start_says_why_in_the_mocks_words(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    demo = ServedDemo.spawn("no-such-world")
    with pytest.raises(DemoError) as caught:
        demo.wait_ready()
    demo.stop()
    message = str(caught.value)
    assert "no world named 'no-such-world'" in message and "exited with code 2" in message
    assert "Traceback" not in message
    assert list(tmp_path.iterdir()) == []


PARENT = """
import sys
from ravensec.tui.demo import ServedDemo
demo = ServedDemo.spawn("demo")
demo.wait_ready()
print(demo.process.pid, flush=True)
sys.stdin.read()  # until killed
"""


def test_the_mock_never_outlives_a_parent_killed_outright(tmp_path: Path) -> None:
    env = dict(os.environ, TMPDIR=str(tmp_path))
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              env=env, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        parent.kill()  # no clean-up code runs in the parent
        parent.wait(DEADLINE)
        assert _wait_exit(child), "the demo's mock still runs after its parent died"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_ravensec_demo_leaves_in_order_when_terminated(tmp_path: Path) -> None:
    """``kill`` (SIGTERM) leaves like ``q``: the terminal restored, the mock stopped, its files removed."""
    home = tmp_path / "home"
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"),
               XDG_STATE_HOME=str(home / "state"), XDG_CACHE_HOME=str(home / "cache"), TMPDIR=str(temp),
               TERM="xterm-256color")
    pid, fd = spawn([sys.executable, "-m", "ravensec.tui", "--demo"], env)
    try:
        start = time.perf_counter()
        wait_for(fd, [b"Playground"], start, DEADLINE)  # the products table: the mock serves
        demos = list(temp.glob("ravensec-demo-*"))
        assert len(demos) == 1
        os.kill(pid, signal.SIGTERM)
        _, tail = wait_for(fd, [b"\x1b[?1049l"], start, DEADLINE)  # Textual leaves the alternate screen
        assert b"Traceback" not in tail
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        assert not demos[0].exists()
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
