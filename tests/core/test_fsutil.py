"""Atomic writes: content, exact modes, the mode set before the rename, and no leftovers on failure."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ravensec.core import fsutil
from ravensec.core.fsutil import atomic_write, atomic_write_private


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_writes_content_with_default_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    assert atomic_write(target, b"hello") == target
    assert target.read_bytes() == b"hello"
    assert _mode(target) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_private_write_is_0600_and_replaces_a_public_file(tmp_path: Path) -> None:
    target = tmp_path / "k.key"
    target.write_bytes(b"old")
    target.chmod(0o644)
    atomic_write_private(target, b"secret")
    assert target.read_bytes() == b"secret"
    assert _mode(target) == 0o600


def test_mode_is_set_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real_replace = os.replace

    def spying_replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        seen.append(stat.S_IMODE(os.stat(src).st_mode))
        real_replace(src, dst)

    monkeypatch.setattr(fsutil.os, "replace", spying_replace)
    atomic_write(tmp_path / "x", b"1", mode=0o640)
    atomic_write_private(tmp_path / "y", b"2")
    assert seen == [0o640, 0o600]


def test_failed_rename_leaves_old_content_and_no_temp_file(tmp_path: Path) -> None:
    # Renaming a file over a non-empty directory fails for real: the temp file must be cleaned up.
    target = tmp_path / "dir"
    target.mkdir()
    (target / "inside").write_bytes(b"keep")
    with pytest.raises(OSError):
        atomic_write_private(target, b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir"]
    assert (target / "inside").read_bytes() == b"keep"


def test_failed_write_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "c.pem"
    target.write_bytes(b"previous")

    def failing_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fsutil.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        atomic_write_private(target, b"partial")
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.pem"]


def test_missing_directory_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "nope" / "f", b"x")
    assert list(tmp_path.iterdir()) == []


def test_a_symlink_at_the_destination_is_replaced_not_written_through(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"not yours")
    target = tmp_path / "operator.pem"
    target.symlink_to(elsewhere)
    atomic_write_private(target, b"key material")
    assert not target.is_symlink() and target.read_bytes() == b"key material" and _mode(target) == 0o600
    assert elsewhere.read_bytes() == b"not yours"


def test_a_write_that_need_not_be_durable_skips_fsync_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    monkeypatch.setattr(fsutil.os, "fsync", synced.append)
    atomic_write_private(tmp_path / "cache.json", b"{}", durable=False)
    assert synced == []
    assert (tmp_path / "cache.json").read_bytes() == b"{}" and _mode(tmp_path / "cache.json") == 0o600
    atomic_write(tmp_path / "durable", b"x")
    assert len(synced) == 2  # the file, then its directory
