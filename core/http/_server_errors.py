"""Turn a RavenDB server's error answer (``Type``, ``Message``, ``Error``) into a ravensec.core.errors exception.

The server refuses at HTTP level, never in TLS: 403 ``InvalidAuth`` says who we are is not accepted (no,
unknown, expired, not-yet-valid certificate) or that our clearance is too low. Clearance rules inside the
certificate handlers answer 500 ``InvalidOperationException`` instead, so those are read by their text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import (
    ApiError,
    AuthError,
    Conflict,
    CpuCreditsExhausted,
    Forbidden,
    NotFound,
    ServerError,
    ValidationError,
)
from ._transport import Answer, short_body
from .tls import ALLOW_LIST_HINT

UNKNOWN_CERT = "the server does not know this certificate — register it or use the product's initial certificate"
CPU_CREDITS_HINT = (
    "Wait for the balance to recover (see /debug/cpu-credits), move to a larger or reserved instance, and "
    "generate certificates here and register them (no server CPU) instead of on the server."
)
NEEDS_ADMIN = "this needs Cluster Admin; cloud products give Operator"
NEEDS_OPERATOR = "this needs Operator or Cluster Admin; this certificate is a User"

# Phrases of the 403 messages that mean "who you are" was not accepted: RavenDB's
# RequestRouter.UnlikelyFailAuthorization (src/Raven.Server/Routing/RequestRouter.cs).
_IDENTITY_PHRASES = {
    "none was provided": "no client certificate was presented",
    "is unknown to the server": "the certificate is not registered",
    "has expired": "the certificate has expired",
    "cannot be used before": "the certificate is not valid yet",
}


def server_fields(ans: Answer) -> tuple[str, str]:
    """The server's (Type, Message); Message falls back to the first line of Error, or the raw body."""
    body = ans.json()
    if isinstance(body, Mapping):
        typ = str(body.get("Type") or "")
        msg = str(body.get("Message") or "")
        if not msg and isinstance(body.get("Error"), str):
            msg = str(body["Error"]).split("\n", 1)[0]
        return typ, msg
    return "", short_body(ans) if ans.body else ""


def map_server_error(ans: Answer, what: str) -> ApiError | ValidationError:
    """The exception for a non-2xx answer to ``what`` (e.g. "GET /admin/certificates on node A")."""
    typ, msg = server_fields(ans)
    kw: dict[str, Any] = {"status": ans.status, "server_type": typ, "server_message": msg, "url": ans.url}
    lowered = msg.lower()
    if ans.status == 403:
        for phrase, short in _IDENTITY_PHRASES.items():
            if phrase in lowered:
                return AuthError(
                    f"{what} was refused: {UNKNOWN_CERT} ({short}). Server: {msg}",
                    hint="Register this certificate with an Operator certificate, or select another one.",
                    **kw,
                )
        if "allow" in lowered and ("ip" in lowered or "address" in lowered):
            return Forbidden(f"{what} was refused: {msg}", hint=ALLOW_LIST_HINT, **kw)
        # The route's own requirement, as the server words it (RequestRouter): Operator routes say
        # "Operator/ClusterAdmin access is required", so that test comes before the Cluster Admin one.
        if "operator/clusteradmin access is required" in lowered:
            return Forbidden(
                f"{what} was refused: {NEEDS_OPERATOR}. Server: {msg}",
                hint="Use an Operator or Cluster Admin certificate (a cloud product's package is Operator).",
                **kw,
            )
        if "databaseadmin access is required" in lowered:
            return Forbidden(
                f"{what} was refused: this needs Admin access to the database. Server: {msg}",
                hint="Use a certificate with Admin on that database, or an Operator certificate.",
                **kw,
            )
        if "clusteradmin access is required" in lowered:
            return Forbidden(
                f"{what} was refused: {NEEDS_ADMIN}. Server: {msg}",
                hint="Use a Cluster Admin certificate (self-hosted) — a cloud product's Operator cannot.",
                **kw,
            )
        return Forbidden(
            f"{what} was refused: this certificate's clearance or permissions do not allow it. Server: {msg}",
            hint="Use a certificate with a higher clearance (Operator or Cluster Admin).",
            **kw,
        )
    if ans.status == 401:
        return AuthError(f"{what} was refused (401): {msg or UNKNOWN_CERT}", **kw)
    if ans.status == 404:
        return NotFound(f"Not found: {what}. {msg}".strip(), **kw)
    if ans.status == 409:
        return Conflict(f"{what} conflicts with the current state: {msg or 'conflict'}", **kw)
    if ans.status == 503 and "cpu credits" in lowered:
        # RavenDB's RequestRouter.RejectRequestBecauseOfCpuThresholdAsync: {"Type":"Error","Message":...}
        return CpuCreditsExhausted(
            f"{what} was refused: the instance has used up its CPU credits, so the server turns away work "
            "until it earns them back.",
            hint=CPU_CREDITS_HINT,
            **kw,
        )
    if ans.status == 503 and ans.header("Database-Missing"):
        db = ans.header("Database-Missing")
        return NotFound(f"Database {db!r} does not exist ({what}).", **kw)
    if ans.status == 400:
        return ValidationError(f"The server rejected {what}: {msg or 'bad request'}")
    if ans.status >= 500:
        if "lower clearance" in lowered or "current client certificate being used" in lowered:
            return Forbidden(
                f"{what} was refused: {msg}",
                hint="Only a Cluster Admin certificate can do this; cloud products give Operator.",
                **kw,
            )
        if "doesn't exist in the cluster" in lowered or "databasedoesnotexist" in typ.lower():
            return NotFound(f"{what}: {msg}", **kw)
        if typ.endswith("ArgumentException"):
            return ValidationError(f"The server rejected {what}: {msg}")
        return ServerError(f"The server failed on {what} ({ans.status}). {msg}".strip(), **kw)
    return ApiError(f"The server answered {ans.status} to {what}. {msg}".strip(), **kw)
