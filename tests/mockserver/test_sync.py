"""The generated RavenDB facts (CI never downloads the wheel: it checks the committed files), and the ECMA-335
blob decoder of ``python -m ravensec.mock.sync`` on handmade bytes."""

from __future__ import annotations

import ast
import json
import struct
from collections import Counter
from pathlib import Path

import pytest

import ravensec.mock
from ravensec.mock.routes import Requirement, load_routes, server_build
from ravensec.mock.sync.blob import (
    BOOLEAN,
    STRING,
    VALUETYPE,
    BlobError,
    EnumLookup,
    EnumType,
    EnumValue,
    NamedArg,
    SigType,
    compressed_uint,
    decode_custom_attribute,
    parse_method_signature,
    user_strings,
)
from ravensec.mock.sync.tables import MESSAGE_KEYWORDS, MIN_MESSAGE_WORDS, select_messages

MOCK = Path(ravensec.mock.__file__).parent
BUILD = json.loads((MOCK / "ravendb_build.json").read_text(encoding="utf-8"))
METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "RESET"}
FLAGS = (
    "is_debug_information_endpoint",
    "disable_on_cpu_credits_exhaustion",
    "check_for_changes",
    "skip_usages_count",
    "skip_last_request_time_update",
    "is_posix_specific_endpoint",
)


def _tsv(name: str) -> tuple[list[str], list[dict[str, str]]]:
    header, *lines = (MOCK / name).read_text(encoding="utf-8").splitlines()
    names = header.split("\t")
    rows = []
    for line in lines:
        cells = line.split("\t")
        assert len(cells) == len(names), line
        rows.append(dict(zip(names, cells, strict=True)))
    return names, rows


def test_the_build_is_7_2_7() -> None:
    assert (BUILD["full_version"], BUILD["product_version"], BUILD["build_version"]) == ("7.2.7", "7.2", 72051)
    assert BUILD["wheel"] == "ravendb_embedded-7.2.7-py3-none-any.whl"
    assert len(BUILD["wheel_sha256"]) == 64 and int(BUILD["wheel_sha256"], 16) >= 0
    b = server_build()
    assert (b.full_version, b.build_version, b.commit_hash) == ("7.2.7", 72051, BUILD["commit_hash"])


def test_every_route_row_is_well_formed() -> None:
    names, rows = _tsv("routes.tsv")
    assert names[:4] == ["path", "method", "authorization_status", "endpoint_type"]
    assert len(rows) == BUILD["routes"] == 622 == len(load_routes())
    assert Counter(r["authorization_status"] for r in rows) == BUILD["routes_per_authorization_status"]
    statuses = {s.value for s in Requirement}
    seen: set[tuple[str, str]] = set()
    for r in rows:
        key = (r["path"].lower(), r["method"])
        assert key not in seen, key
        seen.add(key)
        assert r["path"].startswith("/") and r["method"] in METHODS, r
        assert r["authorization_status"] in statuses, r
        # The attribute's constructors tie the two: only ValidUser routes say Read or Write.
        if r["authorization_status"] == "ValidUser":
            assert r["endpoint_type"] in ("Read", "Write"), r
        else:
            assert r["endpoint_type"] == "", r
        assert all(r[f] in ("true", "false") for f in FLAGS), r
        assert r["cors_mode"] in ("None", "Cluster", "Public"), r
        assert r["database_scoped"] == ("yes" if r["path"].startswith("/databases/*/") else "no"), r
        assert r["handler_class"] and r["handler_method"], r
        assert r["source_version"] == f"7.2.7 sha256:{BUILD['wheel_sha256']}", r


def test_routes_the_5_2_table_lacked_are_there() -> None:
    _, rows = _tsv("routes.tsv")
    table = {(r["path"], r["method"]): r["authorization_status"] for r in rows}
    assert table[("/databases/*/admin/record", "GET")] == "DatabaseAdmin"
    assert table[("/admin/certificates/2fa/generate", "GET")] == "Operator"
    assert table[("/admin/certificates/for-communication/export", "GET")] == "Operator"
    assert table[("/admin/configuration/server-wide/connection-strings", "GET")] == "Operator"
    assert table[("/certificates/whoami", "GET")] == "UnauthenticatedClients"


def test_the_message_catalogue_follows_its_filter() -> None:
    names, rows = _tsv("messages.tsv")
    assert names == ["id", "keyword", "text"]
    assert len(rows) == BUILD["messages"] > 100
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["keyword"] in MESSAGE_KEYWORDS and r["keyword"] in r["text"].lower(), r
        assert len(r["text"].split()) >= MIN_MESSAGE_WORDS, r
    texts = {r["text"] for r in rows}
    # The refusals the mock words (authz/access.py) are built from these fragments of the server's.
    assert (
        "This server requires client certificate for authentication, but none was provided by the client. "
        "Did you forget to install the certificate?"
    ) in texts
    assert "Could not authorize access to " in texts
    assert "There is no handler for path: " in texts


def test_nothing_but_the_sync_imports_the_sync_package() -> None:
    root = MOCK.parent  # the repository: core/, mockserver/, tui/
    files = [p for d in ("core", MOCK.name, "tui") for p in (root / d).rglob("*.py")]
    assert len(files) > 50
    for path in files:
        if (MOCK / "sync") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.startswith(("ravensec.mock.sync", "dnfile")) for n in names), path


# --- the decoder, on bytes made by hand from ECMA-335 II.23 -------------------------------------------------


