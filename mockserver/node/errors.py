"""Error answers as the RavenDB server writes them: the generic ``{"Url","Type","Message","Error"}`` body
with the status the server maps each exception to, and the 403 ``InvalidAuth`` refusal."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from aiohttp import web

from ravensec.mock.backend import BackendError, InvalidArgument, InvalidOperation
from ravensec.mock.routes import cloud_server_version

SERVER_VERSION = cloud_server_version()
JSON_TYPE = "application/json; charset=utf-8"

INVALID_OPERATION = "System.InvalidOperationException"
ARGUMENT = "System.ArgumentException"
ROUTE_NOT_FOUND = "Raven.Client.Exceptions.Routing.RouteNotFoundException"
DATABASE_MISSING = "Raven.Client.Exceptions.Database.DatabaseDoesNotExistException"
CONCURRENCY = "Raven.Client.Exceptions.ConcurrencyException"
BAD_REQUEST = "Raven.Client.Exceptions.BadRequestException"


class ServerError(Exception):
    """Raised by handlers; the app turns it into the server's error body with ``status``."""

    def __init__(
        self,
        type_: str,
        message: str,
        status: int = 500,
        headers: dict[str, str] | None = None,
        *,
        inner: ServerError | None = None,
    ):
        super().__init__(message)
        self.type = type_
        self.message = message
        self.status = status
        self.headers = headers or {}
        self.inner = inner  # a wrapped cause, shown in "Error" as .NET's "--->" chain


def invalid_operation(message: str) -> ServerError:
    return ServerError(INVALID_OPERATION, message, 500)


def argument_error(message: str) -> ServerError:
    return ServerError(ARGUMENT, message, 500)


def server_error_of(err: BackendError) -> ServerError:
    """A rule's refusal as the server reports it: its .NET exception type, 500, the cause chained."""
    inner = server_error_of(err.cause) if isinstance(err, InvalidOperation) and err.cause else None
    type_ = ARGUMENT if isinstance(err, InvalidArgument) else INVALID_OPERATION
    return ServerError(type_, err.message, 500, inner=inner)


def json_body(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json_body(body),
        status=status,
        headers={"Content-Type": JSON_TYPE, **(headers or {})},
    )


def error_response(request: web.Request, err: ServerError) -> web.Response:
    short = err.type.rsplit(".", 1)[-1]
    body = {
        "Url": request.path_qs,
        "Type": err.type,
        "Message": err.message,
        # The server adds a .NET stack trace; ours names the mock so nobody chases it in RavenDB's source.
        "Error": f"{err.type}: {err.message}"
        + (f" ---> {err.inner.type}: {err.inner.message}" if err.inner else "")
        + f"\n   at ravensec mock ({short})",
    }
    # A header value echoing the request (Database-Missing: <name>) cannot carry control characters: aiohttp
    # would drop the connection without an answer. Percent-encode those few instead.
    headers = {k: quote(v, safe="".join(map(chr, range(0x20, 0x7F)))) for k, v in (err.headers or {}).items()}
    return json_response(body, err.status, headers)


def forbidden(message: str) -> web.Response:
    return json_response({"Type": "InvalidAuth", "Message": message}, 403)


def redirect_to_auth_error(message: str) -> web.Response:
    """The refusal a browser gets (RequestRouter.UnlikelyFailAuthorizationAsync when IsHtmlAcceptable): 302 to
    the Studio's error page, the message escaped as .NET's Uri.EscapeDataString does (all but A-Z a-z 0-9
    - _ . ~, UTF-8, upper-case hex)."""
    return web.Response(status=302, headers={"Location": "/auth-error.html?err=" + quote(message, safe="-_.~")})


def not_simulated(request: web.Request, method: str, route_path: str) -> web.Response:
    """501 for a route of the table that the mock has no handler for, sent only after authorization. It
    carries ``Error`` as every server error does: the official clients show that field."""
    message = (
        f"The ravensec mock does not simulate {method} {route_path}; "
        "it exists on a real RavenDB server and you were authorized to call it."
    )
    return json_response(
        {
            "Url": request.path_qs,
            "Type": "NotSimulated",
            "Message": message,
            "Error": f"NotSimulated: {message}\n   at ravensec mock (NotSimulated)",
        },
        501,
    )
