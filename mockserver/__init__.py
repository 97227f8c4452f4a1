"""An in-memory mTLS mock of RavenDB Cloud: the portal API and every product's nodes, served over real TLS
on 127.0.0.1 so that ravensec and the official ``ravendb`` client can be tested against it.

``from mockserver import MockCloud`` is the entry point (see ``mockserver.runtime``).
"""

from .runtime import MockCloud, MockProduct

__all__ = ["MockCloud", "MockProduct"]
