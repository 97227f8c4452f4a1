"""Certificate toolkit: load (PEM/DER/base64/PFX), identity (thumbprint, pinning hash, expiry),
off-cloud generation, and both package layouts (the cloud's and the server-generated ZIP)."""
