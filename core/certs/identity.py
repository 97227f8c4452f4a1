"""Who a parsed certificate is: thumbprint, public-key pinning hash, subject name and expiry state.

The rules themselves live in :mod:`~ravensec.core.certs.der` and :mod:`~ravensec.core.certs.expiry`, which
need no ``cryptography``; this module applies them to ``cryptography`` certificates.
"""

from __future__ import annotations

from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from .der import pinning_hash_of_spki, thumbprint_of_der
from .expiry import ExpiryState, days_left, expiry_state

# ExpiryState, days_left and expiry_state are re-exported: callers that hold a parsed certificate import
# them from here beside certificate_expiry.
__all__ = [
    "ExpiryState",
    "certificate_expiry",
    "days_left",
    "expiry_state",
    "pinning_hash",
    "subject_name",
    "thumbprint",
]


def thumbprint(cert: x509.Certificate) -> str:
    """Uppercase hex SHA-1 of the DER certificate, as RavenDB keys certificates."""
    return thumbprint_of_der(cert.public_bytes(serialization.Encoding.DER))


def pinning_hash(cert: x509.Certificate) -> str:
    """Base64 SHA-256 of the SubjectPublicKeyInfo DER (RavenDB's PublicKeyPinningHash, HPKP style)."""
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pinning_hash_of_spki(spki)


def subject_name(cert: x509.Certificate) -> str:
    """``CN=name`` as RavenDB shows a certificate's subject; the full RFC 4514 string when there is no CN."""
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if cns:
        value = cns[0].value
        return "CN=" + (value.decode("utf-8", "replace") if isinstance(value, bytes) else value)
    return cert.subject.rfc4514_string()


def certificate_expiry(cert: x509.Certificate, now: datetime | None = None) -> ExpiryState:
    """``expiry_state`` of a parsed certificate."""
    return expiry_state(cert.not_valid_before_utc, cert.not_valid_after_utc, now)
