"""What the first screen's path loads: importing the facade, opening a profile, listing products and a
product's certificates and asking whoami must not pay for ``cryptography`` (~40 ms at start-up).

Each client runs in a fresh interpreter (nothing imported yet) against an in-process mock. Only a client
certificate that is not a plain PEM (a PFX, say) is read with ``cryptography``, when the first node call
needs it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ravensec.mock import MockCloud

ROOT = Path(__file__).resolve().parents[2]

IMPORT_ONLY = """
import sys
import ravensec.core.workspace
from ravensec.core.workspace import Capabilities, Workspace
import ravensec.core
# The public API still answers: the lazily exported names resolve to the facade's.
assert ravensec.core.Workspace is Workspace and ravensec.core.Capabilities is Capabilities
assert callable(Workspace.open)
heavy = ("cryptography", "zipfile", "importlib.metadata", "tomllib", "secrets")
print(" ".join(m for m in heavy if m in sys.modules) or "-")
import ravensec.core.certs  # and the certificate toolkit's lazy names load their modules (cryptography) on use
assert callable(ravensec.core.certs.thumbprint) and "cryptography" in sys.modules
"""

CLIENT = """
import asyncio, sys
from pathlib import Path
from ravensec.core.profile import Profile
from ravensec.core.workspace import Workspace

async def main():
    profile = Profile(name="m", kind="mock", state_dir=Path(sys.argv[1]))
    # First the product's package is downloaded and cached; the second time the cached PEM is used.
    for run in ("download", "cached"):
        async with await Workspace.open(profile) as ws:
            products = await ws.list_products()
            listed = "cryptography" in sys.modules
            product = next(p for p in products if p.nodes)
            me = await ws.whoami(product.id)
            certs = await ws.list_certificates(product.id)
        names = ",".join(sorted(p.display_name for p in products))
        print(run, names, listed, me is not None, len(certs) > 0, "cryptography" in sys.modules)
    async with await Workspace.open(profile) as ws:  # saving the package's files reads no certificate
        files = await ws.download_certificate_package(product.id, Path(sys.argv[2]))
    print("package", len(files) > 0, "cryptography" in sys.modules)

asyncio.run(main())
"""

CERT_CLIENT = """
import asyncio, json, sys
from pathlib import Path
from ravensec.core.profile import Profile
from ravensec.core.workspace import Workspace

async def main():
    state, suffix = Path(sys.argv[1]), sys.argv[2]
    info = json.loads((state / "connection.json").read_text())
    certs = {pid: Path(p["operator_pem"]).with_suffix(suffix) for pid, p in info["products"].items()}
    profile = Profile(name="m", kind="mock", state_dir=state, certificates=certs)
    async with await Workspace.open(profile) as ws:
        product = next(p for p in await ws.list_products() if p.nodes)
        me = await ws.whoami(product.id)
        listed = await ws.list_certificates(product.id)
    print(me is not None, len(listed) > 0, "cryptography" in sys.modules)

asyncio.run(main())
"""


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[MockCloud]:
    async with MockCloud("demo", state_dir=tmp_path / "mock") as c:
        yield c


async def run_client(code: str, *args: str) -> str:
    """``code`` in a fresh interpreter (nothing imported yet) with ``args``; its stdout."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()[-2000:]
    return out.decode()


async def test_importing_the_facade_loads_no_cryptography() -> None:
    assert (await run_client(IMPORT_ONLY)).split() == ["-"]


async def test_listing_products_certificates_and_whoami_load_no_cryptography(
    cloud: MockCloud, tmp_path: Path
) -> None:
    names = ",".join(sorted(p.name for p in cloud.products.values()))
    lines = (await run_client(CLIENT, str(cloud.state_dir), str(tmp_path / "package"))).splitlines()
    assert lines == [
        f"download {names} False True True False",
        f"cached {names} False True True False",
        "package True False",
    ]


async def test_a_pem_client_certificate_needs_no_cryptography_for_node_calls(cloud: MockCloud) -> None:
    assert (await run_client(CERT_CLIENT, str(cloud.state_dir), ".pem")).split() == ["True", "True", "False"]


async def test_a_pfx_client_certificate_is_read_with_cryptography(cloud: MockCloud) -> None:
    from ravensec.core.certs.load import load_bundle_file
    from ravensec.core.certs.packages import export_pfx

    for product in cloud.products.values():
        pem = product.operator_pem
        pem.with_suffix(".pfx").write_bytes(export_pfx(load_bundle_file(pem), None))
    assert (await run_client(CERT_CLIENT, str(cloud.state_dir), ".pfx")).split() == ["True", "True", "True"]
