"""Off-cloud keys and certificates: CA, client (clientAuth) and server (serverAuth + SANs).

Deterministic mode exists for the mock's worlds: ``generate_key("ec-p256", seed=N)`` derives the private
scalar from the seed, and ``deterministic=True`` signs with RFC 6979 ECDSA and derives the serial from the
inputs, so the same inputs always give a byte-identical certificate (same thumbprint). RSA signatures
(PKCS#1 v1.5) are deterministic by nature, but RSA keys cannot be seeded.
"""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..errors import CertificateError, UsageError
from .bundle import CertBundle, CertMaterial

KeyType = Literal["rsa2048", "rsa4096", "ec-p256"]
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

KEY_TYPES: tuple[str, ...] = get_args(KeyType)
CLIENT_VALIDITY = timedelta(days=5 * 365)  # the cloud's initial client certificate lives 5 years
SERVER_VALIDITY = timedelta(days=2 * 365)
CA_VALIDITY = timedelta(days=10 * 365)
# Backdated so a peer whose clock is a little behind does not see the certificate as not yet valid.
CLOCK_SKEW = timedelta(minutes=5)

# Order of the P-256 group: a seeded private scalar must lie in [1, n-1].
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def generate_key(key_type: KeyType = "ec-p256", *, seed: int | None = None) -> PrivateKey:
    """A new private key; ``seed`` (ec-p256 only) makes it a pure function of the seed."""
    if key_type not in KEY_TYPES:
        raise UsageError(f"unknown key type {key_type!r}", hint="Use rsa2048, rsa4096 or ec-p256.")
    if seed is not None:
        if key_type != "ec-p256":
            raise UsageError(
                f"a seeded key must be ec-p256, not {key_type}", hint="Drop the seed or use ec-p256."
            )
        digest = hashlib.sha256(f"ravensec-ec-p256-seed:{seed}".encode()).digest()
        scalar = int.from_bytes(digest, "big") % (_P256_ORDER - 1) + 1
        return ec.derive_private_key(scalar, ec.SECP256R1())
    if key_type == "ec-p256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=4096 if key_type == "rsa4096" else 2048)


def make_ca(
    common_name: str,
    *,
    key: PrivateKey | None = None,
    key_type: KeyType = "ec-p256",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    serial: int | None = None,
    deterministic: bool = False,
) -> CertBundle:
    """A self-signed CA (BasicConstraints CA=true) that can sign client and server certificates."""
    key = key or generate_key(key_type)
    start, end = _validity(not_before, not_after, CA_VALIDITY, deterministic)
    exts: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=True, path_length=None), True),
        (_key_usage(key, ca=True), True),
    ]
    return _build(common_name, key, None, start, end, serial, deterministic, exts)


def make_client_certificate(
    common_name: str,
    *,
    key_type: KeyType = "rsa2048",
    key: PrivateKey | None = None,
    issuer: CertMaterial | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    serial: int | None = None,
    deterministic: bool = False,
) -> CertBundle:
    """A client certificate (clientAuth EKU), self-signed when ``issuer`` is None; 5 years by default.

    ``key`` wins over ``key_type``. With ``deterministic=True`` pass a seeded key and ``not_before``:
    otherwise the key or the current time make each call different.
    """
    key = key or generate_key(key_type)
    start, end = _validity(not_before, not_after, CLIENT_VALIDITY, deterministic)
    exts: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_key_usage(key, ca=False), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
    ]
    return _build(common_name, key, issuer, start, end, serial, deterministic, exts)


def make_server_certificate(
    hosts: list[str],
    issuer: CertMaterial,
    *,
    key: PrivateKey | None = None,
    key_type: KeyType = "ec-p256",
    common_name: str | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    serial: int | None = None,
    deterministic: bool = False,
) -> CertBundle:
    """A TLS server certificate for ``hosts`` (DNS names and IP addresses as SANs, serverAuth EKU)."""
    if not hosts:
        raise UsageError("a server certificate needs at least one host name or IP address")
    key = key or generate_key(key_type)
    start, end = _validity(not_before, not_after, SERVER_VALIDITY, deterministic)
    exts: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_key_usage(key, ca=False), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.SubjectAlternativeName([_san(h) for h in hosts]), False),
    ]
    return _build(common_name or hosts[0], key, issuer, start, end, serial, deterministic, exts)


# --------------------------------------------------------------------------------------------- helpers


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return x509.DNSName(host)


def _key_usage(key: PrivateKey, *, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        # RSA key transport (TLS 1.2 RSA kex) needs keyEncipherment; EC keys never encipher.
        key_encipherment=isinstance(key, rsa.RSAPrivateKey) and not ca,
        content_commitment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _validity(
    not_before: datetime | None, not_after: datetime | None, default: timedelta, deterministic: bool
) -> tuple[datetime, datetime]:
    # X.509 times have one-second resolution; truncating keeps deterministic output independent of µs.
    start = _utc(not_before) if not_before else datetime.now(UTC) - CLOCK_SKEW
    start = start.replace(microsecond=0)
    end = (_utc(not_after) if not_after else start + default).replace(microsecond=0)
    if end <= start:
        raise UsageError(f"the certificate would expire ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d})")
    return start, end


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _name(common_name: str) -> x509.Name:
    size = len(common_name.encode())
    if not 1 <= size <= 64:
        raise UsageError(
            f"a certificate name must be 1 to 64 bytes long, {common_name[:20]!r}... is {size}",
            hint="Choose a shorter name.",
        )
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _spki(key: PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _derived_serial(*parts: bytes) -> int:
    digest = hashlib.sha256(b"\x00".join(parts)).digest()
    # 152 bits with the low bit set: positive, non-zero and under the 20-byte limit of RFC 5280.
    return int.from_bytes(digest[:19], "big") | 1


def _build(
    common_name: str,
    key: PrivateKey,
    issuer: CertMaterial | None,
    start: datetime,
    end: datetime,
    serial: int | None,
    deterministic: bool,
    exts: list[tuple[x509.ExtensionType, bool]],
) -> CertBundle:
    subject = _name(common_name)
    if issuer is None:
        signer: PrivateKey = key
        issuer_name = subject
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key())
        chain: tuple[x509.Certificate, ...] = ()
    else:
        if not isinstance(issuer.private_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise CertificateError(
                "the issuing certificate has no usable private key (RSA or EC)",
                hint="Load the CA from a PEM or PFX that contains its private key.",
            )
        signer = issuer.private_key
        issuer_name = issuer.certificate.subject
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key())
        chain = (issuer.certificate, *issuer.chain)
    if serial is None:
        serial = (
            _derived_serial(
                subject.public_bytes(),
                issuer_name.public_bytes(),
                _spki(key),
                start.isoformat().encode(),
                end.isoformat().encode(),
                repr([type(e).__name__ for e, _ in exts]).encode(),
            )
            if deterministic
            else x509.random_serial_number()
        )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(aki, critical=False)
    )
    for ext, critical in exts:
        builder = builder.add_extension(ext, critical=critical)
    ecdsa = isinstance(signer, ec.EllipticCurvePrivateKey)
    cert = builder.sign(
        signer, hashes.SHA256(), ecdsa_deterministic=True if deterministic and ecdsa else None
    )
    return CertBundle(certificate=cert, private_key=key, chain=chain)
