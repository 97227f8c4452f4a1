"""The OFFICIAL ``ravendb`` Python client (7.2.7), unmodified, against the mock's nodes over mTLS:
certificate operations, a server-generated certificate used by a new store, refusal of a database the
certificate has no access to, databases, and a session storing and loading a document."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from ravendb import DocumentStore
from ravendb.exceptions.exceptions import AuthorizationException
from ravendb.serverwide.database_record import DatabaseRecord
from ravendb.serverwide.operations.certificates import (
    CreateClientCertificateOperation,
    DatabaseAccess,
    DeleteCertificateOperation,
    EditClientCertificateOperation,
    GetCertificateMetadataOperation,
    GetCertificateOperation,
    GetCertificatesMetadataOperation,
    GetCertificatesOperation,
    PutClientCertificateOperation,
    SecurityClearance,
)
from ravendb.serverwide.operations.common import (
    CreateDatabaseOperation,
    DeleteDatabaseOperation,
    GetBuildNumberOperation,
    GetDatabaseNamesOperation,
    GetDatabaseRecordOperation,
)
from ravendb.serverwide.operations.configuration import GetDatabaseSettingsOperation

from ravensec.core.certs.der import thumbprint_of_der
from ravensec.mock import MockCloud, routes
from tests.mockserver.helpers import DB, PRODUCT_ID, identity_bundle


class User:
    def __init__(self, name: str | None = None, age: int = 0) -> None:
        self.name = name
        self.age = age


def _store(cloud: MockCloud, pem: Path, database: str | None = DB) -> DocumentStore:
    store = DocumentStore(urls=list(cloud.products[PRODUCT_ID].node_urls.values()), database=database)
    store.certificate_pem_path = str(pem)
    store.trust_store_path = str(cloud.ca_path)
    store.initialize()
    return store


@pytest.fixture
def admin_store(cloud: MockCloud) -> Iterator[DocumentStore]:
    store = _store(cloud, cloud.products[PRODUCT_ID].cluster_admin_pem)
    yield store
    store.close()


def test_certificate_operations(cloud: MockCloud, admin_store: DocumentStore) -> None:
    server = admin_store.maintenance.server
    names = [c.name for c in server.send(GetCertificatesOperation(0, 20))]
    assert "Server Certificate" in names and "shop.operator" in names

    bundle = identity_bundle("unknown")
    tp = thumbprint_of_der(bundle.cert_der())
    # The client's own tests send base64 of PEM text: the server must detect it.
    server.send(
        PutClientCertificateOperation(
            "registered",
            base64.b64encode(bundle.cert_pem()).decode(),
            {DB: DatabaseAccess.READ},
            SecurityClearance.VALID_USER,
        )
    )
    got = server.send(GetCertificateOperation(tp))
    assert got.name == "registered" and got.thumbprint == tp
    assert got.permissions[DB] in (DatabaseAccess.READ, "Read")
    meta = server.send(GetCertificateMetadataOperation(tp))
    assert meta.name == "registered"
    by_name = server.send(GetCertificatesMetadataOperation("registered"))
    assert [m.thumbprint for m in by_name] == [tp]

    server.send(
        EditClientCertificateOperation(
            EditClientCertificateOperation.Parameters(
                tp, {DB: DatabaseAccess.READ_WRITE}, "renamed", SecurityClearance.VALID_USER, disabled=True
            )
        )
    )
    with cloud.state.lock:
        entry = cloud.state.products[PRODUCT_ID].cluster.certificates[tp]
        assert (entry.name, entry.disabled, entry.permissions[DB].value) == ("renamed", True, "ReadWrite")

    server.send(DeleteCertificateOperation(tp))
    assert server.send(GetCertificateOperation(tp)) is None  # 404 -> None


def test_generated_certificate_works_for_a_new_store(
    cloud: MockCloud, admin_store: DocumentStore, tmp_path: Path
) -> None:
    raw = admin_store.maintenance.server.send(
        CreateClientCertificateOperation("app", {DB: DatabaseAccess.READ_WRITE}, SecurityClearance.VALID_USER)
    )
    z = zipfile.ZipFile(io.BytesIO(raw.raw_data))
    pem = tmp_path / "app.pem"
    pem.write_bytes(z.read("app.crt") + z.read("app.key"))
    store = _store(cloud, pem)
    try:
        with store.open_session() as session:
            session.store(User("Ann", 31), "users/ann")
            session.save_changes()
        with store.open_session() as session:
            loaded = session.load("users/ann", User)
            assert (loaded.name, loaded.age) == ("Ann", 31)
        # No access to "audit": the client raises its AuthorizationException on the 403.
        other = _store(cloud, pem, database="audit")
        try:
            with pytest.raises(AuthorizationException), other.open_session() as session:
                session.load("users/ann", User)
        finally:
            other.close()
    finally:
        store.close()


def test_session_with_hilo_ids(admin_store: DocumentStore) -> None:
    with admin_store.open_session() as session:
        u = User("Bob")
        session.store(u)
        session.save_changes()
        doc_id = session.advanced.get_document_id(u)
    assert doc_id.lower().startswith("users/")
    with admin_store.open_session() as session:
        assert session.load(doc_id, User).name == "Bob"


def test_databases(admin_store: DocumentStore) -> None:
    server = admin_store.maintenance.server
    server.send(CreateDatabaseOperation(DatabaseRecord("sales")))
    assert "sales" in server.send(GetDatabaseNamesOperation(0, 25))
    assert server.send(GetDatabaseRecordOperation("sales")) is not None
    assert server.send(GetDatabaseRecordOperation("nope")) is None
    server.send(DeleteDatabaseOperation("sales", hard_delete=True))
    assert "sales" not in server.send(GetDatabaseNamesOperation(0, 25))
    build = server.send(GetBuildNumberOperation())
    assert build.product_version == "7.2"


def test_operator_cannot_generate_a_cluster_admin(cloud: MockCloud) -> None:
    store = _store(cloud, cloud.products[PRODUCT_ID].operator_pem)
    try:
        with pytest.raises(Exception, match="lower clearance: Operator"):
            store.maintenance.server.send(
                CreateClientCertificateOperation("boss", {}, SecurityClearance.CLUSTER_ADMIN)
            )
    finally:
        store.close()


@pytest.mark.skipif(routes.match("GET", f"/databases/{DB}/admin/record") is None,
                    reason="the route table in use does not have /databases/*/admin/record (RavenDB 7.2.7's has)")
def test_database_settings(admin_store: DocumentStore) -> None:
    # GetDatabaseSettingsOperation reads GET /databases/{db}/admin/record (AdminConfigurationHandler.
    # GetDatabaseRecord) and keeps its "Settings"; RavenDB's Ansible collection uses it too.
    record = DatabaseRecord("tuned")
    record.settings = {"Indexing.MapTimeoutInSec": "30"}
    admin_store.maintenance.server.send(CreateDatabaseOperation(record))
    got = admin_store.maintenance.for_database("tuned").send(GetDatabaseSettingsOperation("tuned"))
    assert got.settings == {"Indexing.MapTimeoutInSec": "30"}
    assert admin_store.maintenance.send(GetDatabaseSettingsOperation(DB)).settings == {}
