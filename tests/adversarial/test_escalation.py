"""Issue 6.1, no escalation: every route of the node route table x every identity, and every portal route x
every API-key situation, answered as the real server would, with the world unchanged by every refusal.

The expectations are data (EXPECT, PORTAL_EXPECT); the route lists are derived from the mock's own tables,
and ``test_matrix_covers_every_route`` fails the moment a route appears that the data does not decide.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from urllib3.util import SKIP_HEADER  # urllib3 would add a User-Agent of its own

from ravensec.core.models import SecurityClearance
from ravensec.mock import MockCloud
from ravensec.mock.backend import CloudBackend
from ravensec.mock.portal.app import build_portal_app
from ravensec.mock.routes import Route, example_path, load_routes
from ravensec.mock.state import Account, CloudState
from tests.adversarial.fingerprint import state_fingerprint
from tests.mockserver.helpers import API_KEY, DB, PRODUCT_ID, Who, node_url, session, who

# A route's category: (requirement, endpoint type, database scoped) exactly as routes.tsv gives them.
Category = tuple[str, str, bool]
UNAUTH: Category = ("UnauthenticatedClients", "", False)
USER_SERVER_R: Category = ("ValidUser", "Read", False)
USER_SERVER_W: Category = ("ValidUser", "Write", False)
USER_DB_R: Category = ("ValidUser", "Read", True)
USER_DB_W: Category = ("ValidUser", "Write", True)
DB_ADMIN: Category = ("DatabaseAdmin", "", True)
OPERATOR: Category = ("Operator", "", False)
CLUSTER_ADMIN: Category = ("ClusterAdmin", "", False)
RESTRICTED: Category = ("RestrictedAccess", "", False)
CATEGORIES = (
    UNAUTH,
    USER_SERVER_R,
    USER_SERVER_W,
    USER_DB_R,
    USER_DB_W,
    DB_ADMIN,
    OPERATOR,
    CLUSTER_ADMIN,
    RESTRICTED,
)

# What a refusal's message starts with (RequestRouter.UnlikelyFailAuthorizationAsync), per identity; "ok" = allowed.
NO_CERT = "This server requires client certificate for authentication, but none was provided"
UNKNOWN = "The supplied client certificate {q} is unknown to the server."
EXPIRED = "The supplied client certificate {q} has expired on "
NOT_YET = "The supplied client certificate {q} cannot be used before "
DISABLED = "The supplied client certificate {q} is disabled."
INSUFFICIENT = "Insufficient security clearance to access the server using provided client certificate {q}."
DENIED = "Could not authorize access to {target} using provided client certificate {q}."
OK = "ok"


def _all(answer: str) -> dict[Category, str]:
    return {c: (OK if c == UNAUTH else answer) for c in CATEGORIES}


def _user(*allowed: Category) -> dict[Category, str]:
    # RequestRouter.CanAccessRoute: an Allowed certificate passes RestrictedAccess server routes (the handler
    # authorizes it).
    return {c: (OK if c in (UNAUTH, RESTRICTED, *allowed) else DENIED) for c in CATEGORIES}


def _unfamiliar() -> dict[Category, str]:
    # RequestRouter.CanAccessRoute: an unfamiliar certificate passes RestrictedAccess routes, nothing else.
    return {c: (OK if c in (UNAUTH, RESTRICTED) else UNKNOWN) for c in CATEGORIES}


# identity -> route category -> expected answer. Every category of RequestRouter.CanAccessRoute.
EXPECT: dict[str, dict[Category, str]] = {
    "cluster-admin": {c: OK for c in CATEGORIES},
    "operator": {c: (INSUFFICIENT if c == CLUSTER_ADMIN else OK) for c in CATEGORIES},
    "user-admin": _user(USER_SERVER_R, USER_SERVER_W, USER_DB_R, USER_DB_W, DB_ADMIN),
    "user-rw": _user(USER_SERVER_R, USER_SERVER_W, USER_DB_R, USER_DB_W),
    "user-read": _user(USER_SERVER_R, USER_SERVER_W, USER_DB_R),
    "user-none": _user(USER_SERVER_R, USER_SERVER_W),
    "none": _all(NO_CERT),
    "unknown": _unfamiliar(),
    "expired": _all(EXPIRED),
    "not-yet-valid": _all(NOT_YET),
    "disabled": _all(DISABLED),
    "deleted": _unfamiliar(),  # an Operator deleted on a live keep-alive connection just before
}

# aiohttp's HTTP parser refuses the non-standard RESET method before any handler (400, pinned in
# tests/mockserver/test_authz_matrix.py): the only routes the matrix cannot reach.
UNREACHABLE = {(r.method, r.path) for r in load_routes() if r.method == "RESET"}


def category(route: Route) -> Category:
    return (route.requirement.value, route.endpoint_type, route.database_scoped)


def _routes() -> list[Route]:
    return [r for r in load_routes() if (r.method, r.path) not in UNREACHABLE]


def test_matrix_covers_every_route() -> None:
    routes = load_routes()
    assert len(routes) == 622
    for r in routes:
        if (r.method, r.path) in UNREACHABLE:
            continue
        for ident, row in EXPECT.items():
            assert category(r) in row, f"{ident} has no expectation for {r.method} {r.path} {category(r)}"
    assert len(UNREACHABLE) == 2


@pytest.fixture
def deleted(cloud: MockCloud, pem_dir: Path) -> Iterator[tuple[Who, requests.Session]]:
    """An Operator certificate that worked on a keep-alive connection and was deleted right after."""
    from ravensec.core.certs.der import thumbprint_of_der
    from ravensec.core.certs.generate import generate_key, make_client_certificate

    bundle = make_client_certificate("deleted-op", key_type="ec-p256", key=generate_key("ec-p256", seed=777))
    path = pem_dir / "deleted.pem"
    path.write_bytes(bundle.combined_pem())
    path.chmod(0o600)
    tp = thumbprint_of_der(bundle.cert_der())
    CloudBackend(cloud.state).cluster(PRODUCT_ID).register(
        "deleted-op", SecurityClearance.OPERATOR, {}, bundle.certificate
    )
    w = Who("deleted", path, tp)
    s = session(cloud, w)
    assert s.get(node_url(cloud) + "/admin/certificates").status_code == 200
    admin = session(cloud, who("cluster-admin", pem_dir))
    r = admin.delete(node_url(cloud, "B") + f"/admin/certificates?thumbprint={tp}")
    assert r.status_code == 204, r.text
    yield w, s
    s.close()
    admin.close()


def _expected_message(answer: str, ident: Who, route: Route) -> str:
    name = {"operator": "shop.operator", "cluster-admin": "shop.cluster-admin", "deleted": "deleted-op"}
    # RequestRouter.UnlikelyFailAuthorizationAsync: 'Subject(Thumbprint: TP)', quoted whole.
    q = f"'CN={name.get(ident.name, ident.name)}(Thumbprint: {ident.thumbprint})'"
    target = DB if route.database_scoped else "the server"
    return answer.format(q=q, target=target)


def expectation(ident: str, route: Route) -> str:
    row = EXPECT[ident]
    # The Studio's main page, unauthenticated by its category, still wants a certificate the server knows.
    if route.path == "/studio/index.html" and row[OPERATOR] in (NO_CERT, UNKNOWN, EXPIRED, NOT_YET, DISABLED):
        return row[OPERATOR]
    return row[category(route)]


def _sweep(cloud: MockCloud, ident: Who, s: requests.Session) -> None:
    refused = [r for r in _routes() if expectation(ident.name, r) != OK]
    allowed = [r for r in _routes() if expectation(ident.name, r) == OK]
    before = state_fingerprint(cloud.state)
    for route in refused:
        r = s.request(route.method, node_url(cloud) + example_path(route, DB), data=b"{}")
        where = f"{ident.name} {route.method} {route.path}: {r.status_code} {r.text[:300]}"
        assert r.status_code == 403, where
        if route.method == "HEAD":
            continue
        assert r.headers["Content-Type"] == "application/json; charset=utf-8", where
        body = r.json()
        assert body["Type"] == "InvalidAuth", where
        assert body["Message"].startswith(_expected_message(expectation(ident.name, route), ident, route)), where
    assert state_fingerprint(cloud.state) == before, f"a refused request of {ident.name} changed the world"
    # Allowed routes: never refused, never an unhandled crash of the mock (its 500s carry the server's types).
    for route in allowed:
        r = s.request(route.method, node_url(cloud) + example_path(route, DB), data=b"{}")
        where = f"{ident.name} {route.method} {route.path}: {r.status_code} {r.text[:300]}"
        assert r.status_code != 403 or "InvalidAuth" not in r.text, where
        if r.status_code >= 500 and route.method != "HEAD":
            kind = r.json()["Type"]
            assert kind != "RavensecMock.InternalError", where
            assert kind.startswith(("System.", "Raven.", "NotSimulated")), where


@pytest.mark.parametrize("ident", [i for i in EXPECT if i != "deleted"])
def test_every_route_for_every_identity(cloud: MockCloud, pem_dir: Path, ident: str) -> None:
    w = who(ident, pem_dir)
    with session(cloud, w) as s:
        _sweep(cloud, w, s)


def test_every_route_for_a_certificate_deleted_on_a_live_connection(
    cloud: MockCloud, deleted: tuple[Who, requests.Session]
) -> None:
    w, s = deleted
    _sweep(cloud, w, s)


# ---- the portal: every route of its router x every API-key situation --------------------------------

# situation -> (headers, expected status). Gateway order: User-Agent (403) before the key (401).
PORTAL_EXPECT: dict[str, tuple[dict[str, str], int | None]] = {
    "valid key": ({"X-Api-Key": API_KEY, "User-Agent": "adv"}, None),  # None: anything but 401/403
    "no key": ({"User-Agent": "adv"}, 401),
    "wrong key": ({"X-Api-Key": "not-" + API_KEY, "User-Agent": "adv"}, 401),
    "empty key": ({"X-Api-Key": "", "User-Agent": "adv"}, 401),
    "revoked key": ({"X-Api-Key": "revoked-key", "User-Agent": "adv"}, 401),
    "no user agent": ({"X-Api-Key": API_KEY, "User-Agent": SKIP_HEADER}, 403),
}


def portal_routes() -> list[tuple[str, str]]:
    """(method, concrete path) for every route of the portal's router, derived from the app itself."""
    app = build_portal_app(CloudState(account=Account("x", set(), b"k" * 32)))
    out: list[tuple[str, str]] = []
    for res in app.router.resources():
        canonical = res.canonical
        path = (
            canonical.replace("{id}", PRODUCT_ID)
            .replace("{provider}", "aws")
            .replace("{region}", "us-east-1")
            .replace("{database}", DB)
            .replace("{file}", "x.ravendbdump")
            .replace("{tail}", "no/such/thing")
        )
        assert "{" not in path, f"portal route {canonical} has a parameter this matrix does not fill"
        for route in res:
            methods = ["GET", "POST", "PUT", "DELETE"] if route.method == "*" else [route.method]
            out.extend((m, path) for m in methods if m != "HEAD")
    return out


