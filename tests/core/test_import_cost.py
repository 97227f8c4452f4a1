"""What the start-up paths load, and the few deliberate import boundaries that keep them so.

Imports sit at the top of their modules except at these boundaries, each worth more than a few milliseconds
on a path that runs often (measured with ``python -X importtime``):

1. ``cryptography`` (~40 ms) is imported where a certificate is parsed or made: the modules
   ``core.certs.load``, ``identity``, ``generate`` and ``packages``; ``CertBundle``'s methods (its type is on
   every start-up path, an instance only exists once a certificate was parsed); in the mock, where the CA,
   a server or a world certificate is made (``tls``, ``build``), a client certificate is parsed
   (``authz.identity.parse_der``), a kept certificate is first read (``material_cache.PemBundle.parsed``)
   and a backup is encrypted (``mock.backups.make_backup``). Importing the facade, listing products and
   certificates, ``whoami`` with a PEM client certificate, and a start of the mock from its material cache
   load none of it.
   ``ravensec.core.certs`` re-exports only what needs none of it (bundle, DER rules, expiry states).
2. ``ravensec.core.Workspace`` is loaded on first use of the name (aiohttp and the HTTP layer, ~100 ms):
   every import of any ``ravensec.core`` submodule runs the package first.
3. ``ravensec.mock.MockCloud`` is loaded on first use of the name (aiohttp and every route, ~150 ms): the
   pytest plugin loads the package in every test session of every project that installs ravensec.
4. ``ravensec`` with no command (the terminal UI) reads its options with ``tui.cli.options``; only a command,
   ``--help`` or a refused line imports the parser of every command and the command modules (``tui.__main__``).
   The app imports the workspace (aiohttp, the HTTP layer) and the screens over it (the rest of core) once a
   profile opens, after its first frame (``tui.app``): ~130 ms off the first frame. ``ravensec --demo``
   spawns its mock (``ravensec-mock serve``, a child process) before Textual is imported, and imports the
   workspace and the screens on a worker thread while the mock boots (``bench.tui_startup``).
5. The screens need neither aiohttp nor a certificate parser to be defined (``core.iprules`` is pure, "my IP"
   lives in ``core.http.echo``; ``core.planning`` takes a workspace but imports it for its type only).

Each client runs in a fresh interpreter (nothing imported yet); the facade's ones against an in-process mock.
Only a client certificate that is not a plain PEM (a PFX, say) is read with ``cryptography``, when the first
node call needs it.
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


LOADED = """
import importlib, sys
importlib.import_module(sys.argv[1])
print(" ".join(m for m in sys.argv[2:] if m in sys.modules) or "-")
"""

# (what is imported, what it must not load): the boundaries above, seen from the paths they protect.
BOUNDARIES = [
    # 1: the certificate toolkit's package and its cryptography-free modules
    ("ravensec.core.certs", ("cryptography",)),
    ("ravensec.core.certs.der", ("cryptography",)),
    ("ravensec.core.certs.expiry", ("cryptography",)),
    # 1: the mock up to its first request (a start from the material cache makes and parses nothing)
    ("ravensec.mock.runtime", ("cryptography.hazmat", "cryptography.x509")),
    ("ravensec.mock.cli", ("cryptography.hazmat", "cryptography.x509")),
    # 2: core's submodules without the facade
    ("ravensec.core.models", ("aiohttp", "ravensec.core.workspace", "cryptography")),
    ("ravensec.core.errors", ("aiohttp", "ravensec.core.workspace", "cryptography")),
    # 3: the pytest plugin without the mock
    ("ravensec.mock.pytest_plugin", ("aiohttp", "ravensec.mock.runtime", "cryptography")),
    # 4: the terminal UI up to its first frame
    ("ravensec.tui.__main__", ("ravensec.tui.cli.parser", "ravensec.tui.cli.run", "aiohttp", "textual")),
    ("ravensec.tui.launch", ("aiohttp", "ravensec.core.workspace", "ravensec.tui.screens.products", "cryptography")),
    # 5: the screens need neither the network stack nor a certificate parser to be defined, so a demo imports
    # them while its mock boots (tui/app.py _import_workspace, _import_screens); core.iprules and core.planning stay pure
    ("ravensec.tui.screens.products", ("aiohttp", "ravensec.core.workspace", "cryptography.x509")),
    ("ravensec.core.iprules", ("aiohttp",)),
]


@pytest.mark.parametrize(("module", "absent"), BOUNDARIES, ids=[m for m, _ in BOUNDARIES])
async def test_each_boundary_keeps_its_path_light(module: str, absent: tuple[str, ...]) -> None:
    assert (await run_client(LOADED, module, *absent)).split() == ["-"]


async def test_the_other_side_of_the_boundaries_loads_what_they_keep_out() -> None:
    # Sanity for the checks above: these do load what the light paths must not.
    for module, loaded in [
        ("ravensec.core.certs.identity", "cryptography"),
        ("ravensec.core.certs.load", "cryptography"),
        ("ravensec.core.workspace", "aiohttp"),
    ]:
        assert (await run_client(LOADED, module, loaded)).split() == [loaded], module
    code = "import sys, ravensec.core, ravensec.mock\nravensec.core.Workspace, ravensec.mock.MockCloud\n" + (
        "print(all(m in sys.modules for m in ('ravensec.core.workspace', 'ravensec.mock.runtime')))"
    )
    assert (await run_client(code)).split() == ["True"]


TUI_START = """
import sys
import ravensec.tui.app
from ravensec.tui.__main__ import main

def run(self, *args, **kwargs):  # the app would start composing its first frame now
    heavy = ("aiohttp", "cryptography", "ravensec.core.workspace", "ravensec.tui.cli.", "ravensec.tui.screens.products")
    print(" ".join(sorted(m for m in sys.modules if m.startswith(heavy))) or "-")

ravensec.tui.app.RavensecApp.run = run
main(sys.argv[1:])
"""


@pytest.mark.parametrize("argv", [["--demo"], ["--profile", "work", "--read-only"]])
async def test_the_terminal_ui_starts_composing_before_the_network_stack_and_the_commands(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    config = tmp_path / "xdg_config_home" / "ravensec" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[profiles.work]\nkind = "mock"\nstate_dir = "{tmp_path}"\n', encoding="utf-8")
    # The options parser only: tui.cli's package and options modules are all the UI path loads of the CLI.
    loaded = (await run_client(TUI_START, *argv)).split()
    assert loaded == ["ravensec.tui.cli.exitcodes", "ravensec.tui.cli.options", "ravensec.tui.cli.output",
                      "ravensec.tui.cli.yamlout"]
