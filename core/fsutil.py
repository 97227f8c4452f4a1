"""Atomic file writes: a reader sees the old file or the new one, never half of either.

The temporary file lives in the target's directory (so ``os.replace`` is a rename on one filesystem), is
created 0600 by ``mkstemp`` and given its final mode *before* the rename, so a private file is never
readable by others, not even for a moment. The rename replaces whatever is at the destination, a symbolic
link included, and never writes through it. The one atomic write of every package (core, the TUI, the mock).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


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
