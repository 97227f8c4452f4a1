"""The mock's rules as methods over its in-memory state (moto's backends, for RavenDB Cloud).

:class:`ClusterBackend` holds one product's cluster rules -- generate, register, edit, delete and purge
certificates, with the clearance checks and messages of RavenDB's
``src/Raven.Server/Web/Authentication/AdminCertificatesHandler.cs`` -- and :class:`CloudBackend` the account's:
the allowed-IP list and regenerating a product's initial certificate. Node and portal handlers parse a
request, call one method and write the answer; tests and fixture users call the same methods instead of
editing ``CloudState`` under its lock. Every method takes the lock itself.

A rule that refuses raises a :class:`BackendError`; each front door maps those to HTTP in one place (the
node's dispatcher as the server's error body, the portal's error middleware as the Cloud API's JSON).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ravensec.core.certs.der import pinning_hash_of_der, thumbprint_of_der
from ravensec.core.errors import ValidationError
from ravensec.core.models import DatabaseAccess, IpRule, ProductStatus, SecurityClearance
from ravensec.mock import keypool
from ravensec.mock.cpu_credits import spend_generation
from ravensec.mock.state import CertEntry, CloudState, ProductState

if TYPE_CHECKING:  # cryptography loads with the first certificate a rule makes or reads
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from ravensec.core.certs.bundle import CertBundle, CertMaterial

# Clearances only a Cluster Admin may grant, edit or delete.
ADMINISH = (SecurityClearance.CLUSTER_ADMIN, SecurityClearance.CLUSTER_NODE)


class BackendError(Exception):
    """A rule of the mock refused; ``message`` is the words the real service uses."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidOperation(BackendError):
    """RavenDB's ``System.InvalidOperationException`` (the server answers 500); ``cause`` its inner one."""

    def __init__(self, message: str, cause: BackendError | None = None) -> None:
        super().__init__(message)
        self.cause = cause


class InvalidArgument(BackendError):
    """RavenDB's ``System.ArgumentException`` (500)."""


class ProductNotFound(BackendError):
    """No such product for the Cloud API (404)."""

    def __init__(self, product_id: str) -> None:
        super().__init__(f"Product '{product_id}' was not found.")
        self.product_id = product_id


class NotChangeable(BackendError):
    """The product cannot be changed now: terminating, or a change is under way (409)."""


class InvalidFields(BackendError):
    """The Cloud API's validation failure (400): field -> messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Caller:
    """Who asks: the clearance of the client certificate, and the thumbprints it connects with (a
    certificate in use cannot be deleted). The default, :data:`OWNER`, is the test or fixture user."""

    clearance: SecurityClearance
    thumbprints: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_cluster_admin(self) -> bool:
        return self.clearance == SecurityClearance.CLUSTER_ADMIN


OWNER = Caller(SecurityClearance.CLUSTER_ADMIN)


def entry_for(
    cert: x509.Certificate,
    name: str,
    clearance: SecurityClearance,
    permissions: Mapping[str, DatabaseAccess],
    *,
    generated: bool = False,
) -> CertEntry:
    """The cluster's record of ``cert`` (public part only)."""
    from cryptography.hazmat.primitives import serialization

    der = cert.public_bytes(serialization.Encoding.DER)
    return CertEntry(
        name=name,
        thumbprint=thumbprint_of_der(der),
        clearance=clearance,
        permissions=permissions,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        pinning_hash=pinning_hash_of_der(der),
        der=der,
        generated_by_server=generated,
    )


def require_changeable(p: ProductState) -> None:
    if p.status in (ProductStatus.TERMINATING, ProductStatus.TERMINATED):
        raise NotChangeable(f"Product '{p.id}' is {p.status.value.lower()}; it cannot be changed.")
    if p.status in (ProductStatus.CREATING, ProductStatus.DEPLOYING_CHANGES):
        raise NotChangeable(f"Product '{p.id}' is {p.status.value}; wait until it is Active.")


