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


async def run_client(code: str, cloud: MockCloud) -> str:
    """``code`` in a fresh interpreter (nothing imported yet) against ``cloud``'s state dir; its stdout."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, str(cloud.state_dir), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()[-2000:]
    return out.decode()


async def test_listing_products_does_not_import_cryptography_and_a_node_call_does(cloud: MockCloud) -> None:
    first, second = (await run_client(CLIENT, cloud)).splitlines()
    assert first == f"{','.join(sorted(p.name for p in cloud.products.values()))} False"
    assert second == "True True"


PEM_CLIENT = """
import asyncio, json, sys
from pathlib import Path
from core.profile import Profile
from core.workspace import Workspace

async def main():
    state = Path(sys.argv[1])
    info = json.loads((state / "connection.json").read_text())
    pems = {pid: Path(p["operator_pem"]) for pid, p in info["products"].items()}  # certificate + key, PEM
    profile = Profile(name="m", kind="mock", state_dir=state, certificates=pems)
    async with await Workspace.open(profile) as ws:
        product = next(p for p in await ws.list_products() if p.nodes)
        me = await ws.whoami(product.id)
        certs = await ws.list_certificates(product.id)
    print(me is not None, len(certs) > 0, "cryptography" in sys.modules)

asyncio.run(main())
"""


async def test_a_pem_client_certificate_needs_no_cryptography_for_node_calls(cloud: MockCloud) -> None:
    assert (await run_client(PEM_CLIENT, cloud)).split() == ["True", "True", "False"]
