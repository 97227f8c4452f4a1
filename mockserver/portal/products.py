"""Cloud API v1 product endpoints: list, details, create, terminate, changes to instance type, storage and
nodes, and the certificate package download."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from ravensec.core.certs.der import thumbprint_of_der
from ravensec.core.models import Node, Product, ProductStatus, Storage, Tier
from ravensec.mock.backend import CloudBackend, InvalidFields, parse_allowed_ips, require_changeable
from ravensec.mock.cpu_credits import node_budget
from ravensec.mock.state import CloudState, Cluster, MockNode, ProductState

from . import metadata
from .errors import STATE_KEY, field_errors, message

SUBDOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,11}[a-z0-9])?$")
EXTRA_TAGS = ("D", "E", "F")


def cloud_host(p: ProductState, domain: str, tag: str) -> str:
    return f"{tag.lower()}.{p.subdomain}.{domain}.ravendb.cloud"


def as_product(state: CloudState, p: ProductState) -> Product:
    """The product as core models it; its ``to_api()`` is the Cloud API's product details."""
    # A node that is listening is reached at its loopback address, so clients build https://<dns> exactly as
    # they do for the real cloud; before the runtime listens, the node has its cloud name.
    return Product(
        id=p.id, display_name=p.display_name, status=p.status, tier=p.tier, cloud_provider=p.cloud_provider,
        region=p.region, subdomain=p.subdomain, instance_type=p.instance_type,
        release_channel=p.release_channel,
        nodes=tuple(Node(n.tag, n.url or f"https://{cloud_host(p, state.account.domain, n.tag)}") for n in p.nodes),
        allowed_ips=tuple(p.allowed_ips), storage=Storage(size=p.storage_size, type=p.storage_type),
        labels=tuple(p.labels),
    )


def product_json(state: CloudState, p: ProductState) -> dict[str, Any]:
    return {**as_product(state, p).to_api(), "serverVersion": p.server_version}


def get_product(state: CloudState, product_id: str) -> ProductState:
    """The product, or 404; hidden terminated products are gone for the API."""
    return CloudBackend(state).product(product_id)


