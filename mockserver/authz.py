"""Who is calling (per request, from the TLS peer certificate) and whether a route lets them, with the exact
statuses and messages of RavenDB's server (RavenDB's src/Raven.Server/Routing/RequestRouter.cs and RavenServer.cs).

Sources (RavenDB 7.x): ``src/Raven.Server/RavenServer.cs`` ``AuthenticateConnectionCertificate`` (the
status), ``src/Raven.Server/Utils/CertificateUtils.cs`` ``CertHasKnownIssuer`` (renewal by pinning hash),
``src/Raven.Server/Routing/RequestRouter.cs`` ``CanAccessRoute`` and ``UnlikelyFailAuthorizationAsync``
(who may call a route, and the refusal's message).

A disabled certificate (7.2's ``Disabled``) is refused as its own status with a message of our own
([mock choice]: nothing public fixes its wording).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

from ravensec.core.certs.der import pinning_hash_of_der, thumbprint_of_der
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
    permissions: Mapping[str, DatabaseAccess] = field(default_factory=dict)
    is_server: bool = False  # the product's own server certificate (intra-cluster traffic)
    is_well_known: bool = False  # one of the configured well-known admin certificates

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
        # RequestRouter.UnlikelyFailAuthorizationAsync: name += "(Thumbprint: TP)", then quoted whole.
        return f"'{self.subject}(Thumbprint: {self.thumbprint})'"

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
    """The subject as .NET's ``X509Certificate2.Subject`` prints it: most specific RDN first, ", " between."""
    return ", ".join(rdn.rfc4514_string() for rdn in reversed(cert.subject.rdns)) or "CN="


@lru_cache(maxsize=512)
def _parse(der: bytes) -> x509.Certificate:
    # Every request of a keep-alive connection presents the same DER: parse it once. The first client
    # certificate a request presents loads cryptography; the mock's start does not.
    from cryptography import x509

    return x509.load_der_x509_certificate(der)


def _pinning_hash(der: bytes) -> str | None:
    try:
        return pinning_hash_of_der(der)
    except ValueError:
        return None


def _by_clearance(entry: CertEntry) -> AuthStatus:
    if entry.clearance in (SecurityClearance.CLUSTER_ADMIN, SecurityClearance.CLUSTER_NODE):
        return AuthStatus.CLUSTER_ADMIN
    if entry.clearance == SecurityClearance.OPERATOR:
        return AuthStatus.OPERATOR
    return AuthStatus.ALLOWED


# ---- the cluster's certificates, indexed once per CertStore version ------------------------------------

_MEMO_LIMIT = 4096  # resolved certificates kept per version (a bound, not a tuning knob)


class _Index:
    """A cluster's certificates by upper-case thumbprint and by pinning hash, for one ``CertStore`` version;
    plus what unregistered certificates resolved to (a renewal or not), so that a certificate the cluster
    does not know costs one dict lookup per request instead of a scan of every entry."""

    def __init__(self, certificates: Mapping[str, CertEntry], version: int) -> None:
        self.version = version
        self.by_thumbprint = {t.upper(): e for t, e in certificates.items()}
        by_hash: dict[str, list[CertEntry]] = {}
        for e in certificates.values():
            if not e.disabled:  # a disabled certificate lends its rights to no renewal
                by_hash.setdefault(e.pinning_hash, []).append(e)
        # ClusterStateMachine.GetCertificatesByPinningHash(...).FirstOrDefault(): one of them; we take the
        # one that expires last, the same every time.
        self.by_pinning_hash = {h: max(es, key=lambda e: (e.not_after, e.thumbprint)) for h, es in by_hash.items()}
        self.resolved: dict[tuple[str, tuple[x509.Certificate, ...]], tuple[AuthStatus, CertEntry | None]] = {}
        # What a certificate is, before its dates are judged against the clock: one lookup per request of a
        # known caller instead of a parse, a subject rendering and a dataclass copy.
        self.identities: dict[_IdentityKey, Identity] = {}


