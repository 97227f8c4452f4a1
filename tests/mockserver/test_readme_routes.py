"""The README's table of simulated node routes is the mock's: every route with a handler is listed, and nothing
else (the other routes of the 7.2.7 table are authorized as the table says, then answer 501)."""

from __future__ import annotations

import re
from pathlib import Path

from ravensec.mock.node.app import HANDLERS
from ravensec.mock.routes import load_routes

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_lists_exactly_the_simulated_routes() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- simulated-routes", 1)[1].split("<!-- /simulated-routes -->", 1)[0]
    listed = set(re.findall(r"`([A-Z]+) ([^`]+)`", block))
    table = {(r.method, r.path) for r in load_routes()}
    assert listed == {key for key in HANDLERS if key in table}
