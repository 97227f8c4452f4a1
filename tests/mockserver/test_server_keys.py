"""Every key the mock hands a user is RSA-4096 written as ``BEGIN RSA PRIVATE KEY`` (PKCS#1), as the real
server makes and writes them (``CertificateUtils.GetRsaKey``, BouncyCastle's ``PemWriter``); packages from
``POST /admin/certificates`` are named, dated and protected as the server's. Over real mTLS."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ravensec.core.certs.der import thumbprint_of_der
from ravensec.core.certs.load import load_bundle, load_bundle_file
from ravensec.core.certs.packages import extract_package
from ravensec.mock import MockCloud, MockProduct, keypool, keyring
from ravensec.mock.backend import CloudBackend
from ravensec.mock.training.scenario import load_scenario

PKCS1 = b"-----BEGIN RSA PRIVATE KEY-----\n"


@pytest.fixture(scope="module")
def demo() -> Iterator[MockCloud]:
    with MockCloud("demo", material_cache=False) as cloud:
        yield cloud


def _shop(cloud: MockCloud) -> MockProduct:
    return cloud.product("Shop")


def _session(cloud: MockCloud, pem: Path) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify, s.cert = str(cloud.ca_path), str(pem)
    return s


def _rsa4096(pem: bytes, password: bytes | None = None) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 4096
    return key


def _key_block(pem: bytes) -> bytes:
    return pem[pem.index(b"-----BEGIN RSA PRIVATE KEY-----") :]


def test_fixture_pem_files_are_pkcs1_rsa4096_and_the_same_on_every_run(demo: MockCloud) -> None:
    shop = _shop(demo)
    for path in (shop.operator_pem, shop.cluster_admin_pem):
        pem = path.read_bytes()
        assert PKCS1 in pem and b"BEGIN PRIVATE KEY" not in pem
        _rsa4096(_key_block(pem))
        assert load_bundle_file(path).private_key is not None
    # The world's keys come from the fixed key ring: another start gives the very same certificates.
    with MockCloud("demo", material_cache=False) as again:
        assert again.product("Shop").operator_pem.read_bytes() == shop.operator_pem.read_bytes()
    operator = demo.state.products[shop.id].operator_cert
    admin = demo.state.products[shop.id].cluster_admin_cert
    assert operator.cert_der() != admin.cert_der()
    assert operator.certificate.public_key() != admin.certificate.public_key()


def test_portal_package_key_is_pkcs1_rsa4096(demo: MockCloud) -> None:
    shop = _shop(demo)
    s = requests.Session()
    s.trust_env = False
    s.verify = str(demo.ca_path)
    r = s.get(f"{demo.api_url}/products/security/certificate/{shop.id}", headers={"X-Api-Key": demo.api_key})
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        key = next(zf.read(n) for n in zf.namelist() if n.endswith(".key"))
        pem = next(zf.read(n) for n in zf.namelist() if n.endswith(".pem"))
    assert key.startswith(PKCS1) and PKCS1 in pem
    _rsa4096(key)


def test_generated_package_is_the_servers(demo: MockCloud, tmp_path: Path) -> None:
    # AdminCertificatesHandler.GenerateCertificateInternal: "<Name>.pfx", ".crt", ".key", each S_IRUSR|S_IWUSR;
    # the file name through Uri.EscapeDataString. CertificateUtils.CreateSelfSignedCertificateBasedOnPrivateKey:
    # NotBefore = UtcNow.Date - 7 days; NotAfter = UtcNow.Date + 5 years unless asked; RSA-4096 (GetRsaKey).
    shop = _shop(demo)
    name = "ops team/é"
    body = {"Name": name, "SecurityClearance": "ValidUser", "Permissions": {"Orders": "Read"}}
    r = _session(demo, shop.operator_pem).post(f"{shop.node_urls['A']}/admin/certificates", json=body)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Disposition"] == "attachment; filename=ops%20team%2F%C3%A9.zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert zf.namelist() == [f"{name}.pfx", f"{name}.crt", f"{name}.key"]
        assert {i.external_attr >> 16 & 0o777 for i in zf.infolist()} == {0o600}
        crt, key = zf.read(f"{name}.crt"), zf.read(f"{name}.key")
    assert key.startswith(PKCS1)
    _rsa4096(key)
    cert = x509.load_pem_x509_certificate(crt)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert cert.not_valid_before_utc == today - timedelta(days=7)
    assert cert.not_valid_after_utc == today.replace(year=today.year + 5)
    # Extracted by ravensec: every entry 0600, as the ZIP says (here under a subfolder: the name has a '/').
    files = extract_package(r.content, tmp_path / "pkg")
    assert len(files) == 3 and {f.stat().st_mode & 0o777 for f in files} == {0o600}


def test_generated_package_with_password_and_expiration(demo: MockCloud, tmp_path: Path) -> None:
    # With a password the .key is DES-EDE3-CBC encrypted PKCS#1 (MiscPemGenerator), the .pfx protected;
    # a requested NotAfter is kept as it is.
    shop = _shop(demo)
    not_after = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    body = {"Name": "reader", "SecurityClearance": "ValidUser", "Permissions": {"Orders": "Read"},
            "Password": "s3cret", "NotAfter": not_after.strftime("%Y-%m-%dT%H:%M:%S.0000000Z")}
    r = _session(demo, shop.operator_pem).post(f"{shop.node_urls['A']}/admin/certificates", json=body)
    assert r.status_code == 200, r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        key, crt, pfx = zf.read("reader.key"), zf.read("reader.crt"), zf.read("reader.pfx")
    assert key.startswith(PKCS1 + b"Proc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,")
    _rsa4096(key, b"s3cret")
    assert x509.load_pem_x509_certificate(crt).not_valid_after_utc == not_after
    assert load_bundle(pfx, "s3cret").private_key is not None
    # The fresh key works as a client identity at once.
    (tmp_path / "reader.pem").write_bytes(crt + serialization.load_pem_private_key(key, b"s3cret").private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    who = _session(demo, tmp_path / "reader.pem").get(f"{shop.node_urls['A']}/certificates/whoami")
    assert who.status_code == 200 and who.json()["Name"] == "reader"


def test_export_file_name(demo: MockCloud) -> None:
    # AdminCertificatesHandler.GetClusterCertificates
    shop = _shop(demo)
    r = _session(demo, shop.operator_pem).get(f"{shop.node_urls['A']}/admin/certificates/export")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == "attachment; filename=ClusterCertificatesCollection.pfx"


def test_regenerated_initial_certificate_has_a_fresh_rsa4096_key(demo: MockCloud) -> None:
    shop = _shop(demo)
    before = demo.state.products[shop.id].operator_cert
    try:
        entry = CloudBackend(demo.state).regenerate_initial_certificate(shop.id)
        after = demo.state.products[shop.id].operator_cert
        assert entry.thumbprint == thumbprint_of_der(after.cert_der())
        assert after.key_pem().startswith(PKCS1)
        assert isinstance(after.private_key, rsa.RSAPrivateKey) and after.private_key.key_size == 4096
        assert after.certificate.public_key() != before.certificate.public_key()
    finally:
        demo.reset()


def test_training_handout_is_pkcs1_rsa4096_and_stable() -> None:
    sc = load_scenario("wrong-certificate")
    bundle = sc.handout_certificate("inventory-app")
    assert bundle.combined_pem().count(PKCS1) == 1
    assert bundle.private_key.key_size == 4096
    assert sc.handout_certificate("inventory-app").cert_der() == bundle.cert_der()


def test_key_ring_keys_are_sound() -> None:
    # Loaded without cryptography's (slow) check: each key must sign what its public key verifies; two get
    # the full check.
    seen = set()
    for i in range(keyring.size()):
        key = keyring.world_key(i)
        n = key.public_key().public_numbers().n
        assert key.key_size == 4096 and n not in seen
        seen.add(n)
        sig = key.sign(b"ring", padding.PKCS1v15(), hashes.SHA256())
        key.public_key().verify(sig, b"ring", padding.PKCS1v15(), hashes.SHA256())
    for i in (0, keyring.size() - 1):
        pem = keyring.world_key(i).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
        _rsa4096(pem)
    assert keyring.handout_key(0) is keyring.world_key(keyring.size() - 1)


def test_key_pool_hands_out_distinct_fresh_keys() -> None:
    keypool.warm()
    keys = [keypool.take() for _ in range(3)]
    assert all(k.key_size == 4096 for k in keys)
    assert len({k.public_key().public_numbers().n for k in keys}) == 3
