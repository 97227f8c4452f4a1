"""Issue 6.5, faults: with the mock's fault injection (node down, hang, 5xx bursts, 429 Retry-After, reset
mid-response, truncated certificate package) core fails over, backs off, repeats only calls that are safe
to repeat, times out with a clear error and never leaves a partial file."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from ravensec.core.errors import RavensecError, Unavailable
from ravensec.core.http.instance import InstanceClient
from ravensec.core.models import SecurityClearance
from ravensec.core.workspace import Workspace
from ravensec.mock import MockCloud
from tests.mockserver.helpers import DB, PRODUCT_ID, identity_bundle

TIMEOUT = 0.5
HANG = 0.8  # longer than the timeout, short enough to wait out at the end of a test


def client(cloud: MockCloud) -> InstanceClient:
    return InstanceClient(
        cloud.products[PRODUCT_ID].node_urls,
        identity_bundle("operator"),
        ca_file=cloud.ca_path,
        timeout=TIMEOUT,
    )


def served(cloud: MockCloud, method: str, path: str) -> dict[str, int]:
    """How many requests each node got for ``method path`` (whatever the outcome)."""
    out: dict[str, int] = {}
    for e in cloud.journal.find(method=method, path=path):
        out[e.node.rsplit("/", 1)[-1]] = out.get(e.node.rsplit("/", 1)[-1], 0) + 1
    return out


async def test_a_node_down_fails_over(cloud: MockCloud) -> None:
    cloud.faults.add(node="A", kind="down")
    async with client(cloud) as c:
        certs = await c.certificates()
    assert certs
    assert served(cloud, "GET", "/admin/certificates").get("A", 0) == 0


@pytest.mark.parametrize("kind", ["hang", "reset", "drop"])
async def test_a_read_that_hangs_or_breaks_is_repeated_on_another_node(cloud: MockCloud, kind: str) -> None:
    async with client(cloud) as c:
        await c.whoami()  # topology learnt before the fault
        cloud.journal.reset()
        cloud.faults.add(route="/admin/certificates", method="GET", node="A", kind=kind, value=HANG)  # type: ignore[arg-type]
        t0 = time.monotonic()
        certs = await c.certificates()
        assert time.monotonic() - t0 < HANG  # the hang was cut at the timeout, not waited out
    assert certs
    # The journal records the hung request once the node answers it, after the client gave up on it.
    seen = await asyncio.to_thread(cloud.journal.wait_for, 2, method="GET", path="/admin/certificates")
    assert len(seen) == 2


@pytest.mark.parametrize("kind", ["hang", "reset"])
async def test_generate_is_never_repeated(cloud: MockCloud, kind: str) -> None:
    async with client(cloud) as c:
        await c.whoami()
        cloud.journal.reset()
        cloud.faults.add(route="/admin/certificates", method="POST", kind=kind, value=HANG)  # type: ignore[arg-type]
        with pytest.raises(Unavailable) as err:
            await c.generate("once", SecurityClearance.VALID_USER, {DB: "Read"})
    assert "not retried" in str(err.value) and "safe to repeat" in str(err.value)
    # Once the one request is answered (after the hang), no repeat can still be on its way.
    await asyncio.to_thread(cloud.journal.wait_for, 1, method="POST", path="/admin/certificates")
    assert sum(served(cloud, "POST", "/admin/certificates").values()) == 1


async def test_every_node_hanging_times_out_with_a_clear_error(cloud: MockCloud) -> None:
    async with client(cloud) as c:
        await c.whoami()
        for tag in "ABC":
            cloud.faults.add(route="/admin/certificates", method="GET", node=tag, kind="hang", value=HANG)
        t0 = time.monotonic()
        with pytest.raises(Unavailable) as err:
            await c.certificates()
    assert time.monotonic() - t0 < 3 * TIMEOUT + 1.5
    msg = str(err.value)
    assert "Could not reach any node" in msg and all(f"{t} https://" in msg for t in "ABC"), msg


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_a_5xx_burst_on_one_node_fails_over_for_reads(cloud: MockCloud, status: int) -> None:
    async with client(cloud) as c:
        await c.whoami()
        cloud.journal.reset()
        cloud.faults.add(
            route="/admin/certificates", method="GET", node="A", kind="status", value=status, times=3
        )
        for _ in range(3):
            assert await c.certificates()
    got = served(cloud, "GET", "/admin/certificates")
    assert got.get("A", 0) == 1 and got.get("B", 0) == 3, got  # after one 5xx, B stays preferred


async def test_a_5xx_on_generate_is_reported_not_repeated(cloud: MockCloud) -> None:
    from ravensec.core.errors import ApiError

    async with client(cloud) as c:
        await c.whoami()
        cloud.journal.reset()
        cloud.faults.add(route="/admin/certificates", method="POST", kind="status", value=503)
        with pytest.raises(ApiError) as err:
            await c.generate("once", SecurityClearance.VALID_USER, {DB: "Read"})
    assert "503" in str(err.value) or "unavailable" in str(err.value).lower(), str(err.value)
    assert sum(served(cloud, "POST", "/admin/certificates").values()) == 1


async def test_a_missing_database_503_is_an_answer_not_a_node_down(cloud: MockCloud) -> None:
    from ravensec.core.errors import NotFound

    async with client(cloud) as c:
        await c.whoami()
        cloud.journal.reset()
        with pytest.raises((NotFound, RavensecError)):
            await c._call("GET", "/topology", params={"name": "no-such-db"})
    assert sum(served(cloud, "GET", "/topology").values()) == 1


async def test_429_is_retried_after_retry_after(cloud: MockCloud) -> None:
    cloud.faults.add(route="/api/v1/products/list", node="portal", kind="status", value=429, times=1)
    async with await Workspace.open(cloud.profile()) as ws:
        t0 = time.monotonic()
        products = await ws.list_products()
    assert products
    assert time.monotonic() - t0 >= 0.9  # waited the Retry-After: 1 before asking again
    assert len(cloud.journal.find(method="GET", path="/api/v1/products/list")) == 2


@pytest.mark.parametrize("kind", ["truncate", "reset"])
async def test_a_broken_certificate_package_writes_nothing(
    cloud: MockCloud, tmp_path: Path, kind: str
) -> None:
    cloud.faults.add(route="/api/v1/products/security/certificate/*", node="portal", kind=kind)  # type: ignore[arg-type]
    dest = tmp_path / "pkg"
    async with await Workspace.open(cloud.profile()) as ws:
        with pytest.raises(RavensecError):
            await ws.download_certificate_package(PRODUCT_ID, dest)
    assert not dest.exists() or not any(dest.rglob("*")), sorted(dest.rglob("*"))
