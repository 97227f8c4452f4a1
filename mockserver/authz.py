"""Who is calling (per request, from the TLS peer certificate) and whether a route lets them, with the exact
statuses and messages of RavenDB's server (see server-api.md sections 1-3).

A disabled certificate (7.2's ``Disabled``) is refused as its own status with a message of our own
([mock choice]: nothing public fixes its wording).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

from ravensec.core.certs.der import spki_of_der, thumbprint_of_der
from ravensec.core.models import DatabaseAccess, SecurityClearance
from ravensec.mock.routes import Requirement, RouteMatch
from ravensec.mock.state import CertEntry, Cluster

if TYPE_CHECKING:  # cryptography loads with the first client certificate, not with the mock
    from cryptography import x509


class AuthStatus(StrEnum):
    NO_CERTIFICATE = "NoCertificateProvided"
    EXPIRED = "Expired"
    NOT_YET_VALID = "NotYetValid"
    CLUSTER_ADMIN = "ClusterAdmin"
    OPERATOR = "Operator"
    ALLOWED = "Allowed"
    UNFAMILIAR_ISSUER = "UnfamiliarIssuer"
    UNFAMILIAR_CERTIFICATE = "UnfamiliarCertificate"
    DISABLED = "Disabled"


@dataclass(frozen=True)
class Identity:
    status: AuthStatus
    thumbprint: str = ""
    subject: str = ""  # "CN=name" as the server prints it
    not_before: datetime | None = None
    not_after: datetime | None = None
    entry: CertEntry | None = None  # the registered certificate whose rights apply
    permissions: dict[str, DatabaseAccess] = field(default_factory=dict)
    is_server: bool = False  # the product's own server certificate (intra-cluster traffic)

    @property
    def authenticated(self) -> bool:
        return self.status in (AuthStatus.CLUSTER_ADMIN, AuthStatus.OPERATOR, AuthStatus.ALLOWED)

    @property
    def clearance(self) -> SecurityClearance:
        return {
            AuthStatus.CLUSTER_ADMIN: SecurityClearance.CLUSTER_ADMIN,
            AuthStatus.OPERATOR: SecurityClearance.OPERATOR,
            AuthStatus.ALLOWED: SecurityClearance.VALID_USER,
        }.get(self.status, SecurityClearance.UNAUTHENTICATED_CLIENTS)

    @property
    def quoted(self) -> str:
        # "'{name}' (Thumbprint: TP)": the server's way of naming the certificate in refusals.
        return f"'{self.subject}' (Thumbprint: {self.thumbprint})"

    def access(self, database: str) -> DatabaseAccess | None:
        if self.status in (AuthStatus.CLUSTER_ADMIN, AuthStatus.OPERATOR):
            return DatabaseAccess.ADMIN
        if self.status != AuthStatus.ALLOWED:
            return None
        for db, acc in self.permissions.items():
            if db.lower() == database.lower():
                return acc
        return None


def subject_of(cert: x509.Certificate) -> str:
    """The subject as RavenDB prints it ("CN=name"), RFC 4514 order."""
    return cert.subject.rfc4514_string() or "CN="


@lru_cache(maxsize=512)
def _parse(der: bytes) -> x509.Certificate:
    # Every request of a keep-alive connection presents the same DER: parse it once. The first client
    # certificate a request presents loads cryptography; the mock's start does not.
    from cryptography import x509

    return x509.load_der_x509_certificate(der)


def _spki(der: bytes) -> bytes | None:
    try:
        return spki_of_der(der)
    except ValueError:
        return None


def _by_clearance(entry: CertEntry) -> AuthStatus:
    if entry.clearance in (SecurityClearance.CLUSTER_ADMIN, SecurityClearance.CLUSTER_NODE):
        return AuthStatus.CLUSTER_ADMIN
    if entry.clearance == SecurityClearance.OPERATOR:
        return AuthStatus.OPERATOR
    return AuthStatus.ALLOWED


def identify(
    cluster: Cluster,
    der: bytes | None,
    now: datetime,
    *,
    issuers: tuple[bytes, ...] = (),
    real_now: datetime | None = None,
) -> Identity:
    """The caller's status in the server's order. ``issuers`` are DER subjects of issuers the server knows
    (its own CA) for the renewal rule. Call with the cluster's lock held.

    ``now`` is the world's clock (possibly fixed in the past, for reproducible worlds); ``real_now`` the
    machine's. Expiry is judged by the world's clock, "not yet valid" by the later of the two, so that a
    certificate a client makes right now is usable in a world whose clock stands still."""
    if not der:
        return Identity(AuthStatus.NO_CERTIFICATE)
    tp = thumbprint_of_der(der)
    try:
        cert = _parse(der)
    except ValueError:
        return Identity(AuthStatus.UNFAMILIAR_CERTIFICATE, thumbprint=tp, subject="CN=")
    unfamiliar = Identity(
        AuthStatus.UNFAMILIAR_CERTIFICATE,
        thumbprint=tp,
        subject=subject_of(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )
    if cert.not_valid_after_utc < now:
        return replace(unfamiliar, status=AuthStatus.EXPIRED)
    if cert.not_valid_before_utc > max(now, real_now or now):
        return replace(unfamiliar, status=AuthStatus.NOT_YET_VALID)
    if tp == cluster.server_thumbprint.upper() or tp in {
        t.upper() for t in cluster.well_known_admin_thumbprints
    }:
        return replace(unfamiliar, status=AuthStatus.CLUSTER_ADMIN, is_server=tp == cluster.server_thumbprint.upper())
    entry = cluster.certificates.get(tp) or next(
        (e for t, e in cluster.certificates.items() if t.upper() == tp), None
    )
    if entry is not None:
        if entry.disabled:
            return replace(unfamiliar, status=AuthStatus.DISABLED, entry=entry)
        return replace(unfamiliar, status=_by_clearance(entry), entry=entry, permissions=dict(entry.permissions))
    # A renewal: same public key as a registered certificate, honoured only from an issuer we know.
    spki = _spki(der)
    for other in cluster.certificates.values():
        if other.disabled or spki is None or _spki(other.der) != spki:
            continue
        try:
            registered_issuer = _parse(other.der).issuer
        except ValueError:
            continue
        # Known issuer: one the server trusts (its CA), or the very issuer of the registered certificate
        # (a self-signed renewal of the same key and name).
        if cert.issuer.public_bytes() in issuers or cert.issuer == registered_issuer:
            return replace(unfamiliar, status=_by_clearance(other), entry=other, permissions=dict(other.permissions))
        return replace(unfamiliar, status=AuthStatus.UNFAMILIAR_ISSUER)
    return unfamiliar


def _date(value: datetime | None) -> str:
    # .NET's "D" long date pattern: "Monday, 01 January 2024".
    return value.strftime("%A, %d %B %Y") if value else ""


_SUFFIX = {
    Requirement.CLUSTER_ADMIN: " ClusterAdmin access is required but not given to this certificate",
    Requirement.OPERATOR: " Operator/ClusterAdmin access is required but not given to this certificate",
    Requirement.DATABASE_ADMIN: " DatabaseAdmin access is required but not given to this certificate",
}


# The one unauthenticated route the server still refuses to a caller without a usable certificate: the Studio's
# main page (its other files stay public).
STUDIO_MAIN_PAGE = "/studio/index.html"
_CANNOT_OPEN_STUDIO = frozenset(
    {
        AuthStatus.NO_CERTIFICATE,
        AuthStatus.EXPIRED,
        AuthStatus.NOT_YET_VALID,
        AuthStatus.UNFAMILIAR_CERTIFICATE,
        AuthStatus.UNFAMILIAR_ISSUER,
        AuthStatus.DISABLED,
    }
)


def refusal(identity: Identity, rm: RouteMatch) -> str | None:
    """None when ``identity`` may call the matched route, else the 403 ``InvalidAuth`` message."""
    req = rm.route.requirement
    st = identity.status
    if req == Requirement.UNAUTHENTICATED and not (
        rm.route.path == STUDIO_MAIN_PAGE and st in _CANNOT_OPEN_STUDIO
    ):
        return None
    if st == AuthStatus.NO_CERTIFICATE:
        return (
            "This server requires client certificate for authentication, but none was provided by the client. "
            "Did you forget to install the certificate?"
        )
    if st == AuthStatus.EXPIRED:
        return (
            f"The supplied client certificate {identity.quoted} has expired on {_date(identity.not_after)}. "
            "Please contact your system administrator in order to obtain a new one."
        )
    if st == AuthStatus.NOT_YET_VALID:
        return f"The supplied client certificate {identity.quoted} cannot be used before {_date(identity.not_before)}"
    if st in (AuthStatus.UNFAMILIAR_CERTIFICATE, AuthStatus.UNFAMILIAR_ISSUER):
        if req == Requirement.RESTRICTED:
            return None  # the server lets unknown certificates through: the handler authorizes them itself
        return (
            f"The supplied client certificate {identity.quoted} is unknown to the server. "
            "In order to register your certificate please contact your system administrator."
        )
    if st == AuthStatus.DISABLED:
        return (
            f"The supplied client certificate {identity.quoted} is disabled. "
            "Please contact your system administrator in order to enable it."
        )
    target = rm.database if rm.database is not None else "the server"
    suffix = _SUFFIX.get(req, "")
    if st == AuthStatus.CLUSTER_ADMIN:
        return None
    if req == Requirement.CLUSTER_ADMIN:
        return (
            f"Insufficient security clearance to access {target} using provided client certificate "
            f"{identity.quoted}.{suffix}"
            if st == AuthStatus.OPERATOR
            else f"Could not authorize access to {target} using provided client certificate {identity.quoted}.{suffix}"
        )
    if st == AuthStatus.OPERATOR:
        return None
    # A User (ValidUser with database permissions) from here on.
    denied = f"Could not authorize access to {target} using provided client certificate {identity.quoted}."
    if req == Requirement.OPERATOR:
        return denied + suffix
    if rm.database is None:
        return None  # server-level ValidUser routes: the handler filters by database
    access = identity.access(rm.database)
    if req == Requirement.DATABASE_ADMIN:
        return None if access == DatabaseAccess.ADMIN else denied + suffix
    if access is None:
        return denied
    if rm.route.is_write and access == DatabaseAccess.READ:
        return denied
    return None
