"""Files a package writes: never through a symbolic link, key material 0600 whatever the entry is called,
and a package's size bounded (per entry, in total, in entries); plus fsutil's real_directory underneath."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.certs.generate import generate_key, make_client_certificate
from ravensec.core.certs.package_zip import (
    MAX_ENTRIES,
    MAX_ENTRY_BYTES,
    MAX_TOTAL_BYTES,
    extract_package,
    holds_key_material,
    read_zip,
    write_zip,
)
from ravensec.core.certs.packages import build_cloud_package, export_pfx
from ravensec.core.errors import CertificateError, UnsafePathError
from ravensec.core.fsutil import is_regular_file, real_directory

BASE = "acme.ravendb.cloud.client.certificate"


@pytest.fixture(scope="module")
def bundle() -> CertBundle:
    return make_client_certificate(BASE, key_type="ec-p256", key=generate_key(seed=31))


def _zip(files: dict[str, bytes], *, level: int | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, blob in files.items():
            # 0644 in the archive (writestr's default is 0600, which extraction honours as owner-only): the
            # content alone must make key material private.
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, blob, compresslevel=level)
    return buf.getvalue()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


# ------------------------------------------------------------------------------------------ symbolic links


def test_a_symlinked_destination_is_refused_and_nothing_is_written_where_it_points(
    bundle: CertBundle, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dest = tmp_path / "out"
    dest.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafePathError, match="symbolic link") as info:
        extract_package(build_cloud_package(bundle, BASE), dest)
    assert str(dest) in info.value.message and "Remove the link" in info.value.hint
    assert _tree(elsewhere) == []
    assert dest.is_symlink()  # left as it was


def test_a_symlinked_folder_inside_the_destination_is_refused_and_the_rest_undone(
    bundle: CertBundle, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "PEM").symlink_to(elsewhere, target_is_directory=True)  # planted before the download
    with pytest.raises(UnsafePathError, match="PEM is a symbolic link"):
        extract_package(build_cloud_package(bundle, BASE), dest)
    assert _tree(elsewhere) == []  # the key never went through the link
    assert _tree(dest) == ["PEM"]  # the files written before the refusal are gone again


def test_a_file_where_a_folder_goes_is_refused(bundle: CertBundle, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "PEM").write_bytes(b"not a folder")
    with pytest.raises(UnsafePathError, match="not a directory"):
        extract_package(build_cloud_package(bundle, BASE), dest)


def test_a_symlinked_file_is_replaced_not_written_through(bundle: CertBundle, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"untouched")
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "PASSWORD.TXT").symlink_to(victim)
    extract_package(build_cloud_package(bundle, BASE, password="0" * 32), dest)
    assert victim.read_bytes() == b"untouched"
    assert is_regular_file(dest / "PASSWORD.TXT") and _mode(dest / "PASSWORD.TXT") == 0o600


def test_real_directory_creates_private_folders_and_refuses_links(tmp_path: Path) -> None:
    created: list[Path] = []
    deep = tmp_path / "a" / "b"
    assert real_directory(deep, created=created) == deep
    assert created == [tmp_path / "a", deep] and _mode(deep) == 0o700
    (tmp_path / "link").symlink_to(deep, target_is_directory=True)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        real_directory(tmp_path / "link")
    with pytest.raises(FileNotFoundError):
        real_directory(tmp_path / "missing", create=False)
    # Existing parents are the user's to choose: a link above the final component is fine.
    assert real_directory(tmp_path / "link" / "c") == tmp_path / "link" / "c"
    assert not is_regular_file(tmp_path / "link") and not is_regular_file(tmp_path / "nothing")


# ------------------------------------------------------------------------------------------ key material


def test_key_material_is_private_whatever_the_entry_is_called(bundle: CertBundle, tmp_path: Path) -> None:
    files = {
        "notes.txt": b"see below\n" + bundle.key_pem(),  # a PEM key in a text file
        "cert.crt": bundle.cert_pem() + bundle.key_pem(),  # a key hiding beside the certificate
        "encrypted.dat": bundle.key_pem("pw"),  # ENCRYPTED PRIVATE KEY
        "bundle.bin": export_pfx(bundle, None),  # a PFX under another name
        "protected": export_pfx(bundle, "pw"),
        "legacy.zip": export_pfx(bundle, "pw", legacy=True),
        "public.crt": bundle.cert_pem(),
        "public.der": bundle.cert_der(),
        "README.TXT": b"hello",
    }
    dest = tmp_path / "out"
    extract_package(_zip(files), dest)
    public = {"public.crt", "public.der", "README.TXT"}
    for name in files:
        assert _mode(dest / name) == (0o644 if name in public else 0o600), name
    # write_zip marks the same entries 0600 in the archive itself.
    with zipfile.ZipFile(io.BytesIO(write_zip(files))) as zf:
        for info in zf.infolist():
            assert stat.S_IMODE(info.external_attr >> 16) == (0o644 if info.filename in public else 0o600)


def test_holds_key_material_reads_the_content_only(bundle: CertBundle) -> None:
    assert holds_key_material(bundle.key_pem()) and holds_key_material(export_pfx(bundle, "pw"))
    assert not holds_key_material(bundle.cert_pem()) and not holds_key_material(bundle.cert_der())
    assert not holds_key_material(b"") and not holds_key_material(b"\x30\x82")


# ------------------------------------------------------------------------------------------ size limits


def test_many_large_entries_are_refused_by_their_total(tmp_path: Path) -> None:
    # The measured case: 64 entries of 4 MB each, each one within the per-entry limit.
    chunk = b"\0" * MAX_ENTRY_BYTES
    data = _zip({f"f{i}.crt": chunk for i in range(MAX_ENTRIES)}, level=1)
    with pytest.raises(CertificateError, match="add up to") as info:
        extract_package(data, tmp_path / "out")
    assert "Nothing was written" in info.value.hint
    assert not (tmp_path / "out").exists()
    # Just over the total with three entries fails the same way; just under it is read.
    third = MAX_TOTAL_BYTES // 3
    with pytest.raises(CertificateError, match=f"more than the {MAX_TOTAL_BYTES}"):
        read_zip(_zip({"a.crt": b"a" * third, "b.crt": b"b" * third, "c.crt": b"c" * (third + 3)}, level=1))
    assert len(read_zip(_zip({"a.crt": b"a" * third, "b.crt": b"b" * third}, level=1))) == 2


def test_one_large_entry_and_too_many_entries_are_refused() -> None:
    with pytest.raises(CertificateError, match=f"more than the {MAX_ENTRY_BYTES}"):
        read_zip(_zip({"big.crt": b"\0" * (MAX_ENTRY_BYTES + 1)}, level=1))
    with pytest.raises(CertificateError, match=f"more than the {MAX_ENTRIES}"):
        read_zip(_zip({f"f{i}.txt": b"x" for i in range(MAX_ENTRIES + 1)}))


# (No NUL: zipfile itself cuts a name at one.)
@pytest.mark.parametrize("name", ["a\x1b]0;pwned\x07.pem", "PEM/a\rb.key", "x\x9b2J.txt", "a\nb.pem", "a\x7f.crt"])
def test_entry_names_with_control_characters_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(CertificateError, match="control characters") as info:
        extract_package(_zip({name: b"x"}), tmp_path / "out")
    assert "\x1b" not in str(info.value) and "\r" not in str(info.value)
    assert not (tmp_path / "out").exists()
    assert not any(os.scandir(tmp_path))
