"""The mock's rules called directly, as a test or fixture user does (moto style): the same refusals, with
RavenDB's and the Cloud API's words, that the node and portal answer over HTTP."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import requests

from ravensec.core.models import DatabaseAccess, ProductStatus, SecurityClearance
from ravensec.mock import MockCloud
from ravensec.mock.backend import (
    Caller,
    CloudBackend,
    InvalidArgument,
    InvalidFields,
    InvalidOperation,
    NotChangeable,
    ProductNotFound,
)
from tests.mockserver.helpers import DB, PRODUCT_ID, identity_bundle, node_url, session, who

OPERATOR = Caller(SecurityClearance.OPERATOR)


def test_register_then_the_certificate_works_over_mtls(cloud: MockCloud, pem_dir: Path) -> None:
    backend = CloudBackend(cloud.state).cluster(PRODUCT_ID)
    ident = who("unknown", pem_dir)
    assert session(cloud, ident).get(node_url(cloud) + f"/databases/{DB}/docs?id=users/1").status_code == 403
    (entry,) = backend.register("app", SecurityClearance.VALID_USER, {DB: DatabaseAccess.READ},
                                identity_bundle("unknown").certificate)
    assert entry.thumbprint == ident.thumbprint and backend.certificate(ident.thumbprint) is entry
    assert session(cloud, ident).get(node_url(cloud) + f"/databases/{DB}/docs?id=users/1").status_code == 404  # let in: no such document


def test_clearance_rules_refuse_an_operator_in_ravendbs_words(cloud: MockCloud, pem_dir: Path) -> None:
    backend = CloudBackend(cloud.state).cluster(PRODUCT_ID)
    admin_tp = who("cluster-admin", pem_dir).thumbprint
    with pytest.raises(InvalidOperation, match="lower clearance: Operator"):
        backend.register("x", SecurityClearance.CLUSTER_ADMIN, {}, identity_bundle("unknown").certificate,
                         caller=OPERATOR)
    with pytest.raises(InvalidOperation, match="It has 'ClusterAdmin' security clearance"):
        backend.edit(admin_tp, "renamed", SecurityClearance.CLUSTER_ADMIN, {}, caller=OPERATOR)
    with pytest.raises(InvalidOperation, match=r"Cannot delete the certificate 'shop\.cluster-admin'"):
        backend.delete(admin_tp, caller=OPERATOR)
    assert backend.certificate(admin_tp) is not None


def test_a_certificate_in_use_cannot_be_deleted(cloud: MockCloud, pem_dir: Path) -> None:
    backend = CloudBackend(cloud.state).cluster(PRODUCT_ID)
    tp = who("operator", pem_dir).thumbprint
    with pytest.raises(InvalidOperation, match="current client certificate being used"):
        backend.delete(tp, caller=Caller(SecurityClearance.OPERATOR, frozenset({tp})))
    with pytest.raises(InvalidArgument):
        backend.delete("")
    assert backend.delete("00" * 20) is False


def test_register_of_bytes_that_are_no_certificate(cloud: MockCloud) -> None:
    backend = CloudBackend(cloud.state).cluster(PRODUCT_ID)
    with pytest.raises(InvalidOperation, match="Failed to put certificate x") as err:
        backend.register("x", SecurityClearance.VALID_USER, {}, b"not a certificate")
    assert isinstance(err.value.cause, InvalidArgument)


def test_edit_and_purge(cloud: MockCloud, pem_dir: Path) -> None:
    backend = CloudBackend(cloud.state).cluster(PRODUCT_ID)
    tp = who("user-read", pem_dir).thumbprint
    entry = backend.edit(tp, "reader", SecurityClearance.VALID_USER, {DB: DatabaseAccess.READ_WRITE}, disabled=True)
    assert (entry.name, entry.permissions[DB], entry.disabled) == ("reader", DatabaseAccess.READ_WRITE, True)
    expired = who("expired", pem_dir).thumbprint
    assert expired in backend.purge() and backend.certificate(expired) is None


def test_allowed_ips_are_validated_and_take_effect(cloud: MockCloud, pem_dir: Path) -> None:
    backend = CloudBackend(cloud.state)
    with pytest.raises(InvalidFields) as err:
        backend.set_allowed_ips(PRODUCT_ID, ["not-an-ip"])
    assert list(err.value.errors) == ["allowedIps"]
    rules = backend.set_allowed_ips(PRODUCT_ID, ["10.0.0.0/8", {"ip": "192.0.2.1", "alias": "office"}])
    assert [(r.cidr, r.alias) for r in rules] == [("10.0.0.0/8", ""), ("192.0.2.1/32", "office")]
    assert backend.allowed_ips(PRODUCT_ID) == rules
    with pytest.raises(requests.exceptions.ConnectionError):  # 127.0.0.1 is no longer on the list
        session(cloud, who("operator", pem_dir)).get(node_url(cloud) + "/setup/alive")


def test_a_terminating_product_cannot_change(cloud: MockCloud) -> None:
    backend = CloudBackend(cloud.state)
    cloud.state.schedule(backend.product(PRODUCT_ID), ProductStatus.TERMINATING, ProductStatus.TERMINATED)
    with pytest.raises(NotChangeable, match="terminating"):
        backend.set_allowed_ips(PRODUCT_ID, ["10.0.0.0/8"])
    with pytest.raises(ProductNotFound):
        backend.allowed_ips("no-such-product")


def test_regenerate_the_initial_certificate(cloud: MockCloud) -> None:
    backend = CloudBackend(cloud.state)
    old = backend.product(PRODUCT_ID).operator_cert
    entry = backend.regenerate_initial_certificate(PRODUCT_ID)
    product = backend.product(PRODUCT_ID)
    assert product.operator_cert is not old and entry.clearance == SecurityClearance.OPERATOR
    assert backend.cluster(PRODUCT_ID).certificate(entry.thumbprint) is entry
    assert entry.not_after - entry.not_before > timedelta(days=365)
