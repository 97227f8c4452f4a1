"""Command palette provider: the current screen's actions (with why a disabled one is disabled).

Only the actions of screens and the app, by their descriptions: a focused widget's own keys (the table's
cursor moves, an input's editing keys) are not commands anyone looks for in a palette."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape
from textual.screen import Screen

from ravensec.tui.safetext import visible


class RavensecCommands(Provider):
    """Context-aware: offers what the screen under the palette can do right now."""

    def _commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        out: list[tuple[str, str, Callable[[], Any]]] = []
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            b = active.binding
            node = active.node
            if not (b.description and b.id and isinstance(node, Screen | App)) or b.action in seen:
                continue
            if b.action.endswith("command_palette"):  # the palette itself
                continue
            seen.add(b.action)
            if active.enabled:
                key = self.app.get_key_display(b)
                out.append((b.description, f"key {key}", partial(self.app.run_action, b.action, node)))
            else:
                refusal = getattr(node, "refusal", None)
                reason = refusal(b.action) if callable(refusal) else None
                reason = reason or "not available now"
                # The palette reads help as markup, and a refusal quotes a certificate's name: escaped.
                help_text = escape(visible(reason))
                out.append((f"{b.description} (disabled)", help_text, partial(self.app.notify, reason)))
        return out

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
