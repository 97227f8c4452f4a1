"""The one in-memory shape of a certificate with (optionally) its private key and chain.

Importing this module loads no ``cryptography``: the HTTP layer names :class:`CertBundle` on the start-up
path, while a bundle exists only once a certificate was parsed or made, so its methods import the
serialization they need when called (``cryptography`` is loaded by then).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

__all__ = ["CertBundle", "CertMaterial"]


class CertMaterial(Protocol):
    """What the code that signs with, packages or serves a certificate asks of it, however it is held: a
    :class:`CertBundle`, or PEM kept as bytes and parsed on first use (the mock's material cache)."""

    @property
    def certificate(self) -> x509.Certificate: ...

    @property
    def private_key(self) -> PrivateKeyTypes | None: ...

    @property
    def chain(self) -> tuple[x509.Certificate, ...]: ...

    def cert_pem(self) -> bytes: ...

    def cert_der(self) -> bytes: ...

    def key_pem(self, password: str | None = None) -> bytes: ...

    def combined_pem(self) -> bytes: ...


@dataclass(frozen=True)
class CertBundle:
    """A certificate, its private key when known, and the certificates that came with it."""

    certificate: x509.Certificate
    private_key: PrivateKeyTypes | None = None
    chain: tuple[x509.Certificate, ...] = ()

    def cert_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def cert_der(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.certificate.public_bytes(serialization.Encoding.DER)

    def key_pem(self, password: str | None = None) -> bytes:
        """PEM of the private key: encrypted PKCS#8 when a password is given; else PKCS#1 (``BEGIN RSA
        PRIVATE KEY``) for an RSA key, as RavenDB writes it and the only form the Node.js client reads, and
        PKCS#8 for any other key."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        if self.private_key is None:
            raise ValueError("this bundle has no private key")
        if password:
            return self.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(password.encode()),
            )
        form = (
            serialization.PrivateFormat.TraditionalOpenSSL
            if isinstance(self.private_key, rsa.RSAPrivateKey)
            else serialization.PrivateFormat.PKCS8
        )
        return self.private_key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption())

    def combined_pem(self) -> bytes:
        """Certificate then unencrypted key in one PEM: what ``requests``/the ravendb client take as ``cert``."""
        return self.cert_pem() + self.key_pem()