# The presented DER, the cluster's server and well-known admin thumbprints, the trusted issuers.
_IdentityKey = tuple[bytes, str, tuple[str, ...], tuple["x509.Certificate", ...]]


# By CertStore version: versions are unique across every store of the process, so a version names one
# store's contents; the least recently used go first (a world has a few products, each one live version).
_indexes: OrderedDict[int, _Index] = OrderedDict()
_INDEXES_LIMIT = 64
_indexes_lock = threading.Lock()  # mocks of several worlds (each with its own lock) share the table


def _index(cluster: Cluster) -> _Index:
    version = cluster.cert_version
    with _indexes_lock:
        idx = _indexes.get(version)
        if idx is not None:
            _indexes.move_to_end(version)
            return idx
    idx = _Index(cluster.certificates, version)  # under the cluster's lock: its certificates hold still
    with _indexes_lock:
        _indexes[version] = idx
        while len(_indexes) > _INDEXES_LIMIT:
            _indexes.popitem(last=False)
    return idx


# ---- renewal by pinning hash: CertificateUtils.CertHasKnownIssuer ---------------------------------------


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


def _resolve_unregistered(
    idx: _Index, tp: str, der: bytes, cert: x509.Certificate, issuers: tuple[x509.Certificate, ...]
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
            ok = _has_known_issuer(cert, _parse(known.der), issuers)
        except ValueError:
            ok = False
        hit = (_by_clearance(known), known) if ok else (AuthStatus.UNFAMILIAR_ISSUER, None)
    if len(idx.resolved) >= _MEMO_LIMIT:
        idx.resolved.clear()
    idx.resolved[key] = hit
    return hit


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
    idx = _index(cluster)
    key = (der, cluster.server_thumbprint, tuple(cluster.well_known_admin_thumbprints), issuers)
    known = idx.identities.get(key)
    if known is None:
        known = _identify_registered(cluster, idx, der, thumbprint or thumbprint_of_der(der), issuers)
        if len(idx.identities) >= _MEMO_LIMIT:
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
    cluster: Cluster, idx: _Index, der: bytes, tp: str, issuers: tuple[x509.Certificate, ...]
) -> Identity:
    """``identify`` with valid dates: what the cluster's certificates make of ``der``."""
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
    if tp == cluster.server_thumbprint.upper():
        return replace(unfamiliar, status=AuthStatus.CLUSTER_ADMIN, is_server=True)
    if any(t.upper() == tp for t in cluster.well_known_admin_thumbprints):  # a handful, from the config
        return replace(unfamiliar, status=AuthStatus.CLUSTER_ADMIN, is_well_known=True)
    entry = idx.by_thumbprint.get(tp)
    if entry is not None:
        if entry.disabled:
            return replace(unfamiliar, status=AuthStatus.DISABLED, entry=entry)
        return replace(unfamiliar, status=_by_clearance(entry), entry=entry, permissions=entry.permissions)
    status, renewed = _resolve_unregistered(idx, tp, der, cert, issuers)
    if renewed is None:
        return replace(unfamiliar, status=status)
    return replace(unfamiliar, status=status, entry=renewed, permissions=renewed.permissions)


def registered(cluster: Cluster, thumbprint: str) -> CertEntry | None:
    """The registered certificate with ``thumbprint`` (any case), from the index. Lock held."""
    return _index(cluster).by_thumbprint.get(thumbprint.upper())


# ---- RequestRouter: CanAccessRoute, then UnlikelyFailAuthorizationAsync's message -----------------------


def _date(value: datetime | None) -> str:
    # .NET's "D" long date pattern: "Monday, 01 January 2024".
    return value.strftime("%A, %d %B %Y") if value else ""


# RequestRouter.BrowserCertificateMessage (Environment.NewLine is "\n" on the cloud's Linux nodes).
BROWSER_CACHE = (
    "\nYour certificate store may be cached by the browser. Create a new private browsing tab, which will not "
    "cache any certificates. (Ctrl+Shift+N in Chrome, Ctrl+Shift+P in Firefox)"
)

