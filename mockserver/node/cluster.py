"""Cluster-level handlers: ``/cluster/topology``, ``/topology?name=``, ``/build/version``, ``/setup/alive``,
``/certificates/whoami`` and the Cluster-Admin-only node membership routes."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ravensec.core.certs.der import pinning_hash_of_der
from ravensec.core.models import SecurityClearance
from ravensec.mock.authz import AuthStatus, registered
from ravensec.mock.node.context import Ctx, handles
from ravensec.mock.node.databases import members_of
from ravensec.mock.node.errors import SERVER_VERSION, ServerError, forbidden, invalid_operation, json_response
from ravensec.mock.routes import server_build
from ravensec.mock.state import MockNode


def _topology_id(ctx: Ctx) -> str:
    return ctx.product.cluster.topology_id or f"mock-{ctx.product.id}"


def _members(ctx: Ctx) -> dict[str, str]:
    return {n.tag: n.url for n in ctx.product.nodes if not n.watcher}


def _watchers(ctx: Ctx) -> dict[str, str]:
    return {n.tag: n.url for n in ctx.product.nodes if n.watcher}


@handles("GET", "/cluster/topology")
async def cluster_topology(ctx: Ctx) -> web.StreamResponse:
    with ctx.state.lock:
        c = ctx.product.cluster
        members, watchers = _members(ctx), _watchers(ctx)
        all_nodes = {n.tag: n.url for n in ctx.product.nodes}
        leader = next(iter(members), ctx.node.tag)  # a Watcher never leads
        body = {
            "Topology": {
                "TopologyId": _topology_id(ctx),
                "AllNodes": all_nodes,
                "Members": members,
                "Promotables": {},
                "Watchers": watchers,
                "LastNodeId": max(all_nodes) if all_nodes else ctx.node.tag,
                "Etag": c.topology_etag,
            },
            "Etag": c.topology_etag,
            "Leader": leader,
            "LeaderShipDuration": 0,
            "NodeTag": ctx.node.tag,
            "CurrentState": "Leader" if leader == ctx.node.tag else "Follower",
            "CurrentTerm": 1,
            "Status": {},
        }
    return json_response(body)


@handles("GET", "/topology")
async def database_topology(ctx: Ctx) -> web.StreamResponse:
    name = ctx.q("name")
    with ctx.state.lock:
        if name:
            db = ctx.product.cluster.databases.get(name.lower())
            if db is None:
                raise ServerError("Error", f"Database {name} wasn't found", 503, {"Database-Missing": name})
            if ctx.identity.access(db.name) is None:
                msg = (
                    f"Could not authorize access to {db.name} using provided client certificate "
                    f"{ctx.identity.quoted}."
                )
                return forbidden(msg)
            # DatabasesHandler.GetTopology: the nodes of the database group, not every node of the cluster.
            nodes = [
                {"Url": n.url, "ClusterTag": n.tag, "ServerRole": "Member", "Database": db.name}
                for n in members_of(ctx, db)
            ]
        else:
            nodes = [{"Url": n.url, "ClusterTag": n.tag, "ServerRole": "Member"} for n in ctx.product.nodes]
        etag = ctx.product.cluster.topology_etag
    return json_response({"Nodes": nodes, "Etag": etag})


@handles("GET", "/build/version")
async def build_version(ctx: Ctx) -> web.StreamResponse:
    # A product's version reads "7.2.7-cloud-72051" (the cloud's format); the server answers its parts.
    shown = ctx.product.server_version or SERVER_VERSION
    full, _, build = shown.partition("-cloud-")
    release = server_build()
    return json_response(
        {
            "BuildVersion": int(build) if build.isdigit() else release.build_version,
            "ProductVersion": ".".join(full.split(".")[:2]),
            "CommitHash": release.commit_hash if full == release.full_version else "ravensecmock",
            "FullVersion": full,
        }
    )


@handles("GET", "/setup/alive")
async def alive(ctx: Ctx) -> web.StreamResponse:
    return web.Response(status=204)


@handles("GET", "/certificates/whoami")
async def whoami(ctx: Ctx) -> web.StreamResponse:
    """AdminCertificatesHandler.WhoAmI: the definition registered for the connection's certificate (by its
    thumbprint, whatever its state), else the server's or a well-known admin certificate's synthesized one,
    else ``null``; 204 without a certificate. The route needs no authorization (UnauthenticatedClients in
    7.2)."""
    ident = ctx.identity
    if not ident.thumbprint:
        return web.Response(status=204)  # no client certificate
    with ctx.state.lock:
        entry = registered(ctx.product.cluster, ident.thumbprint) or (ident.entry if ident.authenticated else None)
        if entry is not None:
            d = entry.definition().to_wire()
            d["Thumbprint"] = ident.thumbprint  # a renewal shows its own thumbprint with the rights it inherits
            # The Studio's getClientCertificateCommand reads these two beside the definition; the mock has no
            # two-factor authentication.
            d["HasTwoFactor"] = False
            d["TwoFactorExpirationDate"] = None
            return json_response(d)
    if ident.is_server:
        from ravensec.mock.node.certificates import server_definition

        return json_response(server_definition(ctx))
    # Open to anyone since 7.2 (AdminCertificatesHandler.WhoAmI): no certificate is 204; the well-known admin
    # certificate is named; one the cluster does not know (unknown, expired before registration...) is the
    # server writing a null definition.
    if ident.status == AuthStatus.NO_CERTIFICATE:
        return web.Response(status=204)
    if ident.is_well_known:
        return json_response(_well_known_definition(ctx))
    return json_response(None)  # WhoAmI: writer.WriteObject(null) for a certificate it cannot name


def _well_known_definition(ctx: Ctx) -> dict[str, Any]:
    # AdminCertificatesHandler.WhoAmI: Name, ClusterAdmin, no permissions, the thumbprint and pinning hash;
    # no dates and no certificate (CertificateDefinition.ToJson writes them as null).
    der = peer_certificate_der(ctx)
    return {
        "Name": "Well Known Admin Certificate",
        "Thumbprint": ctx.identity.thumbprint,
        "SecurityClearance": SecurityClearance.CLUSTER_ADMIN.value,
        "Permissions": {},
        "NotBefore": None,
        "NotAfter": None,
        "PublicKeyPinningHash": pinning_hash_of_der(der) if der else None,
        "CollectionPrimaryKey": "",
        "CollectionSecondaryKeys": [],
        "Disabled": False,
        "Certificate": None,
    }


def peer_certificate_der(ctx: Ctx) -> bytes | None:
    tr = ctx.request.transport
    sslobj = tr.get_extra_info("ssl_object") if tr is not None else None
    return sslobj.getpeercert(binary_form=True) if sslobj is not None else None


def _bump(ctx: Ctx) -> None:
    c = ctx.product.cluster
    c.topology_etag += 1
    c.raft_index += 1


@handles("PUT", "/admin/cluster/node")
async def add_node(ctx: Ctx) -> web.StreamResponse:
    url, tag = ctx.q("url"), (ctx.q("tag") or "").upper()
    # RachisAdminHandler.AddNode: ?watcher=true joins the node as a Watcher (no vote, not a Member).
    watcher = (ctx.q("watcher") or "").lower() == "true"
    if not url:
        raise ServerError("System.ArgumentException", "Query string value 'url' must have a non empty value")
    with ctx.state.lock:
        used = {n.tag for n in ctx.product.nodes}
        if not tag:
            tag = next(chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in used)
        if tag in used:
            raise invalid_operation(f"Was requested to add node '{tag}' but it is already a member.")
        ctx.product.nodes.append(MockNode(tag=tag, url=url, up=False, watcher=watcher))
        _bump(ctx)
    return web.Response(status=204)


@handles("DELETE", "/admin/cluster/node")
async def remove_node(ctx: Ctx) -> web.StreamResponse:
    tag = (ctx.q("nodeTag") or "").upper()
    with ctx.state.lock:
        node = next((n for n in ctx.product.nodes if n.tag == tag), None)
        if node is None:
            raise invalid_operation(f"Node {tag} is not in the cluster topology.")
        ctx.product.nodes.remove(node)
        _bump(ctx)
    return web.Response(status=204)


async def _promote_demote(ctx: Ctx, verb: str) -> web.StreamResponse:
    tag = (ctx.q("nodeTag") or "").upper()
    promote = verb == "promote"
    with ctx.state.lock:
        node = next((n for n in ctx.product.nodes if n.tag == tag), None)
        # RachisAdminHandler.PromoteNode / DemoteNode: only a Watcher is promoted, only a Member demoted.
        if node is None or node.watcher != promote:
            raise invalid_operation(
                f"Failed to {verb} node {tag} because {tag} is not a "
                f"{'watcher' if promote else 'member'} in the cluster topology"
            )
        if not promote and tag == next(iter(_members(ctx)), ""):
            # [mock choice] the mock's leader is its first Member; it cannot demote itself.
            raise invalid_operation(f"Failed to demote node {tag}: the ravensec mock's leader stays a member.")
        node.watcher = not promote
        _bump(ctx)
    return web.Response(status=204)


@handles("POST", "/admin/cluster/promote")
async def promote(ctx: Ctx) -> web.StreamResponse:
    return await _promote_demote(ctx, "promote")


@handles("POST", "/admin/cluster/demote")
async def demote(ctx: Ctx) -> web.StreamResponse:
    return await _promote_demote(ctx, "demote")
