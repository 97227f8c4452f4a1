"""Injected faults over real sockets: latency, status, drop, hang, reset, truncate, node down."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from ravensec.core.errors import UsageError
from ravensec.mock import MockCloud
from tests.mockserver.helpers import DB, node_url, session, who


def _op(cloud: MockCloud, pem_dir: Path) -> requests.Session:
    return session(cloud, who("operator", pem_dir))


def test_latency_once(cloud: MockCloud, pem_dir: Path) -> None:
    cloud.faults.add(route="/cluster/topology", kind="latency", value=0.3)
    s = _op(cloud, pem_dir)
    t0 = time.monotonic()
    assert s.get(node_url(cloud) + "/cluster/topology").status_code == 200
    assert time.monotonic() - t0 >= 0.3
    assert cloud.faults.active() == []


def test_status_n_times_on_one_node_and_method(cloud: MockCloud, pem_dir: Path) -> None:
    cloud.faults.add(route="/admin/certificates", method="GET", node="A", kind="status", value=503, times=2)
    s = _op(cloud, pem_dir)
    assert s.get(node_url(cloud, "B") + "/admin/certificates").status_code == 200
    assert s.delete(node_url(cloud, "A") + "/admin/certificates/purge").status_code == 204
    got = [s.get(node_url(cloud, "A") + "/admin/certificates").status_code for _ in range(3)]
    assert got == [503, 503, 200]


def test_status_always_on_a_table_route(cloud: MockCloud, pem_dir: Path) -> None:
    fault = cloud.faults.add(route="/databases/*/docs", kind="status", value=429, times=None)
    s = _op(cloud, pem_dir)
    for _ in range(3):
        r = s.get(node_url(cloud) + f"/databases/{DB}/docs?id=a")
        assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    assert fault.hits == 3
    cloud.faults.remove(fault)
    assert s.get(node_url(cloud) + f"/databases/{DB}/docs?id=a").status_code == 404


def test_drop(cloud: MockCloud, pem_dir: Path) -> None:
    cloud.faults.add(route="/cluster/topology", kind="drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        _op(cloud, pem_dir).get(node_url(cloud) + "/cluster/topology")
    assert _op(cloud, pem_dir).get(node_url(cloud) + "/cluster/topology").status_code == 200


def test_hang(cloud: MockCloud, pem_dir: Path) -> None:
    cloud.faults.add(route="/cluster/topology", kind="hang", value=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        _op(cloud, pem_dir).get(node_url(cloud) + "/cluster/topology", timeout=0.3)


@pytest.mark.parametrize("kind", ["reset", "truncate"])
def test_cut_mid_response(cloud: MockCloud, pem_dir: Path, kind: str) -> None:
    cloud.faults.add(route="/admin/certificates", kind=kind)  # type: ignore[arg-type]
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        _op(cloud, pem_dir).get(node_url(cloud) + "/admin/certificates")


def test_node_down_refuses_then_comes_back_on_the_same_port(cloud: MockCloud, pem_dir: Path) -> None:
    url_b = node_url(cloud, "B")
    s = _op(cloud, pem_dir)
    assert s.get(url_b + "/cluster/topology").status_code == 200
    fault = cloud.faults.add(node="B", kind="down")
    with pytest.raises(requests.exceptions.ConnectionError):
        s.get(url_b + "/cluster/topology")
    with pytest.raises(requests.exceptions.ConnectionError):
        _op(cloud, pem_dir).get(url_b + "/cluster/topology")
    assert s.get(node_url(cloud, "A") + "/cluster/topology").status_code == 200
    cloud.faults.remove(fault)
    assert node_url(cloud, "B") == url_b
    assert _op(cloud, pem_dir).get(url_b + "/cluster/topology").status_code == 200


def test_node_down_for_a_while(cloud: MockCloud, pem_dir: Path) -> None:
    fault = cloud.faults.add(node="C", kind="down", value=0.2)
    with pytest.raises(requests.exceptions.ConnectionError):
        _op(cloud, pem_dir).get(node_url(cloud, "C") + "/setup/alive")
    assert fault.ended.wait(30)  # its 0.2 s are over and the node listens again
    assert _op(cloud, pem_dir).get(node_url(cloud, "C") + "/setup/alive").status_code == 204


def test_portal_gets_the_same_faults(cloud: MockCloud) -> None:
    cloud.faults.add(node="portal", kind="status", value=502)
    s = requests.Session()
    s.trust_env = False
    assert s.get(cloud.portal_url + "/api/v1/products/list", verify=str(cloud.ca_path)).status_code == 502


def test_portal_down(cloud: MockCloud) -> None:
    s = requests.Session()
    s.trust_env = False
    fault = cloud.faults.add(node="portal", kind="down")
    with pytest.raises(requests.exceptions.ConnectionError):
        s.get(cloud.portal_url + "/api/v1/products/list", verify=str(cloud.ca_path))
    cloud.faults.remove(fault)
    assert s.get(cloud.portal_url + "/api/v1/products/list", verify=str(cloud.ca_path)).status_code != 0


def test_bad_fault_kinds_are_refused(cloud: MockCloud) -> None:
    with pytest.raises(UsageError):
        cloud.faults.add(kind="explode")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        cloud.faults.add(kind="down")


def test_reset_clears_faults_and_journal(cloud: MockCloud, pem_dir: Path) -> None:
    cloud.faults.add(route="/cluster/topology", kind="status", times=None)
    _op(cloud, pem_dir).get(node_url(cloud) + "/cluster/topology")
    assert cloud.journal
    cloud.reset()
    assert cloud.faults.active() == [] and cloud.journal.snapshot() == []
    assert _op(cloud, pem_dir).get(node_url(cloud) + "/cluster/topology").status_code == 200
