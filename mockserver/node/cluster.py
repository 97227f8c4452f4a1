"""Cluster-level handlers: ``/cluster/topology``, ``/topology?name=``, ``/build/version``, ``/setup/alive``,
``/certificates/whoami`` and the Cluster-Admin-only node membership routes."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ravensec.core.certs.der import pinning_hash_of_der
from ravensec.core.models import SecurityClearance
from ravensec.mock.authz import registered
from ravensec.mock.node.context import Ctx, handles
from ravensec.mock.node.errors import SERVER_VERSION, ServerError, forbidden, invalid_operation, json_response
from ravensec.mock.state import MockNode


def _topology_id(ctx: Ctx) -> str:
    return ctx.product.cluster.topology_id or f"mock-{ctx.product.id}"


def _members(ctx: Ctx) -> dict[str, str]:
    return {n.tag: n.url for n in ctx.product.nodes}


@handles("GET", "/cluster/topology")
async def cluster_topology(ctx: Ctx) -> web.StreamResponse:
    with ctx.state.lock:
        c = ctx.product.cluster
        members = _members(ctx)
        leader = ctx.product.nodes[0].tag if ctx.product.nodes else ctx.node.tag
        body = {
            "Topology": {
                "TopologyId": _topology_id(ctx),
                "AllNodes": dict(members),
                "Members": members,
                "Promotables": {},
                "Watchers": {},
                "LastNodeId": max(members) if members else ctx.node.tag,
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
            nodes = [
                {"Url": n.url, "ClusterTag": n.tag, "ServerRole": "Member", "Database": db.name}
                for n in ctx.product.nodes
            ]
        else:
            nodes = [{"Url": n.url, "ClusterTag": n.tag, "ServerRole": "Member"} for n in ctx.product.nodes]
        etag = ctx.product.cluster.topology_etag
    return json_response({"Nodes": nodes, "Etag": etag})


@handles("GET", "/build/version")
async def build_version(ctx: Ctx) -> web.StreamResponse:
    full = ctx.product.server_version or SERVER_VERSION
    parts = full.split(".")
    product_version = ".".join(parts[:2]) if len(parts) >= 2 else full
    build = int(full.rsplit("-", 1)[-1]) if full.rsplit("-", 1)[-1].isdigit() else 62000
    return json_response(
        {
            "BuildVersion": build,
            "ProductVersion": product_version,
            "CommitHash": "ravensecmock",
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
    if not url:
        raise ServerError("System.ArgumentException", "Query string value 'url' must have a non empty value")
    with ctx.state.lock:
        used = {n.tag for n in ctx.product.nodes}
        if not tag:
            tag = next(chr(c) for c in range(ord("A"), ord("Z") + 1) if chr(c) not in used)
        if tag in used:
            raise invalid_operation(f"Was requested to add node '{tag}' but it is already a member.")
        ctx.product.nodes.append(MockNode(tag=tag, url=url, up=False))
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
    with ctx.state.lock:
        known = any(n.tag == tag for n in ctx.product.nodes)
    # Every node of a mock cluster is a member: there is never a watcher to promote or a member to demote
    # other than by removing it.
    if verb == "promote" or not known:
        raise invalid_operation(
            f"Failed to {verb} node {tag} because {tag} is not a "
            f"{'watcher' if verb == 'promote' else 'member'} in the cluster topology"
        )
    raise invalid_operation(f"Failed to demote node {tag}: the ravensec mock keeps every node a member.")


@handles("POST", "/admin/cluster/promote")
async def promote(ctx: Ctx) -> web.StreamResponse:
    return await _promote_demote(ctx, "promote")


@handles("POST", "/admin/cluster/demote")
async def demote(ctx: Ctx) -> web.StreamResponse:
    return await _promote_demote(ctx, "demote")
