"""A client certificate that :mod:`ssl` loads straight from its PEM file, with no parsing in Python.

The usual client certificate is one PEM file: the certificate, maybe its chain, and its unencrypted key
(the cloud package's ``.pem``, the mock's ``operator.pem``). :mod:`ssl` reads such a file itself, so
connecting with it needs no ``cryptography`` (tens of milliseconds to import on the TUI's start-up path).
Anything else goes through :func:`ravensec.core.certs.load.load_bundle_file` as before, which reads everything and
explains every failure: PFX, DER, base64, a certificate whose key is in a sibling ``.key``, a key that
belongs to a later certificate of the file, an encrypted key without its passphrase, a damaged file.
This module never imports ``cryptography``.
"""

from __future__ import annotations

import base64
import binascii
import re
import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .der import validity_of_der

__all__ = ["PemFile", "first_certificate_not_after", "is_single_plain_identity", "pem_file_identity"]

_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
_KEY_LABELS = (b"PRIVATE KEY", b"RSA PRIVATE KEY", b"EC PRIVATE KEY", b"ENCRYPTED PRIVATE KEY")


@dataclass(frozen=True)
class PemFile:
    """A PEM file (certificate first, its key, maybe a chain) that ``ssl`` accepted as a client identity."""

    path: Path
    password: str | None = None

    def load_into(self, ctx: ssl.SSLContext) -> bool:
        """Present this certificate on ``ctx``; False when ``ssl`` refuses the file (read it the long way)."""
        try:
            # Never None: with no password at hand OpenSSL would prompt on the terminal for an encrypted key.
            ctx.load_cert_chain(str(self.path), password=self.password or "")
        except (ssl.SSLError, OSError, ValueError):
            return False
        return True


def _plain_shape(data: bytes, password: str | None) -> bool:
    """True for a PEM that ``load_bundle`` and ``ssl`` read alike: certificates and one key, nothing else."""
    if b"-----BEGIN " not in data:
        return False
    blocks = list(_BLOCK.finditer(data))
    if len(blocks) != data.count(b"-----BEGIN "):
        return False  # malformed: let load_bundle_file say where
    labels = [b.group(1) for b in blocks]
    keys = [(label, b.group(0)) for label, b in zip(labels, blocks, strict=True) if label in _KEY_LABELS]
    if len(keys) != 1 or b"CERTIFICATE" not in labels:
        return False
    if any(label not in _KEY_LABELS and label != b"CERTIFICATE" for label in labels):
        return False
    label, block = keys[0]
    encrypted = label == b"ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in block
    return not (encrypted and not password)


def pem_file_identity(path: Path, password: str | None = None) -> PemFile | None:
    """A :class:`PemFile` when ``path`` is a plain PEM that ``ssl`` loads as is; None to read it the long way."""
    path = Path(path).expanduser()
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not _plain_shape(data, password):
        return None
    pem = PemFile(path, password)
    # Loaded once here so a certificate ssl refuses is explained now, by the long way, as it always was.
    return pem if pem.load_into(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)) else None


def is_single_plain_identity(data: bytes) -> bool:
    """True for a PEM of exactly one certificate and its one unencrypted key (a package's ``.pem``).

    Only the shape is checked; whether the key belongs to the certificate is for ``ssl`` to say
    (:func:`pem_file_identity`).
    """
    certificates = sum(b.group(1) == b"CERTIFICATE" for b in _BLOCK.finditer(data))
    return certificates == 1 and _plain_shape(data, None)


def first_certificate_not_after(data: bytes) -> datetime | None:
    """The end of validity (UTC) of the first certificate of a PEM, read from its DER; None when unsure
    (the caller then asks ``cryptography``)."""
    match = next((b for b in _BLOCK.finditer(data) if b.group(1) == b"CERTIFICATE"), None)
    if match is None:
        return None
    try:
        return validity_of_der(base64.b64decode(b"".join(match.group(2).split()), validate=True))[1]
    except (binascii.Error, ValueError):
        return None
