"""The safe-text helper: controls shown as escapes, markup literal, widths by terminal cells, JSON/YAML exact."""

from __future__ import annotations

import json
import re
import sys
import unicodedata

import pytest
from rich.segment import Segment
from textual.color import Color

from ravensec.tui.cli.output import serialise
from ravensec.tui.safetext import (
    ELLIPSIS,
    TABLE_CELL_LIMIT,
    cell_width,
    escape_json,
    has_unsafe,
    strip_for_terminal,
    truncate,
    visible,
)
from ravensec.tui.widgets.format import ESCAPE_STYLE, safe_text
from ravensec.tui.widgets.terminal_guard import ControlFilter
from tests.hostile_names import CONTROL, CORPUS, FORBIDDEN, LONG, MARKUP, WIDE


@pytest.mark.parametrize("name", CORPUS)
def test_nothing_of_the_corpus_survives_visible(name: str) -> None:
    shown = visible(name)
    assert not any(ch in shown for ch in FORBIDDEN)
    assert "\n" not in shown and shown.isprintable()


def test_the_escapes_say_what_was_there() -> None:
    assert visible("title\x1b]0;pwned\x07") == "title\\x1b]0;pwned\\x07"
    assert visible("admin-ok\rEVIL") == "admin-ok\\x0dEVIL"
    assert visible("nul\x00byte") == "nul\\x00byte"
    assert visible("rtl\u202egnp.exe") == "rtl\\u202egnp.exe"
    assert visible("a\tb\x7f\x9b") == "a\\x09b\\x7f\\x9b"
    assert visible("tag\U000e0041") == "tag\\U000e0041"
    assert visible("lone\udcff") == "lone\\udcff"  # a surrogate from undecodable bytes: could not even be written


def test_markup_and_wide_characters_are_kept_as_they_are() -> None:
    for name in [*MARKUP, *WIDE, "café", "Ελληνικά", "עברית"]:
        assert visible(name) == name


def test_line_breaks_only_where_a_message_has_lines() -> None:
    assert visible("a\nb") == "a\\x0ab"
    assert visible("a\nb\r\x1b", multiline=True) == "a\nb\\x0d\\x1b"
    assert visible("a\u2028b", multiline=True) == "a\\u2028b"


def test_joiners_are_kept_inside_emoji_and_scripts_and_shown_inside_ascii() -> None:
    family = "👨\u200d👩\u200d👧"
    assert visible(family) == family
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # a Persian word with its ZWNJ
    assert visible(persian) == persian
    assert visible("adm\u200din") == "adm\\u200din"
    assert visible("\u200dadmin") == "\\u200dadmin" and visible("admin\u200c") == "admin\\u200c"
    assert visible("zero\u200bwidth") == "zero\\u200bwidth"


def test_long_names_are_cut_by_cells_with_an_ellipsis() -> None:
    shown = visible(LONG, limit=TABLE_CELL_LIMIT)
    assert shown.endswith(ELLIPSIS) and cell_width(shown) == TABLE_CELL_LIMIT
    wide = visible("証" * 100, limit=11)
    assert wide == "証" * 5 + ELLIPSIS and cell_width(wide) == 11
    assert visible("short", limit=TABLE_CELL_LIMIT) == "short"
    assert truncate("abc", 3) == "abc" and truncate("abcd", 3) == "ab" + ELLIPSIS


def test_cell_width_counts_terminal_cells() -> None:
    assert cell_width("abc") == 3
    assert cell_width("証明書") == 6
    assert cell_width("😀") == 2
    assert cell_width("e\u0301") == 1  # a combining accent takes no cell


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the table follows Python 3.11's Unicode data")
def test_the_unsafe_table_covers_every_control_format_and_separator_character() -> None:
    """Every Cc, Cf, Zl, Zp and Cs character of Python's Unicode data is escaped (the joiners inside ASCII),
    and no letter, number, mark, punctuation, symbol or space is."""
    missed, wrong = [], []
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        category = unicodedata.category(ch)
        unsafe = has_unsafe(ch)
        if category in ("Cc", "Cf", "Zl", "Zp", "Cs") and not unsafe:
            missed.append(hex(code))
        elif category[0] in "LNMPSZ" and category not in ("Zl", "Zp") and unsafe:
            wrong.append(hex(code))
    assert missed == [] and wrong == []


