"""``/admin/certificates``: list, generate, register, edit, delete, purge and export, with the server's
clearance rules and messages (server-api.md section 5). Those rules answer 500 from inside the handler,
not 403.

[mock choice] Certificates generated here use ECDSA P-256 keys (fast) and are signed by the mock CA, the
issuer of every node certificate.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from ravensec.core.certs.bundle import CertBundle
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
from ravensec.mock.node.listing_cache import BodyCache
from ravensec.mock.state import CertEntry
from ravensec.mock.tls import thumbprint_of_der

if TYPE_CHECKING:  # cryptography loads with the first certificate a request makes or reads
    from cryptography import x509

ISSUER_KEY: web.AppKey[CertBundle] = web.AppKey("issuer", CertBundle)
SERVER_BUNDLE_KEY: web.AppKey[CertBundle] = web.AppKey("server_bundle", CertBundle)


def pinning_hash_of(cert: x509.Certificate) -> str:
    from cryptography.hazmat.primitives import serialization

    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


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
        pinning_hash=pinning_hash_of(cert),
        der=der,
        generated_by_server=generated,
    )


_server_defs: dict[int, dict[str, Any]] = {}
listing_cache = BodyCache()
_T = TypeVar("_T")


def server_definition(ctx: Ctx) -> dict[str, Any]:
    """The synthesized "Server Certificate" entry the server adds to a listing."""
    bundle = ctx.request.app[SERVER_BUNDLE_KEY]
    hit = _server_defs.get(id(bundle))
    if hit is None:
        e = entry_for(bundle.certificate, "Server Certificate", SecurityClearance.CLUSTER_NODE, {})
        hit = _server_defs[id(bundle)] = e.definition().to_wire()
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
    start = max(ctx.q_int("start") or 0, 0)
    page_size = ctx.q_int("pageSize") or None
    server = server_definition(ctx)
    with ctx.state.lock:
        cluster = ctx.product.cluster
        if tp:
            if tp == server["Thumbprint"]:
                results = [server]
            else:
                entry = cluster.certificates.get(tp)
                if entry is None:
                    return web.Response(status=404)
                results = [entry.definition().to_wire(metadata_only=meta)]
        else:
            well_known = tuple(cluster.well_known_admin_thumbprints)
            # The version stands for every certificate: the key costs the same with 10 or 10,000 of them.
            key = (cluster.cert_version, server["Thumbprint"], well_known, meta, secondary, name, start, page_size)
            body = listing_cache.get(key)
            if body is None:
                body = json_body({
                    "Results": _page(cluster.certificates, server, meta, secondary, name, start, page_size),
                    "LoadedServerCert": server["Thumbprint"],
                    "WellKnownAdminCerts": list(well_known),
                    "WellKnownIssuers": [],
                })
                listing_cache.put(key, body)
            return web.Response(body=body, headers={"Content-Type": JSON_TYPE})
        body_obj = {
            "Results": results,
            "LoadedServerCert": server["Thumbprint"],
            "WellKnownAdminCerts": list(cluster.well_known_admin_thumbprints),
            "WellKnownIssuers": [],
        }
    return json_response(body_obj)


def _page(
    certs: Mapping[str, CertEntry],
    server: dict[str, Any],
    meta: bool,
    secondary: bool,
    name: str | None,
    start: int,
    page_size: int | None,
) -> list[dict[str, Any]]:
    """The server's synthesized entry first, then the registered ones; only the page is serialised."""
    listed: Iterator[CertEntry] = (e for e in certs.values() if secondary or not e.primary_key)
    first = server if not meta else {k: v for k, v in server.items() if k != "Certificate"}
    if name is not None:
        wanted = name.lower()
        listed = (e for e in listed if e.name.lower() == wanted)
        if first["Name"].lower() != wanted:
            return [e.definition().to_wire(metadata_only=meta) for e in _cut(listed, start, page_size)]
    page = list(_cut(itertools.chain([None], listed), start, page_size))
    return [first if e is None else e.definition().to_wire(metadata_only=meta) for e in page]


def _cut(items: Iterable[_T], start: int, page_size: int | None) -> Iterator[_T]:
    return itertools.islice(items, start, start + page_size if page_size else None)


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
    first, *rest = [entry_for(c, name, clearance, perms) for c in certs]
    rest = [replace(e, primary_key=first.thumbprint) for e in rest]
    entries = [replace(first, secondary_keys=tuple(e.thumbprint for e in rest)), *rest]
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
        certs = ctx.product.cluster.certificates
        disabled = bool(d.get("Disabled", False))
        for e in [entry, *(certs.get(s) for s in entry.secondary_keys)]:
            if e is None:
                continue
            certs[e.thumbprint] = replace(e, name=name, clearance=clearance, permissions=perms, disabled=disabled)
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
