"""How results are shown: a table for people, or stable JSON/YAML for scripts; colour only on a terminal.

Colour is off when ``--no-color`` is given, when ``NO_COLOR`` is set to anything non-empty, when stdout is
not a terminal, or when ``TERM=dumb``. In json/yaml mode, human notes (diffs, progress, "wrote ...") go to
stderr so stdout stays parseable.

Every string that reaches the terminal goes through ``ravensec.tui.safetext``: a name from a server is data,
so a control character in it is shown as an escape (``\\x1b``), never obeyed, whatever ``--no-color`` says;
a table cell is cut at ``TABLE_CELL_LIMIT`` cells. JSON and YAML keep every string exact, with the same
characters written as the format's escapes.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TextIO

from ravensec.tui.safetext import TABLE_CELL_LIMIT, cell_width, escape_json, escape_yaml, visible

from .yamlout import dump_yaml

Format = Literal["table", "json", "yaml"]
FORMATS: tuple[Format, ...] = ("table", "json", "yaml")

_CODES = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "dim": "2", "bold": "1"}


def color_enabled(stream: TextIO, *, no_color: bool = False) -> bool:
    if no_color or os.environ.get("NO_COLOR", ""):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass(frozen=True)
class Column:
    """A table column: header, the key in each row dict, and an optional colour chooser for a cell."""

    header: str
    key: str
    color: Callable[[Any], str | None] | None = None
    fmt: Callable[[Any], str] | None = None


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value) or "-"
    return str(value)


def _ljust(text: str, width: int) -> str:
    # By terminal cells, not characters: a CJK name takes two cells a character.
    return text + " " * (width - cell_width(text))


def render_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], *, color: bool = False) -> str:
    """Rows aligned under headers; an empty list renders as the headers alone."""
    cells = [[visible((c.fmt or _cell)(row.get(c.key)), limit=TABLE_CELL_LIMIT) for c in columns] for row in rows]
    widths = [max([len(c.header)] + [cell_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = []
    header = "  ".join(c.header.ljust(widths[i]) for i, c in enumerate(columns)).rstrip()
    lines.append(paint(header, "bold") if color else header)
    for row, texts in zip(rows, cells, strict=True):
        parts = []
        for i, col in enumerate(columns):
            text = _ljust(texts[i], widths[i]) if i < len(columns) - 1 else texts[i]
            name = col.color(row.get(col.key)) if (color and col.color) else None
            parts.append(paint(text, name) if name else text)
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


def render_mapping(data: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """``Label: value`` lines for one object (nested lists shown one item per line)."""
    labels = labels or {}
    keys = [k for k in data if k in labels] if labels else list(data)
    width = max((len(labels.get(k, k)) for k in keys), default=0)
    out = []
    for k in keys:
        v = data[k]
        label = labels.get(k, k).ljust(width)
        if isinstance(v, list) and v and isinstance(v[0], Mapping):
            out.append(f"{label}  ")
            out.extend("    " + "  ".join(visible(_cell(x)) for x in item.values()) for item in v)
        else:
            out.append(f"{label}  {visible(_cell(v))}")
    return "\n".join(line.rstrip() for line in out) + "\n"


def paint(text: str, name: str) -> str:
    code = _CODES.get(name)
    return f"\x1b[{code}m{text}\x1b[0m" if code else text


def serialise(data: Any, fmt: Format) -> str:
    if fmt == "json":
        return escape_json(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)) + "\n"
    if fmt == "yaml":
        return escape_yaml(dump_yaml(data))
    raise ValueError(fmt)


class Output:
    """Where a command writes: ``result`` for the answer, ``note`` for human commentary."""

    def __init__(
        self,
        fmt: Format = "table",
        *,
        no_color: bool = False,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.fmt: Format = fmt
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.color = color_enabled(self.stdout, no_color=no_color)
        self.err_color = color_enabled(self.stderr, no_color=no_color)

    @property
    def machine(self) -> bool:
        return self.fmt != "table"

    def result(
        self,
        data: Any,
        *,
        columns: Sequence[Column] | None = None,
        labels: Mapping[str, str] | None = None,
        text: str | None = None,
    ) -> None:
        """The command's answer: ``data`` as JSON/YAML, or as a table/mapping/``text`` for people."""
        if self.machine:
            self.stdout.write(serialise(data, self.fmt))
        elif text is not None:
            text = visible(text, multiline=True)
            self.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        elif columns is not None:
            self.stdout.write(render_table(data, columns, color=self.color))
        elif isinstance(data, Mapping):
            self.stdout.write(render_mapping(data, labels))
        else:
            self.stdout.write(visible(_cell(data)) + "\n")
        self.stdout.flush()

    def note(self, text: str, color: str | None = None) -> None:
        """Commentary for a person: stdout in table mode, stderr when stdout carries JSON/YAML."""
        stream, colored = (self.stderr, self.err_color) if self.machine else (self.stdout, self.color)
        text = visible(text, multiline=True)
        stream.write((paint(text, color) if color and colored else text) + "\n")
        stream.flush()

    def error(self, text: str) -> None:
        self.stderr.write("ravensec: " + visible(text, multiline=True) + "\n")
        self.stderr.flush()

    @property
    def interactive(self) -> bool:
        isatty = getattr(self.stderr, "isatty", None)
        return bool(isatty and isatty()) and self.stdout_tty

    @property
    def stdout_tty(self) -> bool:
        isatty = getattr(self.stdout, "isatty", None)
        return bool(isatty and isatty())
