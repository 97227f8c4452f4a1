"""Where a key sits in the config's TOML text, for errors that name the file, the line and the key.

tomllib keeps no positions, so :func:`line_of` finds a key by reading the text; :class:`ConfigTable` reads
one ``[profiles.NAME]`` table's values and turns every problem into such a ConfigError.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = ["ConfigTable", "line_of"]


def _header(table: str) -> re.Pattern[str]:
    parts = [r"\s*[\"']?" + re.escape(part) + r"[\"']?\s*" for part in table.split(".")]
    return re.compile(r"^\s*\[" + r"\.".join(parts) + r"\]")


def line_of(text: str, key: str, table: str = "") -> int | None:
    """Best-effort line number of ``key`` inside ``[table]`` (top level when empty), for error messages.

    tomllib keeps no positions, so we look the key up in the text; when the key itself is absent we point
    at the table's header, which is where it would have to be added.
    """
    lines = text.splitlines()
    if table and "." in key:
        sub, last = key.rsplit(".", 1)
        found = line_of(text, last, f"{table}.{sub}")
        if found is not None:
            return found
    start, header_line = 0, None
    if table:
        pattern = _header(table)
        for i, line in enumerate(lines):
            if pattern.match(line):
                start, header_line = i + 1, i + 1
                break
        else:
            return None
    if not key:
        return header_line
    assignment = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
    for i in range(start, len(lines)):
        if lines[i].lstrip().startswith("["):
            break  # the next table begins: the key is not in this one
        if assignment.match(lines[i]):
            return i + 1
    if not table:
        for i, line in enumerate(lines):
            if _header(key).match(line):
                return i + 1
    return header_line


class ConfigTable:
    """One ``[profiles.NAME]`` table being read: every error names the file, the key's line and the key."""

    def __init__(self, path: Path, text: str, table: str) -> None:
        self.path, self.text, self.table = path, text, table

    def fail(self, key: str, message: str, hint: str = "") -> ConfigError:
        line = line_of(self.text, key, self.table) if key else line_of(self.text, "", self.table)
        full = f"{self.table}.{key}" if key else self.table
        return ConfigError(message, path=str(self.path), line=line, key=full, hint=hint)

    def secret_ref(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.startswith(("env:", "secret:")) or value.endswith(":"):
            literal = isinstance(value, str) and bool(value) and not value.startswith(("env:", "secret:"))
            raise self.fail(
                key,
                "holds a literal secret; secrets never go in the config file"
                if literal
                else 'must be a reference, "env:VARIABLE" or "secret:NAME"',
                hint='Store the value with `ravensec profile set-key` or use "env:VARIABLE" / "secret:NAME".',
            )
        return value

    def path_value(self, key: str, value: Any) -> Path:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a file path string", hint='e.g. "~/certs/client.pem".')
        return Path(value).expanduser()
