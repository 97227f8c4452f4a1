"""``/admin/certificates``: list, generate, register, edit, delete, purge and export, with the server's
clearance rules and messages (server-api.md section 5). Those rules answer 500 from inside the handler,
not 403.

[mock choice] Certificates generated here use ECDSA P-256 keys (fast) and are signed by the mock CA, the
issuer of every node certificate.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ravensec.core.certs.bundle import CertMaterial
from ravensec.core.certs.der import pinning_hash_of_der, thumbprint_of_der
from ravensec.core.models import DatabaseAccess, SecurityClearance
from ravensec.mock.node.cert_definition import ADMINISH, not_after_of, validate_definition
from ravensec.mock.node.context import Ctx, handles
from ravensec.mock.node.errors import (
    ARGUMENT,
    INVALID_OPERATION,
    JSON_TYPE,
    ServerError,
    argument_error,
    invalid_operation,
    json_body,
    json_response,
)
from ravensec.mock.state import CertEntry

if TYPE_CHECKING:  # cryptography loads with the first certificate a request makes or reads
    from cryptography import x509

ISSUER_KEY: web.AppKey[CertMaterial] = web.AppKey("issuer")
SERVER_BUNDLE_KEY: web.AppKey[CertMaterial] = web.AppKey("server_bundle")


def entry_for(
    cert: x509.Certificate,
    name: str,
    clearance: SecurityClearance,
    permissions: dict[str, DatabaseAccess],
    *,
    generated: bool = False,
) -> CertEntry:
    from cryptography.hazmat.primitives import serialization

    der = cert.public_bytes(serialization.Encoding.DER)
    return CertEntry(
        name=name,
        thumbprint=thumbprint_of_der(der),
        clearance=clearance,
        permissions=permissions,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        pinning_hash=pinning_hash_of_der(der),
        der=der,
        generated_by_server=generated,
    )


_server_defs: dict[bytes, dict[str, Any]] = {}  # by the server certificate's DER
# Listing 100 certificates re-serialised on every request is most of the handler's time; both caches are
# keyed by every mutable field, so an edit, disable or delete is seen on the very next request.
_wire_defs: dict[tuple[Any, ...], dict[str, Any]] = {}
_bodies: dict[tuple[Any, ...], bytes] = {}
_CACHE_MAX = 20_000


def _entry_key(e: CertEntry, meta: bool) -> tuple[Any, ...]:
    return (
        e.thumbprint, e.name, e.clearance, e.disabled, tuple(e.permissions.items()), e.not_after,
        e.primary_key, tuple(e.secondary_keys), meta,
    )


def _wire(e: CertEntry, meta: bool) -> dict[str, Any]:
    key = _entry_key(e, meta)
    hit = _wire_defs.get(key)
    if hit is None:
        if len(_wire_defs) > _CACHE_MAX:
            _wire_defs.clear()
        hit = _wire_defs[key] = e.definition().to_wire(metadata_only=meta)
    return hit


def server_definition(ctx: Ctx) -> dict[str, Any]:
    """The synthesized "Server Certificate" entry the server adds to a listing."""
    bundle = ctx.request.app[SERVER_BUNDLE_KEY]
    der = bundle.cert_der()
    hit = _server_defs.get(der)
    if hit is None:
        e = entry_for(bundle.certificate, "Server Certificate", SecurityClearance.CLUSTER_NODE, {})
        hit = _server_defs[der] = e.definition().to_wire()
    return hit


def _caller(ctx: Ctx) -> SecurityClearance:
    return ctx.identity.clearance


def _is_cluster_admin(ctx: Ctx) -> bool:
    return _caller(ctx) == SecurityClearance.CLUSTER_ADMIN


def _bool(v: str | None) -> bool:
    return (v or "").lower() == "true"


@handles("GET", "/admin/certificates")
async def list_certificates(ctx: Ctx) -> web.StreamResponse:
    tp = (ctx.q("thumbprint") or "").upper()
    name = ctx.q("name")
    meta = _bool(ctx.q("metadataOnly"))
    secondary = _bool(ctx.q("secondary"))
    start = ctx.q_int("start") or 0
    page_size = ctx.q_int("pageSize") or None
    server = server_definition(ctx)
    with ctx.state.lock:
        certs = ctx.product.cluster.certificates
        if tp:
            if tp == server["Thumbprint"]:
                results = [server]
            else:
                entry = certs.get(tp)
                if entry is None:
                    return web.Response(status=404)
                results = [entry.definition().to_wire(metadata_only=meta)]
        else:
            listed = [e for e in certs.values() if secondary or not e.primary_key]
            well_known = tuple(ctx.product.cluster.well_known_admin_thumbprints)
            cache_key = (
                server["Thumbprint"], meta, name, start, page_size, well_known,
                tuple(_entry_key(e, meta) for e in listed),
            )
            cached = _bodies.get(cache_key)
            if cached is not None:
                return web.Response(body=cached, headers={"Content-Type": JSON_TYPE})
            defs = [_wire(e, meta) for e in listed]
            results = [server if not meta else {k: v for k, v in server.items() if k != "Certificate"}, *defs]
            if name is not None:
                results = [d for d in results if d["Name"].lower() == name.lower()]
            results = results[start : start + page_size if page_size else None]
            body_bytes = json_body({
                "Results": results,
                "LoadedServerCert": server["Thumbprint"],
                "WellKnownAdminCerts": list(well_known),
                "WellKnownIssuers": [],
            })
            if len(_bodies) > 256:
                _bodies.clear()
            _bodies[cache_key] = body_bytes
            return web.Response(body=body_bytes, headers={"Content-Type": JSON_TYPE})
        body = {
            "Results": results,
            "LoadedServerCert": server["Thumbprint"],
            "WellKnownAdminCerts": list(ctx.product.cluster.well_known_admin_thumbprints),
            "WellKnownIssuers": [],
        }
    return json_response(body)


@handles("POST", "/admin/certificates")
async def generate(ctx: Ctx) -> web.StreamResponse:
    from ravensec.core.certs.generate import make_client_certificate
    from ravensec.core.certs.packages import build_server_package

    d = await _generate_body(ctx)
    name, clearance, perms = validate_definition(d)
    if clearance in ADMINISH and not _is_cluster_admin(ctx):
        raise invalid_operation(
            f"Cannot generate the client certificate '{name}' with 'Cluster Admin' security clearance because "
            f"the current client certificate being used has a lower clearance: {_caller(ctx).value}"
        )
    now = ctx.state.clock()
    not_after = not_after_of(d.get("NotAfter"), now)
    password = d.get("Password") or None
    bundle = make_client_certificate(
        name,
        key_type="ec-p256",
        issuer=ctx.request.app[ISSUER_KEY],
        not_before=now - timedelta(days=1),
        not_after=not_after,
    )
    entry = entry_for(bundle.certificate, name, clearance, perms, generated=True)
    with ctx.state.lock:
        ctx.product.cluster.certificates[entry.thumbprint] = entry
        ctx.product.cluster.raft_index += 1
    data = build_server_package(bundle, name, password=password)
    return web.Response(
        body=data,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f"attachment; filename={name}.zip",
        },
    )


async def _generate_body(ctx: Ctx) -> Any:
    ctype = ctx.request.headers.get("Content-Type", "")
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await ctx.request.post()
        opts = form.get("Options")
        try:
            return json.loads(opts if isinstance(opts, str) else "")
        except ValueError:
            raise argument_error("Name is a required field in the certificate definition") from None
    return await ctx.body()


@handles("PUT", "/admin/certificates")
async def register(ctx: Ctx) -> web.StreamResponse:
    from ravensec.core.certs.load import load_certificates_any

    d = await ctx.body()
    name, clearance, perms = validate_definition(d)
    if clearance in ADMINISH and not _is_cluster_admin(ctx):
        raise invalid_operation(
            f"Cannot save the certificate '{name}' with '{clearance.value}' security clearance because the "
            f"current client certificate being used has a lower clearance: {_caller(ctx).value}"
        )
    raw = d.get("Certificate")
    if not raw:
        raise argument_error("Certificate is a mandatory property when saving an existing certificate")
    try:
        decoded = base64.b64decode(str(raw), validate=True)
    except (binascii.Error, ValueError):
        raise argument_error("Unable to parse the Certificate property, expected a Base64 value") from None
    try:
        certs = load_certificates_any(decoded, d.get("Password") or None)
    except Exception:
        raise ServerError(
            INVALID_OPERATION,
            f"Failed to put certificate {name} in the cluster.",
            inner=ServerError(ARGUMENT, "Unable to load the provided certificate."),
        ) from None
    if not certs:
        raise ServerError(
            INVALID_OPERATION,
            f"Failed to put certificate {name} in the cluster.",
            inner=ServerError(ARGUMENT, "Unable to load the provided certificate."),
        )
    entries = [entry_for(c, name, clearance, perms) for c in certs]
    primary = entries[0]
    for e in entries[1:]:
        e.primary_key = primary.thumbprint
    primary.secondary_keys = [e.thumbprint for e in entries[1:]]
    with ctx.state.lock:
        for e in entries:
            ctx.product.cluster.certificates[e.thumbprint] = e
        ctx.product.cluster.raft_index += 1
    return web.Response(status=201)


@handles("POST", "/admin/certificates/edit")
async def edit(ctx: Ctx) -> web.StreamResponse:
    d = await ctx.body()
    name, clearance, perms = validate_definition(d)  # first: it refuses a body that is not an object
    tp = str(d.get("Thumbprint") or "").upper()
    caller = _caller(ctx).value
    with ctx.state.lock:
        entry = ctx.product.cluster.certificates.get(tp)
        if entry is None:
            raise invalid_operation(
                f"Cannot edit permissions for certificate with thumbprint '{tp}'. It doesn't exist in the cluster."
            )
        if entry.clearance in ADMINISH and not _is_cluster_admin(ctx):
            raise invalid_operation(
                f"Cannot edit the certificate '{entry.name}'. It has '{entry.clearance.value}' security clearance "
                f"while the current client certificate being used has a lower clearance: {caller}"
            )
        if clearance in ADMINISH and not _is_cluster_admin(ctx):
            raise invalid_operation(
                f"Cannot edit security clearance to '{clearance.value}' for certificate '{entry.name}'. Only a "
                f"'Cluster Admin' can do that and your current client certificate has a lower clearance: {caller}"
            )
        for e in [entry, *(ctx.product.cluster.certificates.get(s) for s in entry.secondary_keys)]:
            if e is None:
                continue
            e.name, e.clearance, e.permissions = name, clearance, dict(perms)
            e.disabled = bool(d.get("Disabled", False))
        ctx.product.cluster.raft_index += 1
    return web.Response(status=201)


@handles("DELETE", "/admin/certificates")
async def delete(ctx: Ctx) -> web.StreamResponse:
    tp = (ctx.q("thumbprint") or "").upper()
    if not tp:
        raise argument_error("Query string value 'thumbprint' must have a non empty value")
    with ctx.state.lock:
        certs = ctx.product.cluster.certificates
        entry = certs.get(tp)
        if entry is None:
            return web.Response(status=204)
        in_use = ctx.identity.entry is not None and ctx.identity.entry.thumbprint in (
            tp,
            *entry.secondary_keys,
        )
        if in_use or ctx.identity.thumbprint == tp:
            raise invalid_operation(
                f"Cannot delete {entry.name} because it's the current client certificate being used"
            )
        if entry.clearance in ADMINISH and not _is_cluster_admin(ctx):
            raise invalid_operation(
                f"Cannot delete the certificate '{entry.name}' with '{entry.clearance.value}' security clearance "
                f"because the current client certificate being used has a lower clearance: {_caller(ctx).value}"
            )
        for t in (tp, *entry.secondary_keys):
            certs.pop(t, None)
        ctx.product.cluster.raft_index += 1
    return web.Response(status=204)


@handles("DELETE", "/admin/certificates/purge")
async def purge(ctx: Ctx) -> web.StreamResponse:
    with ctx.state.lock:
        now = ctx.state.clock()
        certs = ctx.product.cluster.certificates
        for tp in [tp for tp, e in certs.items() if e.not_after < now]:
            del certs[tp]
        ctx.product.cluster.raft_index += 1
    return web.Response(status=204)


@handles("GET", "/admin/certificates/export")
async def export(ctx: Ctx) -> web.StreamResponse:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    bundle = ctx.request.app[SERVER_BUNDLE_KEY]
    data = pkcs12.serialize_key_and_certificates(
        None, None, None, [bundle.certificate], serialization.NoEncryption()
    )
    return web.Response(
        body=data,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": "attachment; filename=cluster.server.certificate.pfx",
        },
    )
