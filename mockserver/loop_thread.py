"""An event loop of its own on a daemon thread: how ``with MockCloud()`` serves beside synchronous callers
(tests, the TUI), and how those callers run a function on that loop and wait for it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable


def start_loop_thread(
    start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]], *, name: str
) -> threading.Thread:
    """Run ``start()`` on a new loop in a daemon thread and return once it has finished; its exception is
    raised here (and the thread is gone). Afterwards the loop runs until stopped (``stop_loop_thread``), then
    awaits ``stop()`` and closes."""
    ready = threading.Event()
    failure: list[BaseException] = []
    loop = asyncio.new_event_loop()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as e:
            failure.append(e)
            ready.set()
            loop.close()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(stop())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    ready.wait()
    if failure:
        thread.join()
        raise failure[0]
    return thread


def stop_loop_thread(loop: asyncio.AbstractEventLoop, thread: threading.Thread, timeout: float = 10) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout)


def call_in_loop(loop: asyncio.AbstractEventLoop | None, fn: Callable[[], object], timeout: float = 5) -> None:
    """Run ``fn`` on ``loop``: at once when called on it, else from another thread and wait until it has run.
    Nothing happens without a loop."""
    if loop is None:
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        fn()
        return
    done = threading.Event()

    def wrapped() -> None:
        try:
            fn()
        finally:
            done.set()

    loop.call_soon_threadsafe(wrapped)
    done.wait(timeout)
