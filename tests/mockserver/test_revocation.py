"""Deleting or disabling a certificate bites on the very next request of an already open keep-alive
connection (identity is decided per request, not per connection)."""

from __future__ import annotations

from pathlib import Path

from ravensec.mock import MockCloud
from tests.mockserver.helpers import DB, node_url, session, who


def _ports(cloud: MockCloud, thumbprint: str) -> set[int]:
    """Client source ports of the requests made with ``thumbprint``: one port means one connection."""
    return {e.peer_port for e in cloud.journal.snapshot() if e.thumbprint == thumbprint}


def test_delete_bites_on_the_open_connection(cloud: MockCloud, pem_dir: Path) -> None:
    url = node_url(cloud)
    user = session(cloud, who("user-rw", pem_dir))
    assert user.get(url + f"/databases/{DB}/docs?id=a").status_code == 404  # allowed (no such doc)
    tp = who("user-rw", pem_dir).thumbprint
    assert (
        session(cloud, who("operator", pem_dir))
        .delete(url + f"/admin/certificates?thumbprint={tp}")
        .status_code
        == 204
    )
    r = user.get(url + f"/databases/{DB}/docs?id=a")
    assert r.status_code == 403
    assert "is unknown to the server" in r.json()["Message"]
    assert len(_ports(cloud, tp)) == 1  # same TLS connection, new verdict


def test_disable_and_enable_bite_on_the_open_connection(cloud: MockCloud, pem_dir: Path) -> None:
    url = node_url(cloud)
    user = session(cloud, who("user-read", pem_dir))
    op = session(cloud, who("operator", pem_dir))
    tp = who("user-read", pem_dir).thumbprint
    edit = {
        "Thumbprint": tp,
        "Name": "user-read",
        "SecurityClearance": "ValidUser",
        "Permissions": {DB: "Read"},
    }
    assert user.get(url + "/cluster/topology").status_code == 200
    assert op.post(url + "/admin/certificates/edit", json={**edit, "Disabled": True}).status_code == 201
    assert user.get(url + "/cluster/topology").status_code == 403
    assert op.post(url + "/admin/certificates/edit", json={**edit, "Disabled": False}).status_code == 201
    assert user.get(url + "/cluster/topology").status_code == 200
    assert len(_ports(cloud, tp)) == 1


def test_permission_change_bites_on_the_open_connection(cloud: MockCloud, pem_dir: Path) -> None:
    url = node_url(cloud)
    user = session(cloud, who("user-read", pem_dir))
    doc = {"Commands": [{"Id": "x/1", "Type": "PUT", "Document": {"@metadata": {"@collection": "X"}}}]}
    assert user.post(url + f"/databases/{DB}/bulk_docs", json=doc).status_code == 403
    tp = who("user-read", pem_dir).thumbprint
    edit = {
        "Thumbprint": tp,
        "Name": "user-read",
        "SecurityClearance": "ValidUser",
        "Permissions": {DB: "ReadWrite"},
    }
    assert (
        session(cloud, who("operator", pem_dir)).post(url + "/admin/certificates/edit", json=edit).status_code
        == 201
    )
    assert user.post(url + f"/databases/{DB}/bulk_docs", json=doc).status_code == 201
