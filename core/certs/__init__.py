"""Certificate toolkit: load (PEM/DER/base64/PFX), identity (thumbprint, pinning hash, expiry),
off-cloud generation, and both package layouts (the cloud's and the server-generated ZIP).

The names below are re-exported for convenience; the submodules are the reference:
``load`` (reading), ``identity`` (who a certificate is), ``generate`` (making keys and certificates),
``packages`` (ZIP packages and PFX export; their ZIP side, which needs no ``cryptography``, is ``package_zip``),
``bundle`` (the in-memory :class:`CertBundle`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Lazily re-exported: importing ``ravensec.core.certs.bundle`` (as the HTTP layer does) runs this file first, and
# eager imports here would load all of ``cryptography`` (~40 ms) before the first screen can paint.
_HOMES = {
    "CertBundle": "bundle",
    "KeyType": "generate",
    "PrivateKey": "generate",
    "generate_key": "generate",
    "make_ca": "generate",
    "make_client_certificate": "generate",
    "make_server_certificate": "generate",
    "ExpiryState": "identity",
    "days_left": "identity",
    "expiry_state": "identity",
    "pinning_hash": "identity",
    "subject_name": "identity",
    "thumbprint": "identity",
    "load_bundle": "load",
    "load_bundle_file": "load",
    "load_certificate": "load",
    "load_certificates_any": "load",
    "CertPackage": "packages",
    "build_cloud_package": "packages",
    "build_server_package": "packages",
    "export_pfx": "packages",
    "extract_package": "package_zip",
    "read_package": "packages",
}

if TYPE_CHECKING:
    from .bundle import CertBundle
    from .generate import (
        KeyType,
        PrivateKey,
        generate_key,
        make_ca,
        make_client_certificate,
        make_server_certificate,
    )
    from .identity import ExpiryState, days_left, expiry_state, pinning_hash, subject_name, thumbprint
    from .load import load_bundle, load_bundle_file, load_certificate, load_certificates_any
    from .package_zip import extract_package
    from .packages import CertPackage, build_cloud_package, build_server_package, export_pfx, read_package

__all__ = [
    "CertBundle",
    "CertPackage",
    "ExpiryState",
    "KeyType",
    "PrivateKey",
    "build_cloud_package",
    "build_server_package",
    "days_left",
    "expiry_state",
    "export_pfx",
    "extract_package",
    "generate_key",
    "load_bundle",
    "load_bundle_file",
    "load_certificate",
    "load_certificates_any",
    "make_ca",
    "make_client_certificate",
    "make_server_certificate",
    "pinning_hash",
    "read_package",
    "subject_name",
    "thumbprint",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
