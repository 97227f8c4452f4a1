"""Key and certificate generation: key types, seeded determinism, extensions, openssl verification, mTLS."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.certs.generate import (
    generate_key,
    make_ca,
    make_client_certificate,
    make_server_certificate,
)
from ravensec.core.certs.identity import thumbprint
from ravensec.core.errors import CertificateError, UsageError

OPENSSL = "/usr/bin/openssl"
START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca() -> CertBundle:
    return make_ca("Test CA", key=generate_key(seed=7))


def _ext(cert: x509.Certificate, kind: type[x509.ExtensionType]) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_class(kind)


def test_key_types() -> None:
    rsa_key = generate_key("rsa2048")
    assert isinstance(rsa_key, rsa.RSAPrivateKey) and rsa_key.key_size == 2048
    ec_key = generate_key()
    assert isinstance(ec_key, ec.EllipticCurvePrivateKey) and isinstance(ec_key.curve, ec.SECP256R1)
    with pytest.raises(UsageError, match="unknown key type"):
        generate_key("dsa1024")  # type: ignore[arg-type]


@pytest.mark.slow
def test_rsa4096() -> None:
    key = generate_key("rsa4096")
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 4096


def test_seeded_keys_are_a_function_of_the_seed() -> None:
    a, b, c = generate_key(seed=42), generate_key(seed=42), generate_key(seed=43)
    assert isinstance(a, ec.EllipticCurvePrivateKey)
    assert isinstance(b, ec.EllipticCurvePrivateKey) and isinstance(c, ec.EllipticCurvePrivateKey)
    assert a.private_numbers().private_value == b.private_numbers().private_value
    assert a.private_numbers().private_value != c.private_numbers().private_value
    assert isinstance(generate_key(seed=0), ec.EllipticCurvePrivateKey)
    with pytest.raises(UsageError, match="seeded key must be ec-p256"):
        generate_key("rsa2048", seed=1)


def test_deterministic_certificates_are_byte_identical(ca: CertBundle) -> None:
    def build(name: str = "alice", seed: int = 5) -> CertBundle:
        return make_client_certificate(
            name,
            key_type="ec-p256",
            key=generate_key(seed=seed),
            issuer=ca,
            not_before=START,
            not_after=START + timedelta(days=365),
            deterministic=True,
        )

    first, again = build(), build()
    assert first.cert_der() == again.cert_der()
    assert thumbprint(first.certificate) == thumbprint(again.certificate)
    assert first.certificate.serial_number == again.certificate.serial_number
    assert build(name="bob").certificate.serial_number != first.certificate.serial_number
    assert thumbprint(build(seed=6).certificate) != thumbprint(first.certificate)
    # A deterministic CA too (the mock's worlds sign with it).
    ca1 = make_ca("World CA", key=generate_key(seed=1), not_before=START, deterministic=True)
    ca2 = make_ca("World CA", key=generate_key(seed=1), not_before=START, deterministic=True)
    assert ca1.cert_der() == ca2.cert_der()


def test_deterministic_with_explicit_serial_and_naive_times(ca: CertBundle) -> None:
    kw = dict(key=generate_key(seed=9), issuer=ca, serial=12345, deterministic=True)
    a = make_client_certificate("n", not_before=START.replace(tzinfo=None, microsecond=0), **kw)  # type: ignore[arg-type]
    b = make_client_certificate("n", not_before=START, **kw)  # type: ignore[arg-type]
    assert a.cert_der() == b.cert_der()
    assert a.certificate.serial_number == 12345


def test_random_mode_differs_each_time() -> None:
    key = generate_key(seed=3)
    a = make_client_certificate("same", key=key, not_before=START)
    b = make_client_certificate("same", key=key, not_before=START)
    assert a.certificate.serial_number != b.certificate.serial_number


def test_self_signed_client_certificate_defaults() -> None:
    before = datetime.now(UTC)
    b = make_client_certificate("self")
    cert = b.certificate
    assert isinstance(b.private_key, rsa.RSAPrivateKey) and b.private_key.key_size == 2048  # contract default
    assert cert.issuer == cert.subject and b.chain == ()
    cert.verify_directly_issued_by(cert)
    assert list(_ext(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]  # type: ignore[call-overload]
    assert _ext(cert, x509.BasicConstraints).value.ca is False  # type: ignore[attr-defined]
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert lifetime == timedelta(days=5 * 365)
    assert cert.not_valid_before_utc <= before  # backdated for clock skew


def test_issued_client_and_server_certificates_verify_with_openssl(ca: CertBundle, tmp_path: Path) -> None:
    client = make_client_certificate("client", key_type="ec-p256", issuer=ca)
    server = make_server_certificate(["localhost", "127.0.0.1", "::1"], ca)
    client.certificate.verify_directly_issued_by(ca.certificate)
    assert client.chain == (ca.certificate,)
    san = _ext(server.certificate, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]  # type: ignore[attr-defined]
    assert san.get_values_for_type(x509.IPAddress) == [ip_address("127.0.0.1"), ip_address("::1")]  # type: ignore[attr-defined]
    assert list(_ext(server.certificate, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]  # type: ignore[call-overload]
    ca_ext = _ext(ca.certificate, x509.BasicConstraints).value
    assert ca_ext.ca is True  # type: ignore[attr-defined]
    assert _ext(ca.certificate, x509.KeyUsage).value.key_cert_sign is True  # type: ignore[attr-defined]
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem())
    (tmp_path / "client.pem").write_bytes(client.cert_pem())
    (tmp_path / "server.pem").write_bytes(server.cert_pem())

    def verify(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [OPENSSL, "verify", "-CAfile", str(tmp_path / "ca.pem"), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    assert verify("-purpose", "sslclient", str(tmp_path / "client.pem")).returncode == 0
    assert (
        verify("-purpose", "sslserver", "-verify_ip", "127.0.0.1", str(tmp_path / "server.pem")).returncode
        == 0
    )
    assert (
        verify(
            "-purpose", "sslserver", "-verify_hostname", "localhost", str(tmp_path / "server.pem")
        ).returncode
        == 0
    )
    # The EKUs mean something: a client certificate is not a server certificate, and names are checked.
    assert verify("-purpose", "sslserver", str(tmp_path / "client.pem")).returncode != 0
    assert (
        verify(
            "-purpose", "sslserver", "-verify_hostname", "evil.example", str(tmp_path / "server.pem")
        ).returncode
        != 0
    )


def test_mutual_tls_handshake_over_loopback(ca: CertBundle, tmp_path: Path) -> None:
    server = make_server_certificate(["127.0.0.1"], ca)
    client = make_client_certificate("mtls-client", key_type="ec-p256", issuer=ca)
    for name, b in (("server", server), ("client", client)):
        (tmp_path / f"{name}.pem").write_bytes(b.combined_pem())
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem())

    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(tmp_path / "server.pem")
    server_ctx.load_verify_locations(tmp_path / "ca.pem")
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    client_ctx = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
    client_ctx.load_cert_chain(tmp_path / "client.pem")

    seen: list[bytes | None] = []
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve() -> None:
            conn, _ = listener.accept()
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                seen.append(tls.getpeercert(binary_form=True))
                tls.sendall(b"ok")

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            client_ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            assert tls.recv(2) == b"ok"
        t.join(10)
    assert seen == [client.cert_der()]


def test_rsa_client_certificate_has_key_encipherment(ca: CertBundle) -> None:
    b = make_client_certificate("rsa", key_type="rsa2048", issuer=ca)
    assert _ext(b.certificate, x509.KeyUsage).value.key_encipherment is True  # type: ignore[attr-defined]
    b.certificate.verify_directly_issued_by(ca.certificate)


def test_bad_inputs_are_explained(ca: CertBundle) -> None:
    public_only = CertBundle(certificate=ca.certificate)
    with pytest.raises(CertificateError, match="no usable private key"):
        make_client_certificate("x", key=generate_key(seed=1), issuer=public_only)
    with pytest.raises(UsageError, match="1 to 64 bytes"):
        make_client_certificate("n" * 65, key=generate_key(seed=1))
    with pytest.raises(UsageError, match="before it starts"):
        make_client_certificate(
            "x", key=generate_key(seed=1), not_before=START, not_after=START - timedelta(days=1)
        )
    with pytest.raises(UsageError, match="at least one host"):
        make_server_certificate([], ca)
