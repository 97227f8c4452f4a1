"""Files the runtime writes for clients: PEMs with keys and ``connection.json``, atomically and private."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(path: Path, data: bytes, mode: int = 0o600, *, durable: bool = True) -> None:
    """Atomic and never world-readable, even for an instant: key material lives here.

    ``durable=False`` skips the fsync, for files in the mock's own temporary directory: they are deleted when
    it stops and need not survive a crash, and seven fsyncs were the largest part of the mock's start.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
