"""``identify``: the caller's status in the server's order (RavenServer.AuthenticateConnectionCertificate) --
no certificate, then the dates, then the server's own and the well-known admin certificates, a registered
one (disabled or not), and last a renewal of a registered one. What a certificate is apart from its dates is
kept in the cluster's index; only the dates are judged on every request."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from ravensec.core.certs.der import thumbprint_of_der
from ravensec.mock.state import Cluster

from .identity import AuthStatus, Identity, parse_der, status_of, subject_of
from .index import MEMO_LIMIT, CertIndex, index_of
from .renewal import resolve_unregistered

if TYPE_CHECKING:
    from cryptography import x509


def identify(
    cluster: Cluster,
    der: bytes | None,
    now: datetime,
    *,
    issuers: tuple[x509.Certificate, ...] = (),
    real_now: datetime | None = None,
    thumbprint: str | None = None,
) -> Identity:
    """The caller's status in the server's order (RavenServer.AuthenticateConnectionCertificate).
    ``issuers`` are the certificates of the issuers the server trusts (its CA), for the renewal rule;
    ``thumbprint`` the DER's, when the caller has it already. Call with the cluster's lock held.

    ``now`` is the world's clock (possibly fixed in the past, for reproducible worlds); ``real_now`` the
    machine's. Expiry is judged by the world's clock, "not yet valid" by the later of the two, so that a
    certificate a client makes right now is usable in a world whose clock stands still."""
    if not der:
        return Identity(AuthStatus.NO_CERTIFICATE)
    idx = index_of(cluster)
    key = (der, cluster.server_thumbprint, tuple(cluster.well_known_admin_thumbprints), issuers)
    known = idx.identities.get(key)
    if known is None:
        known = _identify_registered(cluster, idx, der, thumbprint or thumbprint_of_der(der), issuers)
        if len(idx.identities) >= MEMO_LIMIT:
            idx.identities.clear()
        idx.identities[key] = known
    # The dates come first in the server's order, and only they depend on the clock.
    if known.not_after is not None and known.not_after < now:
        return _dated(known, AuthStatus.EXPIRED)
    if known.not_before is not None and known.not_before > max(now, real_now or now):
        return _dated(known, AuthStatus.NOT_YET_VALID)
    return known


def _dated(known: Identity, status: AuthStatus) -> Identity:
    # Refused for its dates: nothing of a registered entry applies.
    return Identity(status, known.thumbprint, known.subject, known.not_before, known.not_after)


def _identify_registered(
    cluster: Cluster, idx: CertIndex, der: bytes, tp: str, issuers: tuple[x509.Certificate, ...]
) -> Identity:
    """``identify`` with valid dates: what the cluster's certificates make of ``der``."""
    try:
        cert = parse_der(der)
    except ValueError:
        return Identity(AuthStatus.UNFAMILIAR_CERTIFICATE, thumbprint=tp, subject="CN=")
    unfamiliar = Identity(
        AuthStatus.UNFAMILIAR_CERTIFICATE,
        thumbprint=tp,
        subject=subject_of(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )
    if tp == cluster.server_thumbprint.upper():
        return replace(unfamiliar, status=AuthStatus.CLUSTER_ADMIN, is_server=True)
    if any(t.upper() == tp for t in cluster.well_known_admin_thumbprints):  # a handful, from the config
        return replace(unfamiliar, status=AuthStatus.CLUSTER_ADMIN, is_well_known=True)
    entry = idx.by_thumbprint.get(tp)
    if entry is not None:
        if entry.disabled:
            return replace(unfamiliar, status=AuthStatus.DISABLED, entry=entry)
        return replace(unfamiliar, status=status_of(entry), entry=entry, permissions=entry.permissions)
    status, renewed = resolve_unregistered(idx, tp, der, cert, issuers)
    if renewed is None:
        return replace(unfamiliar, status=status)
    return replace(unfamiliar, status=status, entry=renewed, permissions=renewed.permissions)
