"""Identity and refusals as RavenDB 7.x writes them, over real mTLS sockets: the refusal's suffix and browser
paragraph, HTML refusals, RestrictedAccess, ``/certificates/whoami``, the unknown route, dot segments, and
the cost of identifying a certificate the cluster does not know. Each test names the C# source it follows."""

from __future__ import annotations

import http.client
import ssl
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from ravensec.core.certs.der import pinning_hash_of_der, thumbprint_of_der
from ravensec.core.models import SecurityClearance
from ravensec.mock import MockCloud
from ravensec.mock.authz import AuthStatus, identify
from ravensec.mock.backend import entry_for
from ravensec.mock.routes import Requirement, match
from ravensec.mock.state import CertEntry, CertStore, Cluster
from tests.mockserver.catalogue import server_text
from tests.mockserver.helpers import DB, PRODUCT_ID, identity_bundle, node_url, session, who

SUFFIX_OP = server_text(" Operator/ClusterAdmin access is required")
BROWSER = (
    "\nYour certificate store may be cached by the browser. Create a new private browsing tab, which will not "
    "cache any certificates. (Ctrl+Shift+N in Chrome, Ctrl+Shift+P in Firefox)"
)
NO_CERT = (
    "This server requires client certificate for authentication, but none was provided by the client. "
    "Did you forget to install the certificate?"
)

# The 7.2.7 table (another branch) makes whoami UnauthenticatedClients; until it lands here, the calls without
# a certificate or with an unknown one are refused before the handler.
_whoami = match("GET", "/certificates/whoami")
WHOAMI_UNAUTHENTICATED = _whoami is not None and _whoami.route.requirement == Requirement.UNAUTHENTICATED
needs_7_2_table = pytest.mark.skipif(
    not WHOAMI_UNAUTHENTICATED, reason="routes.tsv still has /certificates/whoami as ValidUser (pre-7.2 table)"
)


# ---- RequestRouter.UnlikelyFailAuthorizationAsync: suffix and browser paragraph ----------------------------


@pytest.mark.parametrize("ident", ["none", "unknown", "expired", "not-yet-valid"])
def test_the_clearance_suffix_follows_every_refusal(cloud: MockCloud, pem_dir: Path, ident: str) -> None:
    """RequestRouter.UnlikelyFailAuthorizationAsync appends the route's clearance suffix after the message of
    every status, no certificate and unknown included; the browser paragraph (RequestRouter
    .BrowserCertificateMessage) only for no or an unknown certificate, only without Raven-Client-Version."""
    s = session(cloud, who(ident, pem_dir))
    msg = s.get(node_url(cloud) + "/admin/certificates").json()["Message"]
    assert msg.endswith(SUFFIX_OP) and msg.count(SUFFIX_OP) == 1
    if ident == "none":
        assert msg == NO_CERT + BROWSER + SUFFIX_OP
    assert (BROWSER in msg) == (ident in ("none", "unknown"))
    # HttpRequestExtensions.IsFromClientApi: the official clients send Raven-Client-Version.
    api = s.get(node_url(cloud) + "/admin/certificates", headers={"Raven-Client-Version": "7.2.0.72000"})
    assert api.json()["Message"] == msg.replace(BROWSER, "")


def test_an_unknown_certificate_is_named_subject_then_thumbprint_in_one_quote(cloud: MockCloud, pem_dir: Path) -> None:
    """RequestRouter.UnlikelyFailAuthorizationAsync: name = Subject + "(Thumbprint: TP)", written '{name}'."""
    w = who("unknown", pem_dir)
    r = session(cloud, w).get(node_url(cloud) + "/cluster/topology", headers={"Raven-Client-Version": "7.2"})
    assert r.json()["Message"] == (
        f"The supplied client certificate 'CN=unknown(Thumbprint: {w.thumbprint})' is unknown to the server. "
        "In order to register your certificate please contact your system administrator."
    )


