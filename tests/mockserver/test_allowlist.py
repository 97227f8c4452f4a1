"""The product's IP allow-list, enforced on the peer address of every request. A refused address gets its
connection reset (closest to the cloud's firewall: no HTTP answer at all). Traffic between the product's
own nodes (its server certificate as client certificate) is exempt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from ravensec.mock import MockCloud
from ravensec.mock.backend import CloudBackend
from ravensec.mock.listeners import HOSTS
from tests.mockserver.helpers import PRODUCT_ID, node_url, session, who


class _FromAddress(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


def _from(s: requests.Session, address: str) -> requests.Session:
    s.mount("https://", _FromAddress(address))
    return s


def _set_rules(cloud: MockCloud, *cidrs: str) -> None:
    CloudBackend(cloud.state).set_allowed_ips(PRODUCT_ID, cidrs)


def test_an_address_outside_the_list_gets_its_connection_reset(cloud: MockCloud, pem_dir: Path) -> None:
    s = _from(session(cloud, who("operator", pem_dir)), "127.0.0.2")
    with pytest.raises(requests.exceptions.ConnectionError):
        s.get(node_url(cloud) + "/cluster/topology")
    entry = cloud.journal.find(path="/cluster/topology")[-1]
    assert (entry.peer, entry.status) == ("127.0.0.2", 0)


def test_adding_the_address_lets_it_in(cloud: MockCloud, pem_dir: Path) -> None:
    _set_rules(cloud, "127.0.0.1/32", "127.0.0.2/32")
    s = _from(session(cloud, who("operator", pem_dir)), "127.0.0.2")
    assert s.get(node_url(cloud) + "/cluster/topology").status_code == 200
    _set_rules(cloud, "0.0.0.0/0")
    s2 = _from(session(cloud, who("operator", pem_dir)), "127.0.0.3")
    assert s2.get(node_url(cloud) + "/cluster/topology").status_code == 200


def test_removing_our_address_cuts_a_live_connection(cloud: MockCloud, pem_dir: Path) -> None:
    s = session(cloud, who("operator", pem_dir))
    assert s.get(node_url(cloud) + "/cluster/topology").status_code == 200
    _set_rules(cloud, "10.0.0.0/8")
    with pytest.raises(requests.exceptions.ConnectionError):
        s.get(node_url(cloud) + "/cluster/topology")


def test_intra_cluster_traffic_is_exempt(cloud: MockCloud, tmp_path: Path) -> None:
    server = cloud.pki.server_bundle(HOSTS, label=PRODUCT_ID)
    pem = tmp_path / "server.pem"
    pem.write_bytes(server.combined_pem())
    s = requests.Session()
    s.trust_env = False
    s.verify, s.cert = str(cloud.ca_path), str(pem)
    r = _from(s, "127.0.0.2").get(node_url(cloud) + "/admin/certificates/mode")
    assert r.status_code == 501  # through the allow-list and authorized as the cluster itself


def test_the_refusal_is_per_product(cloud: MockCloud, pem_dir: Path) -> None:
    # The CIDR matching itself: a neighbour address of an allowed /32 stays out.
    _set_rules(cloud, "127.0.0.2/32")
    with pytest.raises(requests.exceptions.ConnectionError):
        session(cloud, who("operator", pem_dir)).get(node_url(cloud) + "/setup/alive")


def test_nodes_of_a_terminated_product_or_a_node_marked_down_are_unreachable(
    cloud: MockCloud, pem_dir: Path
) -> None:
    from ravensec.core.models import ProductStatus

    s = session(cloud, who("operator", pem_dir))
    with cloud.state.lock:
        cloud.state.products[PRODUCT_ID].nodes[1].up = False  # as the portal's restart-node does
    with pytest.raises(requests.exceptions.ConnectionError):
        s.get(node_url(cloud, "B") + "/setup/alive")
    assert s.get(node_url(cloud, "A") + "/setup/alive").status_code == 204
    with cloud.state.lock:
        cloud.state.products[PRODUCT_ID].status = ProductStatus.TERMINATED
    with pytest.raises(requests.exceptions.ConnectionError):
        s.get(node_url(cloud, "A") + "/setup/alive")
