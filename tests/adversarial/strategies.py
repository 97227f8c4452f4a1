"""Hypothesis strategies for hostile input: malformed JSON, wrong types, huge and empty strings, invalid
base64/PEM/PFX, bad CIDRs, unicode names."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import strategies as st

NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "../../etc/passwd",
            "Ωmega-数据库-🔑",
            "a" * 5000,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
            "-----BEGIN PRIVATE KEY-----\n!!\n-----END PRIVATE KEY-----",
            "MIIB" + "=" * 7,
            "not base64 %%%",
            "null",
            "0.0.0.0/0",
            "10.0.0.1/33",
            "10.0.0.1/8",
            "::1/129",
            "999.1.1.1",
            "1.2.3.4/-1",
            "ClusterAdmin",
            "ClusterNode",
            "Operator",
            "ValidUser",
            "2000-01-01T00:00:00.0000000",
            "9999-12-31T23:59:59.9999999",
        ]
    ),
)
SCALAR: st.SearchStrategy[Any] = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), NASTY_TEXT
)
JSON: st.SearchStrategy[Any] = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(NASTY_TEXT, inner, max_size=4)),
    max_leaves=12,
)
BASE64ISH = st.one_of(
    st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode()),
    NASTY_TEXT,
)

CERT_KEYS = [
    "Name",
    "Certificate",
    "SecurityClearance",
    "Permissions",
    "Password",
    "NotAfter",
    "Thumbprint",
    "Disabled",
]


# A certificate definition whose every field may be missing, of the wrong type or hostile.
DEFINITION = st.dictionaries(
    st.sampled_from(CERT_KEYS),
    st.one_of(JSON, BASE64ISH, st.dictionaries(NASTY_TEXT, st.one_of(NASTY_TEXT, JSON), max_size=3)),
    max_size=len(CERT_KEYS),
)

# A request body: raw bytes (mostly malformed JSON), any JSON, or a hostile definition.
BODY: st.SearchStrategy[bytes] = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([b"", b"{", b"[]", b"null", b'{"Name":', b"\xff\xfe", b'{"a":1}' * 100]),
    JSON.map(lambda v: json.dumps(v).encode()),
    DEFINITION.map(lambda v: json.dumps(v).encode()),
)

QUERY = st.dictionaries(
    st.sampled_from(
        ["thumbprint", "name", "id", "metadataOnly", "start", "pageSize", "url", "tag", "n", "x"]
    ),
    NASTY_TEXT.filter(lambda s: "\x00" not in s),
    max_size=4,
)
# Header values must be printable ASCII without leading blanks for requests to send them at all.
HEADER_VALUE = st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=80)
HEADERS = st.dictionaries(
    st.sampled_from(
        ["Content-Type", "Accept", "If-None-Match", "Raven-Client-Version", "Topology-Etag", "X-Foo"]
    ),
    HEADER_VALUE,
    max_size=3,
)

CIDR_TEXT = st.one_of(
    NASTY_TEXT,
    st.builds(
        lambda a, b, c, d, p: f"{a}.{b}.{c}.{d}/{p}",
        *[st.integers(-1, 300)] * 4,
        st.integers(-1, 40),
    ),
    st.ip_addresses().map(str),
)
IP_LIST = st.lists(
    st.one_of(
        CIDR_TEXT,
        st.fixed_dictionaries({"ip": st.one_of(CIDR_TEXT, JSON), "alias": st.one_of(NASTY_TEXT, JSON)}),
        JSON,
    ),
    max_size=60,
)
