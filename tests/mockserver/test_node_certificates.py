"""``/admin/certificates`` over real mTLS: listing, generate, register (DER, PEM, PFX, several leaves),
edit, delete, purge and export, with the clearance rules that answer 500 from inside the handler."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.certs.der import thumbprint_of_der
from ravensec.mock import MockCloud
from tests.mockserver.catalogue import server_text
from tests.mockserver.helpers import DB, PRODUCT_ID, node_url, session, who

URL = "/admin/certificates"


def _fresh(name: str, seed: int, days: int = 365) -> CertBundle:
    from ravensec.core.certs.generate import generate_key, make_client_certificate

    now = datetime.now(UTC)
    return make_client_certificate(
        name,
        key_type="ec-p256",
        key=generate_key("ec-p256", seed=seed),
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=days),
    )


def _call(cloud: MockCloud, pem_dir: Path, ident: str, method: str, path: str, body: object = None):  # type: ignore[no-untyped-def]
    return session(cloud, who(ident, pem_dir)).request(method, node_url(cloud) + path, json=body)


def _error(r) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    assert r.status_code == 500, r.text
    body = r.json()
    return body["Type"], body["Message"]


def test_listing_has_the_server_certificate_and_every_field(cloud: MockCloud, pem_dir: Path) -> None:
    r = _call(cloud, pem_dir, "operator", "GET", URL)
    assert r.status_code == 200
    body = r.json()
    names = [d["Name"] for d in body["Results"]]
    assert names[0] == "Server Certificate"
    assert "shop.cluster-admin" in names  # operators see Cluster Admin certificates too
    server = body["Results"][0]
    assert server["SecurityClearance"] == "ClusterNode"
    assert body["LoadedServerCert"] == server["Thumbprint"]
    d = next(d for d in body["Results"] if d["Name"] == "user-rw")
    for key in (
        "Certificate",
        "Thumbprint",
        "SecurityClearance",
        "Permissions",
        "NotAfter",
        "NotBefore",
        "PublicKeyPinningHash",
        "CollectionPrimaryKey",
        "CollectionSecondaryKeys",
        "Disabled",
    ):
        assert key in d
    assert d["Permissions"] == {DB: "ReadWrite"}
    assert d["NotAfter"].endswith("0") and len(d["NotAfter"].split(".")[1]) == 7
    assert thumbprint_of_der(base64.b64decode(d["Certificate"])) == d["Thumbprint"]


def test_listing_filters_pages_and_404s(cloud: MockCloud, pem_dir: Path) -> None:
    tp = who("user-rw", pem_dir).thumbprint
    one = _call(cloud, pem_dir, "operator", "GET", f"{URL}?thumbprint={tp.lower()}&metadataOnly=true").json()
    assert [d["Thumbprint"] for d in one["Results"]] == [tp]
    assert "Certificate" not in one["Results"][0]
    assert _call(cloud, pem_dir, "operator", "GET", f"{URL}?thumbprint={'0' * 40}").status_code == 404
    assert _call(cloud, pem_dir, "operator", "GET", f"{URL}?thumbprint={'0' * 40}").content == b""
    named = _call(cloud, pem_dir, "operator", "GET", f"{URL}?name=user-read&metadataOnly=true").json()[
        "Results"
    ]
    assert [d["Name"] for d in named] == ["user-read"]
    page = _call(cloud, pem_dir, "operator", "GET", f"{URL}?start=2&pageSize=3").json()["Results"]
    full = _call(cloud, pem_dir, "operator", "GET", URL).json()["Results"]
    assert [d["Name"] for d in page] == [d["Name"] for d in full[2:5]]


def test_generate_returns_a_zip_and_registers_the_certificate(
    cloud: MockCloud, pem_dir: Path, tmp_path: Path
) -> None:
    body = {
        "Name": "app",
        "SecurityClearance": "ValidUser",
        "Permissions": {DB: "ReadWrite"},
        "Password": "pw",
    }
    r = _call(cloud, pem_dir, "operator", "POST", URL, body)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert r.headers["Content-Disposition"] == "attachment; filename=app.zip"
    z = zipfile.ZipFile(io.BytesIO(r.content))
    assert sorted(z.namelist()) == ["app.crt", "app.key", "app.pfx"]
    cert = x509.load_pem_x509_certificate(z.read("app.crt"))
    key = serialization.load_pem_private_key(z.read("app.key"), b"pw")
    assert pkcs12.load_key_and_certificates(z.read("app.pfx"), b"pw")[1] == cert
    assert cert.issuer == x509.load_pem_x509_certificate(Path(cloud.ca_path).read_bytes()).subject
    lifetime = cert.not_valid_after_utc - datetime.now(UTC)
    assert timedelta(days=5 * 365 - 2) < lifetime < timedelta(days=5 * 365 + 2)
    tp = thumbprint_of_der(cert.public_bytes(serialization.Encoding.DER))
    with cloud.state.lock:
        entry = cloud.state.products[PRODUCT_ID].cluster.certificates[tp]
        assert entry.generated_by_server and entry.clearance.value == "ValidUser"
    # The new certificate works at once.
    pem = tmp_path / "app.pem"
    pem.write_bytes(
        z.read("app.crt")
        + key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    s = session(cloud, who("none", pem_dir))
    s.cert = str(pem)
    assert s.get(node_url(cloud) + "/certificates/whoami").json()["Name"] == "app"


def test_generate_cluster_admin_needs_a_cluster_admin(cloud: MockCloud, pem_dir: Path) -> None:
    body = {"Name": "boss", "SecurityClearance": "ClusterAdmin", "Permissions": {}}
    assert _error(_call(cloud, pem_dir, "operator", "POST", URL, body)) == (
        "System.InvalidOperationException",
        "Cannot generate the client certificate 'boss' with 'Cluster Admin' security clearance because the "
        "current client certificate being used has a lower clearance: Operator",
    )
    assert _call(cloud, pem_dir, "cluster-admin", "POST", URL, body).status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"SecurityClearance": "ValidUser", "Permissions": {}},
            "Name is a required field in the certificate definition",
        ),
        (
            {"Name": "x", "SecurityClearance": "ValidUser"},
            "Permissions is a required field in the certificate definition",
        ),
        (
            {"Name": "x", "SecurityClearance": "ValidUser", "Permissions": {"": "Read"}},
            "Error in permissions in the certificate definition, database name is empty",
        ),
        (
            {"Name": "x", "SecurityClearance": "ValidUser", "Permissions": {DB: "Write"}},
            f"Error in permissions in the certificate definition, invalid access Write for database {DB}",
        ),
        (
            {
                "Name": "x",
                "SecurityClearance": "ValidUser",
                "Permissions": {},
                "NotAfter": "2001-01-01T00:00:00.0000000",
            },
            "The certificate expiration date must be in the future.",
        ),
    ],
)
def test_generate_validation(cloud: MockCloud, pem_dir: Path, body: dict, message: str) -> None:  # type: ignore[type-arg]
    assert _error(_call(cloud, pem_dir, "operator", "POST", URL, body)) == (
        "System.ArgumentException",
        message,
    )


def _register_body(name: str, cert_field: str, clearance: str = "ValidUser") -> dict:  # type: ignore[type-arg]
    return {
        "Name": name,
        "Certificate": cert_field,
        "SecurityClearance": clearance,
        "Permissions": {DB: "Read"},
    }


@pytest.mark.parametrize("encoding", ["der", "pem", "pfx"])
def test_register_accepts_der_pem_and_pfx(cloud: MockCloud, pem_dir: Path, encoding: str) -> None:
    b = _fresh(f"reg-{encoding}", 400 + len(encoding))
    raw = {
        "der": b.cert_der(),
        "pem": b.cert_pem(),
        "pfx": pkcs12.serialize_key_and_certificates(
            b"x", None, b.certificate, None, serialization.NoEncryption()
        ),
    }[encoding]
    r = _call(cloud, pem_dir, "operator", "PUT", URL, _register_body("reg", base64.b64encode(raw).decode()))
    assert r.status_code == 201 and r.content == b""
    tp = thumbprint_of_der(b.cert_der())
    d = _call(cloud, pem_dir, "operator", "GET", f"{URL}?thumbprint={tp}").json()["Results"][0]
    assert (d["Name"], d["Permissions"], d["SecurityClearance"]) == ("reg", {DB: "Read"}, "ValidUser")


def test_register_several_leaves_makes_one_primary_with_secondaries(cloud: MockCloud, pem_dir: Path) -> None:
    a, b = _fresh("leaf-a", 501), _fresh("leaf-b", 502)
    body = _register_body("pair", base64.b64encode(a.cert_pem() + b.cert_pem()).decode())
    assert _call(cloud, pem_dir, "operator", "PUT", URL, body).status_code == 201
    tpa, tpb = thumbprint_of_der(a.cert_der()), thumbprint_of_der(b.cert_der())
    listed = _call(cloud, pem_dir, "operator", "GET", URL).json()["Results"]
    primary = next(d for d in listed if d["Thumbprint"] == tpa)
    assert primary["CollectionSecondaryKeys"] == [tpb]
    assert all(d["Thumbprint"] != tpb for d in listed)  # secondaries only with secondary=true
    with_secondary = _call(cloud, pem_dir, "operator", "GET", f"{URL}?secondary=true").json()["Results"]
    assert next(d for d in with_secondary if d["Thumbprint"] == tpb)["CollectionPrimaryKey"] == tpa


def test_register_errors(cloud: MockCloud, pem_dir: Path) -> None:
    assert _error(_call(cloud, pem_dir, "operator", "PUT", URL, _register_body("x", "not base64!!"))) == (
        "System.ArgumentException",
        "Unable to parse the Certificate property, expected a Base64 value",
    )
    r = _call(cloud, pem_dir, "operator", "PUT", URL, _register_body("x", base64.b64encode(b"junk").decode()))
    t, m = _error(r)
    assert (t, m) == ("System.InvalidOperationException", "Failed to put certificate x in the cluster.")
    assert "Unable to load the provided certificate." in r.json()["Error"]
    b = _fresh("would-be-admin", 601)
    r = _call(
        cloud,
        pem_dir,
        "operator",
        "PUT",
        URL,
        _register_body("adm", base64.b64encode(b.cert_der()).decode(), "ClusterAdmin"),
    )
    assert _error(r)[1] == (
        "Cannot save the certificate 'adm' with 'ClusterAdmin' security clearance because the current client "
        "certificate being used has a lower clearance: Operator"
    )


def test_edit_keeps_thumbprint_and_applies_disabled(cloud: MockCloud, pem_dir: Path) -> None:
    rw = who("user-rw", pem_dir)
    body = {
        "Thumbprint": rw.thumbprint,
        "Name": "renamed",
        "SecurityClearance": "ValidUser",
        "Permissions": {DB: "Admin"},
        "Disabled": False,
    }
    assert _call(cloud, pem_dir, "operator", "POST", URL + "/edit", body).status_code == 201
    d = _call(cloud, pem_dir, "operator", "GET", f"{URL}?thumbprint={rw.thumbprint}").json()["Results"][0]
    assert (d["Name"], d["Permissions"], d["Disabled"]) == ("renamed", {DB: "Admin"}, False)
    assert (
        _call(cloud, pem_dir, "user-rw", "GET", f"/databases/{DB}/admin/configuration/settings").status_code
        == 501
    )
    body["Disabled"] = True
    assert _call(cloud, pem_dir, "operator", "POST", URL + "/edit", body).status_code == 201
    assert _call(cloud, pem_dir, "user-rw", "GET", "/cluster/topology").status_code == 403


def test_edit_clearance_rules(cloud: MockCloud, pem_dir: Path) -> None:
    ca_tp = who("cluster-admin", pem_dir).thumbprint
    body = {"Thumbprint": ca_tp, "Name": "x", "SecurityClearance": "Operator", "Permissions": {}}
    assert _error(_call(cloud, pem_dir, "operator", "POST", URL + "/edit", body))[1] == (
        "Cannot edit the certificate 'shop.cluster-admin'. It has 'ClusterAdmin' security clearance while the "
        "current client certificate being used has a lower clearance: Operator"
    )
    body = {
        "Thumbprint": who("user-rw", pem_dir).thumbprint,
        "Name": "x",
        "SecurityClearance": "ClusterAdmin",
        "Permissions": {},
    }
    assert _error(_call(cloud, pem_dir, "operator", "POST", URL + "/edit", body))[1] == (
        "Cannot edit security clearance to 'ClusterAdmin' for certificate 'user-rw'. Only a 'Cluster Admin' can do "
        "that and your current client certificate has a lower clearance: Operator"
    )
    body["Thumbprint"] = "AB" * 20
    assert _error(_call(cloud, pem_dir, "operator", "POST", URL + "/edit", body))[1] == (
        f"Cannot edit permissions for certificate with thumbprint '{'AB' * 20}'. It doesn't exist in the cluster."
    )
    assert (
        _call(
            cloud,
            pem_dir,
            "cluster-admin",
            "POST",
            URL + "/edit",
            {**body, "Thumbprint": who("user-rw", pem_dir).thumbprint},
        ).status_code
        == 201
    )


def test_delete_rules(cloud: MockCloud, pem_dir: Path) -> None:
    op = who("operator", pem_dir)
    assert _error(_call(cloud, pem_dir, "operator", "DELETE", URL))[1] == (
        "Query string value 'thumbprint' must have a non empty value"
    )
    assert _error(_call(cloud, pem_dir, "operator", "DELETE", f"{URL}?thumbprint={op.thumbprint}"))[1] == (
        "Cannot delete shop.operator because it's the current client certificate being used"
    )
    ca_tp = who("cluster-admin", pem_dir).thumbprint
    assert (
        "lower clearance: Operator"
        in _error(_call(cloud, pem_dir, "operator", "DELETE", f"{URL}?thumbprint={ca_tp}"))[1]
    )
    assert _call(cloud, pem_dir, "operator", "DELETE", f"{URL}?thumbprint={'C' * 40}").status_code == 204
    rw = who("user-rw", pem_dir).thumbprint
    assert _call(cloud, pem_dir, "operator", "DELETE", f"{URL}?thumbprint={rw}").status_code == 204
    assert _call(cloud, pem_dir, "operator", "GET", f"{URL}?thumbprint={rw}").status_code == 404


def test_purge_removes_only_expired(cloud: MockCloud, pem_dir: Path) -> None:
    assert _call(cloud, pem_dir, "operator", "DELETE", URL + "/purge").status_code == 204
    names = {d["Name"] for d in _call(cloud, pem_dir, "operator", "GET", URL).json()["Results"]}
    assert "expired" not in names and {"not-yet-valid", "user-rw"} <= names


def test_export_is_a_pfx_of_the_server_certificate(cloud: MockCloud, pem_dir: Path) -> None:
    r = _call(cloud, pem_dir, "operator", "GET", URL + "/export")
    assert r.status_code == 200
    loaded = pkcs12.load_pkcs12(r.content, None)
    assert loaded.key is None
    certs = [c.certificate for c in loaded.additional_certs]
    server_tp = _call(cloud, pem_dir, "operator", "GET", URL).json()["LoadedServerCert"]
    assert [thumbprint_of_der(c.public_bytes(serialization.Encoding.DER)) for c in certs] == [server_tp]


def test_users_cannot_reach_certificates_at_all(cloud: MockCloud, pem_dir: Path) -> None:
    r = _call(cloud, pem_dir, "user-admin", "GET", URL)
    assert r.status_code == 403
    assert r.json()["Message"].endswith(server_text(" Operator/ClusterAdmin access is required"))
