"""``ravensec train --check``: judge a scenario against a running ``ravensec-mock serve --state-dir DIR``,
through the mock-only ``GET /ext/v1/state`` (authenticated by the API key in ``DIR/connection.json``)."""

from __future__ import annotations

import asyncio
import json
import ssl
from pathlib import Path
from typing import Any

import aiohttp

from ravensec.core.errors import ConfigError, NotFound, RavensecError, Unavailable
from ravensec.mock.training.goals import GoalResult, evaluate
from ravensec.mock.training.scenario import Scenario


def read_connection(state_dir: Path) -> dict[str, Any]:
    path = Path(state_dir) / "connection.json"
    try:
        info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("no connection.json here", path=str(path),
                          hint="Start the mock with `ravensec-mock serve --state-dir DIR` first.") from None
    except (OSError, ValueError) as e:
        raise ConfigError(f"unreadable connection.json: {e}", path=str(path)) from None
    for key in ("portal_url", "api_key", "ca_path"):
        if not isinstance(info.get(key), str):
            raise ConfigError(f"missing {key}", path=str(path), key=key)
    return info


async def fetch_snapshot(state_dir: Path, timeout: float = 10.0) -> dict[str, Any]:
    info = read_connection(state_dir)
    ctx = ssl.create_default_context(cafile=info["ca_path"])  # the mock's own CA, never the system bundle
    url = info["portal_url"] + "/ext/v1/state"
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout), trust_env=False) as s,
            s.get(url, headers={"X-Api-Key": info["api_key"]}, ssl=ctx) as r,
        ):
            if r.status == 404:
                raise NotFound(f"{url} does not exist: this is not a ravensec mock with training support.")
            if r.status != 200:
                raise RavensecError(f"GET {url} answered {r.status}: {(await r.text())[:200]}")
            snap: dict[str, Any] = await r.json()
            return snap
    except (aiohttp.ClientError, TimeoutError, OSError) as e:
        raise Unavailable(f"cannot reach the mock at {info['portal_url']}: {e}",
                          hint="Is `ravensec-mock serve` still running?") from None


def check_remote(scenario: Scenario, state_dir: Path, answers: dict[str, str] | None = None) -> list[GoalResult]:
    snap = asyncio.run(fetch_snapshot(state_dir))
    return evaluate(list(scenario.goals), snap, scenario.context(answers))