_SUFFIX = {
    Requirement.CLUSTER_ADMIN: " ClusterAdmin access is required but not given to this certificate.",
    Requirement.OPERATOR: " Operator/ClusterAdmin access is required but not given to this certificate.",
    Requirement.DATABASE_ADMIN: " DatabaseAdmin access is required but not given to this certificate.",
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


def can_access(identity: Identity, rm: RouteMatch) -> bool:
    """RequestRouter.CanAccessRoute."""
    req = rm.route.requirement
    st = identity.status
    if req == Requirement.UNAUTHENTICATED:
        return not (rm.route.path == STUDIO_MAIN_PAGE and st in _CANNOT_OPEN_STUDIO)
    if st == AuthStatus.CLUSTER_ADMIN:
        return True
    if st == AuthStatus.OPERATOR:
        return req != Requirement.CLUSTER_ADMIN
    if st in (AuthStatus.UNFAMILIAR_CERTIFICATE, AuthStatus.UNFAMILIAR_ISSUER):
        # CanAccessRoute: RestrictedAccess endpoints authorize an unfamiliar certificate themselves.
        return req == Requirement.RESTRICTED
    if st != AuthStatus.ALLOWED:
        return False  # no certificate, expired, not yet valid, disabled
    if req in (Requirement.OPERATOR, Requirement.CLUSTER_ADMIN):
        return False
    if rm.database is None:
        return True  # ValidUser and RestrictedAccess server routes: the handler filters by database
    access = identity.access(rm.database)
    if access is None:
        return False
    if req == Requirement.DATABASE_ADMIN:
        return access == DatabaseAccess.ADMIN
    return not (rm.route.is_write and access == DatabaseAccess.READ)


def refusal_message(identity: Identity, rm: RouteMatch, *, from_client_api: bool) -> str:
    """RequestRouter.UnlikelyFailAuthorizationAsync's message. ``from_client_api``: the request carries
    ``Raven-Client-Version`` (HttpRequestExtensions.IsFromClientApi); others get the browser-cache hint."""
    st = identity.status
    browser = "" if from_client_api else BROWSER_CACHE
    target = rm.database if rm.database is not None else "the server"
    q = identity.quoted
    if st == AuthStatus.NO_CERTIFICATE:
        message = (
            "This server requires client certificate for authentication, but none was provided by the client. "
            "Did you forget to install the certificate?" + browser
        )
    elif st == AuthStatus.UNFAMILIAR_CERTIFICATE:
        message = (
            f"The supplied client certificate {q} is unknown to the server. "
            "In order to register your certificate please contact your system administrator." + browser
        )
    elif st == AuthStatus.UNFAMILIAR_ISSUER:
        # The trailing space is the server's.
        message = (
            f"The supplied client certificate {q} is unknown to the server but has a known Public Key Pinning "
            "Hash. Will not use it to authenticate because the issuer is unknown. "
        )
    elif st == AuthStatus.ALLOWED:
        message = f"Could not authorize access to {target} using provided client certificate {q}."
    elif st == AuthStatus.OPERATOR:
        message = f"Insufficient security clearance to access {target} using provided client certificate {q}."
    elif st == AuthStatus.EXPIRED:
        message = (
            f"The supplied client certificate {q} has expired on {_date(identity.not_after)}. "
            "Please contact your system administrator in order to obtain a new one."
        )
    elif st == AuthStatus.NOT_YET_VALID:
        message = f"The supplied client certificate {q} cannot be used before {_date(identity.not_before)}"
    elif st == AuthStatus.DISABLED:
        message = (
            f"The supplied client certificate {q} is disabled. "
            "Please contact your system administrator in order to enable it."
        )
    else:
        message = "Access to the server was denied."
    # The suffix follows every refusal, whatever the status (UnlikelyFailAuthorizationAsync's last switch).
    return message + _SUFFIX.get(rm.route.requirement, "")


def refusal(identity: Identity, rm: RouteMatch, *, from_client_api: bool = True) -> str | None:
    """None when ``identity`` may call the matched route, else the 403 ``InvalidAuth`` message."""
    if can_access(identity, rm):
        return None
    return refusal_message(identity, rm, from_client_api=from_client_api)