# ---- RequestRouter.UnlikelyFailAuthorizationAsync + RavenServerStartup.IsHtmlAcceptable -------------------


@pytest.mark.parametrize("accept", ["text/html,application/xhtml+xml,*/*;q=0.8", "text/*"])
def test_a_browser_refusal_is_a_redirect_to_the_auth_error_page(cloud: MockCloud, pem_dir: Path, accept: str) -> None:
    """RavenServerStartup.IsHtmlAcceptable (an Accept containing "text/html" or "text/*") turns the refusal
    into 302 Location: /auth-error.html?err= + Uri.EscapeDataString(message)."""
    s = session(cloud, who("none", pem_dir))
    r = s.get(node_url(cloud) + "/admin/certificates", headers={"Accept": accept}, allow_redirects=False)
    assert r.status_code == 302, r.text
    assert r.headers["Location"] == "/auth-error.html?err=" + quote(NO_CERT + BROWSER + SUFFIX_OP, safe="-_.~")
    assert "%20" in r.headers["Location"] and "%0A" in r.headers["Location"]  # spaces and the newline escaped


def test_a_client_accepting_anything_gets_the_json_refusal(cloud: MockCloud, pem_dir: Path) -> None:
    """RavenServerStartup.IsHtmlAcceptable: "*/*" is neither "text/html" nor "text/*"."""
    r = session(cloud, who("none", pem_dir)).get(node_url(cloud) + "/admin/certificates", headers={"Accept": "*/*"})
    assert r.status_code == 403 and r.json()["Type"] == "InvalidAuth"


# ---- RequestRouter.CanAccessRoute: RestrictedAccess ------------------------------------------------------


@pytest.mark.parametrize(("ident", "status"), [("user-none", 501), ("unknown", 501), ("none", 403), ("expired", 403)])
def test_restricted_access_routes_pass_users_and_unfamiliar_certificates(
    cloud: MockCloud, pem_dir: Path, ident: str, status: int
) -> None:
    """RequestRouter.CanAccessRoute: RestrictedAccess lets an Allowed certificate through (no database in the
    route) and an unfamiliar one ("we will authorize it at the endpoint level"); the mock does not simulate
    TcpConnectionInfoHandler, so passing authorization is its 501."""
    for path in ("/info/remote-task/topology", "/info/remote-task/tcp"):
        r = session(cloud, who(ident, pem_dir)).get(node_url(cloud) + path)
        assert r.status_code == status, (path, r.text)


# ---- AdminCertificatesHandler.WhoAmI -------------------------------------------------------------------


def test_whoami_of_a_registered_certificate_carries_the_two_factor_fields(cloud: MockCloud, pem_dir: Path) -> None:
    """AdminCertificatesHandler.WhoAmI writes the registered definition; the Studio's
    getClientCertificateCommand reads it as CertificateDefinition & {HasTwoFactor, TwoFactorExpirationDate}."""
    w = who("user-rw", pem_dir)
    body = session(cloud, w).get(node_url(cloud) + "/certificates/whoami").json()
    assert body["Name"] == "user-rw" and body["Thumbprint"] == w.thumbprint
    assert body["HasTwoFactor"] is False and body["TwoFactorExpirationDate"] is None


def test_whoami_names_a_well_known_admin_certificate(cloud: MockCloud, pem_dir: Path) -> None:
    """AdminCertificatesHandler.WhoAmI: a certificate of Security.WellKnownCertificates.Admin that is not
    registered gets a synthesized "Well Known Admin Certificate" definition (ClusterAdmin, no permissions,
    its thumbprint and pinning hash, no dates)."""
    from ravensec.core.certs.generate import make_client_certificate

    bundle = make_client_certificate("wk-admin", key_type="ec-p256")
    pem = pem_dir / "wk-admin.pem"
    pem.write_bytes(bundle.combined_pem())
    pem.chmod(0o600)
    tp = thumbprint_of_der(bundle.cert_der())
    with cloud.state.lock:
        cloud.state.products[PRODUCT_ID].cluster.well_known_admin_thumbprints.append(tp.lower())
    s = session(cloud, who("none", pem_dir))
    s.cert = str(pem)
    r = s.get(node_url(cloud) + "/certificates/whoami")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["Name"] == "Well Known Admin Certificate" and body["SecurityClearance"] == "ClusterAdmin"
    assert body["Thumbprint"] == tp and body["Permissions"] == {}
    assert body["PublicKeyPinningHash"] == pinning_hash_of_der(bundle.cert_der())
    assert body["NotAfter"] is None and body["Certificate"] is None
    assert s.get(node_url(cloud) + "/admin/certificates/mode").status_code == 501  # and it is a Cluster Admin


