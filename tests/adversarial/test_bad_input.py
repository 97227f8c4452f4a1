"""Issue 6.2, bad input over the wire: hypothesis throws hostile bodies, queries and headers at every
simulated node handler (as a Cluster Admin, so validation is what answers) and at the portal's write
endpoints. The real server answers its validation errors with 500 and a ``System.*``/``Raven.*`` type
(RavenDB's RequestRouter and its handlers): the mock may answer exactly those, never its own crash type, never a
traceback; a rejected request leaves the world exactly as it was."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from ravensec.mock import MockCloud
from ravensec.mock.node.app import MOCK_BUG
from ravensec.mock.node.context import HANDLERS
from tests.adversarial.fingerprint import state_fingerprint
from tests.adversarial.strategies import BODY, HEADERS, IP_LIST, JSON, QUERY
from tests.mockserver.helpers import API_KEY, DB, PRODUCT_ID, node_url, session, who

NODE_ROUTES = sorted(HANDLERS)


def _path(route_path: str) -> str:
    return route_path.replace("/databases/*/", f"/databases/{DB}/")


def check_answer(r: requests.Response, where: str) -> None:
    assert "Traceback" not in r.text, where
    if r.status_code >= 500:
        assert r.status_code in (500, 503), where
        kind = r.json()["Type"]
        assert kind != MOCK_BUG, where
        # "Error" is GET /topology's own 503 for an unknown database (DatabasesHandler.GetTopology).
        assert kind.startswith(("System.", "Raven.")) or (kind == "Error" and r.status_code == 503), where


def no_mock_crash(caplog: pytest.LogCaptureFixture) -> None:
    crashes = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith("ravensec.mock")]
    assert not crashes, [r.getMessage() for r in crashes]


@given(route=st.sampled_from(NODE_ROUTES), body=BODY, query=QUERY, headers=HEADERS)
def test_node_handlers_survive_hostile_requests(
    cloud: MockCloud,
    pem_dir: Path,
    caplog: pytest.LogCaptureFixture,
    route: tuple[str, str],
    body: bytes,
    query: dict[str, str],
    headers: dict[str, str],
) -> None:
    caplog.clear()  # one caplog serves every example of the test
    method, path = route
    s = session(cloud, who("cluster-admin", pem_dir))
    before = state_fingerprint(cloud.state)
    r = s.request(method, node_url(cloud) + _path(path), params=query, data=body, headers=headers)
    where = f"{method} {path} {query} {headers} {body[:200]!r}: {r.status_code} {r.text[:300]}"
    check_answer(r, where)
    if r.status_code >= 400:
        assert state_fingerprint(cloud.state) == before, "rejected but changed: " + where
    no_mock_crash(caplog)
    s.close()


def _portal(cloud: MockCloud, method: str, path: str, body: object) -> requests.Response:
    s = requests.Session()
    s.trust_env = False
    with s:
        return s.request(
            method,
            cloud.portal_url + path,
            json=body,
            headers={"X-Api-Key": API_KEY, "User-Agent": "adversarial"},
            verify=str(cloud.ca_path),
        )


PORTAL_WRITES = [
    ("PUT", f"/ext/v1/products/{PRODUCT_ID}/allowed-ips"),
    ("POST", "/api/v1/products/create"),
    ("POST", "/api/v1/products/instance-type"),
    ("POST", "/api/v1/products/storage"),
    ("POST", "/api/v1/products/additional-node/add"),
    ("POST", "/api/v1/products/additional-node/remove"),
    ("POST", "/api/v1/products/restart-node"),
]


@given(ips=IP_LIST)
def test_allow_list_edits_with_hostile_rules(
    cloud: MockCloud, caplog: pytest.LogCaptureFixture, ips: list[object]
) -> None:
    caplog.clear()
    before = state_fingerprint(cloud.state)
    method, path = PORTAL_WRITES[0]
    r = _portal(cloud, method, path, {"allowedIps": ips})
    where = f"{ips!r}: {r.status_code} {r.text[:300]}"
    assert r.status_code in (200, 400), where
    if r.status_code == 400:
        assert isinstance(r.json()["allowedIps"], list), where
        assert state_fingerprint(cloud.state) == before, where
    no_mock_crash(caplog)
    cloud.reset()


@given(route=st.sampled_from(PORTAL_WRITES), body=JSON)
def test_portal_writes_never_answer_5xx(
    cloud: MockCloud, caplog: pytest.LogCaptureFixture, route: tuple[str, str], body: object
) -> None:
    caplog.clear()
    method, path = route
    before = state_fingerprint(cloud.state)
    r = _portal(cloud, method, path, body)
    where = f"{method} {path} {body!r}: {r.status_code} {r.text[:300]}"
    assert "Traceback" not in r.text, where
    assert r.status_code < 500, where  # the Cloud API has no 500-for-validation quirk
    if r.status_code >= 400:
        assert state_fingerprint(cloud.state) == before, where
    no_mock_crash(caplog)


def test_an_oversized_body_is_refused_cleanly(cloud: MockCloud, pem_dir: Path) -> None:
    """Above the node's 64 MiB body limit: aiohttp's 413, nothing stored, the node still answers."""
    s = session(cloud, who("cluster-admin", pem_dir))
    before = state_fingerprint(cloud.state)
    r = s.put(node_url(cloud) + "/admin/certificates", data=b"{" + b" " * (64 * 1024 * 1024 + 16) + b"}")
    assert r.status_code == 413, r.text[:200]
    assert state_fingerprint(cloud.state) == before
    assert s.get(node_url(cloud) + "/setup/alive").status_code == 204


# Each defect the properties above found, pinned as a plain example (hypothesis may not draw it again).
REGRESSIONS = [
    ("GET", "/admin/certificates", {"start": ":"}, b""),
    ("GET", f"/databases/{DB}/docs", {"pageSize": "x"}, b""),
    ("PUT", f"/databases/{DB}/hilo/return", {"tag": "t", "end": "x", "last": "1"}, b""),
    ("GET", "/topology", {"name": "\x1f"}, b""),
    ("POST", "/admin/certificates", {}, b'{"Permissions":" ","Name":"!"}'),
    ("POST", "/admin/certificates/edit", {}, b"1"),
    ("POST", f"/databases/{DB}/docs", {}, b"1"),
    ("POST", f"/databases/{DB}/bulk_docs", {}, b'{"Commands":[1]}'),
    ("PUT", f"/databases/{DB}/docs", {"id": "a/1"}, b'{"@metadata": 3}'),
]


@pytest.mark.parametrize(("method", "path", "query", "body"), REGRESSIONS)
def test_found_defects_stay_fixed(
    cloud: MockCloud,
    pem_dir: Path,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    query: dict[str, str],
    body: bytes,
) -> None:
    s = session(cloud, who("cluster-admin", pem_dir))
    r = s.request(method, node_url(cloud) + path, params=query, data=body)
    check_answer(r, f"{method} {path} {query} {body!r}: {r.status_code} {r.text[:300]}")
    no_mock_crash(caplog)


def test_a_batch_with_a_conflict_changes_nothing(cloud: MockCloud, pem_dir: Path) -> None:
    s = session(cloud, who("cluster-admin", pem_dir))
    before = state_fingerprint(cloud.state)
    batch = {
        "Commands": [
            {"Id": "ok/1", "Type": "PUT", "Document": {"@metadata": {"@collection": "Ok"}}},
            {"Id": "ok/2", "Type": "PUT", "Document": {}, "ChangeVector": "A:999-nope"},
        ]
    }
    r = s.post(node_url(cloud) + f"/databases/{DB}/bulk_docs", json=batch)
    assert r.status_code == 409, r.text
    assert state_fingerprint(cloud.state) == before
