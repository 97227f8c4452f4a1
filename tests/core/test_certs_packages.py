"""Both package layouts built, read and extracted; PFX encryption checked with openssl; unsafe ZIPs refused."""

from __future__ import annotations

import io
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.certs.generate import generate_key, make_ca, make_client_certificate
from ravensec.core.certs.load import load_bundle, load_bundle_file
from ravensec.core.certs.packages import (
    build_cloud_package,
    build_server_package,
    export_pfx,
    extract_package,
    read_package,
)
from ravensec.core.errors import CertificateError

OPENSSL = "/usr/bin/openssl"
BASE = "acme.ravendb.cloud.client.certificate"


@pytest.fixture(scope="module")
def bundle() -> CertBundle:
    ca = make_ca("Package CA", key=generate_key(seed=21))
    return make_client_certificate(BASE, key_type="ec-p256", key=generate_key(seed=22), issuer=ca)


def pkcs12_info(path: Path, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OPENSSL, "pkcs12", "-info", "-noout", "-in", str(path), "-passin", f"pass:{password}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


# ------------------------------------------------------------------------------------------ PFX


def test_export_pfx_modern_encryption_opens_with_openssl(bundle: CertBundle, tmp_path: Path) -> None:
    pfx = tmp_path / "c.pfx"
    pfx.write_bytes(export_pfx(bundle, "s3cret"))
    info = pkcs12_info(pfx, "s3cret")
    assert info.returncode == 0, info.stderr
    out = info.stdout + info.stderr
    assert "MAC: sha256" in out and "AES-256-CBC" in out and "hmacWithSHA256" in out
    assert pkcs12_info(pfx, "wrong").returncode != 0


def test_export_pfx_legacy_and_without_password(bundle: CertBundle, tmp_path: Path) -> None:
    legacy = tmp_path / "l.pfx"
    legacy.write_bytes(export_pfx(bundle, "s3cret", legacy=True))
    info = pkcs12_info(legacy, "s3cret")
    assert info.returncode == 0 and "TripleDES" in info.stdout + info.stderr
    bare = tmp_path / "n.pfx"
    bare.write_bytes(export_pfx(bundle, None))
    assert pkcs12_info(bare, "").returncode == 0


def test_export_pfx_needs_a_key(bundle: CertBundle) -> None:
    with pytest.raises(CertificateError, match="needs the private key"):
        export_pfx(CertBundle(certificate=bundle.certificate), "x")


# ------------------------------------------------------------------------------------------ cloud layout


def test_cloud_package_layout_and_round_trip(bundle: CertBundle, tmp_path: Path) -> None:
    data = build_cloud_package(bundle, BASE)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        password = zf.read("PASSWORD.TXT").decode()
        readme = zf.read("README.TXT").decode()
        (tmp_path / "with.pfx").write_bytes(zf.read(f"{BASE}.with.password.pfx"))
        (tmp_path / "bare.pfx").write_bytes(zf.read(f"{BASE}.pfx"))
    assert names == {
        f"{BASE}.pfx",
        f"{BASE}.with.password.pfx",
        "PASSWORD.TXT",
        "README.TXT",
        f"PEM/{BASE}.crt",
        f"PEM/{BASE}.key",
        f"PEM/{BASE}.pem",
    }
    assert re.fullmatch(r"[0-9a-f]{32}", password)
    assert "certificate_pem_path" in readme and "Firefox" in readme and "PASSWORD.TXT" in readme
    assert pkcs12_info(tmp_path / "with.pfx", password).returncode == 0
    assert pkcs12_info(tmp_path / "bare.pfx", "").returncode == 0

    pkg = read_package(data)
    assert pkg.layout == "cloud" and pkg.password == password and set(pkg.files) == names
    assert pkg.bundle.cert_der() == bundle.cert_der() and pkg.bundle.private_key is not None


def test_cloud_package_with_given_password_and_only_the_protected_pfx(bundle: CertBundle) -> None:
    data = build_cloud_package(bundle, BASE, password="0123456789abcdef0123456789abcdef")
    pkg = read_package(data)
    assert pkg.password == "0123456789abcdef0123456789abcdef"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        slim = _zip({n: zf.read(n) for n in ("PASSWORD.TXT", f"{BASE}.with.password.pfx")})
    # Only the protected PFX is left: PASSWORD.TXT opens it.
    assert read_package(slim).bundle.cert_der() == bundle.cert_der()


# ------------------------------------------------------------------------------------------ server layout


@pytest.fixture(scope="module")
def rsa_bundle() -> CertBundle:
    return make_client_certificate("gen-1", key_type="rsa2048")


def test_server_package_with_password(rsa_bundle: CertBundle, tmp_path: Path) -> None:
    # LetsEncryptCertificateUtil.WriteCertificateAsPemAsync: with a password the key is PKCS#1 in OpenSSL's
    # legacy encrypted PEM, DES-EDE3-CBC (BouncyCastle MiscPemGenerator).
    data = build_server_package(rsa_bundle, "gen-1", password="pw-123")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sorted(zf.namelist()) == ["gen-1.crt", "gen-1.key", "gen-1.pfx"]
        key = zf.read("gen-1.key")
        (tmp_path / "g.pfx").write_bytes(zf.read("gen-1.pfx"))
        (tmp_path / "g.key").write_bytes(key)
    assert key.startswith(b"-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: DES-EDE3-CBC,")
    assert pkcs12_info(tmp_path / "g.pfx", "pw-123").returncode == 0
    check = [OPENSSL, "rsa", "-noout", "-check", "-in", str(tmp_path / "g.key"), "-passin", "pass:pw-123"]
    assert subprocess.run(check, capture_output=True, timeout=30, check=False).returncode == 0
    pkg = read_package(data, "pw-123")
    assert pkg.layout == "server" and pkg.bundle.cert_der() == rsa_bundle.cert_der()
    assert load_bundle(rsa_bundle.cert_pem() + key, "pw-123").private_key is not None
    with pytest.raises(CertificateError, match="passphrase") as info:
        read_package(data)
    assert "pw-123" not in str(info.value)


def test_server_package_names_modes_and_plain_key(rsa_bundle: CertBundle, tmp_path: Path) -> None:
    # AdminCertificatesHandler.GenerateCertificateInternal: entries are the name as it is plus .pfx, .crt,
    # .key, each with the Unix mode S_IRUSR | S_IWUSR; without a password the key is PKCS#1.
    data = build_server_package(rsa_bundle, "ops team (a)")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == ["ops team (a).pfx", "ops team (a).crt", "ops team (a).key"]
        assert {i.external_attr >> 16 & 0o777 for i in zf.infolist()} == {0o600}
        assert zf.read("ops team (a).key").startswith(b"-----BEGIN RSA PRIVATE KEY-----\nMII")
    assert read_package(data).bundle.private_key is not None
    files = extract_package(data, tmp_path / "out")
    assert sorted(p.name for p in files) == ["ops team (a).crt", "ops team (a).key", "ops team (a).pfx"]
    assert {_mode(p) for p in files} == {0o600}  # the .crt too: the ZIP says so


def test_server_package_with_a_path_in_the_name_is_refused_on_extraction(
    rsa_bundle: CertBundle, tmp_path: Path
) -> None:
    # The server puts the name in the entry names unchanged; the reader is what refuses a traversal.
    data = build_server_package(rsa_bundle, "../ops/team a")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist()[0] == "../ops/team a.pfx"
    with pytest.raises(CertificateError, match="unsafe entry"):
        extract_package(data, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------ extraction


def test_extract_writes_every_file_with_private_modes(bundle: CertBundle, tmp_path: Path) -> None:
    data = build_cloud_package(bundle, BASE)
    dest = tmp_path / "out"
    files = extract_package(data, dest)
    rel = {p.relative_to(dest).as_posix(): p for p in files}
    assert set(rel) == set(read_package(data).files)
    for name, path in rel.items():
        private = name.endswith((".key", ".pem", ".pfx")) or name == "PASSWORD.TXT"
        assert _mode(path) == (0o600 if private else 0o644), name
    assert _mode(dest) == 0o700
    assert load_bundle_file(rel[f"PEM/{BASE}.pem"]).cert_der() == bundle.cert_der()
    assert load_bundle(rel[f"PEM/{BASE}.crt"].read_bytes() + rel[f"PEM/{BASE}.key"].read_bytes()).private_key
    leftovers = [p for p in dest.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_truncated_zip_leaves_nothing(bundle: CertBundle, tmp_path: Path) -> None:
    data = build_cloud_package(bundle, BASE)
    dest = tmp_path / "out"
    for cut in (len(data) // 2, len(data) - 10, 30):
        with pytest.raises(CertificateError, match="not a readable ZIP") as info:
            extract_package(data[:cut], dest)
        assert "download it again" in info.value.hint
        assert not dest.exists()
        with pytest.raises(CertificateError):
            read_package(data[:cut])


def test_corrupted_entry_leaves_nothing(bundle: CertBundle, tmp_path: Path) -> None:
    good = _zip({"a.crt": bundle.cert_pem(), "b.key": bundle.key_pem()})
    # Flip a byte inside the stored data of the second entry: the CRC check fails on read.
    offset = good.index(b"PRIVATE KEY") + 20
    bad = good[:offset] + bytes([good[offset] ^ 0xFF]) + good[offset + 1 :]
    with pytest.raises(CertificateError):
        extract_package(bad, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "evil", ["../evil.key", "PEM/../../evil.key", "/tmp/evil.key", "C:\\evil.key", "a\\..\\..\\evil"]
)
def test_path_traversal_is_refused_and_nothing_written(bundle: CertBundle, tmp_path: Path, evil: str) -> None:
    data = _zip({"fine.crt": bundle.cert_pem(), evil: b"owned"})
    dest = tmp_path / "deep" / "out"
    with pytest.raises(CertificateError, match="unsafe entry") as info:
        extract_package(data, dest)
    assert "Nothing was written" in info.value.hint
    assert sorted(p.name for p in tmp_path.rglob("*")) == []


def test_symlink_entry_is_refused(bundle: CertBundle, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        link = zipfile.ZipInfo("PEM/link.key")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(CertificateError, match="symbolic link"):
        extract_package(buf.getvalue(), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_not_a_package(bundle: CertBundle) -> None:
    with pytest.raises(CertificateError, match="not a readable ZIP"):
        read_package(b"<html>502 Bad Gateway</html>")
    with pytest.raises(CertificateError, match="holds no certificate"):
        read_package(_zip({"notes.txt": b"hello"}))
    with pytest.raises(CertificateError, match="no private key"):
        read_package(_zip({"only.crt": bundle.cert_pem(), "readme.pem": bundle.cert_pem()}))


def test_failure_midway_removes_what_was_written(
    bundle: CertBundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ravensec.core.certs import package_zip  # where extraction lives (packages re-exports it)

    real_write = package_zip.atomic_write
    calls: list[Path] = []

    def disk_full_on_fourth(path: Path, data: bytes, *, mode: int = 0o644) -> Path:
        calls.append(path)
        if len(calls) == 4:
            raise OSError(28, "No space left on device")
        return real_write(path, data, mode=mode)

    monkeypatch.setattr(package_zip, "atomic_write", disk_full_on_fourth)
    (tmp_path / "existing").mkdir()
    dest = tmp_path / "existing" / "new" / "out"
    with pytest.raises(OSError, match="No space"):
        extract_package(build_cloud_package(bundle, BASE), dest)
    assert len(calls) == 4
    assert list((tmp_path / "existing").iterdir()) == []


# ------------------------------------------------------------------------------------------ the plain PEM


def test_plain_package_pem_is_the_entry_read_package_picks(bundle: CertBundle) -> None:
    from ravensec.core.certs.load import load_bundle
    from ravensec.core.certs.package_zip import plain_package_pem

    cloud = build_cloud_package(bundle, BASE)
    pem = plain_package_pem(cloud)
    assert pem is not None and pem == bundle.combined_pem()
    picked = read_package(cloud).bundle
    assert load_bundle(pem).certificate == picked.certificate
    assert load_bundle(pem).key_pem() == picked.key_pem()
    # No .pem (the server's layout), an encrypted key or a chain: None, and the caller takes the long way.
    assert plain_package_pem(build_server_package(bundle, "x")) is None
    assert plain_package_pem(_zip({"a.pem": bundle.cert_pem() + bundle.key_pem("pw")})) is None
    chained = _zip({"a.pem": bundle.cert_pem() + bundle.cert_pem() + bundle.key_pem()})
    assert plain_package_pem(chained) is None
    with pytest.raises(CertificateError, match="not a readable ZIP"):  # the same refusals as read_package
        plain_package_pem(b"<html>502 Bad Gateway</html>")
    with pytest.raises(CertificateError, match="unsafe entry"):
        plain_package_pem(_zip({"../a.pem": bundle.combined_pem()}))


def test_package_zip_needs_no_cryptography() -> None:
    code = (
        "import sys, ravensec.core.certs.package_zip, ravensec.core.certs.pemfile; "
        "print('cryptography' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.split() == ["False"]
