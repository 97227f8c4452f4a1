"""Loading every format (ours and openssl's), and every kind of bad input giving an actionable error."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.certs.generate import generate_key, make_ca, make_client_certificate
from ravensec.core.certs.identity import thumbprint
from ravensec.core.certs.load import load_bundle, load_bundle_file, load_certificate, load_certificates_any
from ravensec.core.certs.packages import export_pfx
from ravensec.core.errors import CertificateError

OPENSSL = "/usr/bin/openssl"
SECRET = "correct horse battery"


def openssl(*args: str) -> None:
    subprocess.run([OPENSSL, *args], capture_output=True, check=True, timeout=30)


@pytest.fixture(scope="module")
def ca() -> CertBundle:
    return make_ca("Load CA", key=generate_key(seed=11))


@pytest.fixture(scope="module")
def leaf(ca: CertBundle) -> CertBundle:
    return make_client_certificate("leaf", key_type="ec-p256", key=generate_key(seed=12), issuer=ca)


def _same(a: CertBundle, b: CertBundle) -> bool:
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    assert a.private_key is not None and b.private_key is not None
    return a.cert_der() == b.cert_der() and (
        a.private_key.public_key().public_bytes(serialization.Encoding.DER, pub)
        == b.private_key.public_key().public_bytes(serialization.Encoding.DER, pub)
    )


# ------------------------------------------------------------------------------------------ certificates


def test_load_certificate_every_encoding(leaf: CertBundle) -> None:
    pem, der = leaf.cert_pem(), leaf.cert_der()
    for data in (
        pem,
        pem.decode(),
        der,
        base64.b64encode(der),
        base64.b64encode(der).decode(),
        base64.b64encode(pem).decode(),
        base64.encodebytes(der),  # wrapped at 76 columns
        base64.urlsafe_b64encode(der).rstrip(b"="),
        b"\n  " + pem + b"\n\n",
    ):
        assert load_certificate(data) == leaf.certificate


def test_load_certificates_any_keeps_leaves_and_drops_the_ca(ca: CertBundle, leaf: CertBundle) -> None:
    other = make_client_certificate("other", key=generate_key(seed=13), issuer=ca)
    pem = ca.cert_pem() + leaf.cert_pem() + other.cert_pem()
    assert load_certificates_any(pem) == [leaf.certificate, other.certificate]
    assert load_certificates_any(base64.b64encode(pem).decode()) == [leaf.certificate, other.certificate]
    assert load_certificates_any(ca.cert_pem()) == [ca.certificate]
    pfx = export_pfx(leaf, SECRET)  # carries the CA as its chain
    assert load_certificates_any(pfx, SECRET) == [leaf.certificate]
    assert load_certificates_any(base64.b64encode(pfx), SECRET) == [leaf.certificate]
    assert load_certificates_any(leaf.cert_der()) == [leaf.certificate]


# ------------------------------------------------------------------------------------------ bundles


def test_combined_pem_plain_and_encrypted(leaf: CertBundle, ca: CertBundle) -> None:
    plain = load_bundle(leaf.combined_pem())
    assert _same(plain, leaf) and plain.chain == ()
    enc = load_bundle(leaf.cert_pem() + leaf.key_pem(SECRET), SECRET)
    assert _same(enc, leaf)
    # Key first, then CA, then the leaf: the key decides which certificate is the leaf.
    mixed = load_bundle(leaf.key_pem() + ca.cert_pem() + leaf.cert_pem())
    assert _same(mixed, leaf) and mixed.chain == (ca.certificate,)
    # A password given for an unencrypted key is harmless.
    assert _same(load_bundle(leaf.combined_pem(), SECRET), leaf)


def test_pfx_round_trips(leaf: CertBundle, ca: CertBundle) -> None:
    for password in (None, SECRET):
        for legacy in (False, True):
            got = load_bundle(export_pfx(leaf, password, legacy=legacy), password)
            assert _same(got, leaf) and got.chain == (ca.certificate,)
    assert _same(load_bundle(base64.b64encode(export_pfx(leaf, SECRET)), SECRET), leaf)


def test_der_certificate_only_has_no_key(leaf: CertBundle) -> None:
    got = load_bundle(leaf.cert_der())
    assert got.certificate == leaf.certificate and got.private_key is None


def test_formats_made_by_openssl(tmp_path: Path) -> None:
    key, crt = tmp_path / "k.pem", tmp_path / "c.pem"
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(key),
        "-out",
        str(crt),
        "-days",
        "2",
        "-subj",
        "/CN=from openssl",
    )
    cert = load_certificate(crt.read_bytes())
    # PKCS#12 with openssl 3's defaults (AES-256, SHA-256 MAC) and with an empty password.
    openssl(
        "pkcs12",
        "-export",
        "-inkey",
        str(key),
        "-in",
        str(crt),
        "-out",
        str(tmp_path / "a.pfx"),
        "-passout",
        f"pass:{SECRET}",
    )
    openssl(
        "pkcs12",
        "-export",
        "-inkey",
        str(key),
        "-in",
        str(crt),
        "-out",
        str(tmp_path / "e.pfx"),
        "-passout",
        "pass:",
    )
    # A traditional (PKCS#1, "Proc-Type: 4,ENCRYPTED") key, as older tools write them.
    openssl(
        "rsa",
        "-in",
        str(key),
        "-traditional",
        "-aes256",
        "-passout",
        f"pass:{SECRET}",
        "-out",
        str(tmp_path / "trad.key"),
    )
    assert b"Proc-Type: 4,ENCRYPTED" in (tmp_path / "trad.key").read_bytes()
    openssl("x509", "-in", str(crt), "-outform", "der", "-out", str(tmp_path / "c.der"))

    assert load_bundle((tmp_path / "a.pfx").read_bytes(), SECRET).certificate == cert
    assert load_bundle((tmp_path / "e.pfx").read_bytes()).private_key is not None
    trad = load_bundle(crt.read_bytes() + (tmp_path / "trad.key").read_bytes(), SECRET)
    assert trad.certificate == cert and trad.private_key is not None
    assert load_certificate((tmp_path / "c.der").read_bytes()) == cert
    with pytest.raises(CertificateError, match="protected by a passphrase"):
        load_bundle(crt.read_bytes() + (tmp_path / "trad.key").read_bytes())


def test_load_bundle_file_and_sibling_key(leaf: CertBundle, tmp_path: Path) -> None:
    (tmp_path / "me.crt").write_bytes(leaf.cert_pem())
    assert load_bundle_file(tmp_path / "me.crt").private_key is None
    (tmp_path / "me.key").write_bytes(leaf.key_pem(SECRET))
    assert _same(load_bundle_file(tmp_path / "me.crt", SECRET), leaf)
    (tmp_path / "me.pfx").write_bytes(export_pfx(leaf, SECRET))
    assert thumbprint(load_bundle_file(tmp_path / "me.pfx", SECRET).certificate) == thumbprint(
        leaf.certificate
    )


# ------------------------------------------------------------------------------------------ bad input


def _error(data: bytes | str, password: str | None = None) -> CertificateError:
    with pytest.raises(CertificateError) as info:
        load_bundle(data if isinstance(data, bytes) else data.encode(), password)
    assert SECRET not in str(info.value) and "wrong-one" not in str(info.value)
    return info.value


def test_passphrase_errors_say_what_to_do(leaf: CertBundle) -> None:
    pfx = export_pfx(leaf, SECRET)
    e = _error(pfx)
    assert "protected by a passphrase" in e.message and "--password" in e.hint
    e = _error(pfx, "wrong-one")
    assert "passphrase does not open this PFX" in e.message
    enc_pem = leaf.cert_pem() + leaf.key_pem(SECRET)
    assert "--password" in str(_error(enc_pem))
    assert "passphrase does not open the private key" in str(_error(enc_pem, "wrong-one"))
    with pytest.raises(CertificateError, match="protected by a passphrase"):
        load_certificates_any(pfx)


def test_damaged_data_is_named(leaf: CertBundle) -> None:
    pem = leaf.cert_pem()
    assert "no matching END" in str(_error(pem[: len(pem) // 2]))
    body = pem.replace(pem.splitlines()[3], b"A" * 64)
    assert "block 1 (CERTIFICATE) is not a valid certificate" in str(_error(body))
    key = leaf.key_pem().replace(leaf.key_pem().splitlines()[2], b"B" * 64)
    assert "not a valid private key" in str(_error(leaf.cert_pem() + key))
    assert "PFX file is truncated" in str(_error(export_pfx(leaf, SECRET)[:-40], SECRET))
    assert "neither PEM, a DER certificate nor a PKCS#12" in str(_error(leaf.cert_der()[:-30]))
    assert "neither PEM" in str(_error(b"\x00\x01binary junk\xff"))
    assert "empty" in str(_error(b"  \n"))
    assert "does not decode" in str(_error("QUJDR"))  # base64 alphabet, impossible length


def test_key_that_does_not_match_and_key_alone(leaf: CertBundle) -> None:
    stranger = make_client_certificate("stranger", key=generate_key(seed=99))
    e = _error(leaf.cert_pem() + stranger.key_pem())
    assert "does not belong to the certificate" in e.message and e.hint
    assert "no certificate" in str(_error(leaf.key_pem()))
    with pytest.raises(CertificateError, match="no certificate"):
        load_certificates_any(leaf.key_pem())


def test_file_errors_name_the_file(tmp_path: Path, leaf: CertBundle) -> None:
    with pytest.raises(CertificateError, match="does not exist"):
        load_bundle_file(tmp_path / "missing.pem")
    with pytest.raises(CertificateError, match="is a directory"):
        load_bundle_file(tmp_path)
    bad = tmp_path / "bad.pfx"
    bad.write_bytes(export_pfx(leaf, SECRET))
    with pytest.raises(CertificateError, match=r"bad\.pfx: the PFX is protected by a passphrase"):
        load_bundle_file(bad)
