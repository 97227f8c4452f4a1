"""ravensec.core.certs.pemfile: a plain PEM goes to ssl as is; every other shape takes the long way, with its old errors."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from aiohttp import web

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.certs.pemfile import (
    PemFile,
    first_certificate_not_after,
    is_single_plain_identity,
    pem_file_identity,
)
from ravensec.core.errors import CertificateError
from ravensec.core.http._targets import client_cert_for
from ravensec.core.http.instance import InstanceClient
from ravensec.core.http.tls import client_ssl_context
from ravensec.core.profile import Profile
from tests.core.localserver import Pki, json_response, peer_thumbprint, serve


def _write(path: Path, *parts: bytes) -> Path:
    path.write_bytes(b"".join(parts))
    return path


def _combined(pki: Pki, tmp_path: Path, name: str = "alice") -> tuple[CertBundle, Path]:
    bundle = pki.client(name)
    return bundle, _write(tmp_path / f"{name}.pem", bundle.cert_pem(), bundle.key_pem())


def test_plain_pem_is_handed_to_ssl(pki: Pki, tmp_path: Path) -> None:
    _, path = _combined(pki, tmp_path)
    assert pem_file_identity(path) == PemFile(path)
    # Key first, then the certificate: still one certificate and its key.
    bundle = pki.client("bob")
    swapped = _write(tmp_path / "bob.pem", bundle.key_pem(), bundle.cert_pem())
    assert pem_file_identity(swapped) == PemFile(swapped)


def test_encrypted_key_with_its_passphrase_is_handed_to_ssl(pki: Pki, tmp_path: Path) -> None:
    bundle = pki.client()
    path = _write(tmp_path / "enc.pem", bundle.cert_pem(), bundle.key_pem("s3cret"))
    assert pem_file_identity(path, "s3cret") == PemFile(path, "s3cret")
    assert pem_file_identity(path) is None  # no passphrase: the long way says so (never a terminal prompt)
    assert pem_file_identity(path, "wrong") is None


def test_other_shapes_take_the_long_way(pki: Pki, tmp_path: Path) -> None:
    alice, bob = pki.client("alice"), pki.client("bob")
    cert_only = _write(tmp_path / "c.crt", alice.cert_pem())
    wrong_key = _write(tmp_path / "w.pem", alice.cert_pem(), bob.key_pem())
    later_leaf = _write(tmp_path / "l.pem", bob.cert_pem(), alice.cert_pem(), alice.key_pem())
    truncated = _write(tmp_path / "t.pem", alice.cert_pem(), alice.key_pem()[:60])
    der = _write(tmp_path / "d.der", alice.cert_der())
    for path in (cert_only, wrong_key, later_leaf, truncated, der, tmp_path / "missing.pem"):
        assert pem_file_identity(path) is None, path


async def test_client_cert_for_keeps_the_old_answers(pki: Pki, tmp_path: Path) -> None:
    alice, bob = pki.client("alice"), pki.client("bob")
    _, plain = _combined(pki, tmp_path, "carol")
    later_leaf = _write(tmp_path / "l.pem", bob.cert_pem(), alice.cert_pem(), alice.key_pem())
    wrong_key = _write(tmp_path / "w.pem", alice.cert_pem(), bob.key_pem())
    encrypted = _write(tmp_path / "e.pem", alice.cert_pem(), alice.key_pem("pw"))

    def profile(path: Path, password: str | None = None) -> Profile:
        return Profile(name="p", kind="direct", nodes=("https://127.0.0.1:1",), client_cert=path,
                       client_cert_password=password)

    assert await client_cert_for(profile(plain), "direct", None) == PemFile(plain)
    reordered = await client_cert_for(profile(later_leaf), "direct", None)
    assert isinstance(reordered, CertBundle) and reordered.certificate == alice.certificate
    with pytest.raises(CertificateError, match="does not belong"):
        await client_cert_for(profile(wrong_key), "direct", None)
    with pytest.raises(CertificateError, match="protected by a passphrase"):
        await client_cert_for(profile(encrypted), "direct", None)
    with pytest.raises(CertificateError, match="does not exist"):
        await client_cert_for(profile(tmp_path / "nope.pem"), "direct", None)


async def test_pem_file_identity_reaches_the_server(pki: Pki, tmp_path: Path) -> None:
    bundle, path = _combined(pki, tmp_path)

    async def echo(request: web.Request) -> web.Response:
        return json_response(200, {"Name": "x", "tp": peer_thumbprint(request)})

    identity = pem_file_identity(path)
    assert identity is not None
    async with (
        serve(pki, {("GET", "/certificates/whoami"): echo}) as url,
        InstanceClient([url], identity, ca_file=pki.ca_file, learn_topology=False) as nodes,
    ):
        ans = await nodes._call("GET", "/certificates/whoami")
    from ravensec.core.certs.identity import thumbprint

    assert (ans.json() or {})["tp"] == thumbprint(bundle.certificate)


def test_a_file_changed_after_the_check_is_read_the_long_way(pki: Pki, tmp_path: Path) -> None:
    alice, bob = pki.client("alice"), pki.client("bob")
    _, path = _combined(pki, tmp_path)
    identity = pem_file_identity(path)
    assert identity is not None
    _write(path, alice.cert_pem(), bob.key_pem())
    with pytest.raises(CertificateError, match="does not belong"):
        client_ssl_context(client_cert=identity)
    _write(path, bob.cert_pem(), alice.cert_pem(), alice.key_pem())  # reordered: works the long way
    assert isinstance(client_ssl_context(client_cert=identity), ssl.SSLContext)


# ------------------------------------------------------------------------------------------ package PEMs


def test_single_plain_identity_is_one_certificate_and_its_unencrypted_key(pki: Pki) -> None:
    alice, bob = pki.client("alice"), pki.client("bob")
    assert is_single_plain_identity(alice.cert_pem() + alice.key_pem())
    assert is_single_plain_identity(alice.key_pem() + alice.cert_pem())
    assert not is_single_plain_identity(alice.cert_pem() + alice.key_pem("pw"))  # encrypted
    assert not is_single_plain_identity(bob.cert_pem() + alice.cert_pem() + alice.key_pem())  # a chain
    assert not is_single_plain_identity(alice.cert_pem())  # no key
    assert not is_single_plain_identity(alice.cert_pem() + alice.key_pem()[:60])  # truncated
    assert not is_single_plain_identity(alice.cert_der())


def test_first_certificate_not_after_agrees_with_cryptography(pki: Pki) -> None:
    from datetime import UTC, datetime

    from ravensec.core.certs.generate import generate_key, make_client_certificate

    bundles = [pki.client("alice")]
    for key_type, before, after in [  # RSA: long-form DER lengths; EC: short ones
        ("ec-p256", datetime(2020, 1, 1, tzinfo=UTC), datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC)),  # UTCTime
        ("ec-p256", datetime(1999, 6, 1, tzinfo=UTC), datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)),  # expired
        ("rsa2048", datetime(2024, 1, 1, tzinfo=UTC), datetime(2051, 7, 8, 9, 10, 11, tzinfo=UTC)),  # Generalized
    ]:
        key = generate_key(seed=len(bundles)) if key_type == "ec-p256" else generate_key("rsa2048")
        bundles.append(make_client_certificate("t", key=key, not_before=before, not_after=after))
    for bundle in bundles:
        expected = bundle.certificate.not_valid_after_utc
        assert first_certificate_not_after(bundle.cert_pem() + bundle.key_pem()) == expected
        assert first_certificate_not_after(bundle.key_pem() + bundle.cert_pem()) == expected


def test_first_certificate_not_after_is_none_when_unsure(pki: Pki) -> None:
    import base64

    alice = pki.client("alice")
    der = alice.cert_der()

    def pem(body: bytes) -> bytes:
        return b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(body) + b"-----END CERTIFICATE-----\n"

    assert first_certificate_not_after(pem(der)) == alice.certificate.not_valid_after_utc
    for damaged in (der[:40], der[:1], b"", b"\x30\x03\x02\x01\x01", b"\x04" + der[1:], b"\x30\x85" + der[2:]):
        assert first_certificate_not_after(pem(damaged)) is None, damaged[:8]
    assert first_certificate_not_after(alice.key_pem()) is None  # no certificate
    assert first_certificate_not_after(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n") is None
    assert first_certificate_not_after(b"not PEM at all") is None
