"""PKCS#1 RSA keys (``BEGIN RSA PRIVATE KEY``), the form RavenDB writes (BouncyCastle's ``PemWriter``) and the
Node.js client requires: ravensec writes RSA keys so, and reads them plain and encrypted (the server's
DES-EDE3-CBC legacy PEM) through every path -- ``load_bundle``, ``ssl`` straight from the file, a real mTLS
handshake."""

from __future__ import annotations

import ssl
from pathlib import Path

import aiohttp
import pytest
import trustme
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.certs.der import thumbprint_of_der
from ravensec.core.certs.generate import generate_key, make_client_certificate
from ravensec.core.certs.load import load_bundle, load_bundle_file
from ravensec.core.certs.packages import server_key_pem
from ravensec.core.certs.pemfile import is_single_plain_identity, pem_file_identity
from ravensec.core.http.tls import client_ssl_context
from tests.core.localserver import Pki, peer_thumbprint, serve

PKCS1 = b"-----BEGIN RSA PRIVATE KEY-----\n"


@pytest.fixture(scope="module")
def rsa_bundle() -> CertBundle:
    return make_client_certificate("pkcs1", key_type="rsa2048")


def test_rsa_keys_are_written_pkcs1_other_keys_pkcs8(rsa_bundle: CertBundle) -> None:
    assert rsa_bundle.key_pem().startswith(PKCS1)
    assert rsa_bundle.combined_pem().count(PKCS1) == 1
    ec = make_client_certificate("ec", key=generate_key(seed=5))
    assert ec.key_pem().startswith(b"-----BEGIN PRIVATE KEY-----\n")
    # Encrypted, ravensec's own files keep PKCS#8 with PBES2 (not the server's weak legacy encryption).
    assert rsa_bundle.key_pem("pw").startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")


def test_plain_pkcs1_pem_is_read_by_load_bundle_and_by_ssl(rsa_bundle: CertBundle, tmp_path: Path) -> None:
    pem = rsa_bundle.combined_pem()
    assert load_bundle(pem).cert_der() == rsa_bundle.cert_der()
    assert load_bundle(pem).private_key is not None
    assert is_single_plain_identity(pem)
    path = tmp_path / "c.pem"
    path.write_bytes(pem)
    assert pem_file_identity(path) is not None  # ssl loads it as it is, no cryptography
    # The .crt beside a PKCS#1 .key, as a server package extracts.
    (tmp_path / "s.crt").write_bytes(rsa_bundle.cert_pem())
    (tmp_path / "s.key").write_bytes(rsa_bundle.key_pem())
    assert load_bundle_file(tmp_path / "s.crt").private_key is not None


def test_servers_encrypted_pkcs1_is_read_with_its_password(rsa_bundle: CertBundle, tmp_path: Path) -> None:
    key = server_key_pem(rsa_bundle, "pa ss")
    assert b"DEK-Info: DES-EDE3-CBC," in key
    pem = rsa_bundle.cert_pem() + key
    assert load_bundle(pem, "pa ss").private_key is not None
    path = tmp_path / "enc.pem"
    path.write_bytes(pem)
    assert pem_file_identity(path, "pa ss") is not None
    assert pem_file_identity(path) is None  # no password: read the long way, which explains
    with pytest.raises(Exception, match="passphrase"):
        load_bundle(pem)


async def test_pkcs1_identity_completes_an_mtls_handshake(tmp_path: Path) -> None:
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    server_ctx.verify_mode = ssl.CERT_OPTIONAL
    ca.configure_trust(server_ctx)
    leaf = ca.issue_cert("pkcs1.example", common_name="pkcs1", key_type=trustme.KeyType.RSA)
    client = CertBundle(
        x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes()),
        serialization.load_pem_private_key(leaf.private_key_pem.bytes(), password=None),
    )
    path = tmp_path / "client.pem"
    path.write_bytes(client.combined_pem())
    assert PKCS1 in path.read_bytes()
    ident = pem_file_identity(path)
    assert ident is not None
    ctx = client_ssl_context(ca_file=ca_file, client_cert=ident)
    async with (
        serve(Pki(ca, ca_file, server_ctx), {("GET", "/me"): _whoami}) as url,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as s,
        s.get(url + "/me") as r,
    ):
        seen = await r.text()
    assert seen == thumbprint_of_der(client.cert_der())


async def _whoami(request: web.Request) -> web.Response:
    return web.Response(text=peer_thumbprint(request) or "")
