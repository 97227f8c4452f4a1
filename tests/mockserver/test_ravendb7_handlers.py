"""Certificate and database handlers over real mTLS, as RavenDB 7.x's source has them. Each test names the C# file and method it follows."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.certs.der import thumbprint_of_der
from ravensec.mock import MockCloud, routes
from tests.mockserver.helpers import DB, PRODUCT_ID, node_url, session, who

URL = "/admin/certificates"


def _fresh(name: str, seed: int) -> CertBundle:
    from ravensec.core.certs.generate import generate_key, make_client_certificate

    now = datetime.now(UTC)
    return make_client_certificate(name, key_type="ec-p256", key=generate_key("ec-p256", seed=seed),
                                   not_before=now - timedelta(days=1), not_after=now + timedelta(days=365))


def _s(cloud: MockCloud, pem_dir: Path, ident: str) -> requests.Session:
    return session(cloud, who(ident, pem_dir))


def _error(r: requests.Response) -> tuple[str, str]:
    assert r.status_code == 500, r.text
    return r.json()["Type"], r.json()["Message"]


def _names(cloud: MockCloud, pem_dir: Path) -> list[str]:
    return [d["Name"] for d in _s(cloud, pem_dir, "cluster-admin").get(node_url(cloud) + URL).json()["Results"]]


# --- AdminCertificatesHandler.Generate ---------------------------------------------------------------------


def test_generate_refuses_cluster_admin_before_validating_the_definition(cloud: MockCloud, pem_dir: Path) -> None:
    # AdminCertificatesHandler.Generate: the clearance check comes before GenerateCertificateInternal's
    # ValidateCertificateDefinition, so a nameless Cluster Admin definition is refused for its clearance.
    r = _s(cloud, pem_dir, "operator").post(node_url(cloud) + URL, json={"SecurityClearance": "ClusterAdmin"})
    assert _error(r) == (
        "System.InvalidOperationException",
        "Cannot generate the client certificate '' with 'Cluster Admin' security clearance because the current "
        "client certificate being used has a lower clearance: Operator",
    )
    r = _s(cloud, pem_dir, "operator").post(node_url(cloud) + URL, json={"Name": "x", "SecurityClearance": "ClusterAdmin"})
    assert "lower clearance: Operator" in _error(r)[1]  # not "Permissions is a required field"


def test_generate_lets_an_operator_make_a_cluster_node_certificate(cloud: MockCloud, pem_dir: Path) -> None:
    # AdminCertificatesHandler.Generate refuses only SecurityClearance.ClusterAdmin to a lower caller.
    body = {"Name": "peer", "SecurityClearance": "ClusterNode", "Permissions": {}}
    r = _s(cloud, pem_dir, "operator").post(node_url(cloud) + URL, json=body)
    assert r.status_code == 200, r.text
    assert "peer" in _names(cloud, pem_dir)


def test_generate_escapes_the_name_in_content_disposition(cloud: MockCloud, pem_dir: Path) -> None:
    # AdminCertificatesHandler.Generate: "attachment; filename=" + Uri.EscapeDataString(Name) + ".zip".
    name = "evil\r\nSet-Cookie: x=1; a b"
    body = {"Name": name, "SecurityClearance": "ValidUser", "Permissions": {DB: "Read"}}
    r = _s(cloud, pem_dir, "operator").post(node_url(cloud) + URL, json=body)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Disposition"] == "attachment; filename=evil%0D%0ASet-Cookie%3A%20x%3D1%3B%20a%20b.zip"
    assert "Set-Cookie" not in r.headers
    assert len(zipfile.ZipFile(io.BytesIO(r.content)).namelist()) == 3
    assert name in _names(cloud, pem_dir)


def test_generate_registers_nothing_when_the_answer_cannot_be_made(
    cloud: MockCloud, pem_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The certificate's key exists only in the answer: registering it without answering would leave a
    # certificate nobody holds (RavenDB writes the zip in the same request that registered it).
    from ravensec.core.certs import packages

    def broken(*_a: Any, **_k: Any) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(packages, "build_server_package", broken)
    before = _names(cloud, pem_dir)
    body = {"Name": "lost", "SecurityClearance": "ValidUser", "Permissions": {}}
    r = _s(cloud, pem_dir, "operator").post(node_url(cloud) + URL, json=body)
    assert r.status_code == 500
    assert _names(cloud, pem_dir) == before


# --- AdminCertificatesHandler.Delete -----------------------------------------------------------------------


def test_a_well_known_admin_cannot_delete_its_own_thumbprint(cloud: MockCloud, pem_dir: Path, tmp_path: Path) -> None:
    # AdminCertificatesHandler.Delete: "the current client certificate" is checked before the thumbprint is
    # looked up, so an unregistered well-known admin certificate is refused (with no name to show).
    admin = _fresh("well-known", 9301)
    tp = thumbprint_of_der(admin.cert_der())
    with cloud.state.lock:
        cloud.state.products[PRODUCT_ID].cluster.well_known_admin_thumbprints.append(tp)
    pem = tmp_path / "wk.pem"
    pem.write_bytes(admin.combined_pem())
    s = session(cloud, who("none", pem_dir))
    s.cert = str(pem)
    r = s.delete(node_url(cloud) + f"{URL}?thumbprint={tp}")
    assert _error(r) == (
        "System.InvalidOperationException",
        "Cannot delete  because it's the current client certificate being used",
    )


def test_the_server_certificate_stays_after_a_delete(cloud: MockCloud, pem_dir: Path) -> None:
    # AdminCertificatesHandler.GetCertificates adds the loaded server certificate to every full listing; it is
    # not one of the cluster's registered certificates, so a delete finds nothing to remove.
    s = _s(cloud, pem_dir, "cluster-admin")
    server_tp = s.get(node_url(cloud) + URL).json()["LoadedServerCert"]
    assert s.delete(node_url(cloud) + f"{URL}?thumbprint={server_tp}").status_code == 204
    listed = s.get(node_url(cloud) + URL).json()
    assert listed["Results"][0]["Thumbprint"] == server_tp and listed["LoadedServerCert"] == server_tp


def _register_pair(cloud: MockCloud, pem_dir: Path) -> tuple[str, str]:
    a, b = _fresh("pair-a", 9311), _fresh("pair-b", 9312)
    body = {"Name": "pair", "Certificate": base64.b64encode(a.cert_pem() + b.cert_pem()).decode(),
            "SecurityClearance": "ValidUser", "Permissions": {DB: "Read"}}
    assert _s(cloud, pem_dir, "operator").put(node_url(cloud) + URL, json=body).status_code == 201
    return thumbprint_of_der(a.cert_der()), thumbprint_of_der(b.cert_der())


def test_a_secondary_certificate_is_deleted_only_with_its_primary(cloud: MockCloud, pem_dir: Path) -> None:
    # AdminCertificatesHandler.Delete: a definition with a CollectionPrimaryKey is refused, naming the primary.
    primary, secondary = _register_pair(cloud, pem_dir)
    s = _s(cloud, pem_dir, "operator")
    assert _error(s.delete(node_url(cloud) + f"{URL}?thumbprint={secondary}")) == (
        "System.InvalidOperationException",
        f"Cannot delete the certificate 'pair' with thumbprint '{secondary}'. You need to delete the primary "
        f"certificate of the collection: {primary}",
    )
    assert s.delete(node_url(cloud) + f"{URL}?thumbprint={primary}").status_code == 204
    for tp in (primary, secondary):
        assert s.get(node_url(cloud) + f"{URL}?thumbprint={tp}").status_code == 404


# --- AdminCertificatesHandler.GetCertificates and Put ------------------------------------------------------


def test_listing_by_thumbprint_and_by_name(cloud: MockCloud, pem_dir: Path) -> None:
    s = _s(cloud, pem_dir, "operator")
    base = node_url(cloud) + URL
    # TryGetAndAddCertificateByThumbprint reads the cluster only: the server's certificate is not there.
    server_tp = s.get(base).json()["LoadedServerCert"]
    r = s.get(f"{base}?thumbprint={server_tp}")
    assert r.status_code == 404 and r.content == b""
    # ... and a secondary key answers with its primary's definition.
    primary, secondary = _register_pair(cloud, pem_dir)
    got = s.get(f"{base}?thumbprint={secondary}&metadataOnly=true").json()["Results"]
    assert [(d["Thumbprint"], d["CollectionSecondaryKeys"]) for d in got] == [(primary, [secondary])]
    # GetAllRegisteredCertificates: `name != def.Name`, exact and case-sensitive; the server's entry only for
    # exactly "Server Certificate".
    assert [d["Name"] for d in s.get(f"{base}?name=user-rw").json()["Results"]] == ["user-rw"]
    assert s.get(f"{base}?name=USER-RW").json()["Results"] == []
    assert s.get(f"{base}?name=server%20certificate").json()["Results"] == []
    assert [d["Name"] for d in s.get(f"{base}?name=Server%20Certificate").json()["Results"]] == ["Server Certificate"]


def test_registering_the_server_certificate_is_refused(cloud: MockCloud, pem_dir: Path) -> None:
    # AdminCertificatesHandler.PutCertificateCollectionInCluster refuses the loaded server certificate; Put
    # wraps it in "Failed to put certificate ... in the cluster.".
    s = _s(cloud, pem_dir, "cluster-admin")
    server = s.get(node_url(cloud) + URL).json()["Results"][0]
    body = {"Name": "srv", "Certificate": server["Certificate"], "SecurityClearance": "ValidUser", "Permissions": {}}
    r = s.put(node_url(cloud) + URL, json=body)
    assert _error(r) == ("System.InvalidOperationException", "Failed to put certificate srv in the cluster.")
    assert (
        f"You are trying to import the same server certificate ({server['Thumbprint']}) as the one which is already "
        "loaded. This is not supported." in r.json()["Error"]
    )
    assert "srv" not in _names(cloud, pem_dir)


def test_put_checks_the_clearance_before_the_certificate(cloud: MockCloud, pem_dir: Path) -> None:
    # AdminCertificatesHandler.Put: the clearance rule comes before "Certificate is a mandatory property".
    body = {"Name": "adm", "SecurityClearance": "ClusterNode", "Permissions": {}}
    r = _s(cloud, pem_dir, "operator").put(node_url(cloud) + URL, json=body)
    assert "lower clearance: Operator" in _error(r)[1]


# --- bodies ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("PUT", "/admin/databases"), ("PUT", URL), ("POST", URL)])
def test_a_body_nested_100000_deep_is_bad_json(cloud: MockCloud, pem_dir: Path, method: str, path: str) -> None:
    # Any unreadable body is the 400 bad-JSON answer (RequestHandler reading the body), never a 500 of the mock.
    deep = b"[" * 100_000 + b"]" * 100_000
    r = _s(cloud, pem_dir, "cluster-admin").request(method, node_url(cloud) + path, data=deep,
                                                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert r.json()["Type"] == "Raven.Client.Exceptions.BadRequestException"


# --- AdminDatabasesHandler.Put, DatabaseHelper.FillDatabaseTopology, DatabasesHandler.GetTopology -----------


def _create(s: requests.Session, cloud: MockCloud, query: str, record: dict[str, Any]) -> requests.Response:
    return s.put(node_url(cloud) + f"/admin/databases?{query}", json=record)


def test_explicit_members_are_the_database_group(cloud: MockCloud, pem_dir: Path) -> None:
    s = _s(cloud, pem_dir, "operator")
    r = _create(s, cloud, "name=sales&replicationFactor=1", {"DatabaseName": "sales", "Topology": {"Members": ["B", "C"]}})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["Topology"]["Members"] == ["B", "C"] and body["Topology"]["ReplicationFactor"] == 2
    urls = cloud.products[PRODUCT_ID].node_urls
    assert body["NodesAddedTo"] == [urls["B"], urls["C"]]
    topo = s.get(node_url(cloud) + "/topology?name=sales").json()
    assert [n["ClusterTag"] for n in topo["Nodes"]] == ["B", "C"]
    listed = s.get(node_url(cloud) + "/databases?name=sales").json()["Databases"]
    assert [m["NodeTag"] for m in next(d for d in listed if d["Name"] == "sales")["NodesTopology"]["Members"]] == ["B", "C"]
    record = s.get(node_url(cloud) + "/admin/databases?name=sales").json()
    assert record["Topology"]["Members"] == ["B", "C"]


def test_the_replication_factor_picks_that_many_nodes(cloud: MockCloud, pem_dir: Path) -> None:
    s = _s(cloud, pem_dir, "operator")
    one = _create(s, cloud, "name=one", {"DatabaseName": "one"}).json()
    assert len(one["Topology"]["Members"]) == 1 == one["Topology"]["ReplicationFactor"]
    two = _create(s, cloud, "name=two&replicationFactor=2", {"DatabaseName": "two"}).json()
    assert len(two["Topology"]["Members"]) == 2
    # SetReplicationFactor: the larger of the record's and the query's factor, at most the cluster's size.
    big = _create(s, cloud, "name=big&replicationFactor=1", {"DatabaseName": "big", "Topology": {"ReplicationFactor": 9}})
    assert big.json()["Topology"]["Members"] == ["A", "B", "C"]
    assert _create(s, cloud, "name=q&replicationFactor=2", {"DatabaseName": "q", "Topology": {"Members": ["?"]}}).json()[
        "Topology"
    ]["ReplicationFactor"] == 2
    topo = s.get(node_url(cloud) + "/topology?name=two").json()
    assert [n["ClusterTag"] for n in topo["Nodes"]] == two["Topology"]["Members"]


def test_bad_topologies_are_refused(cloud: MockCloud, pem_dir: Path) -> None:
    s = _s(cloud, pem_dir, "operator")
    assert _error(_create(s, cloud, "name=z", {"DatabaseName": "z", "Topology": {"Members": ["Z"]}})) == (
        "System.ArgumentException",
        "Failed to add node Z, because we don't have it in the cluster.",
    )
    assert _error(_create(s, cloud, "name=d", {"DatabaseName": "d", "Topology": {"Members": ["A", "A"]}}))[1] == (
        "node 'A' already exists. This is not allowed."
    )
    assert _error(_create(s, cloud, "name=f&replicationFactor=0", {"DatabaseName": "f"}))[1] == (
        "Replication factor must be greater than 0."
    )
    names = s.get(node_url(cloud) + "/databases?namesOnly=true").json()["Databases"]
    assert not {"z", "d", "f"} & set(names)


# --- RachisAdminHandler.AddNode / PromoteNode ---------------------------------------------------------------


def test_a_node_added_as_watcher_is_a_watcher(cloud: MockCloud, pem_dir: Path) -> None:
    s = _s(cloud, pem_dir, "cluster-admin")
    base = node_url(cloud)
    assert s.put(base + "/admin/cluster/node?url=https://d.example:443&tag=D&watcher=true").status_code == 204
    topo = s.get(base + "/cluster/topology").json()["Topology"]
    assert set(topo["Watchers"]) == {"D"} and "D" not in topo["Members"] and "D" in topo["AllNodes"]
    assert s.post(base + "/admin/cluster/promote?nodeTag=D").status_code == 204
    topo = s.get(base + "/cluster/topology").json()["Topology"]
    assert topo["Watchers"] == {} and "D" in topo["Members"]
    assert "is not a watcher" in _error(s.post(base + "/admin/cluster/promote?nodeTag=D"))[1]


# --- AdminConfigurationHandler.GetDatabaseRecord ------------------------------------------------------------


@pytest.mark.skipif(routes.match("GET", "/databases/x/admin/record") is None,
                    reason="the route table in use does not have /databases/*/admin/record (RavenDB 7.2.7's has)")
def test_the_database_record_for_a_database_admin(cloud: MockCloud, pem_dir: Path) -> None:
    s = _s(cloud, pem_dir, "operator")
    settings = {"Indexing.MapTimeoutInSec": "30"}
    assert _create(s, cloud, "name=cfg", {"DatabaseName": "cfg", "Settings": settings}).status_code == 201
    r = s.get(node_url(cloud) + "/databases/cfg/admin/record")
    assert r.status_code == 200 and r.json()["Settings"] == settings and r.json()["DatabaseName"] == "cfg"
    assert _s(cloud, pem_dir, "user-admin").get(node_url(cloud) + f"/databases/{DB}/admin/record").status_code == 200
    assert _s(cloud, pem_dir, "user-rw").get(node_url(cloud) + f"/databases/{DB}/admin/record").status_code == 403