@pytest.mark.parametrize(
    ("data", "value", "used"),
    [  # the standard's own examples (II.23.2)
        (b"\x03", 0x03, 1),
        (b"\x7f", 0x7F, 1),
        (b"\x80\x80", 0x80, 2),
        (b"\xae\x57", 0x2E57, 2),
        (b"\xbf\xff", 0x3FFF, 2),
        (b"\xc0\x00\x40\x00", 0x4000, 4),
        (b"\xdf\xff\xff\xff", 0x1FFFFFFF, 4),
    ],
)
def test_compressed_unsigned_integers(data: bytes, value: int, used: int) -> None:
    assert compressed_uint(data) == (value, used)


AUTH = EnumType("Raven.Server.Routing.AuthorizationStatus", 0x08, {0: "ClusterAdmin", 3: "ValidUser"})
ENDPOINT = EnumType("Raven.Server.Routing.EndpointType", 0x08, {1: "Read", 2: "Write"})
CORS = EnumType("Raven.Server.Routing.CorsMode", 0x08, {0: "None", 1: "Cluster"})
TOKENS = {("TypeDef", 830): AUTH, ("TypeDef", 828): ENDPOINT, ("TypeDef", 826): CORS}
ENUMS = EnumLookup(TOKENS.get, {e.name: e for e in TOKENS.values()}.get)

# .ctor(string path, string method, AuthorizationStatus, EndpointType, bool, bool, bool, CorsMode):
# HASTHIS, 8 parameters, void, then the types; enums as VALUETYPE with a compressed TypeDefOrRef (row << 2).
CTOR = bytes.fromhex("2008010e0e118cf8118cf0020202118ce8")


def _ser(s: str) -> bytes:
    raw = s.encode()
    return bytes([len(raw)]) + raw


def test_a_constructor_signature_gives_the_parameter_types() -> None:
    sig = parse_method_signature(CTOR)
    assert sig.calling_convention == 0x20 and sig.return_type == SigType(0x01)
    assert [p.element for p in sig.params] == [STRING, STRING, VALUETYPE, VALUETYPE, BOOLEAN, BOOLEAN, BOOLEAN, VALUETYPE]
    assert [p.token for p in sig.params if p.token] == [("TypeDef", 830), ("TypeDef", 828), ("TypeDef", 826)]


def test_a_route_attribute_blob_decodes_by_its_constructor() -> None:
    blob = (
        b"\x01\x00"
        + _ser("/databases/*/docs")
        + _ser("PUT")
        + struct.pack("<ii", 3, 2)  # ValidUser, Write: int32, the enums' underlying type
        + b"\x01\x00\x01"  # isDebugInformationEndpoint, isPosixSpecificEndpoint, checkForChanges
        + struct.pack("<i", 1)  # CorsMode.Cluster
        + struct.pack("<H", 2)  # two named arguments
        + b"\x54\x02"
        + _ser("DisableOnCpuCreditsExhaustion")
        + b"\x01"
        + b"\x54\x55"
        + _ser("Raven.Server.Routing.CorsMode, Raven.Server")
        + _ser("CorsMode")
        + struct.pack("<i", 0)
    )
    attr = decode_custom_attribute(blob, parse_method_signature(CTOR).params, ENUMS)
    assert attr.fixed == (
        "/databases/*/docs",
        "PUT",
        EnumValue(AUTH.name, 3, "ValidUser"),
        EnumValue(ENDPOINT.name, 2, "Write"),
        True,
        False,
        True,
        EnumValue(CORS.name, 1, "Cluster"),
    )
    assert attr.named == (
        NamedArg("property", "DisableOnCpuCreditsExhaustion", True),
        NamedArg("property", "CorsMode", EnumValue(CORS.name, 0, "None")),
    )


def test_null_strings_arrays_and_an_unknown_enum_member() -> None:
    params = (SigType(STRING), SigType(0x1D, inner=SigType(0x08)), SigType(VALUETYPE, token=("TypeDef", 830)))
    blob = b"\x01\x00\xff" + struct.pack("<I", 2) + struct.pack("<ii", 7, -1) + struct.pack("<i", 9) + b"\x00\x00"
    attr = decode_custom_attribute(blob, params, ENUMS)
    assert attr.fixed == (None, [7, -1], EnumValue(AUTH.name, 9, "9"))


@pytest.mark.parametrize(
    ("blob", "params", "error"),
    [
        (b"\x02\x00\x00\x00", (), "prolog"),
        (b"\x01\x00\x00\x00\x99", (), "left after"),
        (b"\x01\x00\x05ab\x00\x00", (SigType(STRING),), "truncated"),
        (b"\x01\x00\x01\x00\x99\x02\x01a\x01", (), "neither FIELD nor PROPERTY"),
        (b"\x01\x00\x01\x00\x54\x55\x03Foo\x01a\x00\x00\x00\x00", (), "unknown"),
    ],
)
def test_malformed_blobs_are_refused(blob: bytes, params: tuple[SigType, ...], error: str) -> None:
    with pytest.raises(BlobError, match=error):
        decode_custom_attribute(blob, params, ENUMS)


def test_a_value_type_that_is_no_enum_is_refused() -> None:
    with pytest.raises(BlobError, match="not a known enum"):
        decode_custom_attribute(b"\x01\x00\x00\x00\x00\x00", (SigType(VALUETYPE, token=("TypeDef", 1)),), ENUMS)


def test_the_user_string_heap_and_the_message_filter() -> None:
    def us(s: str) -> bytes:
        raw = s.encode("utf-16-le")
        return bytes([len(raw) + 1]) + raw + b"\x00"

    heap = b"\x00" + us("Id") + us("The client certificate is unknown") + us("x") + b"\x00\x00"
    strings = user_strings(heap)
    assert [s for _, s in strings] == ["Id", "The client certificate is unknown", "x"]
    assert strings[0][0] == 1
    kept = select_messages([*strings, (99, "Thumbprint"), (100, "The client certificate is unknown")])
    assert [(k, t) for _, k, t in kept] == [("certificate", "The client certificate is unknown")]
