"""Databases and documents on the mock nodes: create/delete/record, the caller-filtered list, database
topology, HiLo, bulk_docs and docs, and the Cluster-Admin-only node routes."""

from __future__ import annotations

from pathlib import Path

from ravensec.mock import MockCloud
from tests.mockserver.helpers import DB, PRODUCT_ID, node_url, session, who


def _s(cloud: MockCloud, pem_dir: Path, ident: str):  # type: ignore[no-untyped-def]
    return session(cloud, who(ident, pem_dir))


def test_database_list_is_filtered_by_access(cloud: MockCloud, pem_dir: Path) -> None:
    url = node_url(cloud) + "/databases?start=0&pageSize=25&namesOnly=true"
    assert sorted(_s(cloud, pem_dir, "operator").get(url).json()["Databases"]) == ["audit", DB]
    assert _s(cloud, pem_dir, "user-rw").get(url).json()["Databases"] == [DB]
    assert _s(cloud, pem_dir, "user-none").get(url).json()["Databases"] == ["audit"]


def test_create_record_and_delete(cloud: MockCloud, pem_dir: Path) -> None:
    s = _s(cloud, pem_dir, "operator")
    base = node_url(cloud)
    r = s.put(
        base + "/admin/databases?name=sales&replicationFactor=2&?raft-request-id=x",
        data=b'{"DatabaseName":"sales"}',
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["Name"] == "sales" and body["Topology"]["ReplicationFactor"] == 2
    assert len(body["NodesAddedTo"]) == 2
    again = s.put(base + "/admin/databases?name=SALES&replicationFactor=1")
    assert again.status_code == 409 and again.json()["Message"] == "Database 'SALES' already exists!"
    assert s.put(base + "/admin/databases?name=x&replicationFactor=0").status_code == 500
    rec = s.get(base + "/admin/databases?name=sales")
    assert rec.status_code == 200 and rec.json()["DatabaseName"] == "sales" and "Etag" in rec.json()
    assert s.get(base + "/admin/databases?name=nope").status_code == 404
    r = s.delete(
        base + "/admin/databases?raft-request-id=y", data=b'{"DatabaseNames":["sales"],"HardDelete":true}'
    )
    assert r.status_code == 200 and r.json()["PendingDeletes"] == ["sales"]
    assert s.get(base + "/admin/databases?name=sales").status_code == 404


def test_users_cannot_create_databases(cloud: MockCloud, pem_dir: Path) -> None:
    r = _s(cloud, pem_dir, "user-admin").put(node_url(cloud) + "/admin/databases?name=x")
    assert r.status_code == 403


def test_database_topology_checks_access_and_existence(cloud: MockCloud, pem_dir: Path) -> None:
    base = node_url(cloud)
    t = _s(cloud, pem_dir, "user-read").get(base + f"/topology?name={DB}&first-topology-update").json()
    assert [n["ClusterTag"] for n in t["Nodes"]] == ["A", "B", "C"]
    assert all(n["Database"] == DB and n["ServerRole"] == "Member" for n in t["Nodes"])
    assert t["Nodes"][0]["Url"] == base
    denied = _s(cloud, pem_dir, "user-none").get(base + f"/topology?name={DB}")
    assert denied.status_code == 403 and denied.json()["Type"] == "InvalidAuth"
    missing = _s(cloud, pem_dir, "operator").get(base + "/topology?name=nope")
    assert missing.status_code == 503 and missing.headers["Database-Missing"] == "nope"
    assert missing.json()["Message"] == "Database nope wasn't found"


def test_cluster_topology_shape(cloud: MockCloud, pem_dir: Path) -> None:
    body = (
        _s(cloud, pem_dir, "user-read")
        .get(node_url(cloud, "B") + "/cluster/topology?first-topology-update")
        .json()
    )
    assert body["NodeTag"] == "B" and body["Leader"] == "A"
    assert body["Topology"]["Members"] == cloud.products[PRODUCT_ID].node_urls
    assert body["Etag"] == body["Topology"]["Etag"]


def test_documents_round_trip(cloud: MockCloud, pem_dir: Path) -> None:
    s = _s(cloud, pem_dir, "user-rw")
    base = node_url(cloud) + f"/databases/{DB}"
    hilo = s.get(base + "/hilo/next?tag=users&lastBatchSize=0").json()
    assert (hilo["Low"], hilo["High"], hilo["Prefix"]) == (1, 32, "users/")
    assert s.get(base + "/hilo/next?tag=users").json()["Low"] == 33
    cmd = {
        "Id": "users/1-A",
        "ChangeVector": None,
        "Type": "PUT",
        "Document": {"Name": "Ann", "@metadata": {"@collection": "Users"}},
    }
    r = s.post(base + "/bulk_docs", data=__import__("json").dumps({"Commands": [cmd]}))
    assert r.status_code == 201
    res = r.json()["Results"][0]
    assert res["@id"] == "users/1-A" and res["@collection"] == "Users" and res["@change-vector"]
    got = s.get(base + "/docs?&id=USERS%2F1-a").json()["Results"][0]
    assert got["Name"] == "Ann" and got["@metadata"]["@id"] == "users/1-A"
    assert s.get(base + "/docs?id=users/2").status_code == 404
    multi = s.get(base + "/docs?id=users/1-A&id=users/2").json()["Results"]
    assert multi[1] is None
    stale = dict(cmd, ChangeVector="A:999-x")
    assert s.post(base + "/bulk_docs", json={"Commands": [stale]}).status_code == 409
    deleted = s.post(base + "/bulk_docs", json={"Commands": [{"Id": "users/1-A", "Type": "DELETE"}]}).json()
    assert deleted["Results"][0]["Id"] == "users/1-A"
    assert s.get(base + "/docs?id=users/1-A").status_code == 404


def test_read_only_user_cannot_write(cloud: MockCloud, pem_dir: Path) -> None:
    r = _s(cloud, pem_dir, "user-read").post(
        node_url(cloud) + f"/databases/{DB}/bulk_docs", json={"Commands": []}
    )
    assert r.status_code == 403


def test_node_membership_is_cluster_admin_only(cloud: MockCloud, pem_dir: Path) -> None:
    base = node_url(cloud)
    op = _s(cloud, pem_dir, "operator").delete(base + "/admin/cluster/node?nodeTag=C")
    assert op.status_code == 403
    assert op.json()["Message"].startswith("Insufficient security clearance to access the server")
    ca = _s(cloud, pem_dir, "cluster-admin")
    promote = ca.post(base + "/admin/cluster/promote?nodeTag=B")
    assert promote.status_code == 500
    assert (
        promote.json()["Message"]
        == "Failed to promote node B because B is not a watcher in the cluster topology"
    )
    assert ca.delete(base + "/admin/cluster/node?nodeTag=C").status_code == 204
    members = ca.get(base + "/cluster/topology").json()["Topology"]["Members"]
    assert sorted(members) == ["A", "B"]
