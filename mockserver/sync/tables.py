"""The generated files: ``routes.tsv`` (one row per ``RavenActionAttribute``), ``messages.tsv`` (the user
strings of the authorization and certificate code) and ``ravendb_build.json`` (which release they are from).

Messages are chosen by a documented filter, ``MESSAGE_KEYWORDS``: a user string is kept when it contains one
of them (case-insensitively) and has at least ``MIN_MESSAGE_WORDS`` words, so that identifiers, header and
route names drop out. C# interpolation splits a message into its literal fragments, so the catalogue holds
fragments such as ``"The supplied client certificate '"``; ids are a hash of the text, stable across
releases while the words stay the same.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

from ravensec.mock.sync.assembly import RouteAttribute
from ravensec.mock.sync.blob import EnumValue, Value

MESSAGE_KEYWORDS = (
    "certificate",
    "thumbprint",
    "clearance",
    "authoriz",
    "authentica",
    "cpu credits",
    "there is no handler",
    "public key pinning",
    "access is required",
    "access to the server",
    "two factor",
    "2fa",
)
MIN_MESSAGE_WORDS = 3

# Properties with their own columns, in this order; any other property of the attribute follows them.
_LEADING = ("Path", "Method", "RequiredAuthorization", "EndpointType")
_DB_PREFIX = "/databases/*/"


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def cell(value: Value) -> str:
    if isinstance(value, EnumValue):
        return "" if value.name == "None" and value.type_name.endswith("EndpointType") else value.name
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(cell(v) for v in value)
    return str(value)


def _clean(text: str) -> str:
    # The table is tab-separated without quoting: no field may hold a tab or a line break.
    if any(c in text for c in "\t\r\n"):
        raise ValueError(f"field {text!r} holds a tab or line break")
    return text


def route_rows(
    routes: Iterable[RouteAttribute], property_names: list[str], source_version: str, sources: dict[str, str]
) -> list[list[str]]:
    """The table: a header, then one row per route sorted by path and method (the file diffs well)."""
    extra = [p for p in property_names if p not in _LEADING]
    header = [
        "path",
        "method",
        "authorization_status",
        "endpoint_type",
        *(snake(p) for p in extra),
        "handler_class",
        "handler_method",
        "database_scoped",
        "source_file",
        "source_version",
    ]
    rows: list[list[str]] = []
    for r in routes:
        p = r.properties
        path = cell(p["Path"])
        rows.append(
            [
                _clean(path),
                cell(p["Method"]).upper(),
                cell(p["RequiredAuthorization"]),
                cell(p["EndpointType"]),
                *(cell(p[name]) for name in extra),
                _clean(r.handler_class),
                _clean(r.handler_method),
                "yes" if path.lower().startswith(_DB_PREFIX) else "no",
                _clean(sources.get(f"{r.handler_namespace}.{r.handler_class}::{r.handler_method}", "")),
                source_version,
            ]
        )
    rows.sort(key=lambda row: (row[0].lower(), row[1]))
    return [header, *rows]


def select_messages(strings: Iterable[tuple[int, str]]) -> list[tuple[str, str, str]]:
    """(id, keyword, text) of the user strings the filter keeps, in heap order, each text once."""
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for _offset, text in strings:
        low = text.lower()
        keyword = next((k for k in MESSAGE_KEYWORDS if k in low), None)
        if keyword is None or len(text.split()) < MIN_MESSAGE_WORDS or text in seen:
            continue
        seen.add(text)
        # Line breaks and tabs escaped so that one message stays one line of the file.
        escaped = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
        out.append((hashlib.sha256(text.encode()).hexdigest()[:12], keyword, escaped))
    return out


def write_tsv(path: Path, rows: list[list[str]]) -> None:
    path.write_text("".join("\t".join(row) + "\n" for row in rows), encoding="utf-8")


def write_build(path: Path, meta: dict[str, object]) -> None:
    path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
