"""One product's cluster and RavenDB's rules for changing its certificates (``ClusterBackend``): generate,
register, edit, delete and purge, with the clearance checks and messages of
``src/Raven.Server/Web/Authentication/AdminCertificatesHandler.cs``; and ``entry_for``, the cluster's record
of a certificate (its public part only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ravensec.core.certs.der import pinning_hash_of_der, thumbprint_of_der
from ravensec.core.models import DatabaseAccess, SecurityClearance
from ravensec.mock import keypool
from ravensec.mock.cpu_credits import spend_generation
from ravensec.mock.state import CertEntry, CloudState, ProductState

from .caller import ADMINISH, OWNER, Caller
from .errors import InvalidArgument, InvalidOperation

if TYPE_CHECKING:  # cryptography loads with the first certificate a rule makes or reads
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    from ravensec.core.certs.bundle import CertBundle, CertMaterial


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
        server's RSA-4096 generation would (:meth:`charge_generation`)."""
        self.check_generate(name, clearance, caller)
        bundle = self.make(name, not_after=not_after, issuer=issuer, key=key)
        self.charge_generation(node)
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

    def charge_generation(self, tag: str | None = None) -> float:
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
