"""Certificate packages (ZIP): the cloud's layout and the server-generated one; PFX export.

Cloud layout (``X`` = ``<subdomain>.<domain>``)::

    X.client.certificate.pfx                  no password
    X.client.certificate.with.password.pfx    protected by the password in PASSWORD.TXT (32 hex chars)
    PASSWORD.TXT, README.TXT
    PEM/X.client.certificate.crt | .key | .pem (certificate and key together)

Server layout (``POST /admin/certificates``), ``<Name>.zip``, every entry 0600, ``<Name>`` the certificate's
name as it is (RavenDB's ``AdminCertificatesHandler.GenerateCertificateInternal``)::

    <Name>.pfx   passphrase-protected when a password was given
    <Name>.crt   PEM certificate
    <Name>.key   PKCS#1 PEM key (``BEGIN RSA PRIVATE KEY``); with a password, encrypted in OpenSSL's legacy
                 PEM form with DES-EDE3-CBC, as the server's BouncyCastle ``MiscPemGenerator`` writes it

PFX encryption: with a password we use PBES2 (PBKDF2-SHA256, AES-256-CBC) and an HMAC-SHA256 MAC. Windows 10
1709+/Server 2019+, macOS 13+, Firefox and OpenSSL 1.1+/3 all import it; only pre-2018 Windows and old macOS
keychains need the ``legacy=True`` variant (3DES + SHA-1 MAC), which is weaker and offered for them alone.
Firefox refuses a PKCS#12 without a password, which is why the cloud package carries both.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from ..errors import CertificateError
from .bundle import CertBundle, CertMaterial
from .identity import subject_name
from .load import load_bundle
from .package_zip import extract_package, read_zip, write_zip

# The ZIP side (no cryptography: reading, writing, extracting) lives in package_zip; extract_package stays
# importable from here, where its callers have always found it.
__all__ = [
    "CertPackage",
    "build_cloud_package",
    "build_server_package",
    "export_pfx",
    "extract_package",
    "read_package",
    "server_key_pem",
]


@dataclass(frozen=True)
class CertPackage:
    bundle: CertBundle
    password: str | None
    layout: Literal["cloud", "server"]
    files: tuple[str, ...]


def export_pfx(bundle: CertMaterial, password: str | None, *, legacy: bool = False) -> bytes:
    """PKCS#12 of the bundle (key, certificate, chain); see the module docstring for the encryption."""
    key = bundle.private_key
    if not isinstance(
        key,
        rsa.RSAPrivateKey
        | ec.EllipticCurvePrivateKey
        | dsa.DSAPrivateKey
        | ed25519.Ed25519PrivateKey
        | ed448.Ed448PrivateKey,
    ):
        raise CertificateError(
            "a PFX needs the private key, and this certificate has none",
            hint="Load the certificate together with its key (the .pem or the .key beside the .crt).",
        )
    encryption: serialization.KeySerializationEncryption
    if not password:
        encryption = serialization.NoEncryption()
    elif legacy:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(50000)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
            .build(password.encode())
        )
    else:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(100000)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
            .build(password.encode())
        )
    friendly = subject_name(bundle.certificate).removeprefix("CN=").encode()
    return pkcs12.serialize_key_and_certificates(
        friendly, key, bundle.certificate, list(bundle.chain) or None, encryption
    )


def build_cloud_package(bundle: CertMaterial, base_name: str, *, password: str | None = None) -> bytes:
    """The cloud's ZIP for ``base_name`` (e.g. ``acme.ravendb.cloud.client.certificate``)."""
    base = _safe_name(base_name)
    password = password or secrets.token_hex(16)
    files = {
        f"{base}.pfx": export_pfx(bundle, None),
        f"{base}.with.password.pfx": export_pfx(bundle, password),
        "PASSWORD.TXT": password.encode(),
        "README.TXT": _readme(base).encode(),
        f"PEM/{base}.crt": bundle.cert_pem(),
        f"PEM/{base}.key": bundle.key_pem(),
        f"PEM/{base}.pem": bundle.combined_pem(),
    }
    return write_zip(files)


def build_server_package(bundle: CertMaterial, name: str, *, password: str | None = None) -> bytes:
    """What a RavenDB server answers to ``POST /admin/certificates``: ``<Name>.pfx``, ``.crt``, ``.key``.

    The entry names are the name unchanged, as the server writes them: a name with ``/`` or ``..`` makes
    entries that :func:`extract_package` refuses, as it refuses them from a real server.
    """
    files = {
        f"{name}.pfx": export_pfx(bundle, password),
        f"{name}.crt": bundle.cert_pem(),
        f"{name}.key": server_key_pem(bundle, password) if password is not None else bundle.key_pem(),
    }
    return write_zip(files, owner_only=True)


