"""``KeyRules``: what the keys may do, and what they say when they may not. The one read-only rule every write
action of every screen passes (``refusal``); the app's own actions that wait for an open profile; the reason
a disabled key gives when pressed, and the help (``?``) listing every key with that reason; the binding ids
a keymap may name.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding
from textual.dom import DOMNode

from ravensec.core.config import config_path
from ravensec.core.profile import Profile
from ravensec.tui.app_part import AppPart
from ravensec.tui.modals.info import InfoModal, help_text
from ravensec.tui.widgets.policy import WRITE_ACTIONS, read_only_reason

if TYPE_CHECKING:
    from ravensec.core.workspace import Workspace


class KeyRules(AppPart):
    if TYPE_CHECKING:
        profile: Profile | None
        force_read_only: bool
        config_file: Path | None
        workspace: Workspace | None
        _keymap: dict[str, str]

    @property
    def read_only(self) -> bool:
        return bool(self.workspace.read_only) if self.workspace is not None else self.force_read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("expiry", "posture") and self.workspace is None:
            return None
        return True

    def refusal(self, action: str) -> str | None:
        """The one read-only rule: every write action of every screen is refused here."""
        return self.read_only_refusal() if action in WRITE_ACTIONS else None

    def read_only_refusal(self) -> str | None:
        """Why nothing may be changed (and where read-only comes from), or None when changes are allowed."""
        if not self.read_only:
            return None
        return read_only_reason(
            flag=self.force_read_only,
            profile=self.profile.name if self.profile else "(none)",
            config_file=str(self.config_file or config_path()),
        )

    def on_key(self, event: events.Key) -> None:
        """A key whose action is disabled says why (the reason help shows) instead of doing nothing.

        Keys reach the app after the bindings ran (App._on_key): an enabled binding has acted, a disabled one
        was skipped, and a key no binding has stays silent."""
        active = self.screen.active_bindings.get(event.key)
        if active is None or active.enabled:
            return
        reason = _reason_for(active.node, active.binding.action)
        if reason:
            self.notify(reason, title=f"{active.binding.description or 'Key'}: not now", severity="warning",
                        timeout=6, markup=False)

    def action_help(self) -> None:
        screen = self.screen
        rows: list[tuple[str, str, str, str | None]] = []
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            b = active.binding
            if b.action in seen or not b.description or not b.id:
                continue
            seen.add(b.action)
            reason = None if active.enabled else _reason_for(active.node, b.action)
            rows.append((self.get_key_display(b), b.description, b.id or "", reason))
        rows.sort(key=lambda r: r[2])
        self.push_screen(InfoModal("Keys", help_text(rows), modal_id="help"))

    def _report_unknown_keymap_ids(self) -> None:
        """Textual ignores a keymap id no binding has; say so once, or the remap silently does nothing."""
        unknown = sorted(set(self._keymap) - known_binding_ids())
        if unknown:
            names = ", ".join(repr(i) for i in unknown)
            self.notify(
                f"[keymap] in {self.config_file or config_path()}: no key has the id {names}; ignored. "
                "Help (?) lists every id.",
                title="Unknown key binding id",
                severity="warning",
                timeout=15,
                markup=False,
            )


def _classes(cls: type[DOMNode]) -> Iterator[type[DOMNode]]:
    yield cls
    for sub in cls.__subclasses__():
        yield from _classes(sub)


def known_binding_ids() -> set[str]:
    """Every binding id of every widget, screen and app class loaded (ravensec's and Textual's)."""
    ids: set[str] = set()
    for cls in _classes(DOMNode):
        for b in cls.__dict__.get("BINDINGS", ()):
            if isinstance(b, Binding) and b.id:
                ids.add(b.id)
    return ids


def _reason_for(node: DOMNode, action: str) -> str | None:
    refusal = getattr(node, "refusal", None)
    return refusal(action) if callable(refusal) else "not available here"