def test_safe_text_is_never_markup_and_marks_the_escapes() -> None:
    for name in MARKUP:
        assert safe_text(name).plain == name  # a Text: the brackets are characters, nothing parses them
    text = safe_text("clear\x1b[2J", style="bold")
    assert text.plain == "clear\\x1b[2J" and str(text.style) == "bold"
    assert [(s.start, s.end, s.style) for s in text.spans] == [(5, 9, ESCAPE_STYLE)]
    assert safe_text("plain").spans == []


@pytest.mark.parametrize("name", CORPUS)
def test_json_and_yaml_stay_exact(name: str) -> None:
    data = [{"name": name, "permissions": {name: "read"}}]
    out = serialise(data, "json")
    assert json.loads(out) == data
    assert not any(ch in out for ch in FORBIDDEN)
    yaml_out = serialise(data, "yaml")
    assert not any(ch in yaml_out for ch in FORBIDDEN)
    assert _read_our_yaml_strings(yaml_out) >= {name}


@pytest.mark.parametrize("name", CORPUS)
def test_a_yaml_parser_reads_the_exact_names_back(name: str) -> None:
    yaml = pytest.importorskip("yaml")  # not a test dependency; checked where PyYAML happens to be installed
    data = [{"name": name, "permissions": {name: "read"}}]
    assert yaml.safe_load(serialise(data, "yaml")) == data


def _read_our_yaml_strings(document: str) -> set[str]:
    # Without a YAML parser: our YAML's quoted strings are JSON strings, save for \\U escapes above the BMP.
    found = set()
    for quoted in re.findall(r'"(?:[^"\\]|\\.)*"', document):
        text = re.sub(r"\\U([0-9a-f]{8})", lambda m: chr(int(m.group(1), 16)), quoted)
        found.add(json.loads(text))
    found.update(re.findall(r"^- name: (\S+)$", document, re.M))
    return found


def test_escape_json_keeps_structure_and_escapes_above_the_bmp_as_pairs() -> None:
    doc = json.dumps({"a": "x\u202e\U000e0041\x85"}, indent=2, ensure_ascii=False)
    escaped = escape_json(doc)
    assert "\n" in escaped and json.loads(escaped) == json.loads(doc)
    assert "\\udb40\\udc41" in escaped


def test_the_line_filter_drops_controls_and_keeps_the_width() -> None:
    segments = [Segment("ok "), Segment("a\x1b[2Jb\u202e\x07"), Segment("\x1b[0m", None, [(1,)])]
    out = ControlFilter().apply(segments, Color(0, 0, 0))
    assert [s.text for s in out] == ["ok ", "a[2Jb", "\x1b[0m"]  # a control segment is Textual's own
    clean = segments[:1]
    assert ControlFilter().apply(clean, Color(0, 0, 0)) is clean  # nothing to drop: no copy
    assert strip_for_terminal("x\ufffey", lambda ch: 1) == "x y"  # a character one cell wide leaves a space


@pytest.mark.parametrize("name", CONTROL)
def test_has_unsafe_agrees_with_visible(name: str) -> None:
    assert has_unsafe(name) and visible(name) != name


def test_yaml_writes_a_key_longer_than_yaml_allows_implicitly_as_an_explicit_one() -> None:
    long_key = "k" * 1001
    assert serialise({long_key: 1, "short": {long_key: ["x"]}}, "yaml") == (
        f"? {long_key}\n: 1\nshort:\n  ? {long_key}\n  :\n    - x\n"
    )
