"""Encrypted backup files: the format the mock writes and ``core`` verifies and decrypts.

A file is ``b"RVNBKP1\\n"``, one header line of JSON, ``b"\\n"``, a 12-byte nonce, then AES-256-GCM ciphertext
whose associated data is the header line, so a tampered header fails like a tampered body. The plaintext
is gzip of ``{"database", "documents": [...]}``. ``keyId`` (first 16 hex of SHA-256 of the key) lets us say
whether a file wants the account key or a database's own key without trying to decrypt it.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import wiredates
from .errors import ValidationError
from .fsutil import atomic_write_private
from .models import BackupKind, parse_enum
from .words import plural

MAGIC = b"RVNBKP1\n"
ALG = "AES-256-GCM"


class BackupError(ValidationError):
    """The file is not a readable backup (truncated, tampered, not ours)."""


class BackupKeyError(ValidationError):
    """The key does not open this backup; ``expects`` says which key the file wants when we can tell."""

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        file_key_id: str = "",
        given_key_id: str = "",
        expects: str = "",
    ) -> None:
        super().__init__(message, hint=hint)
        self.file_key_id = file_key_id
        self.given_key_id = given_key_id
        self.expects = expects  # "account", "database" or "" (unknown: no account key to compare with)


@dataclass(frozen=True)
class BackupHeader:
    database: str
    created_at: datetime
    kind: BackupKind
    alg: str
    key_id: str
    compression: str


@dataclass(frozen=True)
class BackupContents:
    header: BackupHeader
    documents: list[dict[str, Any]]


@dataclass(frozen=True)
class BackupVerification:
    ok: bool
    header: BackupHeader
    documents: int
    message: str


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def parse_key(text: str | bytes) -> bytes:
    """A 32-byte key from base64 (44 chars) or hex (64 chars); raw 32 bytes pass through."""
    if isinstance(text, bytes) and len(text) == 32:
        return text
    s = text.decode("ascii", "replace") if isinstance(text, bytes) else text
    s = s.strip()
    try:
        if len(s) == 64:
            return bytes.fromhex(s)
        raw = base64.b64decode(s, validate=True)
        if len(raw) == 32:
            return raw
    except (ValueError, binascii.Error):
        pass
    raise ValidationError(
        "The backup key is not a 256-bit key.",
        hint="Give it as 44 characters of base64 or 64 hex digits, as the portal's restore dialog shows it.",
    )


def _split(data: bytes) -> tuple[bytes, BackupHeader, bytes, bytes]:
    if not data.startswith(MAGIC):
        raise BackupError("This file is not a RavenDB Cloud backup written by ravensec's format (bad magic).")
    rest = data[len(MAGIC) :]
    end = rest.find(b"\n")
    if end < 0:
        raise BackupError("The backup file is truncated: its header is incomplete.")
    line = rest[:end]
    try:
        h = json.loads(line)
        header = BackupHeader(
            database=str(h["database"]),
            created_at=wiredates.parse(h["createdAt"]),
            kind=parse_enum(BackupKind, h["kind"], "kind"),
            alg=str(h["alg"]),
            key_id=str(h["keyId"]),
            compression=str(h.get("compression", "gzip")),
        )
    except (ValueError, KeyError, TypeError):
        raise BackupError("The backup file's header is damaged.") from None
    body = rest[end + 1 :]
    if len(body) < 12 + 16:
        raise BackupError("The backup file is truncated: its encrypted body is incomplete.")
    return line, header, body[:12], body[12:]


def read_backup_header(data: bytes) -> BackupHeader:
    return _split(data)[1]


def encrypt_backup(
    database: str,
    documents: list[dict[str, Any]],
    key: bytes,
    *,
    kind: BackupKind,
    created_at: datetime,
    nonce: bytes | None = None,
) -> bytes:
    if len(key) != 32:
        raise ValidationError("A backup key must be 32 bytes (AES-256).")
    header = {
        "database": database,
        "createdAt": wiredates.format(created_at),
        "kind": kind.value,
        "alg": ALG,
        "keyId": key_id(key),
        "compression": "gzip",
    }
    line = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    # mtime=0 keeps the plaintext (and, with a given nonce, the file) reproducible.
    plain = gzip.compress(json.dumps({"database": database, "documents": documents}).encode(), mtime=0)
    nonce = nonce if nonce is not None else os.urandom(12)
    return MAGIC + line + b"\n" + nonce + AESGCM(key).encrypt(nonce, plain, line)


def _wrong_key(header: BackupHeader, given: bytes, account_key: bytes | str | None) -> BackupKeyError:
    """Say which key the file wants, by comparing key ids (never by trying keys we were not given)."""
    given_id = key_id(given)
    account_id = key_id(parse_key(account_key)) if account_key is not None else ""
    where = f"This key does not open the backup of {header.database!r}"
    if account_id and header.key_id == account_id:
        expects = "account"
        message = f"{where}: the file expects the account's backup key."
        hint = "Use the account backup key shown in the portal's restore dialog."
    elif account_id:
        expects = "database"
        message = f"{where}: the file expects the database's own encryption key, not the account key."
        hint = "Use the key saved when the encrypted database was created; the cloud does not keep it."
    else:
        expects = ""
        message = f"{where} (the file was sealed with key id {header.key_id}, this key's id is {given_id})."
        hint = (
            "An unencrypted database's backup opens with the account's backup key (the portal's restore "
            "dialog shows it); an encrypted database's backup needs that database's own key."
        )
    return BackupKeyError(
        message, hint=hint, file_key_id=header.key_id, given_key_id=given_id, expects=expects
    )


def decrypt_backup(
    data: bytes, key: bytes | str, *, account_key: bytes | str | None = None
) -> BackupContents:
    """Open a backup file. ``account_key``, when known, lets a wrong-key error say which key the file wants."""
    raw_key = parse_key(key)
    line, header, nonce, ct = _split(data)
    if header.alg != ALG:
        raise BackupError(f"The backup uses {header.alg}, which this version cannot read.")
    if header.compression != "gzip":
        raise BackupError(
            f"The backup uses {header.compression} compression, which this version cannot read."
        )
    if key_id(raw_key) != header.key_id:
        raise _wrong_key(header, raw_key, account_key)
    try:
        plain = AESGCM(raw_key).decrypt(nonce, ct, line)
    except InvalidTag:
        raise BackupError(
            "The backup file is damaged or was altered: its authentication tag does not match."
        ) from None
    try:
        payload = json.loads(gzip.decompress(plain))
        docs = payload["documents"]
        if not isinstance(docs, list):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupError("The backup decrypted but its contents are not readable.") from None
    return BackupContents(header=header, documents=docs)


def verify_backup(
    data: bytes, key: bytes | str, *, account_key: bytes | str | None = None
) -> BackupVerification:
    """Decrypt and count; a wrong key or a damaged body is a result with ok=False, not an exception.

    A file whose header cannot be read at all still raises BackupError: there is no header to report.
    """
    header = read_backup_header(data)
    try:
        contents = decrypt_backup(data, key, account_key=account_key)
    except (BackupKeyError, BackupError) as e:
        return BackupVerification(False, header, 0, str(e))
    n = len(contents.documents)
    return BackupVerification(
        True, header, n, f"The backup of {header.database!r} opens with this key: {plural(n, 'document')}."
    )


def save_decrypted(contents: BackupContents, path: Path) -> Path:
    """Write the decrypted documents as JSON, atomically and 0600 (they are the customer's data)."""
    body = json.dumps({"database": contents.header.database, "documents": contents.documents}, indent=2)
    try:
        return atomic_write_private(Path(path), body.encode())
    except OSError as e:
        raise ValidationError(
            f"Cannot write the decrypted backup to {path}: {e.strerror or e}.",
            hint="Choose a directory that exists and that you can write to.",
        ) from None