def server_key_pem(bundle: CertMaterial, password: str) -> bytes:
    """The key as the server writes it with a password (``LetsEncryptCertificateUtil.WriteCertificateAsPemAsync``):
    OpenSSL's legacy encrypted PEM (``Proc-Type: 4,ENCRYPTED``, ``DEK-Info: DES-EDE3-CBC``) of the PKCS#1
    key. Weak (one MD5 round derives the key): the server's choice, kept so that clients meet what it sends;
    ravensec's own files use encrypted PKCS#8 (:meth:`CertBundle.key_pem`)."""
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    key = bundle.private_key
    labels = {rsa.RSAPrivateKey: "RSA PRIVATE KEY", ec.EllipticCurvePrivateKey: "EC PRIVATE KEY"}
    label = next((v for k, v in labels.items() if isinstance(key, k)), None)
    if key is None or label is None:
        return bundle.key_pem(password)
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    iv = os.urandom(8)
    secret = password.encode()
    # OpenSSL's EVP_BytesToKey(MD5, salt = the IV's 8 bytes, one round) stretched to 3DES's 24 bytes.
    d1 = hashlib.md5(secret + iv).digest()
    d2 = hashlib.md5(d1 + secret + iv).digest()
    padder = padding.PKCS7(64).padder()
    encryptor = Cipher(TripleDES((d1 + d2)[:24]), modes.CBC(iv)).encryptor()
    body = encryptor.update(padder.update(der) + padder.finalize()) + encryptor.finalize()
    b64 = base64.b64encode(body).decode()
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return (
        f"-----BEGIN {label}-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,{iv.hex().upper()}\n\n"
        + "\n".join(lines)
        + f"\n-----END {label}-----\n"
    ).encode()


def read_package(data: bytes, password: str | None = None) -> CertPackage:
    """The bundle inside a package of either layout; the cloud's PASSWORD.TXT is used when present."""
    entries = read_zip(data)
    names = tuple(entries)
    by_lower = {PurePosixPath(n).name.lower(): n for n in names}
    pw_name = by_lower.get("password.txt")
    if pw_name is not None:
        password = password or entries[pw_name].decode("utf-8", "replace").strip() or None
    pems = [n for n in names if n.lower().endswith(".pem")]
    pfxs = [n for n in names if n.lower().endswith((".pfx", ".p12"))]
    cloud = (
        pw_name is not None
        or any(n.lower().endswith(".client.certificate.pfx") for n in names)
        or any(n.startswith("PEM/") for n in names)
    )
    layout: Literal["cloud", "server"] = "cloud" if cloud else "server"
    crts = [n for n in names if n.lower().endswith((".crt", ".cer"))]
    keys = [n for n in names if n.lower().endswith(".key")]
    candidates: list[bytes] = [entries[n] for n in pems]
    if crts and keys:
        candidates.append(entries[crts[0]] + b"\n" + entries[keys[0]])
    # The password-less PFX first: it opens without the password.
    candidates += [entries[n] for n in sorted(pfxs, key=lambda n: "with.password" in n.lower())]
    if not candidates:
        raise CertificateError(
            "the ZIP holds no certificate (.pem, .crt + .key or .pfx)",
            hint="Check that this is the certificate package downloaded from the portal or the server.",
        )
    first_error: CertificateError | None = None
    for blob in candidates:
        try:
            bundle = load_bundle(blob, password)
        except CertificateError as e:
            first_error = first_error or e
            continue
        if bundle.private_key is not None:
            return CertPackage(bundle=bundle, password=password, layout=layout, files=names)
    if first_error is not None:
        raise CertificateError(f"the package cannot be opened: {first_error.message}", hint=first_error.hint)
    raise CertificateError(
        "the package holds no private key", hint="Use the full package, not the .crt alone."
    )


# ------------------------------------------------------------------------------------------ internals


def _safe_name(name: str) -> str:
    # A certificate name becomes a file name inside the ZIP: no separators, no leading dots.
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .")
    return cleaned or "certificate"


def _readme(base: str) -> str:
    return f"""RavenDB client certificate: {base}

This certificate identifies you to the RavenDB cluster. Keep these files private.

Files
  {base}.pfx                  certificate and key, no password (Windows, macOS, Chrome)
  {base}.with.password.pfx    the same, protected by the password in PASSWORD.TXT (Firefox needs this one)
  PEM/{base}.crt              certificate (PEM)
  PEM/{base}.key              private key (PEM)
  PEM/{base}.pem              certificate and key together (for the Python client, curl, requests)

Browser
  Import a .pfx into your browser or operating system certificate store, then open the Studio URL of your
  cluster and pick this certificate when asked. Firefox: Settings > Privacy & Security > Certificates >
  View Certificates > Your Certificates > Import, and choose {base}.with.password.pfx with the password
  from PASSWORD.TXT. If you picked the wrong certificate, restart the browser: it caches the choice.

Python client (pip install ravendb)
  from ravendb import DocumentStore
  store = DocumentStore(urls=["https://a.<your cluster>"], database="<database>")
  store.certificate_pem_path = "PEM/{base}.pem"
  store.initialize()

Remember to add your own IP address to the product's allowed IPs, or the connection will be refused.
"""
