"""Certificate toolkit: load (PEM/DER/base64/PFX), identity (thumbprint, pinning hash, expiry),
off-cloud generation, and both package layouts (the cloud's and the server-generated ZIP).

This package re-exports what needs no ``cryptography``: the in-memory bundle, the rules read from a DER
certificate (``der``) and the expiry states (``expiry``). It is imported on every start-up path (the HTTP
layer holds bundles), so the modules that parse or make certificates are imported by name where they are
used: ``load`` (reading), ``identity`` (the rules applied to a parsed certificate), ``generate`` (keys and
certificates), ``packages`` (ZIP packages and PFX export; the ZIP side, without ``cryptography``, is
``package_zip``) and ``pemfile`` (a client certificate ``ssl`` reads as is).
"""

from .bundle import CertBundle, CertMaterial
from .der import pinning_hash_of_der, pinning_hash_of_spki, spki_of_der, thumbprint_of_der, validity_of_der
from .expiry import EXPIRING_SOON_DAYS, EXPIRING_URGENT_DAYS, ExpiryState, days_left, expiry_state

__all__ = [
    "EXPIRING_SOON_DAYS",
    "EXPIRING_URGENT_DAYS",
    "CertBundle",
    "CertMaterial",
    "ExpiryState",
    "days_left",
    "expiry_state",
    "pinning_hash_of_der",
    "pinning_hash_of_spki",
    "spki_of_der",
    "thumbprint_of_der",
    "validity_of_der",
]
