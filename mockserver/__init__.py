"""An in-memory mTLS mock of RavenDB Cloud: the portal API and every product's nodes, served over real TLS
on 127.0.0.1 so that ravensec and the official ``ravendb`` client can be tested against it.

``from ravensec.mock import MockCloud`` is the entry point (see ``ravensec.mock.runtime``). The pytest plugin
(``ravensec.mock.pytest_plugin``) loads this package in every test session of every project that installs
ravensec, so the runtime (aiohttp and every route, ~150 ms) is imported on first use of a name, not here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .runtime import MockCloud, MockProduct

__all__ = ["MockCloud", "MockProduct"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from . import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module 'ravensec.mock' has no attribute {name!r}")
