"""How every front end words things: whole sentences and counted nouns.

One place, so the CLI's errors, the TUI's toasts and the mock's messages all read the same way: a message
and its hint are two sentences ("Cannot open this PFX. Check the passphrase."), and a count agrees with
its noun ("1 certificate", "2 certificates").
"""

from __future__ import annotations

_ENDINGS = (".", "!", "?", "…")
_CLOSERS = (")", "]", '"', "'", "`", "»")


def sentence(text: str) -> str:
    """``text`` ending in a full stop unless it already ends a sentence (also before a closing bracket)."""
    text = text.strip()
    if not text:
        return ""
    body = text.rstrip("".join(_CLOSERS))
    if body.endswith(_ENDINGS) or (text.endswith(_CLOSERS) and body.endswith(_ENDINGS)):
        return text
    if text.endswith(":"):
        # "lower clearance:" was a lead-in whose continuation went missing; a colon does not end a sentence.
        text = text[:-1].rstrip()
    return text + "."


def capitalised(text: str) -> str:
    """``text`` with its first word capitalised when that word is plain English ("cannot" -> "Cannot"); a
    leading path, identifier or quoted name is left exactly as it is."""
    word = text.split(" ", 1)[0]
    if word.isalpha() and word.islower():
        return text[:1].upper() + text[1:]
    return text


def join_sentences(*parts: str) -> str:
    """The non-empty ``parts`` as sentences, one space apart: ``join_sentences("Failed", "Retry")``."""
    return " ".join(s for s in (sentence(p) for p in parts) if s)


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``plural(1, "certificate")`` -> "1 certificate"; ``plural(2, "entry", "entries")`` -> "2 entries"."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {plural_form or _plural_of(noun)}"


def _plural_of(noun: str) -> str:
    if noun.endswith(("s", "x", "sh", "ch")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"
