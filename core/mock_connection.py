"""A running mock's ``state_dir/connection.json``: where its portal and nodes listen, its API key and CA, the
backup keys it hands out and its clock. ``ravensec-mock serve`` and ``MockCloud(state_dir=...)`` write it.

Light on purpose (no aiohttp, no cryptography): the terminal UI reads it for its demo before the network
stack is loaded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import wiredates
from .errors import ConfigError


@dataclass(frozen=True)
class MockConnection:
    """What a running mock's ``state_dir/connection.json`` tells us (its keys never in ``repr``)."""

    portal_url: str
    api_url: str
    api_key: str = field(repr=False)
    ca_path: Path | None
    node_urls: Mapping[str, Mapping[str, str]]
    # The mock hands out its backup keys (a real account's never leave the portal): the account's, and
    # per product the own keys of encrypted databases. Absent in a connection.json of an older mock.
    backup_key: str | None = field(default=None, repr=False)
    database_keys: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)
    # The world's fixed clock; None when the mock runs on the real one (or is older than this field).
    fixed_now: datetime | None = None

    def backup_key_for(self, product_id: str, database: str) -> str | None:
        """The key that opens ``database``'s backups: its own key when it has one, else the account's."""
        own = self.database_keys.get(product_id, {})
        return next((k for name, k in own.items() if name.casefold() == database.casefold()), self.backup_key)

    def clock(self, real: Callable[[], datetime]) -> Callable[[], datetime]:
        """The mock's clock: its fixed time when it has one (expiry then agrees with the mock), else ``real``."""
        fixed = self.fixed_now
        return real if fixed is None else (lambda: fixed)

    @classmethod
    def read(cls, state_dir: Path) -> MockConnection:
        path = state_dir / "connection.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                "does not exist",
                path=str(path),
                hint="Is the mock running? Start it with `ravensec-mock serve --state-dir DIR` first.",
            ) from None
        except (OSError, ValueError) as e:
            raise ConfigError(f"cannot read connection.json ({e})", path=str(path)) from None
        try:
            products = raw.get("products") or {}
            return cls(
                portal_url=str(raw["portal_url"]),
                api_url=str(raw["api_url"]),
                api_key=str(raw["api_key"]),
                ca_path=Path(raw["ca_path"]) if raw.get("ca_path") else None,
                node_urls={pid: dict(p.get("node_urls") or {}) for pid, p in products.items()},
                backup_key=str(raw["backup_key"]) if raw.get("backup_key") else None,
                database_keys={pid: dict(p.get("database_keys") or {}) for pid, p in products.items()},
                fixed_now=wiredates.parse(raw["now"]) if raw.get("now") else None,
            )
        except (KeyError, AttributeError, TypeError, ValueError) as e:
            raise ConfigError(f"connection.json lacks a field or has a bad one ({e})", path=str(path)) from None
