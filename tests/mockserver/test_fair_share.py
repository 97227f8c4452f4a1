"""Each listener's fair share of the event loop (``ravensec.mock.fair_share``): at most ``per_turn`` requests
of one listener start per turn, the others in arrival order, and nothing is held while a request runs. How
much it isolates products under a flood is measured in ``bench.mock_bench`` (isolation), not here."""

from __future__ import annotations

import asyncio
import ssl
import time

import aiohttp

from ravensec.mock import MockCloud
from ravensec.mock.fair_share import PER_TURN, FairShare
from tests.mockserver.helpers import build_state


async def test_a_listener_starts_at_most_its_share_per_turn_in_arrival_order() -> None:
    share = FairShare(per_turn=2)
    started: list[tuple[int, int]] = []  # (turn, request)
    turn = 0

    async def request(i: int) -> None:
        await share.turn()
        started.append((turn, i))

    tasks = [asyncio.create_task(request(i)) for i in range(7)]
    tasks[4].cancel()  # a request whose client went away: skipped, it takes nobody's place
    while not all(t.done() for t in tasks):
        await asyncio.sleep(0)  # one turn of the loop
        turn += 1
    per_turn: dict[int, list[int]] = {}
    for t, i in started:
        per_turn.setdefault(t, []).append(i)
    assert [i for _, i in started] == [0, 1, 2, 3, 5, 6]
    assert all(len(rs) <= 2 for rs in per_turn.values())
    assert share.waiting == 0


async def test_requests_that_hang_keep_no_other_request_of_their_node_out() -> None:
    """More hanging requests than a turn's share, on one node: a request to another route of that node is
    still answered, because a request that started holds nothing while it sleeps."""
    async with MockCloud(state_factory=build_state) as cloud:
        shop = next(iter(cloud.products.values()))
        url = shop.node_urls["A"]
        fault = cloud.faults.add(route="/cluster/topology", node="A", kind="hang", value=60.0, times=None)
        ctx = ssl.create_default_context(cafile=str(cloud.ca_path))
        ctx.load_cert_chain(str(shop.operator_pem))
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx, limit=0)) as http:
            hanging = [asyncio.create_task(http.get(url + "/cluster/topology")) for _ in range(3 * PER_TURN)]
            deadline = time.monotonic() + 30
            while fault.hits < len(hanging):  # every one of them inside the fault's sleep
                assert time.monotonic() < deadline, f"{fault.hits} of {len(hanging)} reached the fault"
                await asyncio.sleep(0)
            async with http.get(url + "/admin/certificates") as r:
                assert r.status == 200
            assert not any(t.done() for t in hanging)
            for t in hanging:
                t.cancel()
            await asyncio.gather(*hanging, return_exceptions=True)
