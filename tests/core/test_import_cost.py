"""What the first screen's path loads: listing products must not pay for ``cryptography`` (~40 ms at start-up)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mockserver import MockCloud

ROOT = Path(__file__).resolve().parents[2]

CLIENT = """
import asyncio, sys
from pathlib import Path
from core.profile import Profile
from core.workspace import Workspace

async def main():
    profile = Profile(name="m", kind="mock", state_dir=Path(sys.argv[1]))
    async with await Workspace.open(profile) as ws:
        names = sorted(p.display_name for p in await ws.list_products())
    before = "cryptography" in sys.modules
    print(",".join(names), before)
    async with await Workspace.open(profile) as ws:  # a node call needs the client certificate: now it loads
        product = next(p for p in await ws.list_products() if p.nodes)
        me = await ws.whoami(product.id)
    print(me is not None, "cryptography" in sys.modules)

asyncio.run(main())
"""


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[MockCloud]:
    async with MockCloud("demo", state_dir=tmp_path / "mock") as c:
        yield c


async def test_listing_products_does_not_import_cryptography_and_a_node_call_does(cloud: MockCloud) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CLIENT, str(cloud.state_dir), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()[-2000:]
    first, second = out.decode().splitlines()
    assert first == f"{','.join(sorted(p.name for p in cloud.products.values()))} False"
    assert second == "True True"
