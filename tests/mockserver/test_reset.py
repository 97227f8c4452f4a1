"""``reset()`` is complete when it returns: a product created meanwhile has lost its listeners, the world's
nodes have theirs and answer, no node sync is left running; from the mock's own loop, ``areset()``."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
import requests

from ravensec.mock import MockCloud
from tests.mockserver.test_portal import create_body


def _refused(url: str) -> bool:
    host, port = url.removeprefix("https://").rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def _sync_tasks(loop: asyncio.AbstractEventLoop) -> list[asyncio.Task[object]]:
    async def tasks() -> list[asyncio.Task[object]]:
        return [t for t in asyncio.all_tasks() if "_sync_nodes" in repr(t.get_coro())]

    return asyncio.run_coroutine_threadsafe(tasks(), loop).result(5)


def test_reset_returns_with_the_world_listening_and_nothing_pending(tmp_path: Path) -> None:
    with MockCloud("demo", state_dir=tmp_path) as cloud:
        cloud.state.transition_seconds = 0
        world = {pid: dict(p.node_urls) for pid, p in cloud.products.items()}
        s = requests.Session()
        s.trust_env = False
        s.verify = str(cloud.ca_path)
        s.headers.update({"X-Api-Key": cloud.api_key, "User-Agent": "tests"})
        r = s.post(cloud.api_url + "/products/create", json=create_body(subdomainName="extra", tier="Development"))
        assert r.status_code == 202, r.text
        extra = cloud.products[r.json()["productId"]]
        assert not _refused(next(iter(extra.node_urls.values())))
        cloud.reset()
        assert cloud._loop is not None and not _sync_tasks(cloud._loop)
        assert _refused(next(iter(extra.node_urls.values())))
        assert {pid: dict(p.node_urls) for pid, p in cloud.products.items()} == world
        assert extra.id not in (tmp_path / "connection.json").read_text()


async def test_areset_on_the_loop_and_reset_there_says_to_use_it() -> None:
    async with MockCloud("demo") as cloud:
        cloud.state.transition_seconds = 0
        pid = next(iter(cloud.state.products))
        with cloud.state.lock:
            removed = cloud.state.products.pop(pid)
        await cloud._sync_nodes()  # as after a portal request: the product's nodes stop
        with pytest.raises(RuntimeError, match="areset"):
            cloud.reset()
        await cloud.areset()
        url = cloud.products[pid].node_urls[removed.nodes[0].tag]
        assert url.startswith("https://127.0.0.1:") and not _refused(url)
