"""What the server makes of a caller: its :class:`AuthStatus` (RavenServer.AuthenticateConnectionCertificate's
statuses), the :class:`Identity` a request carries (its certificate's subject and dates, the registered
certificate whose rights apply, and what those rights allow), and the presented certificate read once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

from ravensec.core.models import DatabaseAccess, SecurityClearance
from ravensec.mock.state import CertEntry

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
def parse_der(der: bytes) -> x509.Certificate:
    # Every request of a keep-alive connection presents the same DER: parse it once. The first client
    # certificate a request presents loads cryptography; the mock's start does not.
    from cryptography import x509

    return x509.load_der_x509_certificate(der)


def status_of(entry: CertEntry) -> AuthStatus:
    """The status a registered certificate's clearance gives its caller."""
    if entry.clearance in (SecurityClearance.CLUSTER_ADMIN, SecurityClearance.CLUSTER_NODE):
        return AuthStatus.CLUSTER_ADMIN
    if entry.clearance == SecurityClearance.OPERATOR:
        return AuthStatus.OPERATOR
    return AuthStatus.ALLOWED
