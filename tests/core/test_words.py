"""core.words: a message and its hint read as two sentences; a count agrees with its noun."""

from __future__ import annotations

import pytest

from ravensec.core.errors import ConfigError, Forbidden, RavensecError
from ravensec.core.words import capitalised, join_sentences, plural, sentence


@pytest.mark.parametrize(("text", "expected"), [
    ("the passphrase does not open this PFX", "the passphrase does not open this PFX."),
    ("Done.", "Done."),
    ("Really?", "Really?"),
    ("(see the portal.)", "(see the portal.)"),
    ("has a lower clearance:", "has a lower clearance."),
    ("  ", ""),
])
def test_sentence(text: str, expected: str) -> None:
    assert sentence(text) == expected


def test_a_message_and_its_hint_are_two_sentences() -> None:
    assert str(RavensecError("Cannot open this PFX", hint="Check the passphrase")) == \
        "Cannot open this PFX. Check the passphrase."
    refused = Forbidden("lower clearance: Operator", hint="Only a Cluster Admin can do that.")
    assert str(refused) == "lower clearance: Operator. Only a Cluster Admin can do that."
    assert str(ConfigError("has no profile named 'x' (from --profile)", path="c.toml", hint="Known profiles: a.")) \
        == "c.toml: has no profile named 'x' (from --profile). Known profiles: a."
    assert join_sentences("One", "", "Two!") == "One. Two!"


@pytest.mark.parametrize(("n", "noun", "expected"), [
    (1, "expired certificate", "1 expired certificate"), (2, "certificate", "2 certificates"),
    (0, "database", "0 databases"), (1, "product", "1 product"), (3, "entry", "3 entries"),
    (2, "day", "2 days"), (2, "address", "2 addresses"),
])
def test_plural(n: int, noun: str, expected: str) -> None:
    assert plural(n, noun) == expected


def test_capitalised_leaves_paths_and_options_alone() -> None:
    assert capitalised("cannot reach the mock.") == "Cannot reach the mock."
    assert capitalised("/etc/x.toml: bad.") == "/etc/x.toml: bad."
    assert capitalised("--within 'soon' is not a duration.") == "--within 'soon' is not a duration."
