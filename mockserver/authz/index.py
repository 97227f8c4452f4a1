"""The cluster's certificates indexed once per ``CertStore`` version: by thumbprint and by pinning hash, with
what unregistered certificates resolved to and what presented certificates are, so that a request costs a
few dict lookups instead of a scan of every entry. Indexes are shared by every mock of the process."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ravensec.mock.state import CertEntry, Cluster

from .identity import AuthStatus, Identity

if TYPE_CHECKING:
    from cryptography import x509

MEMO_LIMIT = 4096  # resolved certificates kept per version (a bound, not a tuning knob)

# The presented DER, the cluster's server and well-known admin thumbprints, the trusted issuers.
IdentityKey = tuple[bytes, str, tuple[str, ...], tuple["x509.Certificate", ...]]


class CertIndex:
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
        self.identities: dict[IdentityKey, Identity] = {}


# By CertStore version: versions are unique across every store of the process, so a version names one
# store's contents; the least recently used go first (a world has a few products, each one live version).
_indexes: OrderedDict[int, CertIndex] = OrderedDict()
_INDEXES_LIMIT = 64
_indexes_lock = threading.Lock()  # mocks of several worlds (each with its own lock) share the table


def index_of(cluster: Cluster) -> CertIndex:
    version = cluster.cert_version
    with _indexes_lock:
        idx = _indexes.get(version)
        if idx is not None:
            _indexes.move_to_end(version)
            return idx
    idx = CertIndex(cluster.certificates, version)  # under the cluster's lock: its certificates hold still
    with _indexes_lock:
        _indexes[version] = idx
        while len(_indexes) > _INDEXES_LIMIT:
            _indexes.popitem(last=False)
    return idx


def registered(cluster: Cluster, thumbprint: str) -> CertEntry | None:
    """The registered certificate with ``thumbprint`` (any case), from the index. Lock held."""
    return index_of(cluster).by_thumbprint.get(thumbprint.upper())
