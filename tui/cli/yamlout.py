"""A small, safe YAML emitter for the CLI's output (plain data only), so YAML needs no new dependency.

Only what ``--output json`` can express is emitted: mappings, sequences, strings, numbers, booleans and
null. Strings are written plain when YAML would read them back as the same string, else double-quoted
with JSON escapes (a JSON string is a valid YAML double-quoted scalar).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

_PLAIN = re.compile(r"^[A-Za-z0-9_./@+()=-][A-Za-z0-9_ ./@+()=,:-]*$")
# Plain scalars YAML 1.1/1.2 readers would turn into something other than a string.
_RESERVED = re.compile(
    r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N"
    r"|[-+]?(?:\d[\d_]*)?(?:\.\d*)?(?:[eE][-+]?\d+)?|0x[0-9a-fA-F_]+|0o?[0-7_]+|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN)|\d[\d:_]*(?:\.\d*)?)$"
)


# YAML allows an implicit ("key: value") key of at most 1024 characters; a longer one (a certificate or
# database name from a server may be 10,000 characters) is written as an explicit "? key" / ": value" pair.
_MAX_IMPLICIT_KEY = 1000


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value) if value == value and abs(value) != float("inf") else json.dumps(str(value))
    text = str(value)
    if (
        text
        and _PLAIN.match(text)
        and not _RESERVED.match(text)
        and not text.endswith(" ")
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and not text.startswith("-")
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def _key(key: Any) -> str:
    return _scalar(str(key))


def _is_seq(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, Mapping):
        if not value:
            return [pad + "{}"]
        out: list[str] = []
        for k, v in value.items():
            key = _key(k)
            explicit = len(key) > _MAX_IMPLICIT_KEY
            if explicit:
                out.append(f"{pad}? {key}")
            head = f"{pad}:" if explicit else f"{pad}{key}:"
            if (isinstance(v, Mapping) or _is_seq(v)) and v:
                out.append(head)
                # Sequences under a key sit at the key's indent, as most YAML writers do.
                out.extend(_lines(v, indent if _is_seq(v) and not explicit else indent + 2))
            else:
                out.append(f"{head} {_inline(v)}")
        return out
    if _is_seq(value):
        if not value:
            return [pad + "[]"]
        out = []
        for item in value:
            if (isinstance(item, Mapping) or _is_seq(item)) and item:
                inner = _lines(item, indent + 2)
                out.append(f"{pad}- {inner[0].lstrip()}")
                out.extend(inner[1:])
            else:
                out.append(f"{pad}- {_inline(item)}")
        return out
    return [pad + _scalar(value)]


def _inline(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if _is_seq(value):
        return "[]"
    return _scalar(value)


def dump_yaml(value: Any) -> str:
    """``value`` (JSON-compatible data) as a YAML document ending with a newline."""
    return "\n".join(_lines(value, 0)) + "\n"
