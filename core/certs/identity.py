"""Who a certificate is: thumbprint, public-key pinning hash, subject name, and how close it is to expiry."""

from __future__ import annotations

import base64
import hashlib
import math
from datetime import UTC, datetime
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

EXPIRING_SOON_DAYS = 60  # the cloud e-mails 60 days before expiry
EXPIRING_URGENT_DAYS = 30  # ... and regenerates the initial certificate 30 days before


class ExpiryState(StrEnum):
    VALID = "valid"
    EXPIRING_60 = "expiring within 60 days"
    EXPIRING_30 = "expiring within 30 days"
    EXPIRED = "expired"
    NOT_YET_VALID = "not yet valid"


def thumbprint(cert: x509.Certificate) -> str:
    """Uppercase hex SHA-1 of the DER certificate, as RavenDB keys certificates."""
    return hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest().upper()


def pinning_hash(cert: x509.Certificate) -> str:
    """Base64 SHA-256 of the SubjectPublicKeyInfo DER (RavenDB's PublicKeyPinningHash, HPKP style)."""
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


def subject_name(cert: x509.Certificate) -> str:
    """``CN=name`` as RavenDB shows a certificate's subject; the full RFC 4514 string when there is no CN."""
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if cns:
        value = cns[0].value
        return "CN=" + (value.decode("utf-8", "replace") if isinstance(value, bytes) else value)
    return cert.subject.rfc4514_string()


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def days_left(not_after: datetime, now: datetime | None = None) -> int:
    """Whole days until ``not_after`` (rounded down; negative once expired, -1 on the day after)."""
    seconds = (_utc(not_after) - _utc(now or datetime.now(UTC))).total_seconds()
    return math.floor(seconds / 86400)


def expiry_state(
    not_before: datetime | None, not_after: datetime, now: datetime | None = None
) -> ExpiryState:
    """Where a certificate stands at ``now`` (default: the current time)."""
    current = _utc(now or datetime.now(UTC))
    if not_before is not None and current < _utc(not_before):
        return ExpiryState.NOT_YET_VALID
    if current >= _utc(not_after):
        return ExpiryState.EXPIRED
    remaining = _utc(not_after) - current
    if remaining.total_seconds() <= EXPIRING_URGENT_DAYS * 86400:
        return ExpiryState.EXPIRING_30
    if remaining.total_seconds() <= EXPIRING_SOON_DAYS * 86400:
        return ExpiryState.EXPIRING_60
    return ExpiryState.VALID


def certificate_expiry(cert: x509.Certificate, now: datetime | None = None) -> ExpiryState:
    """``expiry_state`` of a parsed certificate."""
    return expiry_state(cert.not_valid_before_utc, cert.not_valid_after_utc, now)
