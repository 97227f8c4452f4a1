"""The pytest plugin, run in inner pytest sessions (pytester)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# cryptography loaded here, before any inner session: pytester runs them in this process and drops the modules
# each imported when it ends, but cryptography's Rust side keeps the classes of the first import of its Python
# side, so the next session's fresh import would not match them ("curve must be an EllipticCurve instance").
import ravensec.core.certs.generate  # noqa: F401

pytest_plugins = ["pytester"]

# The inner sessions run in this process; the SVG snapshot plugin cannot share its temp dir across them.
QUIET = ("-p", "no:cacheprovider", "-p", "no:textual-snapshot", "-o", "asyncio_default_fixture_loop_scope=function")


def test_loading_the_plugin_starts_nothing() -> None:
    code = (
        "import threading, ravensec.mock.pytest_plugin as p, gc\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
        "from ravensec.mock.runtime import MockCloud\n"
        "assert not [o for o in gc.get_objects() if isinstance(o, MockCloud)]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_session_mock_reset_per_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import requests

        seen = []

        def _get(cloud, path):
            s = requests.Session()
            s.trust_env = False
            return s.get(cloud.api_url + path, verify=str(cloud.ca_path),
                         headers={"X-Api-Key": cloud.api_key, "User-Agent": "t"}, timeout=10)

        def test_one(ravendb_cloud):
            seen.append(id(ravendb_cloud))
            shop = ravendb_cloud.product("Shop")
            assert len(shop.node_urls) == 3
            assert _get(ravendb_cloud, "/products/list").status_code == 200
            ravendb_cloud.state.products.clear()

        def test_two(ravendb_cloud):
            seen.append(id(ravendb_cloud))
            assert seen[0] == seen[1]  # one mock for the session
            assert len(ravendb_cloud.state.products) == 3  # reset undid test_one's change
        """
    )
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(passed=2)


def test_world_option_and_override(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_world(ravendb_cloud):
            assert ravendb_cloud.state.products == {}
            assert ravendb_cloud.state.account.domain == "emptyco"
        """
    )
    pytester.runpytest(*QUIET, "--ravendb-cloud-world", "empty").assert_outcomes(passed=1)
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def ravendb_cloud_world():
            return "empty"
        """
    )
    pytester.runpytest(*QUIET).assert_outcomes(passed=1)


def test_async_factory_in_the_test_loop(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio
        import pytest

        @pytest.mark.asyncio
        async def test_factory(ravendb_cloud_factory):
            cloud = await ravendb_cloud_factory("empty")
            assert cloud._loop is asyncio.get_running_loop()
            assert cloud.portal_url.startswith("https://127.0.0.1:")
            demo = await ravendb_cloud_factory()
            assert len(demo.products) == 3
        """
    )
    pytester.runpytest(*QUIET, "-o", "asyncio_mode=strict").assert_outcomes(passed=1)
