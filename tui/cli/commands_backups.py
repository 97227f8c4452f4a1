"""``ravensec backups list|verify|download``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ravensec.core.backups import parse_key, verify_backup
from ravensec.core.errors import NotFound, UsageError
from ravensec.core.fsutil import atomic_write_private

from . import shapes
from .context import Context
from .output import Column


def _size(v: object) -> str:
    n = float(v) if isinstance(v, int | float) else 0.0
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(v)


COLUMNS = [
    Column("DATABASE", "database"),
    Column("FILE", "fileName"),
    Column("CREATED", "createdAt"),
    Column("KIND", "kind"),
    Column("SIZE", "size", fmt=_size),
    Column("ENCRYPTED", "encrypted"),
    Column("KEY", "keySource"),
]


async def list_backups(ctx: Context) -> int:
    p = await ctx.product()
    ws = await ctx.workspace()
    ctx.out.result([shapes.backup(b) for b in await ws.list_backups(p.id)], columns=COLUMNS)
    return 0


def read_key(spec: str) -> str:
    """The key text from ``--key``: literal, ``env:VAR``, ``@PATH`` or ``-`` (stdin); never echoed back."""
    if spec == "-":
        return sys.stdin.readline().strip()
    if spec.startswith("env:"):
        value = os.environ.get(spec[4:])
        if not value:
            raise UsageError(f"--key {spec}: the environment variable {spec[4:]} is not set.")
        return value.strip()
    if spec.startswith("@"):
        path = Path(spec[1:])
        if not path.is_file():
            raise UsageError(f"--key: key file {path} does not exist.")
        return path.read_text(encoding="utf-8").strip()
    return spec.strip()


async def _backup_bytes(ctx: Context, name: str, *, local_ok: bool = True) -> tuple[bytes, str]:
    local = Path(name)
    if local_ok and local.is_file():
        return local.read_bytes(), str(local)
    p = await ctx.product()
    ws = await ctx.workspace()
    backups = await ws.list_backups(p.id)
    matches = [b for b in backups if name == f"{b.database}/{b.file_name}"] or [
        b for b in backups if name == b.file_name]
    if len(matches) > 1:
        options = ", ".join(f"{b.database}/{b.file_name}" for b in matches)
        raise UsageError(f"{len(matches)} databases have a backup named {name!r}.",
                         hint=f"Name it as DATABASE/FILE: {options}.")
    if matches:
        b = matches[0]
        return await ws.fetch_backup(p.id, b.database, b.file_name), f"{p.id}:{b.database}/{b.file_name}"
    raise NotFound(f"{name!r} is neither a local file nor a backup of {p.display_name}.",
                   hint="See `ravensec backups list`, or pass the path of a downloaded file.")


async def verify(ctx: Context) -> int:
    key = parse_key(read_key(ctx.args.key))
    data, source = await _backup_bytes(ctx, ctx.args.file)
    result = verify_backup(data, key)
    header = result.header
    out = {
        "file": source,
        "ok": result.ok,
        "database": header.database,
        "createdAt": shapes.iso(header.created_at),
        "kind": header.kind.value,
        "documents": result.documents,
        "message": result.message,
    }
    ctx.out.result(out, text=("OK: " if result.ok else "FAILED: ") + result.message)
    return 0 if result.ok else 1


async def download(ctx: Context) -> int:
    data, source = await _backup_bytes(ctx, ctx.args.file, local_ok=False)
    dest = Path(ctx.args.out)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / Path(ctx.args.file.replace("/", "-")).name
    atomic_write_private(target, data)
    ctx.out.result({"file": source, "saved": str(target), "size": len(data)}, text=f"saved {target}")
    return 0
