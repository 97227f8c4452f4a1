"""Issue 6.2, bad input to core's parsers: certificate files, packages, config files, server and Cloud API
JSON, backup files and keys, IP rules. Whatever the bytes, a parser either succeeds or raises one of
ravensec.core.errors' types (a RavensecError with a message) — never a bare ValueError, KeyError or TypeError."""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ravensec.core.errors import RavensecError
from tests.adversarial.strategies import JSON, NASTY_TEXT
from tests.mockserver.helpers import identity_bundle


def only_core_errors(fn: Callable[[], object]) -> None:
    try:
        fn()
    except RavensecError as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message"


@cache
def samples() -> dict[str, bytes]:
    """Valid inputs of each kind, to mutate (mutations of valid files reach deeper than random bytes)."""
    from ravensec.core.backups import encrypt_backup
    from ravensec.core.certs.packages import build_cloud_package, build_server_package, export_pfx
    from ravensec.core.models import BackupKind

    b = identity_bundle("user-rw")
    from datetime import UTC, datetime

    return {
        "pem": b.combined_pem(),
        "der": b.cert_der(),
        "pfx": export_pfx(b, "pw"),
        "cloud-zip": build_cloud_package(b, "shop"),
        "server-zip": build_server_package(b, "shop", password="pw"),
        "backup": encrypt_backup(
            "orders",
            [{"@id": "a/1", "@collection": "A", "x": 1}],
            b"k" * 32,
            kind=BackupKind.FULL,
            created_at=datetime(2030, 1, 1, tzinfo=UTC),
        ),
    }


def mutate(data: bytes, edits: list[tuple[int, int]], cut: int | None) -> bytes:
    buf = bytearray(data)
    for pos, val in edits:
        if buf:
            buf[pos % len(buf)] = val
    return bytes(buf[:cut] if cut is not None else buf)


MUTATION = st.tuples(
    st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=6),
    st.one_of(st.none(), st.integers(0, 4000)),
)
KIND = st.sampled_from(["pem", "der", "pfx", "cloud-zip", "server-zip", "backup"])
PASSWORD = st.one_of(st.none(), st.sampled_from(["pw", "", "wrong", "Ω"]))


@given(kind=KIND, mutation=MUTATION, password=PASSWORD, as_text=st.booleans())
def test_certificate_loaders_on_mutated_files(
    kind: str, mutation: tuple[list[tuple[int, int]], int | None], password: str | None, as_text: bool
) -> None:
    from ravensec.core.certs.load import load_bundle, load_certificate, load_certificates_any

    data = mutate(samples()[kind], *mutation)
    text: bytes | str = data.decode("latin-1") if as_text else data
    only_core_errors(lambda: load_certificate(text))
    only_core_errors(lambda: load_certificates_any(text, password))
    only_core_errors(lambda: load_bundle(data, password))


@given(data=st.one_of(st.binary(max_size=400), NASTY_TEXT.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_certificate_loaders_on_random_bytes(data: bytes) -> None:
    from ravensec.core.certs.load import load_bundle, load_certificate, load_certificates_any

    only_core_errors(lambda: load_certificate(data))
    only_core_errors(lambda: load_certificates_any(data))
    only_core_errors(lambda: load_bundle(data, "pw"))


@given(kind=st.sampled_from(["cloud-zip", "server-zip"]), mutation=MUTATION, password=PASSWORD)
def test_packages_on_mutated_zips(
    tmp_path_factory: pytest.TempPathFactory,
    kind: str,
    mutation: tuple[list[tuple[int, int]], int | None],
    password: str | None,
) -> None:
    from ravensec.core.certs.packages import extract_package, read_package

    data = mutate(samples()[kind], *mutation)
    only_core_errors(lambda: read_package(data, password))
    dest = tmp_path_factory.mktemp("x")
    only_core_errors(lambda: extract_package(data, dest))
    # Never a file outside the destination, never a half-written one left behind by a failure.
    for p in dest.rglob("*"):
        assert p.resolve().is_relative_to(dest.resolve())
        assert not p.name.startswith(".") or p.is_dir(), f"temp file left: {p}"


@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")  # zipfile's, on purpose here
@given(names=st.lists(NASTY_TEXT.filter(bool), min_size=1, max_size=4), content=st.binary(max_size=60))
def test_packages_with_hostile_entry_names(
    tmp_path_factory: pytest.TempPathFactory, names: list[str], content: bytes
) -> None:
    from ravensec.core.certs.packages import extract_package, read_package

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            with contextlib.suppress(ValueError, IndexError):  # zipfile itself chokes on a few names
                z.writestr(n, content)
    data = buf.getvalue()
    only_core_errors(lambda: read_package(data))
    dest = tmp_path_factory.mktemp("names")
    only_core_errors(lambda: extract_package(data, dest / "out"))
    for p in dest.rglob("*"):
        assert p.resolve().is_relative_to(dest.resolve()), p


TOML_LINES = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "[profiles.a]",
                "[profiles]",
                "[keymap]",
                'current = "a"',
                'kind = "cloud"',
                'kind = "mock"',
                'kind = "nope"',
                'kind = "direct"',
                "nodes = [1, 2]",
                'nodes = ["https://a:1"]',
                'api_key = "env:RS_KEY"',
                'api_key = "plain"',
                "timeout = -1",
                'timeout = "x"',
                "read_only = 3",
                'quit = "ctrl+q"',
                "[[profiles]]",
                "x = ",
                '"\\u0000" = 1',
                "[profiles.a.certificates]",
                'p1 = "/nonexistent.pem"',
            ]
        ),
        NASTY_TEXT.map(lambda s: s.replace("\x00", "")),
    ),
    max_size=12,
)


