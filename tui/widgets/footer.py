"""The footer every screen shows: Textual's Footer that rebuilds only when the keys it shows change, and
shows only whole keys (as many as fit, in order) and always ``?`` (help lists the rest)."""

from __future__ import annotations

from textual import events
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

Shown = tuple[tuple[str, str, str, str], ...]  # key, action, description, tooltip per drawn key


def shown_keys(screen: Screen[object]) -> tuple[Shown, dict[str, bool]]:
    """What the footer draws for ``screen``: one key per action (the first bound, as Footer does), and
    whether each action is enabled. ``c,enter`` comes and goes with focus (a table takes enter) but draws
    the same ``c``; comparing per action keeps that from rebuilding the footer."""
    shown: dict[str, tuple[str, str, str, str]] = {}
    enabled: dict[str, bool] = {}
    for _node, binding, is_enabled, tooltip in screen.active_bindings.values():
        if binding.show and binding.action not in shown:
            shown[binding.action] = (binding.key, binding.action, binding.description, tooltip)
            enabled[binding.action] = is_enabled
    return tuple(shown.values()), enabled


class KeysFooter(Footer):
    """Textual's Footer recomposes (a dozen widgets, each restyled) on every ``refresh_bindings``; the screens
    call that after each selection move and each answer from a node, and most of those calls only flip a key
    between enabled and disabled. Recomposing each time cost the first screen ~100 ms before it painted.
    This one recomposes when the set of keys changes and otherwise dims or undims the keys in place."""

    _drawn: Shown | None = None
    _sync_pending = False
    ALWAYS = "help"  # the action whose key stays whatever the width

    def bindings_changed(self, screen: Screen[object]) -> None:
        if not (screen.app.app_focus and self.is_attached and screen is self.screen):
            self._drawn = None  # Footer draws nothing now; the next call must recompose
            super().bindings_changed(screen)
            return
        # Like Footer, look at the bindings after the refresh: the screen may still be composing.
        if not self._sync_pending:
            self._sync_pending = True
            self.call_after_refresh(self._sync)

    async def _sync(self) -> None:
        self._sync_pending = False
        # As Footer.recompose does: a screen being removed has lost widgets its check_action may query.
        if not self.is_attached or self._pruning or self.screen._pruning:
            return
        shown, enabled = shown_keys(self.screen)
        if shown != self._drawn or not self._bindings_ready:
            self._drawn = shown
            self._bindings_ready = True
            await self.recompose()
            self._fit_keys()
            return
        for key in self.query(FooterKey):
            is_enabled = enabled.get(key.action)
            if is_enabled is not None and key._disabled == is_enabled:
                # FooterKey reads _disabled on click (bell instead of the key) and styles by the class.
                key._disabled = not is_enabled
                key.set_class(not is_enabled, "-disabled")

    def on_resize(self, event: events.Resize) -> None:
        self._fit_keys()

    def _fit_keys(self) -> None:
        """Hide the keys past the first that does not fit whole, keeping room for the ALWAYS key."""
        keys = list(self.query(FooterKey))
        # The command palette key is docked right, after a one-cell border.
        room = self.size.width - sum(_width(k) + 1 for k in keys if k.has_class("-command-palette"))
        shown = [k for k in keys if not k.has_class("-command-palette")]
        always = next((k for k in shown if k.action == self.ALWAYS), None)
        if always is not None:
            room -= _width(always)
        full = False
        for key in shown:
            if key is always:
                key.display = True
                continue
            full = full or _width(key) > room
            key.display = not full
            if not full:
                room -= _width(key)


def _width(key: FooterKey) -> int:
    return key.render().cell_len  # the key and its description with their padding, as FooterKey draws them
