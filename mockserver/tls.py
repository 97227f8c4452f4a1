"""The mock's PKI (one CA signing every node and portal certificate) and server TLS contexts that, like
RavenDB, let ANY client certificate complete the handshake.

RavenDB asks for a client certificate but never fails the handshake over it: self-signed, unknown issuer,
expired or not yet valid certificates all get through, and the HTTP layer decides. Python's ``ssl`` with
``CERT_OPTIONAL`` rejects those, so we replace OpenSSL's whole chain verification on the context with a
callback that accepts everything (``SSL_CTX_set_cert_verify_callback`` through ctypes). That is checked once
with a real handshake; where it cannot work we fall back to trust anchors plus partial-chain and
no-time-check flags, which still refuses self-signed certificates of unknown keys (``accept_any_client_cert()``
tells which mode is active; a test pins the divergence).

Start-up cost matters (``ravensec --demo`` starts the mock beside its UI, in the same process): cryptography
loads on the first certificate made or parsed (``core.certs.generate`` is imported where the CA or a server
certificate is made, which a start from the material cache never does), and the hook's self-test runs on
the first context that needs it, in memory (no socket, no thread), with a fixed certificate (no key
generation), not at import.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import functools
import hashlib
import logging
import ssl
import sys
import sysconfig
import tempfile
import threading
from pathlib import Path

from ravensec.core.certs.bundle import CertMaterial
from ravensec.core.certs.der import thumbprint_of_der
from ravensec.mock.material_cache import MaterialCache, bundle_from_json, bundle_to_json

log = logging.getLogger(__name__)

# OpenSSL's X509_V_FLAG_NO_CHECK_TIME: used only by the fallback.
_NO_CHECK_TIME = 0x200000

# A fixed validity window makes the CA and node certificates byte-identical on every run (stable thumbprints
# in snapshots and docs) and keeps them valid for any world clock from 2020 to 2045.
PKI_NOT_BEFORE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
PKI_NOT_AFTER = dt.datetime(2045, 1, 1, tzinfo=dt.UTC)

# The self-test's certificate: self-signed and expired since 2000-01-02, the kind that ``CERT_OPTIONAL`` alone
# refuses. Fixed rather than made at run time so that the test needs neither cryptography nor a fresh key;
# its key is a throwaway that guards nothing (both ends of the in-memory handshake present this pair).
_SELF_TEST_CERT = """\
-----BEGIN CERTIFICATE-----
MIIBOjCB4KADAgECAhRf8ycILb/g4k91vLrINXHXC+jWbTAKBggqhkjOPQQDAjAd
MRswGQYDVQQDDBJyYXZlbnNlYyBzZWxmLXRlc3QwHhcNMDAwMTAxMDAwMDAwWhcN
MDAwMTAyMDAwMDAwWjAdMRswGQYDVQQDDBJyYXZlbnNlYyBzZWxmLXRlc3QwWTAT
BgcqhkjOPQIBBggqhkjOPQMBBwNCAARUbvOQFEfz6ln6yEf5YJkZMWYDQ6wYfoXN
fhEqIOaKL+OySGA/2OO/n61dWRo/fqOs1fg/oOTrVbieUFTmGWUNMAoGCCqGSM49
BAMCA0kAMEYCIQDntVJEI8QduyDYm16zGJYl+ttiBCJU8K/XqxuDg/MqqgIhAOt+
w0doekuGeCV4OehxOYF2s+EteKECK91WGZhWd77I
-----END CERTIFICATE-----
"""
_SELF_TEST_KEY = """\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg9eRDgdTgTe/4H5yQ
eScWVJNH9nF5mEl1Ye0su5MBmNWhRANCAARUbvOQFEfz6ln6yEf5YJkZMWYDQ6wY
foXNfhEqIOaKL+OySGA/2OO/n61dWRo/fqOs1fg/oOTrVbieUFTmGWUN
-----END PRIVATE KEY-----
"""


def _accept_any_impl(_store_ctx: int | None, _arg: int | None) -> int:
    # Returning 1 tells OpenSSL the peer chain verified; the HTTP layer judges the certificate.
    return 1


def _load_libssl() -> ctypes.CDLL | None:
    """The libssl that ``_ssl`` (loaded with ``ssl``) is linked against, found in our own memory map, as a
    ``ctypes.CDLL``; else None."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                name = line.rsplit(None, 1)[-1]
                if "/libssl" in name and ".so" in name:
                    return ctypes.CDLL(name)
    except OSError:
        pass
    return None


_VerifyCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


