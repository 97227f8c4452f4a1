"""Start the embedded mock for ``--demo``: a MockCloud on free loopback ports, in a background thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ravensec.core.profile import Profile

if TYPE_CHECKING:
    from ravensec.mock import MockCloud

log = logging.getLogger("ravensec.demo")


@dataclass
class Demo:
    """A running embedded mock and the profile that reaches it."""

    cloud: MockCloud
    profile: Profile
    # The demo offers its backup keys in the verify dialog; a training scenario hands them out itself.
    offers_backup_keys: bool = True

    def backup_key(self, product_id: str, database: str) -> str | None:
        """The key that opens ``database``'s backups in this mock: its own, else the account's."""
        if not self.offers_backup_keys:
            return None
        own = self.cloud.database_keys(product_id) if product_id in self.cloud.products else {}
        return next((k for name, k in own.items() if name.casefold() == database.casefold()), self.cloud.backup_key)

    @property
    def now(self) -> Callable[[], datetime]:
        """The world's clock (fixed in the demo world), so expiry highlighting matches the mock."""
        return self.cloud.state.clock

    def stop(self) -> None:
        try:
            self.cloud.__exit__(None, None, None)
        except Exception:  # stopping is best effort on the way out
            log.exception("stopping the demo mock failed")


def start_demo(world: str | None = None) -> Demo:
    """Start the mock with ``world`` (default "demo") and return it with a ready profile of kind "mock"."""
    # Imported here, deliberately: the mock is loaded only when a demo starts, never by a plain profile.
    from ravensec.mock import MockCloud

    cloud = MockCloud(world or "demo")
    # Server-side generation on the demo's burstable instances takes a tenth of its simulated time for real
    # (2.4 s on the Free one): enough to feel what generating here saves, not enough to bore.
    cloud.state.cpu_time_scale = max(cloud.state.cpu_time_scale, 0.1)
    cloud.__enter__()
    log.info("demo mock listening at %s", cloud.portal_url)
    return Demo(cloud=cloud, profile=cloud.profile(name="demo"))
