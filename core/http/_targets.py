"""Which client certificate a product's nodes get: the profile's per product, else the profile's, else the
product's package (cached 0600)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ..certs.pemfile import first_certificate_not_after, is_single_plain_identity, pem_file_identity
from ..errors import ConfigError
from ..fsutil import atomic_write_private, is_regular_file, real_directory, safe_file_name
from ..profile import Profile
from .cloud_api import CloudApi
from .tls import ClientCert


async def client_cert_for(profile: Profile, product_id: str, api: CloudApi | None) -> ClientCert:
    """``profile.certificates[product_id]``, else ``profile.client_cert``, else the downloaded package.

    A plain PEM file (certificate and key) is handed to ``ssl`` as it is; anything else is read here.
    """
    path = profile.certificates.get(product_id) or profile.client_cert
    if path is not None:
        pem = pem_file_identity(Path(path), profile.client_cert_password)
        if pem is not None:
            return pem
        from ..certs.load import load_bundle_file

        return load_bundle_file(Path(path), profile.client_cert_password)
    if api is None:
        raise ConfigError(
            "a direct profile needs a client certificate",
            key=f"{profile.name}.client_cert",
            hint="Set client_cert to the PEM or PFX of a certificate registered on the cluster.",
        )
    return await _package_identity(product_id, api)


async def _package_identity(product_id: str, api: CloudApi) -> ClientCert:
    """The product's own certificate from its package, cached 0600 as a PEM of certificate and key.

    The package's plain ``.pem`` (one certificate, its unencrypted key) goes to ``ssl`` as it is, so the
    usual case needs no ``cryptography``; any other package, or a cached file of another shape, is read the
    long way (:func:`~ravensec.core.certs.packages.read_package`, :func:`~ravensec.core.certs.load.load_bundle_file`).
    """
    # Imported here, like the certificate readers below: the config module reads TOML, and they load
    # cryptography; the facade's import path carries neither (tests/core/test_import_cost.py).
    from ..config import cache_dir

    # The cache and its certs folder must be real directories: a symbolic link there (to a shared folder, say)
    # would hand our private key to wherever it points, and a key read through it to us. Refused, not followed.
    folder = cache_dir() / "certs"
    real_directory(folder.parent)
    real_directory(folder)
    cached = folder / f"{safe_file_name(product_id)}.pem"
    if is_regular_file(cached):
        # A regenerated product certificate replaces an expired cached one on the next download.
        identity = _unexpired(cached)
        if identity is not None:
            return identity
    from ..certs.package_zip import plain_package_pem

    data = await api.certificate_package(product_id)
    pem = plain_package_pem(data)
    if pem is not None:
        atomic_write_private(cached, pem)
        plain = pem_file_identity(cached)
        if plain is not None:
            return plain
        cached.unlink(missing_ok=True)  # ssl refused it: the long way explains why, or finds another
    from ..certs.packages import read_package

    package = read_package(data)
    atomic_write_private(cached, package.bundle.combined_pem())
    return package.bundle


def _unexpired(cached: Path) -> ClientCert | None:
    """The cached identity while its certificate is still valid; None when it has expired."""
    now = datetime.now(UTC)
    try:
        data = cached.read_bytes()
    except OSError:
        data = b""  # load_bundle_file says what is wrong with the file
    not_after = first_certificate_not_after(data) if is_single_plain_identity(data) else None
    if not_after is not None:
        if not_after <= now:
            return None
        plain = pem_file_identity(cached)
        if plain is not None:
            return plain
    from ..certs.load import load_bundle_file

    bundle = load_bundle_file(cached)
    return bundle if bundle.certificate.not_valid_after_utc > now else None
