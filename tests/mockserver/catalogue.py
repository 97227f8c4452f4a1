"""RavenDB 7.2.7's own words, from ``mockserver/messages.tsv`` (generated from Raven.Server.dll's #US heap by
``python -m ravensec.mock.sync``): tests take the server's fragments from here rather than retyping them."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import ravensec.mock

CATALOGUE = Path(ravensec.mock.__file__).with_name("messages.tsv")


@cache
def texts() -> tuple[str, ...]:
    with CATALOGUE.open(encoding="utf-8", newline="") as f:
        return tuple(row["text"] for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def server_text(containing: str) -> str:
    """The one catalogue text that contains ``containing`` (exactly as the server writes it)."""
    found = [t for t in texts() if containing in t]
    assert len(found) == 1, f"{containing!r} matches {len(found)} catalogue texts: {found[:5]}"
    return found[0]
