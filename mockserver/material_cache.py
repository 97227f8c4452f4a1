"""The key material the mock generates -- its CA and server certificates, each world's certificates with
their keys, the worlds' backup files -- kept between runs in the user's cache directory.

Making that material is most of a cold start: cryptography takes ~30 ms to import before the first
signature. A start that finds its material here signs nothing and does not load cryptography at all; it
loads with the first request that reads a client certificate. Every entry is a pure function of what
names it: the seed, the world file with its anchor date, the CA, cryptography's and zlib's versions and
the source of the code that makes the material (a change to any of it names a new entry), so a hit gives
the very bytes a fresh build would. The RSA keys of the certificates a world hands out come from a fixed key
ring (``ravensec.mock.keyring``); worlds whose own certificates have RSA keys are never kept (those keys are
made afresh on every build).

An unreadable or malformed entry is a miss and a failed write is ignored: the cache never decides anything.
Entries are 0600 files in a 0700 directory; the directory keeps the newest ``KEEP`` of them.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import logging
import ssl
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cryptography  # the top-level package only (its version): no hazmat, no cost
import platformdirs

import ravensec.core
from ravensec.core.certs.bundle import CertBundle, CertMaterial
from ravensec.core.certs.der import thumbprint_of_der
from ravensec.core.fsutil import atomic_write_private
from ravensec.core.models import BackupKeySource, BackupKind, DatabaseAccess, SecurityClearance
from ravensec.mock.state import BackupEntry, CertEntry

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

log = logging.getLogger(__name__)

FORMAT = 1  # of the entries' JSON
KEEP = 32
# The code whose behaviour decides the material's bytes, relative to the ``core`` and ``mockserver`` packages.
_SOURCES = {
    "core": ("certs/generate.py", "certs/bundle.py", "backups.py", "wiredates.py"),
    "mockserver": (
        "material_cache.py",
        "keyring.py",
        "keyring_data.py",
        "state.py",
        "tls.py",
        "build.py",
        "backups.py",
        "worlds.py",
        "world_products.py",
        "world_reader.py",
        "world_spec.py",
        "node/certificates.py",
    ),
}
_ROOTS = {"core": Path(ravensec.core.__file__).parent, "mockserver": Path(__file__).parent}


@dataclass(frozen=True)
class PemBundle:
    """A certificate with its key and chain kept as PEM, as the cache stores them: ``cert_pem``, ``cert_der``,
    ``key_pem`` and ``combined_pem`` answer from the bytes; ``certificate``, ``private_key`` and ``chain``
    from the :class:`CertBundle` parsed on first use (``parsed``), which loads cryptography only then."""

    pem: bytes
    key: bytes | None = None
    chain_pem: tuple[bytes, ...] = ()

    @functools.cached_property
    def parsed(self) -> CertBundle:
        # The one place a kept certificate is parsed: a start from the cache never gets here.
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        return CertBundle(
            x509.load_pem_x509_certificate(self.pem),
            # The mock made these keys and the file is its own (0600): checking an RSA-4096 key costs ~0.3 s.
            serialization.load_pem_private_key(self.key, password=None, unsafe_skip_rsa_key_validation=True)
            if self.key is not None
            else None,
            tuple(x509.load_pem_x509_certificate(c) for c in self.chain_pem),
        )

    @property
    def certificate(self) -> x509.Certificate:
        return self.parsed.certificate

    @property
    def private_key(self) -> PrivateKeyTypes | None:
        return self.parsed.private_key

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self.parsed.chain

    def cert_pem(self) -> bytes:
        return self.pem

    @functools.cached_property
    def _der(self) -> bytes:
        return ssl.PEM_cert_to_DER_cert(self.pem.decode("ascii"))

    def cert_der(self) -> bytes:
        return self._der

    def key_pem(self, password: str | None = None) -> bytes:
        if password or self.key is None:
            return self.parsed.key_pem(password)
        return self.key

    def combined_pem(self) -> bytes:
        return self.cert_pem() + self.key_pem()

    def __repr__(self) -> str:
        return f"PemBundle(thumbprint={thumbprint_of_der(self._der)})"


# ------------------------------------------------------------------------------------------ JSON codecs


def bundle_to_json(b: CertMaterial) -> dict[str, Any]:
    if isinstance(b, PemBundle):
        cert, key, chain = b.pem, b.key, b.chain_pem
    else:
        cert = b.cert_pem()
        key = b.key_pem() if b.private_key is not None else None
        chain = tuple(CertBundle(c).cert_pem() for c in b.chain)
    return {"cert": cert.decode(), "key": key.decode() if key else None, "chain": [c.decode() for c in chain]}


def bundle_from_json(d: dict[str, Any]) -> PemBundle:
    key = d["key"]
    return PemBundle(d["cert"].encode(), key.encode() if key else None, tuple(c.encode() for c in d["chain"]))


def entry_to_json(e: CertEntry) -> dict[str, Any]:
    return {
        "name": e.name,
        "thumbprint": e.thumbprint,
        "clearance": e.clearance.value,
        "permissions": {db: acc.value for db, acc in e.permissions.items()},
        "not_before": e.not_before.isoformat(),
        "not_after": e.not_after.isoformat(),
        "pinning_hash": e.pinning_hash,
        "der": base64.b64encode(e.der).decode(),
        "disabled": e.disabled,
        "primary_key": e.primary_key,
        "secondary_keys": list(e.secondary_keys),
        "generated_by_server": e.generated_by_server,
    }


def entry_from_json(d: dict[str, Any]) -> CertEntry:
    return CertEntry(
        name=d["name"],
        thumbprint=d["thumbprint"],
        clearance=SecurityClearance(d["clearance"]),
        permissions={db: DatabaseAccess(acc) for db, acc in d["permissions"].items()},
        not_before=datetime.fromisoformat(d["not_before"]),
        not_after=datetime.fromisoformat(d["not_after"]),
        pinning_hash=d["pinning_hash"],
        der=base64.b64decode(d["der"]),
        disabled=d["disabled"],
        primary_key=d["primary_key"],
        secondary_keys=tuple(d["secondary_keys"]),
        generated_by_server=d["generated_by_server"],
    )


def backup_to_json(b: BackupEntry) -> dict[str, Any]:
    return {
        "database": b.database,
        "file_name": b.file_name,
        "created_at": b.created_at.isoformat(),
        "kind": b.kind.value,
        "key_source": b.key_source.value,
        "blob": base64.b64encode(b.blob).decode(),
    }


def backup_from_json(d: dict[str, Any]) -> BackupEntry:
    return BackupEntry(
        database=d["database"],
        file_name=d["file_name"],
        created_at=datetime.fromisoformat(d["created_at"]),
        kind=BackupKind(d["kind"]),
        key_source=BackupKeySource(d["key_source"]),
        blob=base64.b64decode(d["blob"]),
    )


# ------------------------------------------------------------------------------------------ the store


@functools.cache
def code_version() -> str:
    """A digest of cryptography's and zlib's versions and of the source of the code that makes the material."""
    h = hashlib.sha256(f"{FORMAT}:{cryptography.__version__}:{zlib.ZLIB_RUNTIME_VERSION}".encode())
    for package, names in _SOURCES.items():
        root = _ROOTS[package]
        for name in names:
            h.update(f"\0{package}/{name}\0".encode())
            # Installed without sources: cryptography's version still tells the material apart.
            with contextlib.suppress(OSError):
                h.update((root / name).read_bytes())
    return h.hexdigest()


class MaterialCache:
    """Entries named by ``kind`` and the parts that decide their content, as JSON files in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def default(cls) -> MaterialCache:
        # The directory ravensec.core.config.cache_dir() names, without loading the configuration module.
        return cls(Path(platformdirs.user_cache_dir("ravensec")) / "mock")

    def path(self, kind: str, *parts: str) -> Path:
        digest = hashlib.sha256(json.dumps([kind, code_version(), *parts]).encode()).hexdigest()
        return self.directory / f"{kind}-{digest[:40]}.json"

    def load(self, kind: str, *parts: str) -> Any:
        """The entry's JSON, or None when there is none (or it cannot be read)."""
        path = self.path(kind, *parts)
        try:
            return json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.debug("mock material cache: %s is unreadable", path, exc_info=True)
            return None

    def save(self, data: Any, kind: str, *parts: str) -> None:
        path = self.path(kind, *parts)
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            # No fsync: a cache entry lost or cut short by a crash is a miss, never a wrong answer.
            atomic_write_private(path, json.dumps(data, separators=(",", ":")).encode(), durable=False)
            self._prune()
        except OSError:
            log.debug("mock material cache: cannot write %s", path, exc_info=True)

    def _prune(self) -> None:
        entries = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
