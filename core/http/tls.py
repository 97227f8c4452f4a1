"""Client-side TLS: which servers we trust, which certificate we present, and what a failure means.

Trust is the system store by default, or exactly one CA file (the mock's) and then nothing else, so a
mock profile can never silently reach a real server. The client identity is a plain PEM file, which
:mod:`ssl` loads as it is (:class:`~ravensec.core.certs.pemfile.PemFile`), or a :class:`~ravensec.core.certs.bundle.CertBundle`;
:mod:`ssl` only loads keys from files, so a bundle's chain is written to a private temporary file for the
duration of one ``load_cert_chain`` call (see :func:`_load_bundle`).
"""

from __future__ import annotations

import os
import shutil
import ssl
import tempfile
from pathlib import Path

from ..certs.bundle import CertBundle
from ..certs.pemfile import PemFile
from ..errors import CertificateError, TlsError

__all__ = ["ClientCert", "client_ssl_context", "is_handshake_alert", "tls_error"]

ClientCert = CertBundle | PemFile
"""A client identity: parsed (:class:`CertBundle`) or a plain PEM file ``ssl`` loads itself (:class:`PemFile`)."""

_UNTRUSTED_HINT = (
    "The server's certificate is not trusted: pass the mock's CA (ca_file / --ca) or check the URL."
)
_CLIENT_CERT_HINT = (
    "The server rejected our client certificate during the handshake: check that the certificate is the "
    "product's (or registered on it) and that it has not expired."
)
_ALLOW_LIST_HINT = (
    "The server dropped the connection: your IP may not be on the product's allow-list (a connection from "
    "an address outside the list cannot use the product). Check the product's allowed IPs."
)


def client_ssl_context(
    *, ca_file: Path | str | None = None, client_cert: ClientCert | None = None
) -> ssl.SSLContext:
    """An SSLContext that verifies servers (system store, or only ``ca_file``) and presents ``client_cert``."""
    if ca_file is None:
        ctx = ssl.create_default_context()
    else:
        path = Path(ca_file)
        if not path.is_file():
            raise CertificateError(
                f"CA file {path} does not exist.", hint="Point ca_file at the mock's CA PEM (ca.pem)."
            )
        # create_default_context(cafile=...) would also load the system store; we want this CA only.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            ctx.load_verify_locations(cafile=str(path))
        except (ssl.SSLError, OSError, ValueError) as e:
            raise CertificateError(
                f"CA file {path} could not be read as PEM certificates ({e}).",
                hint="Use the PEM CA file the mock printed (ca.pem).",
            ) from None
    if client_cert is not None:
        _load_identity(ctx, client_cert)
    return ctx


def _load_identity(ctx: ssl.SSLContext, identity: ClientCert) -> None:
    if isinstance(identity, PemFile):
        if identity.load_into(ctx):
            return
        from ..certs.load import load_bundle_file  # ssl refused it after all (changed since?): the long way

        identity = load_bundle_file(identity.path, identity.password)
    _load_bundle(ctx, identity)


def _load_bundle(ctx: ssl.SSLContext, bundle: CertBundle) -> None:
    if bundle.private_key is None:
        raise CertificateError(
            "This client certificate has no private key, so it cannot be used to connect.",
            hint="Use the PEM with both certificate and key, or the PFX, of the product's package.",
        )
    # The key is written encrypted with a one-time passphrase so even the short-lived file is useless alone.
    # Only a parsed bundle comes this way (a plain PEM goes to ssl as is): what it needs loads here.
    import secrets

    from cryptography.hazmat.primitives import serialization

    one_time = secrets.token_urlsafe(24)
    pem = bundle.certificate.public_bytes(serialization.Encoding.PEM)
    pem += b"".join(c.public_bytes(serialization.Encoding.PEM) for c in bundle.chain)
    pem += bundle.key_pem(one_time)
    tmpdir = tempfile.mkdtemp(prefix="ravensec-tls-")  # mkdtemp creates it 0700
    try:
        path = os.path.join(tmpdir, "client.pem")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        try:
            ctx.load_cert_chain(path, password=one_time)
        except ssl.SSLError as e:
            raise CertificateError(
                f"The client certificate and key could not be used together ({e.reason or e}).",
                hint="Check that the key belongs to the certificate.",
            ) from None
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _find_ssl_error(exc: BaseException) -> BaseException | None:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLError | ssl.CertificateError):
            return cur
        nxt = getattr(cur, "os_error", None) or getattr(cur, "certificate_error", None)
        cur = nxt if isinstance(nxt, BaseException) else (cur.__cause__ or cur.__context__)
    return None


def is_handshake_alert(exc: BaseException) -> bool:
    """True when ``exc`` wraps an ssl error carrying a TLS alert (TLS 1.3 reports these on the first read)."""
    inner = _find_ssl_error(exc)
    return inner is not None and "alert" in str(getattr(inner, "reason", "") or inner).lower()


def tls_error(exc: BaseException, url: str) -> TlsError:
    """Translate an ssl failure (possibly wrapped by aiohttp) reaching ``url`` into an actionable TlsError."""
    inner = _find_ssl_error(exc) or exc
    text = str(inner)
    reason = str(getattr(inner, "reason", "") or "")
    verify = getattr(inner, "verify_message", "") or ""
    if isinstance(inner, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text:
        detail = verify or reason or text
        return TlsError(f"TLS to {url} failed: the server certificate is not trusted ({detail}).",
                        hint=_UNTRUSTED_HINT)
    if isinstance(inner, ssl.CertificateError) and "match" in text:
        return TlsError(f"TLS to {url} failed: the certificate does not match the host ({text}).",
                        hint=_UNTRUSTED_HINT)
    lowered = (reason or text).lower()
    if "alert" in lowered and "certificate" in lowered:
        return TlsError(f"TLS to {url} failed: the server sent {reason or text}.", hint=_CLIENT_CERT_HINT)
    if isinstance(inner, ssl.SSLEOFError | ssl.SSLZeroReturnError) or "eof" in lowered:
        return TlsError(f"TLS to {url} failed: the server closed the connection during the handshake.",
                        hint=_ALLOW_LIST_HINT)
    return TlsError(f"TLS to {url} failed: {reason or text}.", hint=_UNTRUSTED_HINT)


ALLOW_LIST_HINT = _ALLOW_LIST_HINT
