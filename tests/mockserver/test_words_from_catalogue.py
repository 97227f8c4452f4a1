"""The mock's fixed words are RavenDB 7.2.7's: every fragment the authorization layer writes appears verbatim in
the message catalogue generated from Raven.Server.dll (``mockserver/messages.tsv``). A future release is then a
regeneration (``python -m ravensec.mock.sync``) and this test says which words moved."""

from __future__ import annotations

import pytest

from ravensec.mock.authz import access
from tests.mockserver.catalogue import texts

FRAGMENTS = {
    **{f"suffix {req.value}": text.strip() for req, text in access._SUFFIX.items()},
    "browser cache (RequestRouter)": access.BROWSER_CACHE.strip(),
}


@pytest.mark.parametrize("fragment", sorted(FRAGMENTS), ids=sorted(FRAGMENTS))
def test_fragment_is_the_servers(fragment: str) -> None:
    words = FRAGMENTS[fragment]
    assert any(words in t or t.strip() == words for t in texts()), f"{words!r} is not in the 7.2.7 catalogue"
