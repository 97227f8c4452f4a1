"""One node's aiohttp application: the allow-list, the router, the database check, authorization, then the
handler, in the real server's order. Every route of the table that the mock does not simulate answers 501
after authorization; every answer carries ``Raven-Server-Version``.

Database missing: the server's exception is ``DatabaseDoesNotExistException``, and the official client
(RavenDB's ``src/Raven.Client/Http/RequestExecutor.cs``, which reads the ``Database-Missing`` header of a 503)
turns exactly **503 with ``Database-Missing: <db>``** on ``/databases/<db>/...`` into it. We answer 503 +
header, which is what clients observe.

IP allow-list: checked on every request against the peer address (so a rule change bites on an open
keep-alive connection). A refused address gets its connection reset without any HTTP answer, which is the
closest we can get to the cloud's firewall (that drops the packets) without making clients wait for a
timeout. The product's own server certificate as client certificate (intra-cluster traffic) is exempt.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from aiohttp import web

from ravensec.core.certs.der import thumbprint_of_der
from ravensec.core.models import IpRule, ProductStatus
from ravensec.mock import routes
from ravensec.mock.authz import identify, refusal
from ravensec.mock.backend import BackendError
from ravensec.mock.cpu_credits import REJECTED_MESSAGE, rejecting
from ravensec.mock.node import certificates, cluster, cpu, databases, documents  # noqa: F401  (register handlers)
from ravensec.mock.node.certificates import ISSUER_KEY
from ravensec.mock.node.context import HANDLERS, Ctx
from ravensec.mock.node.errors import (
    DATABASE_MISSING,
    ROUTE_NOT_FOUND,
    SERVER_VERSION,
    ServerError,
    error_response,
    forbidden,
    json_response,
    not_simulated,
    redirect_to_auth_error,
    server_error_of,
)
from ravensec.mock.peer import peer_of
from ravensec.mock.state import CloudState, MockNode, ProductState

if TYPE_CHECKING:
    from cryptography import x509

log = logging.getLogger(__name__)
MOCK_BUG = "RavensecMock.InternalError"

STATE_KEY: web.AppKey[CloudState] = web.AppKey("state", CloudState)
PRODUCT_KEY: web.AppKey[str] = web.AppKey("product_id", str)
TAG_KEY: web.AppKey[str] = web.AppKey("node_tag", str)


@lru_cache(maxsize=1024)
def _address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    # Parsing is most of the allow-list's cost, and a test run has a handful of client addresses.
    try:
        return ipaddress.ip_address(ip)
    except ValueError:
        return None


def ip_allowed(ip: str, rules: Iterable[IpRule]) -> bool:
    addr = _address(ip)
    if addr is None:
        return False
    return any(addr.version == r.network.version and addr in r.network for r in rules)


def connection_allowed(product: ProductState, ip: str, der: bytes | None, thumbprint: str | None = None) -> bool:
    """The product's allow-list, with traffic between its own nodes (its server certificate) exempt.
    ``thumbprint``: of ``der`` when the caller has it already."""
    if ip_allowed(ip, product.allowed_ips):
        return True
    if not der:
        return False
    return (thumbprint or thumbprint_of_der(der)) == product.cluster.server_thumbprint.upper()


# Kestrel leaves an encoded slash encoded in Request.Path: it never splits a segment.
_PCHAR_SAFE = "!$&'()*+,;=:@-._~"


def normalized_path(raw_path: str) -> tuple[str, str]:
    """The path as the server's web host hands it to the router (Kestrel decodes percent-escapes, except an
    encoded "/", then removes "." and ".." segments, RFC 3986 5.2.4): ``(Request.Path.Value, routable)``,
    where ``routable`` is the same path re-encoded for ``routes.match`` (which decodes the database name)."""
    segments: list[str] = []
    raw_segments = raw_path.split("?", 1)[0].split("/")[1:]
    for i, raw in enumerate(raw_segments):
        seg = unquote(raw, errors="replace")
        last = i == len(raw_segments) - 1
        if seg == ".":
            if last:
                segments.append("")
            continue
        if seg == "..":
            if segments:
                segments.pop()
            if last:
                segments.append("")
            continue
        segments.append(seg)
    shown = "/" + "/".join(s.replace("/", "%2F") for s in segments)
    routable = "/" + "/".join(quote(s, safe=_PCHAR_SAFE) for s in segments)
    return shown, routable


@lru_cache(maxsize=4096)
def _resolve(method: str, raw_path: str) -> tuple[str, routes.RouteMatch | None]:
    """``normalized_path`` and ``routes.match`` for one request line, memoized: both are pure functions of
    it, and clients repeat the same few paths (the cache is bounded for those that do not)."""
    path, routable = normalized_path(raw_path)
    return path, routes.match(method, routable)


def html_acceptable(request: web.Request) -> bool:
    # RavenServerStartup.IsHtmlAcceptable: any Accept header containing "text/html" or "text/*" (ordinal).
    return any("text/html" in v or "text/*" in v for v in request.headers.getall("Accept", []))


def _trusted_issuers(app: web.Application) -> tuple[x509.Certificate, ...]:
    """The certificates of the issuers the server trusts for renewals: its CA (set by the runtime)."""
    ca = app.get(ISSUER_KEY)
    return (ca.certificate,) if ca is not None else ()


def _lookup(state: CloudState, product_id: str, tag: str) -> tuple[ProductState, MockNode] | None:
    product = state.products.get(product_id)
    if product is None:
        return None
    node = next((n for n in product.nodes if n.tag == tag), None)
    return (product, node) if node is not None else None


async def _dispatch(request: web.Request) -> web.StreamResponse:
    resp = await _handle(request)
    # Every answer of the node itself (not the faults injected around it) names the server's version.
    resp.headers.setdefault("Raven-Server-Version", SERVER_VERSION)
    return resp


async def _handle(request: web.Request) -> web.StreamResponse:
    app = request.app
    state = app[STATE_KEY]
    peer = peer_of(request)
    der = peer.der
    with state.lock:
        found = _lookup(state, app[PRODUCT_KEY], app[TAG_KEY])
        allowed = (
            found is not None
            and found[1].up
            and found[0].status != ProductStatus.TERMINATED  # its VMs are gone
            and connection_allowed(found[0], peer.ip, der, peer.thumbprint)
        )
    if not allowed or found is None:
        # Closest to the cloud's firewall: the client gets its connection reset, never an HTTP answer.
        if request.transport is not None:
            request.transport.abort()
        raise ConnectionResetError("refused by the product's IP allow-list")
    product, node = found
    path, rm = _resolve(request.method, request.raw_path.split("?", 1)[0])
    if rm is None:
        # RequestRouter.HandlePath: Request.Path.Value then Request.QueryString ("?..." as sent, or "").
        query = request.rel_url.raw_query_string
        return error_response(
            request,
            ServerError(
                ROUTE_NOT_FOUND,
                f"There is no handler for path: {request.method} {path}{'?' + query if query else ''}",
                400,
            ),
        )
    with state.lock:
        if rm.database is not None and rm.database.lower() not in product.cluster.databases:
            return error_response(
                request,
                ServerError(
                    DATABASE_MISSING,
                    f"Database '{rm.database}' was not found",
                    503,
                    {"Database-Missing": rm.database},
                ),
            )
        identity = identify(
            product.cluster,
            der,
            state.clock(),
            issuers=_trusted_issuers(app),
            real_now=datetime.now(UTC),
            thumbprint=peer.thumbprint,
        )
        # HttpRequestExtensions.IsFromClientApi: the official clients send Raven-Client-Version.
        refused = refusal(identity, rm, from_client_api="Raven-Client-Version" in request.headers)
    if refused is not None:
        # RequestRouter.UnlikelyFailAuthorizationAsync: a browser is sent to the Studio's error page.
        return redirect_to_auth_error(refused) if html_acceptable(request) else forbidden(refused)
    if rm.database is not None and rm.route.disable_on_cpu_credits_exhaustion:
        # RequestRouter.HandlePath: after authorization, only with a database in context (a flagged server
        # route such as POST /admin/certificates still runs), while the failover flag is raised.
        with state.lock:
            exhausted = rejecting(node.cpu, state.clock())
        if exhausted:
            return json_response({"Type": "Error", "Message": REJECTED_MESSAGE}, 503)
    handler = HANDLERS.get((rm.route.method, rm.route.path))
    if handler is None:
        return not_simulated(request, rm.route.method, rm.route.path)
    try:
        return await handler(Ctx(request, state, product, node, identity, rm.database))
    except ServerError as err:
        return error_response(request, err)
    except BackendError as err:
        return error_response(request, server_error_of(err))
    except (ConnectionError, web.HTTPException):
        raise
    except Exception as exc:
        # A bug of the mock, not a simulated server error: answered like the server's generic 500, with a
        # type nobody will confuse with RavenDB's own.
        log.exception("mock handler failed for %s %s", request.method, request.path)
        return error_response(request, ServerError(MOCK_BUG, f"The ravensec mock failed: {exc!r}"))


def build_node_app(
    state: CloudState,
    product_id: str,
    tag: str,
    *,
    middlewares: Iterable[Any] = (),
) -> web.Application:
    """The application of node ``tag`` of product ``product_id``. ``middlewares`` wrap it outermost
    first (journal, faults). A renewal's issuer is the certificate the runtime sets (``ISSUER_KEY``): it
    must sign the renewal, so a name alone is not enough."""
    app = web.Application(middlewares=list(middlewares), client_max_size=64 * 1024 * 1024)
    app[STATE_KEY] = state
    app[PRODUCT_KEY] = product_id
    app[TAG_KEY] = tag
    app.router.add_route("*", "/{tail:.*}", _dispatch)
    return app
