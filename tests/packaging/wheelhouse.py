"""Wheels of distributions already installed in this interpreter, so that a test can fill a fresh,
isolated virtual environment offline.

A wheel is the installed files plus the ``.dist-info`` directory (metadata, entry points, ``WHEEL`` with its
tags), so the files pip unpacked are packed back as they were: byte code and the installer's own records
(``RECORD``, ``INSTALLER``, ``direct_url.json``) are left out, ``RECORD`` is written anew, and files outside
site-packages (console scripts) are left to pip, which writes them again from ``entry_points.txt``.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

_INSTALLER_FILES = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def closure(requirements: list[str]) -> list[metadata.Distribution]:
    """The installed distributions ``requirements`` need, transitively (markers evaluated here)."""
    found: dict[str, metadata.Distribution] = {}
    pending = [Requirement(r) for r in requirements]
    seen_extras: set[tuple[str, str]] = set()
    while pending:
        req = pending.pop()
        name = canonicalize_name(req.name)
        dist = found.get(name) or metadata.distribution(req.name)
        found[name] = dist
        for extra in ["", *sorted(req.extras)]:
            if (name, extra) in seen_extras:
                continue
            seen_extras.add((name, extra))
            for line in dist.requires or []:
                sub = Requirement(line)
                if sub.marker is None or sub.marker.evaluate({"extra": extra}):
                    pending.append(sub)
    return sorted(found.values(), key=lambda d: canonicalize_name(d.metadata["Name"]))


def _record_line(arcname: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def repack(dist: metadata.Distribution, out_dir: Path) -> Path:
    """Write ``dist`` as a wheel into ``out_dir``; its path."""
    files = [f for f in dist.files or [] if f.parts[0] != ".." and "__pycache__" not in f.parts]
    dist_info = next(f.parts[0] for f in files if f.parts[0].endswith(".dist-info"))
    wheel_meta = Path(str(dist.locate_file(f"{dist_info}/WHEEL"))).read_text(encoding="utf-8")
    tag = next(line.split(":", 1)[1].strip() for line in wheel_meta.splitlines() if line.startswith("Tag:"))
    name = canonicalize_name(dist.metadata["Name"]).replace("-", "_")
    path = out_dir / f"{name}-{dist.version}-{tag}.whl"
    record: list[str] = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            arcname = f.as_posix()
            if arcname.startswith(f"{dist_info}/") and f.name in _INSTALLER_FILES:
                continue
            data = Path(str(dist.locate_file(f))).read_bytes()
            zf.writestr(arcname, data)
            record.append(_record_line(arcname, data))
        record.append(f"{dist_info}/RECORD,,")
        zf.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return path


def build(requirements: list[str], out_dir: Path, skip: frozenset[str] | set[str] = frozenset()) -> list[Path]:
    """Wheels of everything ``requirements`` need (less the ``skip`` names) in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return [repack(d, out_dir) for d in closure(requirements)
            if canonicalize_name(d.metadata["Name"]) not in {canonicalize_name(s) for s in skip}]