def parse_allowed_ips(raw: Iterable[Any], *, provider: str = "") -> list[IpRule]:
    """Rules from ``["1.2.3.0/24", {"ip", "alias"}, IpRule, ...]``, validated as the portal does;
    :class:`InvalidFields` (``allowedIps``) listing every problem."""
    from ravensec.core.iprules import parse_rule, validate_rules

    rules: list[IpRule] = []
    problems: list[str] = []
    for i, item in enumerate(raw):
        if isinstance(item, IpRule):
            rules.append(item)
            continue
        if isinstance(item, str):
            text, alias = item, ""
        elif isinstance(item, dict):
            text, alias = item.get("ip") or item.get("cidr") or "", item.get("alias") or ""
            if not isinstance(text, str) or not isinstance(alias, str):
                problems.append(f"Entry {i + 1}: 'ip' and 'alias' must be strings.")
                continue
        else:
            problems.append(f"Entry {i + 1}: expected a CIDR string or an object {{ip, alias}}.")
            continue
        try:
            rules.append(parse_rule(text, alias))
        except ValidationError as e:
            problems.append(str(e))
    if not problems:
        problems = validate_rules(rules, provider=provider)
    if problems:
        raise InvalidFields({"allowedIps": problems})
    return rules


class ClusterBackend:
    """One product's cluster: its certificates and RavenDB's rules for changing them."""

    def __init__(self, state: CloudState, product: ProductState) -> None:
        self.state = state
        self.product = product

    def certificate(self, thumbprint: str) -> CertEntry | None:
        with self.state.lock:
            return self.product.cluster.certificates.get(thumbprint.upper())

    def certificates(self) -> list[CertEntry]:
        with self.state.lock:
            return list(self.product.cluster.certificates.values())

    def _store(self, entries: Sequence[CertEntry]) -> None:
        with self.state.lock:
            for e in entries:
                self.product.cluster.certificates[e.thumbprint] = e
            self.product.cluster.raft_index += 1

    def check_generate(self, name: str, clearance: SecurityClearance, caller: Caller = OWNER) -> None:
        """Refuse what the caller may not generate; the first rule, before the definition is validated."""
        # AdminCertificatesHandler.Generate: only Cluster Admin is refused to a lower caller (not ClusterNode),
        # and before GenerateCertificateInternal validates Name and Permissions.
        if clearance == SecurityClearance.CLUSTER_ADMIN and not caller.is_cluster_admin:
            raise InvalidOperation(
                f"Cannot generate the client certificate '{name}' with 'Cluster Admin' security clearance because "
                f"the current client certificate being used has a lower clearance: {caller.clearance.value}"
            )

    def make(
        self, name: str, *, not_after: datetime, issuer: CertMaterial, key: RSAPrivateKey | None = None
    ) -> CertBundle:
        """A new client certificate signed by ``issuer``, with its key, not registered: ``key``, else a fresh
        RSA-4096 one from :mod:`ravensec.mock.keypool`. Valid from midnight (UTC) 7 days ago, as the server
        makes it (``CertificateUtils.CreateSelfSignedCertificateBasedOnPrivateKey``)."""
        from ravensec.core.certs.generate import make_client_certificate

        today = self.state.clock().replace(hour=0, minute=0, second=0, microsecond=0)
        return make_client_certificate(
            name, key=key or keypool.take(), issuer=issuer, not_before=today - timedelta(days=7),
            not_after=not_after,
        )

    def store_generated(
        self, bundle: CertBundle, name: str, clearance: SecurityClearance, permissions: Mapping[str, DatabaseAccess]
    ) -> CertEntry:
        """Register a certificate :meth:`make` made (its public part only)."""
        entry = entry_for(bundle.certificate, name, clearance, dict(permissions), generated=True)
        self._store([entry])
        return entry

    def generate(
        self,
        name: str,
        clearance: SecurityClearance,
        permissions: Mapping[str, DatabaseAccess],
        *,
        not_after: datetime,
        issuer: CertMaterial,
        caller: Caller = OWNER,
        node: str | None = None,
        key: RSAPrivateKey | None = None,
    ) -> CertBundle:
        """A new client certificate signed by ``issuer``, registered; with its key (:meth:`make`).

        On a burstable instance it spends node ``node``'s CPU credits (the first node's by default) as the
        server's RSA-4096 generation would (:meth:`spend_generation`)."""
        self.check_generate(name, clearance, caller)
        bundle = self.make(name, not_after=not_after, issuer=issuer, key=key)
        self.spend_generation(node)
        self.store_generated(bundle, name, clearance, permissions)
        return bundle

    def check_register(self, name: str, clearance: SecurityClearance, caller: Caller = OWNER) -> None:
        """Refuse a clearance the caller may not grant (before the certificate itself is read)."""
        # AdminCertificatesHandler.Put: Cluster Admin and Cluster Node need a Cluster Admin, checked before
        # the Certificate property is looked at.
        if clearance in ADMINISH and not caller.is_cluster_admin:
            raise InvalidOperation(
                f"Cannot save the certificate '{name}' with '{clearance.value}' security clearance because the "
                f"current client certificate being used has a lower clearance: {caller.clearance.value}"
            )

    def spend_generation(self, tag: str | None = None) -> float:
        """Spend what generating one certificate costs node ``tag`` (the first node by default) in CPU credits;
        the seconds that work takes on that instance (0 on a reserved one)."""
        with self.state.lock:
            target = next((n for n in self.product.nodes if tag is None or n.tag == tag), None)
            return spend_generation(target.cpu, self.state.clock()) if target is not None else 0.0

    def register(
        self,
        name: str,
        clearance: SecurityClearance,
        permissions: Mapping[str, DatabaseAccess],
        certificate: bytes | x509.Certificate,
        *,
        password: str | None = None,
        caller: Caller = OWNER,
    ) -> list[CertEntry]:
        """Register ``certificate`` (a certificate object, or PEM/DER/PFX bytes, a chain's certificates
        becoming secondary keys of the first); the entries stored."""
        self.check_register(name, clearance, caller)
        if isinstance(certificate, bytes):
            from ravensec.core.certs.load import load_certificates_any

            try:
                certs = load_certificates_any(certificate, password)
            except Exception:
                certs = []
            if not certs:
                raise InvalidOperation(f"Failed to put certificate {name} in the cluster.",
                                       cause=InvalidArgument("Unable to load the provided certificate."))
        else:
            certs = [certificate]
        server_tp = self.product.cluster.server_thumbprint.upper()
        # Entries are immutable (the listing cache relies on it): the chain's links are set as they are made.
        first, *rest = made = [entry_for(c, name, clearance, dict(permissions)) for c in certs]
        # AdminCertificatesHandler.PutCertificateCollectionInCluster: the loaded server certificate is refused
        # (wrapped by Put in "Failed to put certificate ... in the cluster.").
        clash = next((e for e in made if server_tp and e.thumbprint == server_tp), None)
        if clash is not None:
            raise InvalidOperation(
                f"Failed to put certificate {name} in the cluster.",
                cause=InvalidOperation(
                    f"You are trying to import the same server certificate ({clash.thumbprint}) as the one which "
                    "is already loaded. This is not supported."
                ),
            )
        rest = [replace(e, primary_key=first.thumbprint) for e in rest]
        entries = [replace(first, secondary_keys=tuple(e.thumbprint for e in rest)), *rest]
        self._store(entries)
        return entries

    def edit(
        self,
        thumbprint: str,
        name: str,
        clearance: SecurityClearance,
        permissions: Mapping[str, DatabaseAccess],
        *,
        disabled: bool = False,
        caller: Caller = OWNER,
    ) -> CertEntry:
        """Change a certificate's name, clearance, permissions and disabled flag (and its secondary keys')."""
        tp = thumbprint.upper()
        who = caller.clearance.value
        with self.state.lock:
            certs = self.product.cluster.certificates
            entry = certs.get(tp)
            if entry is None:
                raise InvalidOperation(
                    f"Cannot edit permissions for certificate with thumbprint '{tp}'. It doesn't exist in the cluster."
                )
            if entry.clearance in ADMINISH and not caller.is_cluster_admin:
                raise InvalidOperation(
                    f"Cannot edit the certificate '{entry.name}'. It has '{entry.clearance.value}' security "
                    f"clearance while the current client certificate being used has a lower clearance: {who}"
                )
            if clearance in ADMINISH and not caller.is_cluster_admin:
                raise InvalidOperation(
                    f"Cannot edit security clearance to '{clearance.value}' for certificate '{entry.name}'. Only a "
                    f"'Cluster Admin' can do that and your current client certificate has a lower clearance: {who}"
                )
            for e in [entry, *(certs.get(s) for s in entry.secondary_keys)]:
                if e is not None:
                    certs[e.thumbprint] = replace(e, name=name, clearance=clearance, permissions=dict(permissions),
                                                  disabled=disabled)
            self.product.cluster.raft_index += 1
            return certs[tp]

    def delete(self, thumbprint: str, *, caller: Caller = OWNER) -> bool:
        """Remove a certificate and its secondary keys; False when it was not registered (not an error).

        The product's server certificate is never registered (the node adds it to every listing), so deleting
        it changes nothing: the node keeps the certificate it loaded."""
        tp = thumbprint.upper()
        if not tp:
            raise InvalidArgument("Query string value 'thumbprint' must have a non empty value")
        with self.state.lock:
            certs = self.product.cluster.certificates
            entry = certs.get(tp)
            # AdminCertificatesHandler.Delete: the client certificate in use is refused first, before the
            # thumbprint is looked up (an unregistered one, a well-known admin's, has no name to show).
            if tp in caller.thumbprints:
                raise InvalidOperation(
                    f"Cannot delete {entry.name if entry else ''} because it's the current client certificate being used"
                )
            if entry is None:
                return False
            if entry.clearance in ADMINISH and not caller.is_cluster_admin:
                raise InvalidOperation(
                    f"Cannot delete the certificate '{entry.name}' with '{entry.clearance.value}' security "
                    f"clearance because the current client certificate being used has a lower clearance: "
                    f"{caller.clearance.value}"
                )
            # AdminCertificatesHandler.Delete: a secondary certificate of a collection goes only with its primary.
            if entry.primary_key:
                raise InvalidOperation(
                    f"Cannot delete the certificate '{entry.name}' with thumbprint '{entry.thumbprint}'. You need to "
                    f"delete the primary certificate of the collection: {entry.primary_key}"
                )
            for t in (tp, *entry.secondary_keys):
                certs.pop(t, None)
            self.product.cluster.raft_index += 1
            return True

    def purge(self) -> list[str]:
        """Remove every certificate expired by the world's clock; their thumbprints."""
        with self.state.lock:
            now = self.state.clock()
            certs = self.product.cluster.certificates
            gone = [tp for tp, e in certs.items() if e.not_after < now]
            for tp in gone:
                del certs[tp]
            self.product.cluster.raft_index += 1
            return gone


