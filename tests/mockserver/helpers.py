"""The node-side mock tests' small world, built straight from the state dataclasses (so these tests do not
depend on the world files), and client identities of every kind (Cluster Admin, Operator, Users with each
access, unknown, expired, not yet valid, disabled) as PEM files and ``requests`` sessions. The fixtures that
run a mock over this world are in conftest.py beside this file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import requests

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.certs.der import thumbprint_of_der
from ravensec.core.models import DatabaseAccess, IpRule, ProductStatus, SecurityClearance, Tier
from ravensec.mock import MockCloud
from ravensec.mock.backend import entry_for
from ravensec.mock.state import Account, CertEntry, CloudState, Cluster, Database, MockNode, ProductState
from ravensec.mock.tls import MockPki

PRODUCT_ID = "prod-shop"
API_KEY = "test-api-key"
DB = "orders"

# name -> (clearance, permissions, registered, disabled, validity offset in days (from, to))
IDENTITIES: dict[str, tuple[SecurityClearance, dict[str, DatabaseAccess], bool, bool, tuple[int, int]]] = {
    "user-admin": (SecurityClearance.VALID_USER, {DB: DatabaseAccess.ADMIN}, True, False, (-1, 365)),
    "user-rw": (SecurityClearance.VALID_USER, {DB: DatabaseAccess.READ_WRITE}, True, False, (-1, 365)),
    "user-read": (SecurityClearance.VALID_USER, {DB: DatabaseAccess.READ}, True, False, (-1, 365)),
    "user-none": (SecurityClearance.VALID_USER, {"audit": DatabaseAccess.READ_WRITE}, True, False, (-1, 365)),
    "unknown": (SecurityClearance.VALID_USER, {}, False, False, (-1, 365)),
    "expired": (SecurityClearance.OPERATOR, {}, True, False, (-30, -2)),
    "not-yet-valid": (SecurityClearance.OPERATOR, {}, True, False, (5, 365)),
    "disabled": (SecurityClearance.OPERATOR, {}, True, True, (-1, 365)),
}


@cache
def _bundle(name: str, seed: int, days: tuple[int, int] = (-1, 1825)) -> CertBundle:
    from ravensec.core.certs.generate import generate_key, make_client_certificate

    # Whole days keep the refusal dates stable within a test run.
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return make_client_certificate(
        name,
        key_type="ec-p256",
        key=generate_key("ec-p256", seed=seed),
        not_before=today + timedelta(days=days[0]),
        not_after=today + timedelta(days=days[1]),
    )


def identity_bundle(name: str) -> CertBundle:
    if name == "operator":
        return _bundle("shop.operator", 101)
    if name == "cluster-admin":
        return _bundle("shop.cluster-admin", 102)
    return _bundle(name, 200 + sorted(IDENTITIES).index(name), IDENTITIES[name][4])


def build_state(pki: MockPki) -> CloudState:
    """A one-product world: 3 nodes, databases ``orders`` and ``audit``, every identity registered."""
    op, ca = identity_bundle("operator"), identity_bundle("cluster-admin")
    certs: dict[str, CertEntry] = {}
    for bundle, name, clearance in (
        (op, "shop.operator", SecurityClearance.OPERATOR),
        (ca, "shop.cluster-admin", SecurityClearance.CLUSTER_ADMIN),
    ):
        e = entry_for(bundle.certificate, name, clearance, {})
        certs[e.thumbprint] = e
    for name, (clearance, perms, registered, disabled, _days) in IDENTITIES.items():
        if registered:
            e = replace(entry_for(identity_bundle(name).certificate, name, clearance, dict(perms)), disabled=disabled)
            certs[e.thumbprint] = e
    cluster = Cluster(
        certificates=certs,
        databases={DB: Database(DB), "audit": Database("audit")},
        topology_id="shop-topology",
    )
    product = ProductState(
        id=PRODUCT_ID,
        display_name="shop",
        tier=Tier.PRODUCTION,
        cloud_provider="aws",
        region="us-east-1",
        subdomain="shop",
        instance_type="PB10",
        release_channel="Stable62",
        status=ProductStatus.ACTIVE,
        nodes=[MockNode("A"), MockNode("B"), MockNode("C")],
        allowed_ips=[IpRule.from_api("127.0.0.1/32")],
        cluster=cluster,
        operator_cert=op,
        cluster_admin_cert=ca,
    )
    return CloudState(account=Account("acme", {API_KEY}, b"k" * 32), products={PRODUCT_ID: product})


@dataclass(frozen=True)
class Who:
    name: str
    pem: Path | None
    thumbprint: str


def who(name: str, pem_dir: Path) -> Who:
    """An identity as a PEM file usable as ``requests``' ``cert``; ``"none"`` sends no certificate."""
    if name == "none":
        return Who(name, None, "")
    bundle = identity_bundle(name)
    path = pem_dir / f"{name}.pem"
    if not path.exists():
        path.write_bytes(bundle.combined_pem())
        path.chmod(0o600)
    return Who(name, path, thumbprint_of_der(bundle.cert_der()))


def session(cloud: MockCloud, ident: Who) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = str(cloud.ca_path)
    if ident.pem is not None:
        s.cert = str(ident.pem)
    return s


def node_url(cloud: MockCloud, tag: str = "A") -> str:
    return cloud.products[PRODUCT_ID].node_urls[tag]