async def body_json(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (ValueError, RecursionError):  # nesting too deep for Python's parser is bad JSON too
        raise message(400, "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise message(400, "The request body must be a JSON object.")
    return data


async def list_products(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    with state.lock:
        items = [
            {"id": p.id, "name": p.display_name}
            for p in state.products.values()
            if not (p.hidden and p.status == ProductStatus.TERMINATED)
        ]
    return web.json_response({"items": items})


async def details(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    with state.lock:
        return web.json_response(product_json(state, get_product(state, request.match_info["id"])))


def _validate_create(state: CloudState, b: dict[str, Any]) -> dict[str, list[str]]:
    errs: dict[str, list[str]] = {}

    def err(k: str, m: str) -> None:
        errs.setdefault(k, []).append(m)

    name = b.get("displayName")
    if not isinstance(name, str) or not name.strip():
        err("displayName", "Display name is required.")
    provider = b.get("cloudProvider")
    if provider not in metadata.REGIONS:
        err("cloudProvider", "Cloud provider must be one of aws, azure, gcp.")
    elif not metadata.known_region(str(provider), str(b.get("region"))):
        err("region", f"Unknown region for {provider}.")
    tier = str(b.get("tier") or "")
    if tier not in ("Free", "Development", "Production"):
        err("tier", "Tier must be Free, Development or Production.")
    it = metadata.instance_type(str(b.get("instanceTypeName") or ""))
    if it is None:
        err("instanceTypeName", "Unknown instance type.")
    elif tier and it["tier"] != tier:
        err("instanceTypeName", f"Instance type {it['name']} belongs to the {it['tier']} tier.")
    if b.get("releaseChannel", metadata.DEFAULT_RELEASE_CHANNEL) not in metadata.RELEASE_CHANNELS:
        err("releaseChannel", "Unknown release channel.")
    if it is not None and b.get("diskSize") is not None and b["diskSize"] not in it["parameters"]["availableDiskSizes"]:
        err("diskSize", f"Disk size must be one of {it['parameters']['availableDiskSizes']}.")
    if b.get("storageTypeName", "SsdStandard") not in metadata.STORAGE_TYPES:
        err("storageTypeName", "Unknown storage type.")
    sub = b.get("subdomainName")
    if tier == "Free":
        sub = "free"
    if not isinstance(sub, str) or not SUBDOMAIN_RE.match(sub):
        err("subdomainName", "Subdomain: up to 13 of a-z, 0-9 and -, not starting or ending with -.")
    elif tier != "Free" and any(p.subdomain == sub for p in state.products.values()):
        # (a second Free product is refused with 412 below, not as a taken subdomain)
        err("subdomainName", "Subdomain is already taken.")
    ips = b.get("allowedIps", [])
    if not isinstance(ips, list):
        err("allowedIps", "Allowed IPs must be a list of CIDR ranges.")
    else:
        try:
            parse_allowed_ips(ips, provider=str(provider or ""))
        except InvalidFields as e:
            for m in e.errors.get("allowedIps", []):
                err("allowedIps", m)
    return errs


async def create(request: web.Request) -> web.StreamResponse:
    from ravensec.mock.build import make_initial_certificates

    state = request.app[STATE_KEY]
    b = await body_json(request)
    with state.lock:
        errs = _validate_create(state, b)
        if errs:
            raise field_errors(errs)
        tier = Tier(b["tier"])
        live = [p for p in state.products.values() if p.status != ProductStatus.TERMINATED]
        if tier == Tier.FREE and any(p.tier == Tier.FREE for p in live):
            raise message(412, "The account already has a Free product.")
        paid = sum(1 for p in live if p.tier in (Tier.DEVELOPMENT, Tier.PRODUCTION))
        if tier != Tier.FREE and paid >= state.account.max_paid_products:
            raise message(412, f"At most {state.account.max_paid_products} paid products can be created through the API.")
        sub = "free" if tier == Tier.FREE else b["subdomainName"]
        h = hashlib.sha256(f"{state.seed}:{sub}:{len(state.products)}:api".encode()).hexdigest()
        pid = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
        operator, admin = make_initial_certificates(
            state.seed, pid, sub, state.account.domain, state.issuer, state.clock(), len(state.products)
        )
        from ravensec.mock.build import operator_entry

        entry = operator_entry(operator)
        it = metadata.instance_type(b["instanceTypeName"]) or {}
        tags = ["A", "B", "C"] if tier == Tier.PRODUCTION else ["A"]
        p = ProductState(
            id=pid,
            display_name=b["displayName"].strip(),
            tier=tier,
            cloud_provider=b["cloudProvider"],
            region=b["region"],
            subdomain=sub,
            instance_type=it.get("name", b["instanceTypeName"]),
            release_channel=b.get("releaseChannel") or metadata.DEFAULT_RELEASE_CHANNEL,
            status=ProductStatus.CREATING,
            nodes=[MockNode(t, cpu=node_budget(tier, it.get("name", b["instanceTypeName"]), state.clock()))
                   for t in tags],
            allowed_ips=parse_allowed_ips(b.get("allowedIps", []), provider=b["cloudProvider"]),
            cluster=Cluster(
                certificates={entry.thumbprint: entry},
                topology_id=f"{pid[:8]}-topology",
                well_known_admin_thumbprints=[thumbprint_of_der(admin.cert_der())],
            ),
            operator_cert=operator,
            cluster_admin_cert=admin,
            storage_size=int(b.get("diskSize") or it.get("parameters", {}).get("availableDiskSizes", [10])[0]),
            storage_type=b.get("storageTypeName") or "SsdStandard",
        )
        state.products[pid] = p
        state.schedule(p, ProductStatus.CREATING, ProductStatus.ACTIVE)
        for hook in list(state.on_product_added):
            hook(p)
    return web.json_response({"productId": pid}, status=202)


async def terminate(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    b = await body_json(request) if request.can_read_body else {}
    with state.lock:
        p = get_product(state, request.match_info["id"])
        if p.status in (ProductStatus.TERMINATING, ProductStatus.TERMINATED):
            raise message(409, f"Product '{p.id}' is already {p.status.value.lower()}.")
        p.hidden = bool(b.get("hideInPortal", False))
        state.schedule(p, ProductStatus.TERMINATING, ProductStatus.TERMINATED)
    return web.json_response({}, status=202)


def _product_from_body(state: CloudState, b: dict[str, Any]) -> ProductState:
    pid = b.get("productId")
    if not isinstance(pid, str) or not pid:
        raise field_errors({"productId": ["Product id is required."]})
    return get_product(state, pid)


@asynccontextmanager
async def product_change(
    request: web.Request, *, deploys: bool = True
) -> AsyncIterator[tuple[ProductState, dict[str, Any]]]:
    """What every ``POST /products/...`` change shares: the JSON body, the state lock (held for the whole
    block), the body's ``productId`` (404 when unknown), 409 unless the product can be changed, and, when the
    block ends without an error and ``deploys``, DeployingChanges until the change lands (then Active)."""
    state = request.app[STATE_KEY]
    b = await body_json(request)
    with state.lock:
        p = _product_from_body(state, b)
        require_changeable(p)
        yield p, b
        if deploys:
            state.schedule(p, ProductStatus.DEPLOYING_CHANGES, ProductStatus.ACTIVE)


async def change_instance_type(request: web.Request) -> web.StreamResponse:
    async with product_change(request) as (p, b):
        it = metadata.instance_type(str(b.get("instanceType") or ""))
        if it is None:
            raise field_errors({"instanceType": ["Unknown instance type."]})
        if it["tier"] != p.tier.value:
            raise field_errors({"instanceType": [f"Instance type {it['name']} is not a {p.tier.value} type."]})
        p.instance_type = it["name"]
    return web.json_response({}, status=202)


async def change_storage(request: web.Request) -> web.StreamResponse:
    async with product_change(request) as (p, b):
        size: Any = b.get("size")
        stype = b.get("storageType", p.storage_type)
        errs: dict[str, list[str]] = {}
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            errs["size"] = ["Size must be a positive number of GB."]
        elif size < p.storage_size:
            errs["size"] = ["Storage can only grow."]
        if stype not in metadata.STORAGE_TYPES:
            errs["storageType"] = ["Unknown storage type."]
        if errs:
            raise field_errors(errs)
        p.storage_size, p.storage_type = size, stype
    return web.json_response({}, status=202)


async def add_node(request: web.Request) -> web.StreamResponse:
    async with product_change(request) as (p, _body):
        if p.tier != Tier.PRODUCTION:
            raise message(400, "Only Production products can have additional nodes.")
        free = [t for t in EXTRA_TAGS if t not in {n.tag for n in p.nodes}]
        if not free:
            raise message(400, "A product has at most 3 additional nodes (D, E, F).")
        p.nodes.append(MockNode(free[0], cpu=node_budget(p.tier, p.instance_type, request.app[STATE_KEY].clock())))
    return web.json_response({"nodeTag": free[0]}, status=202)


def _existing_node_tag(p: ProductState, b: dict[str, Any]) -> str:
    """The body's ``nodeTag``, upper-cased; a 400 field error when the product has no such node."""
    tag = str(b.get("nodeTag") or "").upper()
    if tag not in {n.tag for n in p.nodes}:
        raise field_errors({"nodeTag": [f"Product has no node '{tag}'."]})
    return tag


async def remove_node(request: web.Request) -> web.StreamResponse:
    async with product_change(request) as (p, b):
        tag = _existing_node_tag(p, b)
        if tag not in EXTRA_TAGS:
            raise field_errors({"nodeTag": ["Nodes A, B and C cannot be removed."]})
        p.nodes = [n for n in p.nodes if n.tag != tag]
    return web.json_response({}, status=202)


async def restart_node(request: web.Request) -> web.StreamResponse:
    async with product_change(request, deploys=False) as (p, b):
        _existing_node_tag(p, b)  # validation only: restarting is instant in the mock
    # The mock's nodes restart instantly: nothing is lost, nothing to wait for.
    return web.json_response({}, status=202)


async def certificate_package(request: web.Request) -> web.StreamResponse:
    from ravensec.core.certs.packages import build_cloud_package
    from ravensec.mock.build import initial_cert_name

    state = request.app[STATE_KEY]
    with state.lock:
        p = get_product(state, request.match_info["id"])
        if p.status == ProductStatus.TERMINATED:
            raise message(409, f"Product '{p.id}' is terminated; it has no certificate to download.")
        bundle, base = p.operator_cert, initial_cert_name(p.subdomain, state.account.domain)
    data = build_cloud_package(bundle, base, password=secrets.token_hex(16))
    return web.Response(
        body=data,
        content_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{base}.zip"'},
    )