@functools.cache
def _libssl() -> tuple[ctypes.CDLL, ctypes._CFunctionType] | None:
    """``_load_libssl()`` with the two functions we call typed, and the accept-all C callback; looked up once,
    on the first context. Cached, so the callback outlives every context that points at it."""
    lib = _load_libssl()
    if lib is None:
        return None
    lib.SSL_CTX_set_cert_verify_callback.argtypes = [ctypes.c_void_p, _VerifyCallback, ctypes.c_void_p]
    lib.SSL_CTX_set_cert_verify_callback.restype = None
    lib.SSL_CTX_get_verify_mode.argtypes = [ctypes.c_void_p]
    lib.SSL_CTX_get_verify_mode.restype = ctypes.c_int
    return lib, _VerifyCallback(_accept_any_impl)


def _free_threaded() -> bool:
    # Free-threaded builds exist from 3.13 on; asking sysconfig costs ~3 ms of loading its data first.
    if sys.version_info < (3, 13):
        return False
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def _ssl_ctx_pointer(ctx: ssl.SSLContext, lib: ctypes.CDLL) -> int | None:
    # CPython 3.11 PySSLContext: PyObject_HEAD (refcount + type, 16 bytes on 64-bit) then ``SSL_CTX *ctx``.
    # Debug and free-threaded builds have a bigger header: do not guess there.
    if (
        ctypes.sizeof(ctypes.c_void_p) != 8
        or sys.implementation.name != "cpython"
        or hasattr(sys, "gettotalrefcount")
        or _free_threaded()
    ):
        return None
    ptr = ctypes.c_void_p.from_address(id(ctx) + 16).value
    if not ptr:
        return None
    # Sanity check that the pointer really is this context's SSL_CTX: the verify modes must agree.
    if lib.SSL_CTX_get_verify_mode(ptr) != (1 if ctx.verify_mode == ssl.CERT_OPTIONAL else -1):
        return None
    return int(ptr)


def _install_accept_any(ctx: ssl.SSLContext) -> bool:
    ctx.verify_mode = ssl.CERT_OPTIONAL
    hook = _libssl()
    if hook is None:
        return False
    lib, callback = hook
    ptr = _ssl_ctx_pointer(ctx, lib)
    if ptr is None:
        return False
    lib.SSL_CTX_set_cert_verify_callback(ptr, callback, None)
    return True


def _memory_handshake(server: ssl.SSLContext, client: ssl.SSLContext) -> bytes | None:
    """A whole handshake between two contexts through memory BIOs; the client certificate the server saw
    (DER), None when the server refused the handshake."""
    s_in, s_out, c_in, c_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    srv = server.wrap_bio(s_in, s_out, server_side=True)
    cli = client.wrap_bio(c_in, c_out, server_side=False)
    done = {"srv": False, "cli": False}
    for _ in range(16):  # TLS 1.3 needs 2 round trips, 1.2 needs 3: 16 is plenty
        for name, end in (("cli", cli), ("srv", srv)):
            if done[name]:
                continue
            try:
                end.do_handshake()
                done[name] = True
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError:
                if name == "srv":
                    return None
                done[name] = True  # the client's view does not matter: it already sent what it had
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if done["srv"]:
            return srv.getpeercert(binary_form=True)
    return None


def _self_test() -> bool:
    """Handshake (in memory) with an expired self-signed client certificate against a hooked context."""
    try:
        # ssl loads key pairs from files only. One file, not a directory: half the cost of a temporary directory.
        with tempfile.NamedTemporaryFile(prefix="ravensec-self-test-", suffix=".pem") as f:
            f.write((_SELF_TEST_CERT + _SELF_TEST_KEY).encode("ascii"))
            f.flush()
            pem = f.name
            sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            sctx.load_cert_chain(pem)
            if not _install_accept_any(sctx):
                return False
            cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            cctx.check_hostname = False
            cctx.verify_mode = ssl.CERT_NONE
            cctx.load_cert_chain(pem)
        return _memory_handshake(sctx, cctx) == ssl.PEM_cert_to_DER_cert(_SELF_TEST_CERT)
    except Exception:  # any surprise means: do not rely on the hook
        log.debug("accept-any TLS self-test failed", exc_info=True)
        return False


@functools.cache
def accept_any_client_cert() -> bool:
    """True when every client certificate completes the handshake (the real server's behaviour): the hook
    works here. Checked once, on first use."""
    return _self_test()


