"""ravensec as another project gets it: the wheel built the normal way, installed into an isolated virtual
environment, used through its pytest fixture by a project that has its own ``core``, ``tui`` and
``mockserver`` packages (``fixtures/consumer-project``).

Offline: the wheel is built with this environment's setuptools (no build isolation) from a copy of the
source tree, and the fresh environment is filled only from wheels of the distributions installed here
(:mod:`tests.packaging.wheelhouse`), with pip's index and configuration switched off.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.packaging import wheelhouse

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = ROOT / "fixtures" / "consumer-project"
# What the consumer's tests need besides ravensec.
CONSUMER_DEPS = ["pytest", "requests"]
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", "tests", "bench",
                                     "fixtures", "docs")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def _clean_env(home: Path) -> dict[str, str]:
    """No PYTHONPATH, no virtualenv, no pip or pytest settings from outside: only what the run needs."""
    return {"PATH": os.defpath, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), "LANG": "C.UTF-8"}


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"{args} exited {out.returncode}\n{out.stdout[-4000:]}\n{out.stderr[-4000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("packaging")
    # A copy, so that setuptools' build/ directory never carries stale modules from the working tree.
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCE)
    dist = work / "dist"
    _run([sys.executable, "-m", "pip", "--isolated", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "-q", "-w", dist, src], cwd=work)
    (wheel,) = dist.glob("ravensec-*.whl")
    wheels = work / "wheelhouse"
    wheelhouse.build(["ravensec", *CONSUMER_DEPS], wheels, skip={"ravensec"})
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=work)
    _run([sys.executable, "-m", "pip", "--isolated", "--python", venv / "bin" / "python", "install", "-q",
          "--no-index", "--find-links", wheels, wheel, *CONSUMER_DEPS], cwd=work)
    (site,) = (venv / "lib").glob("python3*/site-packages")
    yield Installed(wheel=wheel, venv=venv, site_packages=site)


def test_the_wheel_holds_only_the_ravensec_namespace(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as zf:
        tops = {name.split("/", 1)[0] for name in zf.namelist()}
    assert tops == {"ravensec", "ravensec-0.1.0.dist-info"}


def test_nothing_named_like_a_source_directory_lands_in_site_packages(installed: Installed) -> None:
    names = {p.name.removesuffix(".py") for p in installed.site_packages.iterdir()}
    assert names.isdisjoint({"core", "tui", "mockserver"})
    assert (installed.site_packages / "ravensec" / "mock" / "worlds" / "demo.toml").is_file()


def test_the_environment_is_isolated(installed: Installed, tmp_path: Path) -> None:
    code = "import sys; print(sys.prefix != sys.base_prefix, any('site-packages' in p and p.startswith(sys.base_prefix) for p in sys.path))"
    out = _run([installed.python, "-c", code], cwd=tmp_path, env=_clean_env(tmp_path))
    assert out.stdout.split() == ["True", "False"]


def test_installed_console_script_lists_the_bundled_worlds(installed: Installed, tmp_path: Path) -> None:
    out = _run([installed.venv / "bin" / "ravensec-mock", "worlds"], cwd=tmp_path, env=_clean_env(tmp_path))
    assert "demo" in out.stdout and "empty" in out.stdout


def test_a_consumer_with_its_own_core_tui_and_mockserver_uses_the_fixture(
    installed: Installed, tmp_path: Path
) -> None:
    project = tmp_path / "shop"
    shutil.copytree(CONSUMER, project, ignore=shutil.ignore_patterns("__pycache__"))
    # `python -m pytest` puts the project directory first on sys.path: its core/tui/mockserver win by name.
    out = _run([installed.python, "-m", "pytest", "-q"], cwd=project,
               env=_clean_env(tmp_path))
    assert "2 passed" in out.stdout, out.stdout
