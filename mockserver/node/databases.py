"""Databases: ``GET /databases`` (filtered by the caller's access), ``/admin/databases`` create, delete and
record, and ``/databases/{db}/admin/record`` (the record a database admin reads its settings from)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from aiohttp import web

from ravensec.mock.node.context import Ctx, handles
from ravensec.mock.node.errors import (
    CONCURRENCY,
    DATABASE_MISSING,
    ServerError,
    argument_error,
    invalid_operation,
    json_response,
)
from ravensec.mock.state import Database, MockNode


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


def members_of(ctx: Ctx, db: Database) -> list[MockNode]:
    """The nodes of ``db``'s database group (a world's databases are on every node). Lock held."""
    if not db.members:
        return list(ctx.product.nodes)
    by_tag = {n.tag: n for n in ctx.product.nodes}
    return [by_tag[t] for t in db.members if t in by_tag]


def _info(ctx: Ctx, db: Database) -> dict[str, Any]:
    return {
        "Name": db.name,
        "Disabled": False,
        "IsEncrypted": db.encrypted,
        "DocumentsCount": len(db.docs),
        "NodesTopology": {"Members": [{"NodeTag": n.tag, "NodeUrl": n.url} for n in members_of(ctx, db)]},
    }


def _topology(ctx: Ctx, db: Database) -> dict[str, Any]:
    tags = [n.tag for n in members_of(ctx, db)]
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
        "Topology": _topology(ctx, db),
        "Settings": dict(db.settings),
    }


@handles("PUT", "/admin/databases")
async def create_database(ctx: Ctx) -> web.StreamResponse:
    name = ctx.q("name")
    body = await ctx.body()
    record = body if isinstance(body, dict) else {}
    if not name:
        name = record.get("DatabaseName")
    if not name or not isinstance(name, str):
        raise argument_error("Query string value 'name' must have a non empty value")
    factor = ctx.q_int("replicationFactor", 1)
    assert factor is not None
    settings = record.get("Settings") or {}
    if not isinstance(settings, dict):
        raise argument_error("Settings must be an object of configuration key -> value")
    with ctx.state.lock:
        dbs = ctx.product.cluster.databases
        if name.lower() in dbs:
            raise ServerError(CONCURRENCY, f"Database '{name}' already exists!", 409)
        members = _assign_members(ctx, record.get("Topology"), factor)
        db = Database(name=name, encrypted=bool(record.get("Encrypted")), members=tuple(members),
                      settings={str(k): str(v) for k, v in settings.items()})
        dbs[name.lower()] = db
        ctx.product.cluster.raft_index += 1
        topo = _topology(ctx, db)
        answer = {
            "RaftCommandIndex": ctx.product.cluster.raft_index,
            "Name": name,
            "Topology": topo,
            "NodesAddedTo": [n.url for n in members_of(ctx, db)],
            "ShardsDefined": False,
        }
    return json_response(answer, 201)


def _assign_members(ctx: Ctx, topology: Any, factor: int) -> list[str]:
    """The database group's members, as DatabaseHelper.FillDatabaseTopology picks them. Lock held."""
    # DatabaseHelper.FillDatabaseTopology: a factor below 1 is refused before anything else.
    if factor <= 0:
        raise argument_error("Replication factor must be greater than 0.")
    requested: list[str] = []
    record_factor = 0
    if isinstance(topology, dict):
        raw = topology.get("Members") or []
        if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
            raise argument_error("Topology.Members must be a list of node tags")
        requested = [] if raw == ["?"] else list(raw)  # ValidateClusterMembers: ["?"] means "pick for me"
        record_factor = topology.get("ReplicationFactor") or 0
        if not isinstance(record_factor, int):
            raise argument_error("Topology.ReplicationFactor must be a number")
    cluster_tags = [n.tag for n in ctx.product.nodes]
    # DatabaseHelper.ValidateClusterMembers: a node named twice is refused.
    seen: set[str] = set()
    for tag in requested:
        if tag in seen:
            raise invalid_operation(f"node '{tag}' already exists. This is not allowed.")
        seen.add(tag)
    if requested:
        # DatabaseHelper.InitializeDatabaseTopology: explicit members must be in the cluster, and they are the
        # group (the factor becomes their count).
        for tag in requested:
            if tag not in cluster_tags:
                raise argument_error(f"Failed to add node {tag}, because we don't have it in the cluster.")
        return requested
    # SetReplicationFactor: the larger of the record's and the query's factor, at most the cluster's size;
    # ServerStore.AssignNodesToDatabase then picks that many of the Members and Watchers.
    wanted = min(max(record_factor, factor), len(cluster_tags))
    # [mock choice] RavenDB starts at a random node; the mock takes the cluster's order, so tests are stable.
    return cluster_tags[:wanted]


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


@handles("GET", "/databases/*/admin/record")
async def database_record(ctx: Ctx) -> web.StreamResponse:
    # AdminConfigurationHandler.GetDatabaseRecord (DatabaseAdmin): the database's whole record, the same one
    # GET /admin/databases answers; the Python client's GetDatabaseSettingsOperation reads its "Settings".
    with ctx.state.lock:
        db = ctx.product.cluster.databases.get((ctx.database or "").lower())
        if db is None:  # deleted since the router checked it
            return web.Response(status=404)
        return json_response(record(ctx, db))