def accept_any_client_context(
    cert_file: Path, *, trust_anchors: list[bytes] | None = None, force_fallback: bool = False
) -> ssl.SSLContext:
    """A TLS server context presenting ``cert_file`` (PEM cert+key) that asks for a client certificate.

    With the hook every client certificate gets through. In the fallback (``force_fallback`` or no hook),
    only certificates chaining to or equal to one of ``trust_anchors`` (PEM) do, at any date.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file)
    if not force_fallback and accept_any_client_cert() and _install_accept_any(ctx):
        return ctx
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | _NO_CHECK_TIME
    for pem in trust_anchors or []:
        ctx.load_verify_locations(cadata=pem.decode())
    return ctx


class MockPki:
    """One deterministic CA (``seed``) and the server certificates it signs, cached per host list/label.

    With a ``cache`` (``ravensec.mock.material_cache``), the CA and the server certificates come from it when it
    has them, and ``save()`` keeps there what was made since.
    """

    ca: CertMaterial

    def __init__(self, seed: int = 0, *, cache: MaterialCache | None = None) -> None:
        self.seed = seed
        self._cache = cache
        self._servers: dict[tuple[tuple[str, ...], str], CertMaterial] = {}
        self._unsaved = False
        if not self._load():
            from ravensec.core.certs.generate import generate_key, make_ca

            self.ca = make_ca(
                "RavenDB Cloud Mock CA",
                key=generate_key("ec-p256", seed=seed * 1000 + 1),
                not_before=PKI_NOT_BEFORE,
                not_after=PKI_NOT_AFTER,
                deterministic=True,
            )
            self._unsaved = cache is not None
        self.ca_pem: bytes = self.ca.cert_pem()
        self._pem_files: dict[str, Path] = {}
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._lock = threading.Lock()

    def _load(self) -> bool:
        kept = self._cache.load("pki", str(self.seed)) if self._cache is not None else None
        if kept is None:
            return False
        try:
            self.ca = bundle_from_json(kept["ca"])
            for s in kept["servers"]:
                self._servers[(tuple(s["hosts"]), s["label"])] = bundle_from_json(s["bundle"])
        except (KeyError, TypeError, ValueError, AttributeError):
            self._servers.clear()
            return False
        return True

    def save(self) -> None:
        """Keep the CA and the server certificates made so far in the cache (when there is one and something
        new was made)."""
        with self._lock:
            if self._cache is None or not self._unsaved:
                return
            data = {
                "ca": bundle_to_json(self.ca),
                "servers": [
                    {"hosts": list(hosts), "label": label, "bundle": bundle_to_json(b)}
                    for (hosts, label), b in self._servers.items()
                ],
            }
            self._unsaved = False
        self._cache.save(data, "pki", str(self.seed))

    def server_bundle(self, hosts: list[str], *, label: str = "") -> CertMaterial:
        """A server certificate for ``hosts`` (DNS names and IPs) signed by the CA; cached.

        ``label`` keeps distinct certificates for the same hosts (one per product, so that one product's
        server certificate is not another product's cluster identity).
        """
        k = (tuple(hosts), label)
        with self._lock:
            b = self._servers.get(k)
            if b is None:
                from ravensec.core.certs.generate import generate_key, make_server_certificate

                # A stable seed per (hosts, label) keeps the keys deterministic across runs.
                digest = hashlib.sha256(repr(k).encode()).digest()
                sub_seed = self.seed * 1000 + 2 + int.from_bytes(digest[:4], "big")
                b = make_server_certificate(
                    hosts,
                    self.ca,
                    key=generate_key("ec-p256", seed=sub_seed),
                    not_before=PKI_NOT_BEFORE,
                    not_after=PKI_NOT_AFTER,
                    deterministic=True,
                )
                self._servers[k] = b
                self._unsaved = self._cache is not None
            return b

    def _pem_file(self, bundle: CertMaterial) -> Path:
        tp = thumbprint_of_der(bundle.cert_der())
        with self._lock:
            path = self._pem_files.get(tp)
            if path is None:
                if self._tmp is None:
                    self._tmp = tempfile.TemporaryDirectory(prefix="ravensec-mock-tls-")
                path = Path(self._tmp.name, f"{tp}.pem")
                path.touch(mode=0o600)
                path.write_bytes(bundle.cert_pem() + self.ca_pem + bundle.key_pem())
                self._pem_files[tp] = path
            return path

    def server_context(self, bundle: CertMaterial, *, force_fallback: bool = False) -> ssl.SSLContext:
        """A server context presenting ``bundle`` (plus the CA) that lets any client certificate through."""
        return accept_any_client_context(
            self._pem_file(bundle), trust_anchors=[self.ca_pem], force_fallback=force_fallback
        )

    def close(self) -> None:
        """Remove the temporary PEM files the contexts were loaded from."""
        with self._lock:
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None
                self._pem_files.clear()
