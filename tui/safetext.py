"""Text from a server, a package or a file, made safe to show on a terminal: data, never control.

A certificate name, a product name, a database name or a ZIP entry is chosen by whoever controls the server
(any Operator of a product, or the server itself). Written raw, ``ESC ] 0 ; ... BEL`` retitles the window,
``ESC [ 2 J`` clears the screen, a CR overwrites the start of the line with something else, and U+202E shows
the rest of the line backwards. So every such string is shown through :func:`visible`: each character that
steers the terminal or hides itself becomes a visible escape (``\\x1b``, ``\\u202e``) and everything else is
kept, wide characters included. Pure (no Rich, no Textual): the headless CLI uses it as it is, the TUI wraps
it in a ``rich.text.Text`` (``ravensec.tui.widgets.format.safe_text``), never in markup.

Machine output (JSON, YAML) must stay exact, so it is not escaped the visible way: :func:`escape_json` and
:func:`escape_yaml` turn the same characters into the format's own escapes, which a parser reads back to
the very same string.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = [
    "ELLIPSIS",
    "TABLE_CELL_LIMIT",
    "cell_width",
    "escape_json",
    "escape_yaml",
    "has_unsafe",
    "strip_for_terminal",
    "truncate",
    "visible",
]

# How wide (in terminal cells) a table cell from a server may be: a 10,000-character name must not make a
# column (and every line of the table) 10,000 cells wide. JSON and YAML always carry the whole string.
TABLE_CELL_LIMIT = 100
ELLIPSIS = "…"

# Every character a terminal obeys or that shows nothing: the C0 and C1 controls and DEL (Cc), the format
# characters (Cf: bidi embeddings, overrides and isolates, zero-width spaces, the BOM, invisible tags), the
# line and paragraph separators (Zl, Zp), lone surrogates (Cs: from undecodable bytes; they cannot even be
# encoded to a UTF-8 terminal) and the non-characters U+FFFE/U+FFFF (not allowed raw in YAML). Written out
# rather than computed from unicodedata at import (a million lookups); tests/tui/test_safetext.py checks the
# table against unicodedata. The joiners U+200C/U+200D are handled apart (see _JOINER).
_C0_BUT_LF = "\x00-\x09\x0b-\x1f"
_OTHER_UNSAFE = (
    "\x7f-\x9f"  # DEL, C1
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e"
    "\u200b\u200e-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ud800-\udfff\ufeff\ufff9-\ufffb\ufffe-\uffff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
)
_UNSAFE_CLASS = _C0_BUT_LF + "\n" + _OTHER_UNSAFE
# ZWNJ and ZWJ shape Persian and Indic words and join emoji (a family, a rainbow flag): kept between two
# non-ASCII characters, escaped anywhere else, where they only hide inside an ASCII name ("adm\u200din").
_JOINER = "\u200c\u200d"
_LONE_JOINER = f"|(?<![^\\x00-\\x7f])[{_JOINER}]|[{_JOINER}](?![^\\x00-\\x7f])"  # next to ASCII or an end
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]{_LONE_JOINER}")
_UNSAFE_NEWLINE_OK = re.compile(f"[{_C0_BUT_LF}{_OTHER_UNSAFE}]{_LONE_JOINER}")
# The same characters for JSON/YAML, the joiners too (a parser reads an escape back; nobody reads the text).
# Not LF: it is the documents' own line break, and both escape it inside a string already.
_MACHINE_UNSAFE = re.compile(f"[{_C0_BUT_LF}{_OTHER_UNSAFE}{_JOINER}]")


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def has_unsafe(text: str, *, multiline: bool = False) -> bool:
    """Whether :func:`visible` would change anything but the length of ``text``."""
    return (_UNSAFE_NEWLINE_OK if multiline else _UNSAFE).search(text) is not None


def visible(value: object, *, limit: int | None = None, multiline: bool = False) -> str:
    """``value`` as text a terminal shows and never obeys, at most ``limit`` cells wide.

    Controls and invisible characters become escapes (``\\x1b``, ``\\x0d``, ``\\u202e``); ``multiline``
    keeps LF as a line break (for a message of several lines, never for a name in a table). Beyond
    ``limit`` cells the text is cut and ends with an ellipsis.
    """
    text = value if isinstance(value, str) else str(value)
    # The usual case first: a short, printable ASCII name goes through untouched, at the cost of two checks.
    if not (text.isascii() and text.isprintable()):
        text = (_UNSAFE_NEWLINE_OK if multiline else _UNSAFE).sub(lambda m: _escape(m.group()), text)
    if limit is not None and len(text) > limit // 2 and cell_width(text) > limit:
        text = truncate(text, limit)
    return text


def cell_width(text: str) -> int:
    """Terminal cells ``text`` takes once made :func:`visible`: 2 for wide (CJK, emoji), 0 for combining."""
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` cells, the last one an ellipsis when anything was cut."""
    if cell_width(text) <= limit:
        return text
    room = max(limit - 1, 0)
    used = 0
    for i, ch in enumerate(text):
        w = _char_width(ch) if not ch.isascii() else 1
        if used + w > room:
            return text[:i] + ELLIPSIS
        used += w
    return text + ELLIPSIS


_TERMINAL_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")


def strip_for_terminal(text: str, width: Callable[[str], int]) -> str:
    """``text`` with every unsafe character replaced by ``width(ch)`` spaces (none for a zero-width one).

    The last line of defence under a screen that already shows data through :func:`visible`: whatever a
    widget is handed (an input's value, a library's message), no control reaches the terminal, and a line
    keeps the width its layout measured.
    """
    return _TERMINAL_UNSAFE.sub(lambda m: " " * width(m.group()), text)


def escape_json(document: str) -> str:
    """A JSON document with every unsafe character escaped as ``\\uXXXX`` (surrogate pairs above U+FFFF).

    Outside strings a JSON document is ASCII, so every match is inside a string, where the escape reads back
    to the same character: the document still parses to exactly the same data.
    """
    return _MACHINE_UNSAFE.sub(lambda m: _json_escape(m.group()), document)


def escape_yaml(document: str) -> str:
    """The same for a YAML document whose strings are plain ASCII or double-quoted (``tui/cli/yamlout``)."""
    return _MACHINE_UNSAFE.sub(lambda m: _yaml_escape(m.group()), document)


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _yaml_escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
