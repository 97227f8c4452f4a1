"""The ZIP side of certificate packages: read one safely, write one, extract one to disk.

Nothing here parses a certificate, so nothing here imports ``cryptography``: downloading a package, or
connecting with the plain PEM inside it (:func:`plain_package_pem`), costs no more than :mod:`zipfile`.
:mod:`ravensec.core.certs.packages` builds on this to read the certificates themselves and to export PFX.
"""

from __future__ import annotations

import contextlib
import io
import re
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from ..errors import CertificateError
from ..fsutil import atomic_write, real_directory
from .pemfile import is_single_plain_identity

__all__ = [
    "MAX_ENTRIES",
    "MAX_ENTRY_BYTES",
    "MAX_NAME_BYTES",
    "MAX_TOTAL_BYTES",
    "PRIVATE_NAMES",
    "PRIVATE_SUFFIXES",
    "extract_package",
    "holds_key_material",
    "is_private",
    "plain_package_pem",
    "read_zip",
    "write_zip",
]

MAX_ENTRY_BYTES = 4 * 1024 * 1024  # a certificate package is a few KB; anything bigger is not one
MAX_NAME_BYTES = 200  # per path component
MAX_ENTRIES = 64
# All entries together, as declared in the ZIP's directory (zipfile never inflates past a declared size): 64
# entries of 4 MB each would otherwise be 256 MB in memory and on disk for what should be a few KB.
MAX_TOTAL_BYTES = 8 * 1024 * 1024
PRIVATE_SUFFIXES = (".key", ".pem", ".pfx", ".p12")
PRIVATE_NAMES = ("password.txt",)
# A fixed ZIP timestamp: entries carry no trace of the local clock or time zone of whoever built them.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def plain_package_pem(data: bytes) -> bytes | None:
    """The package's first ``.pem`` when it is one certificate and its unencrypted key, else None.

    That entry is what :func:`ravensec.core.certs.packages.read_package` picks first, so for such a package both
    name the same certificate and key; anything else (a chain, an encrypted key, only a PFX) is None, and
    the caller reads the package the long way. A ZIP that is not a safe, readable package raises the same
    :class:`CertificateError` as ``read_package``.
    """
    entries = read_zip(data)
    pems = [n for n in entries if n.lower().endswith(".pem")]
    if not pems:
        return None
    blob = entries[pems[0]]
    return blob if is_single_plain_identity(blob) else None


def extract_package(data: bytes, dest_dir: Path) -> list[Path]:
    """Write every file of the package under ``dest_dir``: atomically, 0600 when it bears a key (by name or by
    content) or the ZIP gives it to its owner alone (the server marks every entry so), else 0644.

    Everything is read and checked before anything is written, so a truncated ZIP or an entry that would
    escape ``dest_dir`` leaves nothing behind. ``dest_dir`` and every folder under it must be real
    directories: a symbolic link already there is refused (:class:`~ravensec.core.errors.UnsafePathError`),
    never followed. An entry is 0600 when its name or its content says it holds a key or a password.
    """
    entries, owner_only = _read(data)
    dest_dir = Path(dest_dir)
    targets = [
        (
            dest_dir.joinpath(*PurePosixPath(name).parts),
            blob,
            is_private(name) or holds_key_material(blob) or name in owner_only,
        )
        for name, blob in entries.items()
    ]
    written: list[Path] = []
    created: list[Path] = []
    try:
        real_directory(dest_dir, created=created)
        for path, blob, private in targets:
            parts = path.relative_to(dest_dir).parts
            for depth in range(1, len(parts)):  # each folder on the way, checked (or made) in turn
                real_directory(dest_dir.joinpath(*parts[:depth]), created=created)
            written.append(atomic_write(path, blob, mode=0o600 if private else 0o644))
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        for directory in reversed(created):
            with contextlib.suppress(OSError):
                directory.rmdir()  # only if still empty
        raise
    return written


def is_private(name: str) -> bool:
    """Whether the entry ``name`` carries a key or a password (written 0600)."""
    lower = PurePosixPath(name).name.lower()
    return lower.endswith(PRIVATE_SUFFIXES) or lower in PRIVATE_NAMES


