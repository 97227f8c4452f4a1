"""The mock's own ``/ext/v1`` calls that are not part of any profile's workspace: ``GET /ext/v1/state``, the
live state a trainer judges a scenario against (``ravensec train --check``).

The address, API key and CA come from the running mock's ``connection.json``; the mock's CA is the only
trust (never the system store), and every failure is a :class:`~ravensec.core.errors.RavensecError` in
words, not a repr of the SSL context.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from ..errors import ApiError, AuthError, ConfigError, NotFound, Unavailable
from ..mock_connection import MockConnection
from ._transport import describe_failure, is_tls_failure, read_answer, short_body, user_agent
from .tls import client_ssl_context, tls_error

__all__ = ["fetch_mock_state", "read_connection"]

_NOT_RUNNING_HINT = "Is `ravensec-mock serve --state-dir DIR` running?"


def read_connection(state_dir: Path) -> MockConnection | None:
    """What the mock serving ``state_dir`` wrote in its connection.json (URLs, API key, CA, backup keys), or
    None when there is none to read (the mock has not run there)."""
    try:
        return MockConnection.read(state_dir)
    except ConfigError:
        return None


async def fetch_mock_state(state_dir: Path, *, timeout: float = 10.0) -> dict[str, Any]:
    """The snapshot ``GET /ext/v1/state`` answers for the mock serving ``state_dir``."""
    conn = MockConnection.read(state_dir)
    if conn.ca_path is None:
        raise ConfigError("connection.json names no CA", path=str(state_dir / "connection.json"),
                          hint="Start the mock again with `ravensec-mock serve --state-dir DIR`.")
    ssl_ctx = client_ssl_context(ca_file=conn.ca_path)
    url = f"{conn.portal_url}/ext/v1/state"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout), trust_env=False,
                                  headers={"User-Agent": user_agent()}) as session,
            session.get(url, headers={"X-Api-Key": conn.api_key}, ssl=ssl_ctx) as resp,
        ):
            ans = await read_answer(resp)
    except (aiohttp.ClientError, TimeoutError, OSError) as e:
        if is_tls_failure(e):
            raise tls_error(e, url) from None
        raise Unavailable(f"cannot reach the mock at {conn.portal_url}: {describe_failure(e)}.",
                          hint=_NOT_RUNNING_HINT) from None
    if ans.status == 404:
        raise NotFound(f"{url} does not exist: this is not a ravensec mock with training support.",
                       status=404, url=url)
    if ans.status in (401, 403):
        raise AuthError(f"the mock at {conn.portal_url} refused the API key in connection.json ({ans.status}).",
                        status=ans.status, url=url,
                        hint="connection.json may belong to an earlier run: start the mock again.")
    snap = ans.json()
    if ans.status != 200 or not isinstance(snap, dict):
        raise ApiError(f"GET {url} answered {ans.status}: {short_body(ans)}", status=ans.status, url=url)
    return snap
