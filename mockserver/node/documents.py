"""Enough of ``/databases/{db}/...`` for the official client's session: HiLo ids, ``bulk_docs`` (PUT and
DELETE commands), and ``docs`` GET/PUT/DELETE (plus POST, the multi-load by ids)."""

from __future__ import annotations

import copy
from typing import Any

from aiohttp import web

from ravensec.core import wiredates
from ravensec.mock.node.context import Ctx, handles
from ravensec.mock.node.errors import CONCURRENCY, ServerError, argument_error, json_response
from ravensec.mock.state import Database, Document

_HILO_RANGE = 32


def _db(ctx: Ctx) -> Database:
    assert ctx.database is not None  # the router only sends /databases/{db}/... routes here
    return ctx.product.cluster.databases[ctx.database.lower()]


def _with_metadata(doc: Document) -> dict[str, Any]:
    body = copy.deepcopy(doc.body)
    meta = dict(body.get("@metadata") or {})
    meta.update(
        {
            "@collection": doc.collection,
            "@id": doc.id,
            "@change-vector": doc.change_vector,
            "@last-modified": wiredates.format(doc.last_modified) + "Z",
        }
    )
    body["@metadata"] = meta
    return body


def _put(ctx: Ctx, db: Database, doc_id: str, body: dict[str, Any], expected_cv: str | None) -> Document:
    existing = db.docs.get(doc_id.lower())
    if expected_cv is not None and (existing is None or existing.change_vector != expected_cv):
        actual = existing.change_vector if existing else "none"
        raise ServerError(
            CONCURRENCY,
            f"Document {doc_id} has change vector {actual}, but Put was called with change vector {expected_cv}. "
            "Optimistic concurrency violation, transaction will be aborted.",
            409,
        )
    if doc_id.endswith("|") or doc_id.endswith("/"):
        # Server-side ids: "users|" or "users/" get the next etag as suffix.
        doc_id = (
            f"{doc_id[:-1]}/{db.etag + 1}-{ctx.node.tag}"
            if doc_id.endswith("/")
            else f"{doc_id[:-1]}/{db.etag + 1}"
        )
    meta = body.get("@metadata")
    meta = meta if isinstance(meta, dict) else {}
    collection = str(meta.get("@collection") or "@empty")
    db.etag += 1
    doc = Document(
        id=existing.id if existing else doc_id,
        collection=collection,
        body={k: v for k, v in body.items()},
        change_vector=f"{ctx.node.tag}:{db.etag}-{ctx.product.id[:22]}",
        last_modified=ctx.state.clock(),
    )
    db.docs[doc.id.lower()] = doc
    return doc


def _result(doc: Document) -> dict[str, Any]:
    return {
        "Type": "PUT",
        "@id": doc.id,
        "@collection": doc.collection,
        "@change-vector": doc.change_vector,
        "@last-modified": wiredates.format(doc.last_modified) + "Z",
    }


@handles("POST", "/databases/*/bulk_docs")
async def bulk_docs(ctx: Ctx) -> web.StreamResponse:
    body = await ctx.body()
    commands = (body or {}).get("Commands") if isinstance(body, dict) else None
    if not isinstance(commands, list):
        raise argument_error("Commands is a required field of a batch")
    # A batch is one transaction on the server: check every command before applying any, so a bad command
    # late in the list leaves the database untouched.
    for cmd in commands:
        if not isinstance(cmd, dict):
            raise argument_error("Each command of a batch must be a JSON object")
        kind = str(cmd.get("Type") or "").upper()
        if kind not in ("PUT", "DELETE"):
            raise ServerError(
                "System.NotSupportedException",
                f"The ravensec mock does not simulate batch command {kind}",
                501,
            )
        if kind == "PUT" and not isinstance(cmd.get("Document") or {}, dict):
            raise argument_error("The document of a PUT command must be a JSON object")
    results: list[dict[str, Any]] = []
    with ctx.state.lock:
        db = _db(ctx)
        saved = (dict(db.docs), db.etag)
        try:
            for cmd in commands:
                kind = str(cmd.get("Type") or "").upper()
                doc_id = str(cmd.get("Id") or "")
                if kind == "PUT":
                    doc = _put(ctx, db, doc_id, dict(cmd.get("Document") or {}), cmd.get("ChangeVector"))
                    results.append(_result(doc))
                else:
                    existed = db.docs.pop(doc_id.lower(), None) is not None
                    results.append({"Type": "DELETE", "@id": doc_id, "Id": doc_id, "Deleted": existed})
        except ServerError:
            # A concurrency conflict aborts the whole transaction, the commands before it included.
            db.docs.clear()
            db.docs.update(saved[0])
            db.etag = saved[1]
            raise
    return json_response({"Results": results}, 201)


