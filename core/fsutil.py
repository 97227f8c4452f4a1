"""Atomic file writes: a reader sees the old file or the new one, never half of either.

The temporary file lives in the target's directory (so ``os.replace`` is a rename on one filesystem), is
created 0600 by ``mkstemp`` and given its final mode *before* the rename, so a private file is never
readable by others, not even for a moment. The rename replaces whatever is at the destination, a symbolic
link included, and never writes through it. The one atomic write of every package (core, the TUI, the mock).

:func:`real_directory` guards the directories a write goes into where someone else may have placed a symbolic
link (a package's destination and its sub-folders, the certificate cache): it refuses a link rather than
follow it to wherever it points.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from pathlib import Path

from .errors import UnsafePathError


def atomic_write(path: Path, data: bytes, *, mode: int = 0o644, durable: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically with permission bits ``mode``; returns ``path``.

    ``durable=False`` skips the fsyncs, for files that need not survive a crash (a cache entry, the files
    of a directory removed on exit): still atomic and private, much cheaper.
    """
    path = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    if durable:
        _fsync_dir(path.parent)
    return path


def atomic_write_private(path: Path, data: bytes, *, durable: bool = True) -> Path:
    """``atomic_write`` with mode 0600: for keys, PFX files, passwords and anything else secret."""
    return atomic_write(path, data, mode=0o600, durable=durable)


def real_directory(path: Path, *, create: bool = True, created: list[Path] | None = None) -> Path:
    """``path`` as a directory that is not a symbolic link, made (0700, with its parents) when missing.

    The final component is checked with ``lstat``, and so is every directory this call creates, as it is
    created; the parents that already exist are the user's to choose (a home directory may well be a link).
    Each directory it makes is appended to ``created`` (outermost first), for a caller that cleans up.
    Raises :class:`UnsafePathError` for a symbolic link or a non-directory, saying what to do.
    """
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if not create:
            raise
        parent = path.parent
        if parent != path and not os.path.lexists(parent):
            real_directory(parent, created=created)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass  # made meanwhile by someone else: checked below like any existing one
        else:
            if created is not None:
                created.append(path)
        st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise UnsafePathError(
            f"{path} is a symbolic link; ravensec does not write through one",
            path=str(path),
            hint="Remove the link, or choose the directory it points to (or another one) yourself.",
        )
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafePathError(
            f"{path} is not a directory", path=str(path), hint="Move the file away or choose another directory."
        )
    return path


def is_regular_file(path: Path) -> bool:
    """Whether ``path`` itself (not what a symbolic link there points to) is a regular file."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every platform lets a directory be opened, hence best effort.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def create_private(path: Path, data: bytes) -> Path:
    """Write a new 0600 file; never replaces one (``O_EXCL``): for key material, whose only copy it may be.

    An existing file (or a symbolic link, even a dangling one) raises FileExistsError. A failed write removes
    the partial file, which this call created and so owns.
    """
    path = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    _fsync_dir(path.parent)
    return path


def safe_file_name(name: str) -> str:
    """``name`` (a certificate's or product's, from a server) as one harmless file name: no separators, no
    dot-files, nothing a shell or a terminal would read as more than a name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "certificate"