@needs_7_2_table
@pytest.mark.parametrize(("ident", "status", "body"), [("none", 204, b""), ("unknown", 200, b"null")])
def test_whoami_needs_no_authorization(cloud: MockCloud, pem_dir: Path, ident: str, status: int, body: bytes) -> None:
    """/certificates/whoami is UnauthenticatedClients in 7.2.7. AdminCertificatesHandler.WhoAmI: 204 when
    GetCurrentCertificate() is null; for a certificate it can name nothing for, writer.WriteObject(null)."""
    r = session(cloud, who(ident, pem_dir)).get(node_url(cloud) + "/certificates/whoami")
    assert (r.status_code, r.content) == (status, body), r.text


@needs_7_2_table
def test_whoami_names_an_expired_registered_certificate(cloud: MockCloud, pem_dir: Path) -> None:
    """AdminCertificatesHandler.WhoAmI reads the cluster by the connection certificate's thumbprint, whatever
    its state: an expired registered certificate is still named."""
    r = session(cloud, who("expired", pem_dir)).get(node_url(cloud) + "/certificates/whoami")
    assert r.status_code == 200 and r.json()["Name"] == "expired"


# ---- RequestRouter.HandlePath: the unknown route, and the path Kestrel hands it -------------------------


def test_the_unknown_route_message(cloud: MockCloud, pem_dir: Path) -> None:
    """RequestRouter.HandlePath: RouteNotFoundException("There is no handler for path: {Method}
    {Request.Path.Value}{Request.QueryString}")."""
    s = session(cloud, who("none", pem_dir))
    r = s.get(node_url(cloud) + "/p?x=1")
    assert r.status_code == 400
    assert r.json()["Message"] == "There is no handler for path: GET /p?x=1"
    assert s.get(node_url(cloud) + "/p").json()["Message"] == "There is no handler for path: GET /p"


def _raw_get(cloud: MockCloud, path: str, pem: Path | None) -> tuple[int, dict[str, Any]]:
    """GET ``path`` byte for byte (``requests``/urllib3 would resolve the dot segments before sending)."""
    url = urlsplit(node_url(cloud))
    ctx = ssl.create_default_context(cafile=str(cloud.ca_path))
    if pem is not None:
        ctx.load_cert_chain(str(pem))
    conn = http.client.HTTPSConnection(url.hostname or "", url.port, context=ctx, timeout=10)
    try:
        conn.request("GET", path, headers={"Raven-Client-Version": "7.2"})
        resp = conn.getresponse()
        import json

        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


@pytest.mark.parametrize(
    "path",
    [
        "/studio/../admin/certificates",
        "/studio/%2e%2e/admin/certificates",
        "/studio/%2E%2E/admin/./certificates",
        "/studio/x/../../admin/certificates/",
    ],
)
def test_dot_segments_are_resolved_before_routing(cloud: MockCloud, pem_dir: Path, path: str) -> None:
    """Kestrel (the server's web host) decodes the path and removes dot segments before RequestRouter.HandlePath
    matches it: these reach /admin/certificates (Operator), not the unauthenticated /studio/$ prefix."""
    status, body = _raw_get(cloud, path, None)
    assert status == 403 and body["Type"] == "InvalidAuth", body
    assert body["Message"] == NO_CERT + SUFFIX_OP
    status, body = _raw_get(cloud, path, who("operator", pem_dir).pem)
    assert status == 200 and "Results" in body