class CloudBackend:
    """The account's products, as the portal (and its ``/ext/v1`` extensions) changes them."""

    def __init__(self, state: CloudState) -> None:
        self.state = state

    def product(self, product_id: str) -> ProductState:
        """The product; :class:`ProductNotFound` also for a terminated product the API no longer shows."""
        with self.state.lock:
            p = self.state.products.get(product_id)
            if p is None or (p.hidden and p.status == ProductStatus.TERMINATED):
                raise ProductNotFound(product_id)
            return p

    def cluster(self, product_id: str) -> ClusterBackend:
        with self.state.lock:
            p = self.state.products.get(product_id)
            if p is None:
                raise ProductNotFound(product_id)
            return ClusterBackend(self.state, p)

    def allowed_ips(self, product_id: str) -> list[IpRule]:
        with self.state.lock:
            return list(self.product(product_id).allowed_ips)

    def set_allowed_ips(self, product_id: str, rules: Iterable[IpRule | str | Mapping[str, Any]]) -> list[IpRule]:
        """Replace the product's allow-list (validated as the portal does); the rules now in force."""
        with self.state.lock:
            p = self.product(product_id)
            require_changeable(p)
            p.allowed_ips = parse_allowed_ips(rules, provider=p.cloud_provider)
            return list(p.allowed_ips)

    def regenerate_initial_certificate(self, product_id: str) -> CertEntry:
        """A new initial (Operator) certificate, like the cloud's portal: it becomes the product's package
        certificate, and the old one stays registered."""
        from ravensec.mock.build import operator_entry, regenerate_operator

        with self.state.lock:
            p = self.product(product_id)
            require_changeable(p)
        bundle = regenerate_operator(self.state, p)  # key generation outside the lock
        entry = operator_entry(bundle)
        with self.state.lock:
            if self.state.products.get(p.id) is not p:
                raise NotChangeable("The world was reset while regenerating; try again.")
            p.cluster.certificates[entry.thumbprint] = entry
            p.operator_cert = bundle
        return entry

