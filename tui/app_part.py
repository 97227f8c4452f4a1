"""``AppPart``: the base of the classes ``RavensecApp`` is assembled from, each holding one concern of the app:
``app_callers`` (who the app acts as, per product, and the header badge), ``app_keys`` (what the keys may
do, and why not) and ``app_errors`` (the error funnel and the toasts).

At run time a part is a plain class mixed in before Textual's ``App``: Textual finds a part's handlers
(``on_key``, ``on_worker_state_changed``...) along the MRO like the app's own, ``@work`` runs its workers on
the app, and being no DOM node it adds no CSS type name. To the type checker a part is an ``App``, so that it
can use the app's API; each part declares the app's state it reads, which ``RavensecApp.__init__`` sets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App

    AppPart = App[int]
else:
    AppPart = object