def _load(ctx: Ctx, ids: list[str]) -> web.StreamResponse:
    with ctx.state.lock:
        db = _db(ctx)
        found = [db.docs.get(i.lower()) for i in ids]
        if len(ids) == 1 and found[0] is None:
            return web.Response(status=404)
        results = [_with_metadata(d) if d else None for d in found]
    return json_response({"Results": results, "Includes": {}})


@handles("GET", "/databases/*/docs")
async def get_docs(ctx: Ctx) -> web.StreamResponse:
    ids = [v for k, v in ctx.request.query.items() if k.lower() == "id"]
    if ids:
        return _load(ctx, ids)
    start = ctx.q_int("start") or 0
    page = ctx.q_int("pageSize") or None
    with ctx.state.lock:
        docs = sorted(_db(ctx).docs.values(), key=lambda d: d.change_vector, reverse=True)
        results = [_with_metadata(d) for d in docs[start : start + page if page else None]]
    return json_response({"Results": results})


@handles("POST", "/databases/*/docs")
async def post_docs(ctx: Ctx) -> web.StreamResponse:
    body = await ctx.body() or {}
    ids = body.get("Ids") if isinstance(body, dict) else None
    if not isinstance(ids, list):
        raise argument_error("Ids is a required field: a JSON array of document ids")
    return _load(ctx, [str(i) for i in ids])


@handles("PUT", "/databases/*/docs")
async def put_doc(ctx: Ctx) -> web.StreamResponse:
    doc_id = ctx.q("id")
    if not doc_id:
        raise argument_error("Query string value 'id' must have a non empty value")
    body = await ctx.body()
    if not isinstance(body, dict):
        raise argument_error("The document body must be a JSON object")
    cv = ctx.request.headers.get("If-Match")
    with ctx.state.lock:
        doc = _put(ctx, _db(ctx), doc_id, body, cv.strip('"') if cv else None)
    return json_response({"Id": doc.id, "ChangeVector": doc.change_vector}, 201)


@handles("DELETE", "/databases/*/docs")
async def delete_doc(ctx: Ctx) -> web.StreamResponse:
    doc_id = ctx.q("id") or ""
    with ctx.state.lock:
        _db(ctx).docs.pop(doc_id.lower(), None)
    return web.Response(status=204)


@handles("GET", "/databases/*/hilo/next")
async def hilo_next(ctx: Ctx) -> web.StreamResponse:
    tag = ctx.q("tag") or ""
    if not tag:
        raise argument_error("Query string value 'tag' must have a non empty value")
    with ctx.state.lock:
        db = _db(ctx)
        low = db.hilo.get(tag.lower(), 0) + 1
        high = low + _HILO_RANGE - 1
        db.hilo[tag.lower()] = high
        now = ctx.state.clock()
    return json_response(
        {
            "Prefix": f"{tag}/",
            "Low": low,
            "High": high,
            "LastSize": _HILO_RANGE,
            "ServerTag": ctx.node.tag,
            "LastRangeAt": wiredates.format(now),
        }
    )


@handles("PUT", "/databases/*/hilo/return")
async def hilo_return(ctx: Ctx) -> web.StreamResponse:
    tag, end, last = ctx.q("tag") or "", ctx.q_int("end"), ctx.q_int("last")
    with ctx.state.lock:
        db = _db(ctx)
        if end is not None and last is not None and db.hilo.get(tag.lower()) == end:
            db.hilo[tag.lower()] = last
    return web.Response(status=204)


@handles("GET", "/databases/*/configuration/client")
async def client_configuration(ctx: Ctx) -> web.StreamResponse:
    return json_response({"Etag": 0, "Configuration": None})