# PKCS#12: SEQUENCE { INTEGER 3, SEQUENCE { OBJECT IDENTIFIER pkcs7-data | pkcs7-signedData, ... } }.
_PKCS12_VERSION = b"\x02\x01\x03"
_PKCS7_CONTENT_OIDS = (b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01", b"\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02")


def holds_key_material(blob: bytes) -> bool:
    """Whether ``blob`` holds a private key whatever its file is called: a PEM ``PRIVATE KEY`` block (PKCS#8,
    RSA, EC, encrypted, OpenSSH) or a PKCS#12 (PFX/P12) structure. Decides a file's 0600, nothing more."""
    if b"PRIVATE KEY-----" in blob:
        return True
    return _is_pkcs12(blob)


def _is_pkcs12(blob: bytes) -> bool:
    if len(blob) < 4 or blob[0] != 0x30:
        return False
    # Skip the outer SEQUENCE's length (short form, or long form of up to four bytes).
    pos = 2 if blob[1] < 0x80 else 2 + (blob[1] & 0x7F)
    if blob[1] > 0x84 or blob[pos : pos + 3] != _PKCS12_VERSION:
        return False
    inner = blob[pos + 3 : pos + 3 + 6]  # SEQUENCE tag and length, then the content type's OID
    if not inner or inner[0] != 0x30:
        return False
    oid_at = pos + 3 + (2 if inner[1] < 0x80 else 2 + (inner[1] & 0x7F))
    return blob[oid_at : oid_at + 11] in _PKCS7_CONTENT_OIDS


def write_zip(files: dict[str, bytes], *, owner_only: bool = False) -> bytes:
    """A deflated ZIP of ``files`` with a fixed timestamp, key-bearing entries (every entry with
    ``owner_only``) marked 0600."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, blob in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix: the mode in external_attr is what readers honour
            private = owner_only or is_private(name) or holds_key_material(blob)
            info.external_attr = ((0o600 if private else 0o644) | stat.S_IFREG) << 16
            zf.writestr(info, blob)
    return buf.getvalue()


def read_zip(data: bytes) -> dict[str, bytes]:
    """Every regular file of the ZIP, checked (names, sizes, CRCs) before the caller uses any of it."""
    return _read(data)[0]


def _read(data: bytes) -> tuple[dict[str, bytes], set[str]]:
    """``read_zip`` and the names of the entries whose Unix mode gives them to their owner alone."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            if len(infos) > MAX_ENTRIES:
                raise CertificateError(
                    f"the ZIP has {len(infos)} files, more than the {MAX_ENTRIES} a certificate package may have",
                    hint=_NOT_A_PACKAGE,
                )
            for info in infos:
                _check_entry_name(info.filename)
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise CertificateError(
                        f"the ZIP entry {info.filename!r} is a symbolic link", hint="Nothing was written."
                    )
                if info.file_size > MAX_ENTRY_BYTES:
                    raise CertificateError(
                        f"the ZIP entry {info.filename!r} is {info.file_size} bytes, more than the "
                        f"{MAX_ENTRY_BYTES} a file of a certificate package may have",
                        hint=_NOT_A_PACKAGE,
                    )
            total = sum(info.file_size for info in infos)
            if total > MAX_TOTAL_BYTES:
                raise CertificateError(
                    f"the ZIP's files add up to {total} bytes, more than the {MAX_TOTAL_BYTES} a certificate "
                    "package may have",
                    hint=_NOT_A_PACKAGE,
                )
            owner_only = {
                i.filename for i in infos
                # Any maker: RavenDB on Windows sets the Unix mode but records an MS-DOS maker.
                if (mode := i.external_attr >> 16 & 0o777) and not mode & 0o077
            }
            return {info.filename: zf.read(info) for info in infos}, owner_only
    except CertificateError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        ValueError,
        NotImplementedError,
        OSError,
        zlib.error,  # a corrupted deflate stream inside an otherwise well-formed ZIP
        IndexError,  # zipfile's ZipInfo.is_dir() on an entry whose name is empty
    ) as e:
        raise CertificateError(
            f"the certificate package is not a readable ZIP ({e})",
            hint="The download may be truncated; download it again.",
        ) from None


# ------------------------------------------------------------------------------------------ internals

_NOT_A_PACKAGE = (
    "Nothing was written. A certificate package is a few KB; download it again from the portal or server."
)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def _check_entry_name(name: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if (
        name.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", name)
        or ".." in path.parts
        or not path.parts
    ):
        raise CertificateError(
            f"the ZIP has an unsafe entry {name!r} (absolute path or '..')",
            hint="Nothing was written. Do not trust this package; download it again from the portal or server.",
        )
    # A file name that would steer the terminal of whoever lists the folder (ESC, CR, NUL...) is no package's.
    if _CONTROL.search(name):
        raise CertificateError(
            f"the ZIP has an entry whose name holds control characters ({name.encode('unicode_escape').decode()})",
            hint="Nothing was written. Do not trust this package; download it again from the portal or server.",
        )
    # File systems cap a name at 255 bytes and the atomic write adds a temp suffix: refuse it here, before
    # anything is written, rather than fail half-way through the extraction with an OSError.
    if any(len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in path.parts):
        raise CertificateError(
            f"the ZIP has an entry whose name is too long for a file ({name[:40]!r}...)",
            hint="Nothing was written. Do not trust this package; download it again from the portal or server.",
        )
