"""Thumbprint and pinning hash checked against openssl; subject names; expiry states at their boundaries."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from ravensec.core.certs.generate import generate_key, make_client_certificate
from ravensec.core.certs.identity import (
    ExpiryState,
    certificate_expiry,
    days_left,
    expiry_state,
    pinning_hash,
    subject_name,
    thumbprint,
)
from ravensec.core.certs.load import load_certificate

OPENSSL = "/usr/bin/openssl"


def openssl(*args: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run([OPENSSL, *args], input=stdin, capture_output=True, check=True, timeout=30)
    return done.stdout


@pytest.fixture(scope="module")
def openssl_cert(tmp_path_factory: pytest.TempPathFactory) -> x509.Certificate:
    """A certificate made by openssl itself, so nothing of ours produced what we check."""
    d = tmp_path_factory.mktemp("ossl")
    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        str(d / "k.pem"),
        "-out",
        str(d / "c.pem"),
        "-days",
        "30",
        "-subj",
        "/O=Example Org/CN=openssl made",
    )
    return load_certificate((d / "c.pem").read_bytes())


def _openssl_sha1(cert_pem: bytes) -> str:
    out = openssl("x509", "-noout", "-fingerprint", "-sha1", stdin=cert_pem).decode()
    return out.strip().split("=", 1)[1].replace(":", "")


def _openssl_pin(cert_pem: bytes) -> str:
    pub = openssl("x509", "-noout", "-pubkey", stdin=cert_pem)
    der = openssl("pkey", "-pubin", "-outform", "der", stdin=pub)
    digest = openssl("dgst", "-sha256", "-binary", stdin=der)
    return openssl("base64", stdin=digest).decode().strip()


@pytest.mark.parametrize("key_type", ["ec-p256", "rsa2048"])
def test_thumbprint_and_pin_match_openssl_for_our_certificates(key_type: str) -> None:
    cert = make_client_certificate("client one", key_type=key_type).certificate  # type: ignore[arg-type]
    pem = cert.public_bytes(Encoding.PEM)
    tp = thumbprint(cert)
    assert tp == _openssl_sha1(pem)
    assert len(tp) == 40 and tp == tp.upper()
    assert pinning_hash(cert) == _openssl_pin(pem)


def test_thumbprint_and_pin_match_openssl_for_an_openssl_certificate(openssl_cert: x509.Certificate) -> None:
    pem = openssl_cert.public_bytes(Encoding.PEM)
    assert thumbprint(openssl_cert) == _openssl_sha1(pem)
    assert pinning_hash(openssl_cert) == _openssl_pin(pem)


def test_subject_name_is_cn_as_ravendb_shows_it(openssl_cert: x509.Certificate) -> None:
    assert subject_name(openssl_cert) == "CN=openssl made"
    cert = make_client_certificate(
        "acme.ravendb.cloud.client.certificate", key=generate_key(seed=1)
    ).certificate
    assert subject_name(cert) == "CN=acme.ravendb.cloud.client.certificate"


def test_subject_without_cn_falls_back_to_the_full_name(tmp_path: Path) -> None:
    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        str(tmp_path / "k.pem"),
        "-out",
        str(tmp_path / "c.pem"),
        "-days",
        "1",
        "-subj",
        "/O=No Common Name",
    )
    cert = load_certificate((tmp_path / "c.pem").read_bytes())
    assert subject_name(cert) == "O=No Common Name"


NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("not_before", "not_after", "state"),
    [
        (NOW - timedelta(days=1), NOW + timedelta(days=400), ExpiryState.VALID),
        (NOW - timedelta(days=1), NOW + timedelta(days=60, seconds=1), ExpiryState.VALID),
        (NOW - timedelta(days=1), NOW + timedelta(days=60), ExpiryState.EXPIRING_60),
        (NOW - timedelta(days=1), NOW + timedelta(days=30, seconds=1), ExpiryState.EXPIRING_60),
        (NOW - timedelta(days=1), NOW + timedelta(days=30), ExpiryState.EXPIRING_30),
        (NOW - timedelta(days=1), NOW + timedelta(seconds=1), ExpiryState.EXPIRING_30),
        (NOW - timedelta(days=1), NOW, ExpiryState.EXPIRED),
        (NOW - timedelta(days=900), NOW - timedelta(days=3), ExpiryState.EXPIRED),
        (NOW + timedelta(seconds=1), NOW + timedelta(days=400), ExpiryState.NOT_YET_VALID),
        (None, NOW + timedelta(days=400), ExpiryState.VALID),
    ],
)
def test_expiry_state_boundaries(
    not_before: datetime | None, not_after: datetime, state: ExpiryState
) -> None:
    assert expiry_state(not_before, not_after, NOW) is state


def test_naive_datetimes_are_utc_and_values_read_well() -> None:
    naive_now = NOW.replace(tzinfo=None)
    assert expiry_state(None, naive_now + timedelta(days=10), NOW) is ExpiryState.EXPIRING_30
    assert expiry_state(None, NOW + timedelta(days=10), naive_now) is ExpiryState.EXPIRING_30
    assert ExpiryState.EXPIRING_60.value == "expiring within 60 days"
    assert ExpiryState.NOT_YET_VALID == "not yet valid"


@pytest.mark.parametrize(
    ("delta", "days"),
    [
        (timedelta(days=10, hours=12), 10),
        (timedelta(hours=23), 0),
        (timedelta(hours=-1), -1),
        (timedelta(days=-3), -3),
    ],
)
def test_days_left_rounds_down(delta: timedelta, days: int) -> None:
    assert days_left(NOW + delta, NOW) == days


def test_expiry_of_a_generated_certificate_with_injected_now() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    cert = make_client_certificate(
        "e", key=generate_key(seed=2), not_before=start, not_after=start + timedelta(days=90)
    ).certificate
    assert certificate_expiry(cert, start - timedelta(hours=1)) is ExpiryState.NOT_YET_VALID
    assert certificate_expiry(cert, start + timedelta(days=1)) is ExpiryState.VALID
    assert certificate_expiry(cert, start + timedelta(days=45)) is ExpiryState.EXPIRING_60
    assert certificate_expiry(cert, start + timedelta(days=70)) is ExpiryState.EXPIRING_30
    assert certificate_expiry(cert, start + timedelta(days=91)) is ExpiryState.EXPIRED
    assert days_left(cert.not_valid_after_utc, start) == 90
