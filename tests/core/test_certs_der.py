"""The cryptography-free certificate rules (``ravensec.core.certs.der``) against cryptography's own reading of
the same certificates: ours (EC and RSA, UTCTime and GeneralizedTime) and openssl's (v3 and v1)."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from ravensec.core import certs
from ravensec.core.certs import der
from ravensec.core.certs.generate import generate_key, make_ca, make_client_certificate
from ravensec.core.certs.identity import pinning_hash, thumbprint

OPENSSL = "/usr/bin/openssl"


def _openssl(*args: str) -> None:
    subprocess.run([OPENSSL, *args], capture_output=True, check=True, timeout=30)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> list[x509.Certificate]:
    d = tmp_path_factory.mktemp("der")
    ca = make_ca("der test CA", key=generate_key(seed=3))
    made = [
        make_client_certificate("ec", key=generate_key(seed=1)).certificate,
        make_client_certificate("rsa", key_type="rsa2048").certificate,
        make_client_certificate(  # GeneralizedTime on both ends, issued by a CA
            "late", key=generate_key(seed=2), issuer=ca, deterministic=True,
            not_before=datetime(2051, 1, 2, 3, 4, 5, tzinfo=UTC), not_after=datetime(2061, 1, 1, tzinfo=UTC),
        ).certificate,
        ca.certificate,
    ]
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes",
             "-keyout", str(d / "v3.key"), "-out", str(d / "v3.pem"), "-days", "3", "-subj", "/O=Org/CN=v3")
    _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "v1.key"), "-subj", "/CN=v1",
             "-out", str(d / "v1.csr"))
    _openssl("x509", "-req", "-in", str(d / "v1.csr"), "-signkey", str(d / "v1.key"), "-days", "20000",
             "-out", str(d / "v1.pem"))
    openssl_made = [x509.load_pem_x509_certificate(Path(d / f).read_bytes()) for f in ("v3.pem", "v1.pem")]
    assert openssl_made[1].version is x509.Version.v1  # no [0] version field: the optional element is absent
    return made + openssl_made


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_thumbprint_is_cryptographys_sha1_fingerprint(certificates: list[x509.Certificate]) -> None:
    for cert in certificates:
        expected = cert.fingerprint(hashes.SHA1()).hex().upper()
        assert der.thumbprint_of_der(_der(cert)) == thumbprint(cert) == expected


def test_spki_and_pinning_hash_agree_with_cryptography(certificates: list[x509.Certificate]) -> None:
    for cert in certificates:
        assert der.spki_of_der(_der(cert)) == _spki(cert)
        expected = base64.b64encode(hashlib.sha256(_spki(cert)).digest()).decode()
        assert der.pinning_hash_of_der(_der(cert)) == der.pinning_hash_of_spki(_spki(cert)) == expected
        assert pinning_hash(cert) == expected


def test_validity_agrees_with_cryptography(certificates: list[x509.Certificate]) -> None:
    for cert in certificates:
        assert der.validity_of_der(_der(cert)) == (cert.not_valid_before_utc, cert.not_valid_after_utc)
    assert der.validity_of_der(_der(certificates[2]))[0] == datetime(2051, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_anything_malformed_is_a_value_error(certificates: list[x509.Certificate]) -> None:
    whole = _der(certificates[0])
    for broken in [whole[:n] for n in range(len(whole))] + [
        b"\x04" + whole[1:],  # not a SEQUENCE
        b"\x30\x85" + whole[2:],  # a length of five bytes
        b"\x30\x03\x02\x01\x01",  # a SEQUENCE holding an INTEGER, not a TBSCertificate
    ]:
        for read in (der.spki_of_der, der.validity_of_der, der.pinning_hash_of_der):
            with pytest.raises(ValueError):
                read(broken)


def test_the_package_exports_the_rules_without_cryptography() -> None:
    assert certs.thumbprint_of_der is der.thumbprint_of_der
    assert certs.pinning_hash_of_der is der.pinning_hash_of_der
    assert certs.validity_of_der is der.validity_of_der
