"""Renewal by pinning hash (RavenServer.MaybeAllowConnectionBasedOnPinningHash and
CertificateUtils.CertHasKnownIssuer): a certificate that is not registered inherits the rights of a
registered one with the same public key when their chains share a trusted issuer, or both have none."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ravensec.core.certs.der import pinning_hash_of_der
from ravensec.mock.state import CertEntry

from .identity import AuthStatus, parse_der, status_of
from .index import MEMO_LIMIT, CertIndex

if TYPE_CHECKING:
    from cryptography import x509


def _pinning_hash(der: bytes) -> str | None:
    try:
        return pinning_hash_of_der(der)
    except ValueError:
        return None


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer`` names and signs ``cert``: the signature must verify, a copied name is not enough."""
    from cryptography.exceptions import InvalidSignature

    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):  # a bad signature, another name, an unsupported key
        return False
    return True


def _chain(cert: x509.Certificate, issuers: tuple[x509.Certificate, ...]) -> list[x509.Certificate]:
    """The chain X509Chain.Build would give, from the issuers the server trusts: the leaf, then each issuer
    whose signature verifies, up to a self-signed root. [mock choice] An issuer is an element of the chain
    only when its signature on the element below verifies (OpenSSL may list a name match whose signature
    fails, with an error status RavenDB does not read): a forged certificate that copies a known issuer's
    name has a chain of one."""
    chain = [cert]
    while len(chain) <= len(issuers):
        top = chain[-1]
        if top.issuer == top.subject and _issued_by(top, top):
            break  # a root
        nxt = next((i for i in issuers if i not in chain and _issued_by(top, i)), None)
        if nxt is None:
            break  # a partial chain
        chain.append(nxt)
    return chain


def _has_known_issuer(cert: x509.Certificate, known: x509.Certificate, issuers: tuple[x509.Certificate, ...]) -> bool:
    # CertificateUtils.CertHasKnownIssuer (7.x): the leaves' pinning hashes match (the index found ``known``
    # by it); two chains of one (self-signed, or issuers unknown to the server) are enough; otherwise some
    # issuer of one chain must have the pinning hash of some issuer of the other.
    user_chain, known_chain = _chain(cert, issuers), _chain(known, issuers)
    if len(user_chain) == 1 and len(known_chain) == 1:
        return True
    user_issuers = {_issuer_hash(c) for c in user_chain[1:]}
    return any(_issuer_hash(c) in user_issuers for c in known_chain[1:])


def _issuer_hash(cert: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    return pinning_hash_of_der(cert.public_bytes(serialization.Encoding.DER))


def resolve_unregistered(
    idx: CertIndex, tp: str, der: bytes, cert: x509.Certificate, issuers: tuple[x509.Certificate, ...]
) -> tuple[AuthStatus, CertEntry | None]:
    """RavenServer.MaybeAllowConnectionBasedOnPinningHash: a certificate that is not registered inherits the
    rights of a registered one with the same public key when CertHasKnownIssuer says so."""
    key = (tp, issuers)
    hit = idx.resolved.get(key)
    if hit is not None:
        return hit
    pinning = _pinning_hash(der)
    known = idx.by_pinning_hash.get(pinning) if pinning else None
    if known is None:
        hit = (AuthStatus.UNFAMILIAR_CERTIFICATE, None)
    else:
        try:
            ok = _has_known_issuer(cert, parse_der(known.der), issuers)
        except ValueError:
            ok = False
        hit = (status_of(known), known) if ok else (AuthStatus.UNFAMILIAR_ISSUER, None)
    if len(idx.resolved) >= MEMO_LIMIT:
        idx.resolved.clear()
    idx.resolved[key] = hit
    return hit
