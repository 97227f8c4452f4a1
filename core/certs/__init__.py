"""Certificate toolkit: load (PEM/DER/base64/PFX), identity (thumbprint, pinning hash, expiry),
off-cloud generation, and both package layouts (the cloud's and the server-generated ZIP).

The names below are re-exported for convenience; the submodules are the reference:
``load`` (reading), ``identity`` (who a certificate is), ``generate`` (making keys and certificates),
``packages`` (ZIP packages and PFX export), ``bundle`` (the in-memory :class:`CertBundle`).
"""

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
from .packages import (
    CertPackage,
    build_cloud_package,
    build_server_package,
    export_pfx,
    extract_package,
    read_package,
)

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
