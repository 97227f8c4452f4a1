"""``CallerCache``: who the app acts as on each product, and the header badge that shows it. The answer of
``whoami`` per product (the certificate in use, None when the server does not say), asked once and again after
a change that may have touched it; the product in view; and the badge (profile, demo, read-only, caller,
product) on every screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual import work

from ravensec.core.errors import RavensecError
from ravensec.core.models import CertificateDefinition, Product
from ravensec.core.profile import Profile
from ravensec.tui.app_part import AppPart
from ravensec.tui.messages import DataChanged, ProductChosen
from ravensec.tui.widgets.badge import HeaderBadge, badge_for

if TYPE_CHECKING:
    from ravensec.core.workspace import Workspace

log = logging.getLogger("ravensec.tui")


class CallerCache(AppPart):
    if TYPE_CHECKING:
        profile: Profile | None
        demo: bool
        now: Callable[[], datetime]
        current_product: Product | None
        callers: dict[str, CertificateDefinition | None]
        _asking: set[str]  # product ids with a whoami in flight

        @property
        def read_only(self) -> bool: ...  # from KeyRules

        def require_workspace(self) -> Workspace: ...  # from RavensecApp

    def caller(self, product_id: str | None) -> CertificateDefinition | None:
        return self.callers.get(product_id) if product_id else None

    def set_product(self, product: Product | None) -> None:
        self.current_product = product
        self.refresh_badge()
        if product is not None:
            self.ensure_caller(product.id)

    def on_product_chosen(self, message: ProductChosen) -> None:
        self.set_product(message.product)

    def on_data_changed(self, message: DataChanged) -> None:
        # A certificate edit may have touched the one in use (name, clearance): ask whoami again.
        if message.product_id is not None:
            self.callers.pop(message.product_id, None)
            self.load_caller(message.product_id)
        for screen in self.screen_stack:
            hook = getattr(screen, "data_changed", None)
            if hook is not None:
                hook(message.product_id)

    def ensure_caller(self, product_id: str) -> None:
        """Ask whoami unless the answer is known or on its way: the products poll asks on every reload, and
        a whoami slower than the poll would otherwise pile up requests."""
        if product_id not in self.callers and product_id not in self._asking:
            self.load_caller(product_id)

    def load_caller(self, product_id: str) -> None:
        """Ask whoami now, even if an answer is on its way (it may predate a change)."""
        self._asking.add(product_id)
        self._whoami(product_id)

    @work(exit_on_error=False, group="whoami", name="whoami")
    async def _whoami(self, product_id: str) -> None:
        try:
            caller = await self.require_workspace().whoami(product_id)
        except RavensecError as e:
            log.warning("whoami for %s failed: %s", product_id, e)
            caller = None
        finally:
            self._asking.discard(product_id)
        self.callers[product_id] = caller
        self.refresh_badge()
        for screen in self.screen_stack:
            screen.refresh_bindings()
            hook = getattr(screen, "caller_changed", None)
            if hook is not None:
                hook(product_id)

    def refresh_badge(self) -> None:
        p = self.profile
        product = self.current_product
        badge = badge_for(
            profile=p.name if p else "(none)",
            kind=p.kind if p else "-",
            demo=self.demo,
            read_only=self.read_only,
            caller=self.caller(product.id if product else None),
            product=product.display_name if product else None,
            now=self.now(),
        )
        for screen in self.screen_stack:
            for header in screen.query(HeaderBadge):
                header.show(badge)