def test_an_encoded_database_name_is_still_decoded_once(cloud: MockCloud, pem_dir: Path) -> None:
    """Kestrel decodes the path once; the database segment is the name."""
    status, body = _raw_get(cloud, f"/databases/{DB[0]}%72{DB[2:]}/docs?id=a", who("user-rw", pem_dir).pem)
    assert status == 404, body


# ---- identify: O(1) per request for a certificate the cluster does not know -----------------------------


class _CountingStore(CertStore):
    """A CertStore that counts the walks over its entries."""

    walks = 0

    def items(self):  # type: ignore[no-untyped-def,override]
        type(self).walks += 1
        return super().items()

    def values(self):  # type: ignore[no-untyped-def,override]
        type(self).walks += 1
        return super().values()


def test_identify_does_not_scan_the_certificates_per_request() -> None:
    """RavenServer.AuthenticateConnectionCertificate looks a certificate up by thumbprint, then by pinning hash
    (ClusterStateMachine.GetCertificateByThumbprint / GetCertificatesByPinningHash, both indexed): with 10,000
    registered certificates, an unknown one costs no walk over them once the index of the store's version is
    built; a change of the certificates (a new version) builds it once more."""
    known = entry_for(identity_bundle("user-rw").certificate, "user-rw", SecurityClearance.VALID_USER, {})
    fakes = {
        f"{i:040X}": CertEntry(
            name=f"c{i}",
            thumbprint=f"{i:040X}",
            clearance=SecurityClearance.VALID_USER,
            permissions={},
            not_before=known.not_before,
            not_after=known.not_after,
            pinning_hash=f"hash-{i}",
            der=b"not a certificate",
        )
        for i in range(10_000)
    }
    store = _CountingStore({**fakes, known.thumbprint: known})
    cluster = Cluster(certificates=store)
    stranger = identity_bundle("unknown").cert_der()
    now = datetime.now(UTC)
    _CountingStore.walks = 0
    for _ in range(200):
        assert identify(cluster, stranger, now).status == AuthStatus.UNFAMILIAR_CERTIFICATE
        assert identify(cluster, known.der, now).status == AuthStatus.ALLOWED
    assert _CountingStore.walks <= 2  # one index build (thumbprints and pinning hashes)
    store["EXTRA"] = known  # a new version
    assert identify(cluster, stranger, now).status == AuthStatus.UNFAMILIAR_CERTIFICATE
    assert _CountingStore.walks <= 4


def test_a_remembered_identity_is_still_judged_by_the_clock_and_the_store() -> None:
    """identify() remembers what a certificate is per store version (a keep-alive caller's every request), but
    RavenServer.AuthenticateConnectionCertificate judges the dates first on each request: the same DER becomes
    Expired when the world's clock passes its NotAfter, and NotYetValid before its NotBefore; a change of the
    certificates (disable) is seen at once."""
    bundle = identity_bundle("user-rw")
    known = entry_for(bundle.certificate, "user-rw", SecurityClearance.VALID_USER, {})
    cluster = Cluster(certificates=CertStore({known.thumbprint: known}))
    der = bundle.cert_der()
    now = datetime.now(UTC)
    assert identify(cluster, der, now).status == AuthStatus.ALLOWED
    late = identify(cluster, der, known.not_after.replace(year=known.not_after.year + 1))
    assert late.status == AuthStatus.EXPIRED and late.entry is None and not late.permissions
    early = known.not_before.replace(year=known.not_before.year - 1)
    assert identify(cluster, der, early, real_now=early).status == AuthStatus.NOT_YET_VALID
    assert identify(cluster, der, now).status == AuthStatus.ALLOWED
    cluster.certificates[known.thumbprint] = replace(known, disabled=True)
    assert identify(cluster, der, now).status == AuthStatus.DISABLED
