"""The base of every modal: a ModalScreen with the screens' shared behaviour."""

from __future__ import annotations

from typing import Any

from textual.screen import ModalScreen

from ravensec.tui.screen_mixin import ScreenMixin


class BaseModal(ScreenMixin, ModalScreen[Any]):
    pass
