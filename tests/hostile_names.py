"""The corpus of hostile names: what a server, or any Operator of a product, may name a certificate or a product.

Shared by the helper's unit tests, the TUI's Pilot tests and the CLI's subprocess tests.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ravensec.core.certs.generate import make_client_certificate
from ravensec.core.models import DatabaseAccess, SecurityClearance
from ravensec.mock.backend import CloudBackend

# Markup: Rich/Textual would parse these (a crash, bold text, a live action).
MARKUP = ["[b]", "[/b]", "!!![/b]", "Zed[/b]", "[@click=app.quit]quit[/]"]
# Terminal control: window title, clear screen, bell, a carriage return that overwrites the line, NUL,
# a right-to-left override, an 8-bit CSI, an OSC 8 hyperlink.
CONTROL = [
    "title\x1b]0;pwned\x07",
    "clear\x1b[2J",
    "bell\x07",
    "admin-ok\rEVIL",
    "nul\x00byte",
    "rtl\u202egnp.exe",
    "c1\x9b31m",
    "link\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",
]
LONG = "L" * 10_000
WIDE = ["証明書-本番", "cert-😀-🔥"]
CORPUS = [*MARKUP, *CONTROL, LONG, *WIDE]
# The bytes none of CONTROL may put on a terminal, whatever it writes.
FORBIDDEN = ("\x1b", "\x07", "\r", "\x00", "\u202e", "\x9b")
# A product's name from the corpus too: markup, a window title, a carriage return.
PRODUCT_NAME = "Zed[/b] [@click=app.quit]x[/]\x1b]0;pwned\x07\rSpoof"


def plant(cloud: Any, product_id: str) -> dict[str, str]:
    """Register a certificate named after each corpus entry (with a database of the same name) on the mock's
    product, expiring in 20 days, and give the product PRODUCT_NAME; returns {name: thumbprint}."""
    now = cloud.state.clock()
    backend = CloudBackend(cloud.state).cluster(product_id)
    made = {}
    for i, name in enumerate(CORPUS):
        cert = make_client_certificate(f"hostile-{i}", key_type="ec-p256", not_before=now - timedelta(days=1),
                                       not_after=now + timedelta(days=20)).certificate
        (entry,) = backend.register(name, SecurityClearance.VALID_USER, {name: DatabaseAccess.READ}, cert)
        made[name] = entry.thumbprint
    with cloud.state.lock:
        cloud.state.products[product_id].display_name = PRODUCT_NAME
    return made
