"""The output layer in-process: the YAML subset, tables, colour rules, where notes go."""

from __future__ import annotations

import io
import json

import pytest

from ravensec.tui.cli.output import Column, Output, color_enabled, render_table
from ravensec.tui.cli.yamlout import dump_yaml


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_yaml_plain_and_quoted_scalars() -> None:
    text = dump_yaml({"name": "ops", "n": 3, "ok": True, "none": None, "yes": "yes", "num": "0123",
                      "colon": "a: b", "empty": "", "dash": "-x", "date": "2026-01-02T03:04:05Z"})
    assert text == (
        "name: ops\n\"n\": 3\nok: true\nnone: null\n\"yes\": \"yes\"\nnum: \"0123\"\ncolon: \"a: b\"\n"
        "empty: \"\"\ndash: \"-x\"\ndate: 2026-01-02T03:04:05Z\n"
    )


def test_yaml_nested_structures() -> None:
    data = [{"ip": "10.0.0.0/8", "alias": "office"}, {"ip": "::1/128", "alias": ""}]
    assert dump_yaml({"allowedIps": data, "perm": {"orders": "read"}, "none": [], "obj": {}}) == (
        "allowedIps:\n- ip: 10.0.0.0/8\n  alias: office\n- ip: \"::1/128\"\n  alias: \"\"\n"
        "perm:\n  orders: read\nnone: []\nobj: {}\n"
    )


def test_yaml_top_level_list_of_lists_and_unicode() -> None:
    assert dump_yaml([[1, 2], "é # x"]) == "- - 1\n  - 2\n- \"é # x\"\n"


@pytest.mark.parametrize("value", ["true", "No", "~", "null", "1e3", "0x1F", ".inf", "12:30", "a #b", "x:"])
def test_yaml_quotes_whatever_a_reader_would_not_read_back_as_that_string(value: str) -> None:
    assert dump_yaml({"k": value}) == f"k: {json.dumps(value)}\n"


def test_table_aligns_and_formats_cells() -> None:
    rows = [{"a": "x", "b": True, "c": None}, {"a": "longer", "b": False, "c": ["p", "q"]}]
    out = render_table(rows, [Column("A", "a"), Column("B", "b"), Column("C", "c")])
    assert out == "A       B    C\nx       yes  -\nlonger  no   p, q\n"


def test_table_colour_only_when_enabled() -> None:
    cols = [Column("S", "s", color=lambda v: "red")]
    assert "\x1b[" not in render_table([{"s": "bad"}], cols, color=False)
    assert "\x1b[31mbad" in render_table([{"s": "bad"}], cols, color=True)


def test_color_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert color_enabled(Tty())
    assert not color_enabled(io.StringIO())
    assert not color_enabled(Tty(), no_color=True)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not color_enabled(Tty())
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.setenv("TERM", "dumb")
    assert not color_enabled(Tty())


def test_notes_go_to_stderr_when_stdout_is_json() -> None:
    out, err = io.StringIO(), io.StringIO()
    o = Output("json", stdout=out, stderr=err)
    o.note("+ 1.2.3.0/24  office")
    o.result({"a": 1}, text="ignored in json")
    assert json.loads(out.getvalue()) == {"a": 1}
    assert err.getvalue() == "+ 1.2.3.0/24  office\n"
    out2 = io.StringIO()
    t = Output("table", stdout=out2, stderr=io.StringIO())
    t.note("hello")
    t.result({"a": 1}, text="done")
    assert out2.getvalue() == "hello\ndone\n"


def test_mapping_rendering_uses_labels() -> None:
    out = io.StringIO()
    Output("table", stdout=out).result({"id": "p1", "name": "ops", "extra": 1}, labels={"id": "ID", "name": "Name"})
    assert out.getvalue() == "ID    p1\nName  ops\n"
