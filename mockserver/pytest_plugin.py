"""pytest plugin (entry point ``ravendb_cloud``): a RavenDB Cloud mock for your tests.

Fixtures:

- ``ravendb_cloud`` -- the session's ``MockCloud`` (started on first use, in its own thread), reset to the
  world's initial state before each test.
- ``ravendb_cloud_factory`` -- async: ``cloud = await ravendb_cloud_factory(world=None, **kw)`` starts a
  separate mock in the test's event loop; it is stopped after the test.
- ``ravendb_cloud_world`` -- which world (a name such as ``demo``/``empty`` or a TOML path); from
  ``--ravendb-cloud-world`` or ``demo``. Override it in a conftest **at session scope**.

Loading the plugin starts and imports nothing heavy: ``ravensec.mock.MockCloud`` loads the mock (aiohttp,
every route) when a fixture first asks for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import ravensec.mock

if TYPE_CHECKING:
    from pytest_asyncio import fixture as _async_fixture

    from ravensec.mock import MockCloud
else:
    try:  # in strict mode an async fixture needs pytest-asyncio's decorator
        from pytest_asyncio import fixture as _async_fixture
    except ImportError:  # pragma: no cover - without pytest-asyncio the factory fixture cannot run anyway
        _async_fixture = pytest.fixture


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ravendb_cloud", "RavenDB Cloud mock")
    group.addoption(
        "--ravendb-cloud-world",
        default=None,
        metavar="NAME|FILE",
        help="world for the ravendb_cloud fixtures: a shipped name (demo, empty) or a TOML file (default: demo)",
    )


@pytest.fixture(scope="session")
def ravendb_cloud_world(request: pytest.FixtureRequest) -> str | Path:
    value = request.config.getoption("--ravendb-cloud-world")
    if not value:
        return "demo"
    path = Path(value)
    return path if path.suffix == ".toml" else str(value)


@pytest.fixture(scope="session")
def _ravendb_cloud_session(ravendb_cloud_world: str | Path) -> Iterator[MockCloud]:
    with ravensec.mock.MockCloud(ravendb_cloud_world) as cloud:
        yield cloud


@pytest.fixture
def ravendb_cloud(_ravendb_cloud_session: MockCloud) -> MockCloud:
    _ravendb_cloud_session.reset()
    return _ravendb_cloud_session


@_async_fixture
async def ravendb_cloud_factory(
    ravendb_cloud_world: str | Path,
) -> AsyncIterator[Callable[..., Awaitable[MockCloud]]]:
    started: list[MockCloud] = []

    async def make(world: str | Path | None = None, **kwargs: Any) -> MockCloud:
        cloud = ravensec.mock.MockCloud(world if world is not None else ravendb_cloud_world, **kwargs)
        await cloud.astart()
        started.append(cloud)
        return cloud

    try:
        yield make
    finally:
        for cloud in reversed(started):
            await cloud.astop()