def test_portal_route_list_is_complete() -> None:
    paths = {p for _m, p in portal_routes()}
    assert len(portal_routes()) >= 21
    assert "/ext/v1/state" in paths and "/api/v1/products/create" in paths


@pytest.mark.parametrize("situation", list(PORTAL_EXPECT))
def test_every_portal_route_for_every_key(cloud: MockCloud, situation: str) -> None:
    headers, status = PORTAL_EXPECT[situation]
    if situation == "revoked key":
        cloud.state.account.api_keys.add("revoked-key")
    s = requests.Session()
    s.trust_env = False
    s.verify = str(cloud.ca_path)
    if situation == "revoked key":
        # Works, then is revoked: the very next request on the same connection is refused.
        assert s.get(cloud.portal_url + "/api/v1/account/info", headers=headers).status_code == 200
        with cloud.state.lock:
            cloud.state.account.api_keys.discard("revoked-key")
    before = state_fingerprint(cloud.state)
    for method, path in portal_routes():
        r = s.request(method, cloud.portal_url + path, headers=headers, data=b"{}")
        where = f"{situation} {method} {path}: {r.status_code} {r.text[:200]}"
        if status is None:
            assert r.status_code not in (401, 403), where
            assert r.status_code < 500, where
        else:
            assert r.status_code == status, where
    if status is not None:
        assert state_fingerprint(cloud.state) == before, (
            f"a refused portal request ({situation}) changed state"
        )
    s.close()
