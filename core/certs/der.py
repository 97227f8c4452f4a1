"""What a certificate's DER says without ``cryptography``: its thumbprint, its public-key pinning hash and
its validity. The one definition of each rule; ``identity`` applies them to parsed certificates.

Only the few ASN.1 elements needed are read: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE {
[0] version OPTIONAL, serialNumber, signature, issuer, validity SEQUENCE { notBefore, notAfter }, subject,
subjectPublicKeyInfo, ... }, ... }. Malformed input raises :class:`ValueError`. This module never imports
``cryptography`` (tens of milliseconds on the start-up paths of the TUI and of the mock).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

__all__ = ["pinning_hash_of_der", "pinning_hash_of_spki", "spki_of_der", "thumbprint_of_der", "validity_of_der"]

_SEQUENCE, _INTEGER, _EXPLICIT_0 = 0x30, 0x02, 0xA0
_UTC_TIME, _GENERALIZED_TIME = 0x17, 0x18
# serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo: the TBSCertificate's fields
# after the optional version, in order.
_FIELDS = ((_INTEGER, "serial"), (_SEQUENCE, "signature"), (_SEQUENCE, "issuer"), (_SEQUENCE, "validity"),
           (_SEQUENCE, "subject"), (_SEQUENCE, "spki"))


def thumbprint_of_der(der: bytes) -> str:
    """Uppercase hex SHA-1 of the DER certificate: how RavenDB names a certificate."""
    return hashlib.sha1(der).hexdigest().upper()


def pinning_hash_of_spki(spki: bytes) -> str:
    """Base64 SHA-256 of a SubjectPublicKeyInfo DER: RavenDB's PublicKeyPinningHash (HPKP style)."""
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


def pinning_hash_of_der(der: bytes) -> str:
    """The pinning hash of a DER certificate's public key (its SubjectPublicKeyInfo as encoded in it)."""
    return pinning_hash_of_spki(spki_of_der(der))


def spki_of_der(der: bytes) -> bytes:
    """The SubjectPublicKeyInfo element (tag and length included) of a DER certificate."""
    start, end = _tbs_fields(der)["spki"]
    return der[start:end]


def validity_of_der(der: bytes) -> tuple[datetime, datetime]:
    """(notBefore, notAfter) of a DER certificate, in UTC."""
    start, end = _tbs_fields(der)["validity"]
    _, pos, validity_end = _tlv(der, start, end)
    tag, value, pos = _tlv(der, pos, validity_end)
    not_before = _asn1_time(tag, der[value:pos])
    tag, value, pos = _tlv(der, pos, validity_end)
    return not_before, _asn1_time(tag, der[value:pos])


def _tbs_fields(der: bytes) -> dict[str, tuple[int, int]]:
    """Where each of ``_FIELDS`` lies in ``der``: (start of its tag, end of its value)."""
    tag, pos, _ = _tlv(der, 0, len(der))  # Certificate
    if tag != _SEQUENCE:
        raise ValueError("not a DER certificate")
    tag, pos, tbs_end = _tlv(der, pos, len(der))  # TBSCertificate
    if tag != _SEQUENCE:
        raise ValueError("not a DER certificate")
    if pos < tbs_end and der[pos] == _EXPLICIT_0:
        pos = _tlv(der, pos, tbs_end)[2]
    fields = {}
    for expected, name in _FIELDS:
        tag, _, end = _tlv(der, pos, tbs_end)
        if tag != expected:
            raise ValueError(f"unexpected DER tag {tag:#04x} for the certificate's {name}")
        fields[name] = (pos, end)
        pos = end
    return fields


def _tlv(der: bytes, pos: int, limit: int) -> tuple[int, int, int]:
    """(tag, start of the value, end of the value) of the DER element at ``pos``, which ends by ``limit``."""
    if pos + 2 > limit:
        raise ValueError("truncated DER")
    tag, first = der[pos], der[pos + 1]
    if first < 0x80:
        start, length = pos + 2, first
    else:
        count = first & 0x7F
        if not 1 <= count <= 4 or pos + 2 + count > limit:
            raise ValueError("unsupported or truncated DER length")
        start, length = pos + 2 + count, int.from_bytes(der[pos + 2 : pos + 2 + count], "big")
    end = start + length
    if end > limit:
        raise ValueError("truncated DER")
    return tag, start, end


def _asn1_time(tag: int, value: bytes) -> datetime:
    """UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ), the forms RFC 5280 allows."""
    text = value.decode("ascii")
    if tag == _UTC_TIME and len(text) == 13 and text.endswith("Z"):
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif not (tag == _GENERALIZED_TIME and len(text) == 15 and text.endswith("Z")):
        raise ValueError(f"not an RFC 5280 time: {text!r}")
    if not text[:14].isdigit():
        raise ValueError(f"not an RFC 5280 time: {text!r}")
    # By hand rather than strptime, which would load _strptime (and with it calendar and locale) for this.
    fields = (text[0:4], text[4:6], text[6:8], text[8:10], text[10:12], text[12:14])
    year, month, day, hour, minute, second = (int(f) for f in fields)
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
