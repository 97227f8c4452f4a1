"""Encrypted backup files of a mock world's databases, in the format ``ravensec.core.backups`` reads.

An unencrypted database's backups use the account-wide key; an encrypted database's backups use that
database's own key. Files are reproducible: the nonce derives from the world seed and the file.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from ravensec.core.models import BackupKeySource, BackupKind
from ravensec.mock.state import BackupEntry

_EXT = {BackupKind.FULL: "ravendb-encrypted-full-backup", BackupKind.INCREMENTAL: "ravendb-encrypted-incremental-backup"}


def derive_key(seed: int, *parts: str) -> bytes:
    """A 32-byte key that depends only on the world seed and ``parts`` (deterministic worlds)."""
    return hashlib.sha256(":".join([str(seed), *parts]).encode()).digest()


def backup_file_name(created_at: datetime, kind: BackupKind) -> str:
    # RavenDB names backup files by their UTC time, then the kind as the extension.
    return f"{created_at:%Y-%m-%d-%H-%M-%S}.{_EXT[kind]}"


def backup_documents(documents: list[dict[str, Any]], kind: BackupKind, index: int) -> list[dict[str, Any]]:
    """What one file holds: a full backup has every document; the ``index``-th incremental one has the
    document that "changed" in that hour (the mock's stand-in for the changes since the last backup)."""
    if kind == BackupKind.FULL or not documents:
        return list(documents)
    return [documents[index % len(documents)]]


def make_backup(
    seed: int,
    database: str,
    documents: list[dict[str, Any]],
    *,
    kind: BackupKind,
    created_at: datetime,
    key: bytes,
    key_source: BackupKeySource,
    index: int = 0,
) -> BackupEntry:
    # Imported here: it loads cryptography's ciphers, which a start from the material cache never needs.
    from ravensec.core.backups import encrypt_backup

    name = backup_file_name(created_at, kind)
    nonce = hashlib.sha256(f"{seed}:{database}:{name}".encode()).digest()[:12]
    blob = encrypt_backup(
        database, backup_documents(documents, kind, index), key, kind=kind, created_at=created_at, nonce=nonce
    )
    return BackupEntry(database, name, created_at, kind, key_source, blob)
