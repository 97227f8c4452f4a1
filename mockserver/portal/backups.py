"""Mock extension endpoints for the portal's Backups tab: list a product's backup files, fetch one."""

from __future__ import annotations

from aiohttp import web

from ravensec.core.models import Backup, BackupKeySource

from .errors import STATE_KEY, message
from .products import get_product


async def list_backups(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    with state.lock:
        p = get_product(state, request.match_info["id"])
        items = [
            Backup(
                product_id=p.id,
                database=b.database,
                file_name=b.file_name,
                created_at=b.created_at,
                kind=b.kind,
                size=b.size,
                encrypted=True,
                key_source=b.key_source,
            ).to_api()
            for b in sorted(p.backups, key=lambda b: b.created_at, reverse=True)
        ]
    return web.json_response({"items": items})


async def fetch_backup(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    db, name = request.match_info["database"], request.match_info["file"]
    with state.lock:
        p = get_product(state, request.match_info["id"])
        found = next(
            (b for b in p.backups if b.database.lower() == db.lower() and b.file_name == name), None
        )
    if found is None:
        raise message(404, f"No backup file '{name}' of database '{db}' in product '{p.id}'.")
    return web.Response(
        body=found.blob,
        content_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{found.file_name}"',
            "X-Backup-Key-Source": BackupKeySource(found.key_source).value,
        },
    )
