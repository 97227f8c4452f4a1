"""Databases: ``GET /databases`` (filtered by the caller's access), ``/admin/databases`` create, delete and
record."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from aiohttp import web

from ravensec.mock.node.context import Ctx, handles
from ravensec.mock.node.errors import CONCURRENCY, ServerError, argument_error, json_response
from ravensec.mock.state import Database


@handles("GET", "/databases")
async def list_databases(ctx: Ctx) -> web.StreamResponse:
    start = ctx.q_int("start") or 0
    page = ctx.q_int("pageSize") or None
    names_only = (ctx.q("namesOnly") or "").lower() == "true"
    with ctx.state.lock:
        names = [
            db.name
            for db in ctx.product.cluster.databases.values()
            if ctx.identity.access(db.name) is not None
        ]
        names = names[start : start + page if page else None]
        if names_only:
            return json_response({"Databases": names})
        dbs = [_info(ctx, ctx.product.cluster.databases[n.lower()]) for n in names]
    return json_response({"Databases": dbs})


def _info(ctx: Ctx, db: Database) -> dict[str, Any]:
    return {
        "Name": db.name,
        "Disabled": False,
        "IsEncrypted": db.encrypted,
        "DocumentsCount": len(db.docs),
        "NodesTopology": {"Members": [{"NodeTag": n.tag, "NodeUrl": n.url} for n in ctx.product.nodes]},
    }


def _topology(ctx: Ctx, db: Database, factor: int) -> dict[str, Any]:
    tags = [n.tag for n in ctx.product.nodes][:factor]
    return {
        "Members": tags,
        "Promotables": [],
        "Rehabs": [],
        "Stamp": {"Index": ctx.product.cluster.raft_index, "Term": 1, "LeadersTicks": -2},
        "PromotablesStatus": {},
        "DemotionReasons": {},
        "DynamicNodesDistribution": False,
        "ReplicationFactor": len(tags),
        "DatabaseTopologyIdBase64": base64.b64encode(hashlib.sha1(db.name.encode()).digest()[:16]).decode(),
        "PriorityOrder": [],
    }


def record(ctx: Ctx, db: Database) -> dict[str, Any]:
    return {
        "DatabaseName": db.name,
        "Disabled": False,
        "Encrypted": db.encrypted,
        "Etag": ctx.product.cluster.raft_index,
        "Topology": _topology(ctx, db, len(ctx.product.nodes)),
        "Settings": {},
    }


@handles("PUT", "/admin/databases")
async def create_database(ctx: Ctx) -> web.StreamResponse:
    name = ctx.q("name")
    body = await ctx.body()
    if not name and isinstance(body, dict):
        name = body.get("DatabaseName")
    if not name:
        raise argument_error("Query string value 'name' must have a non empty value")
    try:
        factor = int(ctx.q("replicationFactor") or 1)
    except ValueError:
        raise argument_error("Query string value 'replicationFactor' must be a number") from None
    if factor <= 0:
        raise argument_error("Replication factor must be greater than 0.")
    with ctx.state.lock:
        dbs = ctx.product.cluster.databases
        if name.lower() in dbs:
            raise ServerError(CONCURRENCY, f"Database '{name}' already exists!", 409)
        encrypted = bool(isinstance(body, dict) and body.get("Encrypted"))
        db = Database(name=name, encrypted=encrypted)
        dbs[name.lower()] = db
        ctx.product.cluster.raft_index += 1
        topo = _topology(ctx, db, factor)
        answer = {
            "RaftCommandIndex": ctx.product.cluster.raft_index,
            "Name": name,
            "Topology": topo,
            "NodesAddedTo": [n.url for n in ctx.product.nodes if n.tag in topo["Members"]],
        }
    return json_response(answer, 201)


@handles("DELETE", "/admin/databases")
async def delete_databases(ctx: Ctx) -> web.StreamResponse:
    body = await ctx.body() or {}
    names = body.get("DatabaseNames") if isinstance(body, dict) else None
    if not names:
        raise argument_error("DatabaseNames is a required field")
    with ctx.state.lock:
        dbs = ctx.product.cluster.databases
        missing = [n for n in names if str(n).lower() not in dbs]
        if missing:
            from ravensec.mock.node.errors import DATABASE_MISSING

            raise ServerError(DATABASE_MISSING, f"Database '{missing[0]}' does not exist.", 500)
        for n in names:
            dbs.pop(str(n).lower(), None)
        ctx.product.cluster.raft_index += 1
        index = ctx.product.cluster.raft_index
    return json_response({"RaftCommandIndex": index, "PendingDeletes": list(names)})


@handles("GET", "/admin/databases")
async def get_record(ctx: Ctx) -> web.StreamResponse:
    name = ctx.q("name") or ""
    with ctx.state.lock:
        db = ctx.product.cluster.databases.get(name.lower())
        if db is None:
            return web.Response(status=404)
        return json_response(record(ctx, db))