@given(lines=TOML_LINES)
def test_config_loader_on_hostile_files(tmp_path_factory: pytest.TempPathFactory, lines: list[str]) -> None:
    from ravensec.core.config import load_config

    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass" if False else "strict")
    only_core_errors(lambda: load_config(path))


@cache
def wire_samples() -> dict[str, dict[str, Any]]:
    from ravensec.core.models import CertificateDefinition, SecurityClearance
    from ravensec.mock.node.certificates import entry_for

    e = entry_for(identity_bundle("user-rw").certificate, "n", SecurityClearance.VALID_USER, {})
    return {
        "definition": e.definition().to_wire(),
        "product": {
            "id": "p",
            "name": "n",
            "tier": "Production",
            "cloudProvider": "aws",
            "region": "us-east-1",
            "status": "Active",
            "nodes": [{"tag": "A", "url": "https://a.example:443"}],
            "allowedIps": [{"ip": "1.2.3.0/24", "alias": "o"}],
        },
        "topology": {
            "Topology": {"Members": {"A": "https://a:1"}, "Promotables": {}, "Watchers": {}},
            "Leader": "A",
        },
        "build": {"ProductVersion": "6.2", "BuildVersion": 62055, "FullVersion": "6.2.9"},
        "backup": {
            "database": "orders",
            "fileName": "x",
            "createdAt": "2030-01-01T00:00:00Z",
            "kind": "Full",
        },
        "_": {"CertificateDefinition": CertificateDefinition.__name__},
    }


@given(
    which=st.sampled_from(["definition", "product", "topology", "build", "backup"]),
    edits=st.dictionaries(st.text(max_size=20), JSON, max_size=4),
    drop=st.lists(st.text(max_size=20), max_size=3),
    whole=st.one_of(st.none(), JSON),
)
def test_wire_json_parsers(which: str, edits: dict[str, Any], drop: list[str], whole: Any) -> None:
    from ravensec.core.models import (
        Backup,
        BuildVersion,
        CertificateDefinition,
        ClusterTopology,
        Product,
        ProductSummary,
    )

    base = dict(wire_samples()[which])
    keys = list(base)
    for i, k in enumerate(drop):
        base.pop(keys[hash(k) % len(keys)] if i % 2 else k, None)
    for i, (k, v) in enumerate(edits.items()):
        base[keys[i % len(keys)] if i % 2 else k] = v
    value: Any = base if whole is None else whole
    parsers: dict[str, list[Callable[[Any], object]]] = {
        "definition": [CertificateDefinition.from_wire],
        "product": [Product.from_api, ProductSummary.from_api],
        "topology": [ClusterTopology.from_wire],
        "build": [BuildVersion.from_wire],
        "backup": [Backup.from_api],
    }
    for parse in parsers[which]:
        only_core_errors(lambda parse=parse: parse(value))  # type: ignore[misc]


@given(kind=st.just("backup"), mutation=MUTATION, key=st.one_of(st.binary(max_size=40), NASTY_TEXT))
def test_backup_reader_on_mutated_files(
    kind: str, mutation: tuple[list[tuple[int, int]], int | None], key: bytes | str
) -> None:
    from ravensec.core.backups import decrypt_backup, parse_key, read_backup_header, verify_backup

    data = mutate(samples()[kind], *mutation)
    only_core_errors(lambda: read_backup_header(data))
    only_core_errors(lambda: decrypt_backup(data, key))
    only_core_errors(lambda: decrypt_backup(data, b"k" * 32))
    only_core_errors(lambda: verify_backup(data, b"k" * 32))
    only_core_errors(lambda: parse_key(key))


@given(text=st.one_of(NASTY_TEXT, st.ip_addresses().map(str)), alias=NASTY_TEXT, normalise=st.booleans())
def test_ip_rule_parser(text: str, alias: str, normalise: bool) -> None:
    from ravensec.core.iprules import is_allowed, parse_rule

    try:
        rule = parse_rule(text, alias, normalise=normalise)
    except RavensecError:
        return
    only_core_errors(lambda: is_allowed(text.split("/")[0], [rule]))


def test_strategies_reach_real_files(tmp_path: Path) -> None:
    """The samples themselves parse: the mutations start from valid inputs, not from garbage."""
    from ravensec.core.backups import read_backup_header
    from ravensec.core.certs.load import load_bundle
    from ravensec.core.certs.packages import read_package

    s = samples()
    assert load_bundle(s["pem"]).private_key is not None
    assert load_bundle(s["pfx"], "pw").private_key is not None
    assert read_package(s["cloud-zip"]).layout == "cloud"
    assert read_package(s["server-zip"], "pw").layout == "server"
    assert read_backup_header(s["backup"]).database == "orders"
