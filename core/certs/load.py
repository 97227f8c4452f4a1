"""Read certificates and keys from whatever a person has at hand: PEM, DER, base64, PKCS#12/PFX.

Every failure is a :class:`~ravensec.core.errors.CertificateError` saying what is wrong and what to do (a missing or
wrong passphrase, a truncated file, a key that belongs to another certificate). Passwords never appear in
messages.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from ..errors import CertificateError
from .bundle import CertBundle

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
_BASE64 = re.compile(rb"^[A-Za-z0-9+/=_\-\s]+$")
_CERT_LABELS = (b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE")
_PASSWORD_HINT = "Pass its passphrase (--password, or client_cert_password in the profile)."


def load_certificate(data: bytes | str) -> x509.Certificate:
    """The (first) certificate in PEM, DER, base64-of-DER or base64-of-PEM."""
    return load_certificates_any(data)[0]


def load_certificates_any(data: bytes | str, password: str | None = None) -> list[x509.Certificate]:
    """The leaf certificates in DER, PEM or PFX (raw or base64); for a PFX the key's certificate first.

    CA certificates travelling with leaves (a PFX's or PEM's chain) are left out: registering a CA as a
    client certificate is never what was meant. Input made only of CA certificates is returned whole.
    """
    raw = _unwrap(data)
    if _is_pem(raw):
        certs, _ = _read_pem(raw, password, want_key=False)
        if not certs:
            raise CertificateError(
                "the PEM holds no certificate (only a key?)",
                hint="Use the .crt or the combined .pem that starts with BEGIN CERTIFICATE.",
            )
        return _leaves(certs)
    der_cert = _try_der_certificate(raw)
    if der_cert is not None:
        return [der_cert]
    bundle = _read_pfx(raw, password)
    return _leaves([bundle.certificate, *bundle.chain])


def load_bundle(data: bytes, password: str | None = None) -> CertBundle:
    """Certificate, private key (if any) and chain from PEM (key maybe encrypted), PFX or a DER certificate."""
    raw = _unwrap(data)
    if _is_pem(raw):
        certs, key = _read_pem(raw, password, want_key=True)
        if not certs:
            raise CertificateError(
                "the PEM holds a private key but no certificate",
                hint="Use the combined .pem (certificate and key) or the .pfx, not the .key alone.",
            )
        return _assemble(certs, key)
    der_cert = _try_der_certificate(raw)
    if der_cert is not None:
        return CertBundle(certificate=der_cert)
    return _read_pfx(raw, password)


def load_bundle_file(path: Path, password: str | None = None) -> CertBundle:
    """``load_bundle`` of a file; a certificate-only PEM picks up a sibling ``.key`` of the same name."""
    path = Path(path).expanduser()
    data = _read_file(path)
    try:
        bundle = load_bundle(data, password)
        sibling = path.with_suffix(".key")
        if bundle.private_key is None and path.suffix in (".crt", ".cer", ".pem") and sibling.is_file():
            _, key = _read_pem(_read_file(sibling), password, want_key=True)
            if key is not None:
                bundle = _assemble([bundle.certificate, *bundle.chain], key)
    except CertificateError as e:
        raise CertificateError(f"{path}: {e.message}", hint=e.hint) from None
    return bundle


# ------------------------------------------------------------------------------------------ internals


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CertificateError(
            f"{path} does not exist", hint="Check the path to the certificate file."
        ) from None
    except IsADirectoryError:
        raise CertificateError(f"{path} is a directory, not a certificate file") from None
    except PermissionError:
        raise CertificateError(
            f"{path} cannot be read: permission denied", hint="Check the file's owner and mode."
        ) from None
    except OSError as e:
        raise CertificateError(f"{path} cannot be read: {e.strerror or e}") from None


def _unwrap(data: bytes | str) -> bytes:
    """Raw bytes with one layer of base64 removed when the input is base64 text."""
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else bytes(data)
    stripped = raw.strip()
    if not stripped:
        raise CertificateError(
            "the certificate data is empty", hint="Check that the file was fully downloaded."
        )
    if _is_pem(stripped) or not _BASE64.match(stripped):
        return stripped if _is_pem(stripped) else raw
    compact = re.sub(rb"\s+", b"", stripped)
    try:
        urlsafe = b"-" in compact or b"_" in compact
        padded = compact + b"=" * (-len(compact) % 4)
        decoded = base64.b64decode(padded, altchars=b"-_" if urlsafe else None, validate=True)
    except (binascii.Error, ValueError):
        raise CertificateError(
            "the data looks like base64 but does not decode",
            hint="Check that the text was copied completely.",
        ) from None
    return decoded.strip() if _is_pem(decoded.strip()) else decoded


def _is_pem(raw: bytes) -> bool:
    return b"-----BEGIN " in raw


def _try_der_certificate(raw: bytes) -> x509.Certificate | None:
    try:
        return x509.load_der_x509_certificate(raw)
    except (ValueError, x509.InvalidVersion):  # InvalidVersion is not a ValueError
        return None


def _read_pem(
    raw: bytes, password: str | None, *, want_key: bool
) -> tuple[list[x509.Certificate], PrivateKeyTypes | None]:
    blocks = list(_PEM_BLOCK.finditer(raw))
    if len(blocks) < raw.count(b"-----BEGIN "):
        raise CertificateError(
            "the PEM is malformed: a BEGIN line has no matching END line",
            hint="The file may be truncated; download or copy it again.",
        )
    certs: list[x509.Certificate] = []
    key: PrivateKeyTypes | None = None
    for n, block in enumerate(blocks, 1):
        label = block.group(1)
        if label in _CERT_LABELS:
            try:
                certs.append(x509.load_pem_x509_certificate(block.group(0)))
            except ValueError:
                raise CertificateError(
                    f"the PEM is malformed: block {n} (CERTIFICATE) is not a valid certificate",
                    hint="The file may be damaged or truncated; download or copy it again.",
                ) from None
        elif label.endswith(b"PRIVATE KEY") and want_key and key is None:
            key = _read_pem_key(block.group(0), label, password, n)
    if not blocks:
        raise CertificateError("the PEM holds no BEGIN/END block", hint="Download or copy the file again.")
    return certs, key


def _read_pem_key(block: bytes, label: bytes, password: str | None, n: int) -> PrivateKeyTypes:
    encrypted = label == b"ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in block
    if encrypted and not password:
        raise CertificateError("the private key is protected by a passphrase", hint=_PASSWORD_HINT)
    try:
        return serialization.load_pem_private_key(
            block, password.encode() if encrypted and password else None
        )
    except ValueError:
        if encrypted:
            raise CertificateError(
                "the passphrase does not open the private key", hint="Check the passphrase and try again."
            ) from None
        raise CertificateError(
            f"the PEM is malformed: block {n} ({label.decode()}) is not a valid private key",
            hint="The file may be damaged or truncated; download or copy it again.",
        ) from None
    except TypeError:
        raise CertificateError(
            f"the private key in block {n} could not be read", hint=_PASSWORD_HINT
        ) from None
    except Exception as e:  # an unsupported algorithm surfaces as UnsupportedAlgorithm
        raise CertificateError(f"the private key in block {n} is not supported: {type(e).__name__}") from None


def _pfx_shape(raw: bytes) -> str:
    """'ok' for a well-formed PFX outer structure, 'truncated', or 'other' (not a PFX at all)."""
    if len(raw) < 8 or raw[0] != 0x30:
        return "other"
    first = raw[1]
    if first < 0x80:
        body, header = first, 2
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or len(raw) < 2 + count:
            return "other"
        body, header = int.from_bytes(raw[2 : 2 + count], "big"), 2 + count
    if raw[header : header + 3] != b"\x02\x01\x03":  # PFX version 3
        return "other"
    if len(raw) < header + body:
        return "truncated"
    return "ok"


def _read_pfx(raw: bytes, password: str | None) -> CertBundle:
    shape = _pfx_shape(raw)
    if shape == "other":
        raise CertificateError(
            "the data is neither PEM, a DER certificate nor a PKCS#12/PFX file",
            hint="Use the .pem, .crt or .pfx from the certificate package.",
        )
    if shape == "truncated":
        raise CertificateError("the PFX file is truncated", hint="Download or copy it again.")
    # Some tools protect a "password-less" PFX with the empty password; a given password may be unneeded.
    attempts: list[bytes | None] = [password.encode()] if password else []
    attempts += [None, b""]
    for attempt in attempts:
        try:
            loaded = pkcs12.load_pkcs12(raw, attempt)
        except ValueError:
            continue
        except Exception as e:
            raise CertificateError(
                f"the PFX uses an unsupported algorithm ({type(e).__name__})",
                hint="Re-export it with AES-256 (openssl pkcs12 -export).",
            ) from None
        return _pfx_bundle(loaded)
    if password:
        raise CertificateError(
            "the passphrase does not open this PFX", hint="Check the passphrase and try again."
        )
    raise CertificateError("the PFX is protected by a passphrase", hint=_PASSWORD_HINT)


def _pfx_bundle(loaded: pkcs12.PKCS12KeyAndCertificates) -> CertBundle:
    certs = [c.certificate for c in loaded.additional_certs]
    if loaded.cert is not None:
        certs.insert(0, loaded.cert.certificate)
    if not certs:
        raise CertificateError("the PFX holds no certificate", hint="Export it again with its certificate.")
    return _assemble(certs, loaded.key)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False
    except ValueError as e:  # extensions are parsed lazily: a damaged one only shows here
        raise CertificateError(
            f"the certificate's extensions are malformed ({e})",
            hint="The file may be damaged or truncated; download or copy it again.",
        ) from None


def _leaves(certs: list[x509.Certificate]) -> list[x509.Certificate]:
    leaves = [c for c in certs if not _is_ca(c)]
    return leaves or certs


def _spki(obj: x509.Certificate | PrivateKeyTypes) -> bytes:
    try:
        public = obj.public_key()
    # A certificate whose key bytes are damaged parses until asked for its key; a damaged algorithm identifier
    # then shows as UnsupportedAlgorithm (found by tests/adversarial/test_parsers.py).
    except (ValueError, UnsupportedAlgorithm) as e:
        raise CertificateError(
            f"the certificate's public key cannot be read ({e})",
            hint="The file may be damaged or truncated; download or copy it again.",
        ) from None
    return public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _assemble(certs: list[x509.Certificate], key: PrivateKeyTypes | None) -> CertBundle:
    """The key's certificate is the leaf, the others the chain; a key matching none is refused."""
    if key is None:
        return CertBundle(certificate=certs[0], chain=tuple(certs[1:]))
    key_spki = _spki(key)
    for i, cert in enumerate(certs):
        if _spki(cert) == key_spki:
            return CertBundle(certificate=cert, private_key=key, chain=tuple(certs[:i] + certs[i + 1 :]))
    raise CertificateError(
        "the private key does not belong to the certificate",
        hint="Pair the certificate with its own key (the .crt and .key from the same package).",
    )
