"""Real TLS: node certificates, and every kind of client certificate completing the handshake."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from cryptography import x509

from ravensec.mock import MockCloud, tls
from tests.mockserver.helpers import PRODUCT_ID, identity_bundle, node_url, session, who


def test_hook_is_active_on_this_platform() -> None:
    # The whole mock relies on it; if this fails the fallback (documented below) is in use.
    assert tls.accept_any_client_cert()


def test_node_certificate_names_localhost_and_127_0_0_1_and_chains_to_the_ca(cloud: MockCloud) -> None:
    url = node_url(cloud)
    port = int(url.rsplit(":", 1)[1])
    pem = ssl.get_server_certificate(("127.0.0.1", port))
    cert = x509.load_pem_x509_certificate(pem.encode())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert "127.0.0.1" in [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    ca = x509.load_pem_x509_certificate(Path(cloud.ca_path).read_bytes())
    assert cert.issuer == ca.subject
    # Hostname verification passes both ways with the CA as the only trust anchor.
    s = requests.Session()
    s.trust_env = False
    for base in (url, f"https://localhost:{port}"):
        r = s.get(base + "/setup/alive", verify=str(cloud.ca_path))
        assert r.status_code == 204
        assert r.headers["Raven-Server-Version"]


def test_a_client_trusting_only_the_system_store_rejects_the_node(cloud: MockCloud) -> None:
    s = requests.Session()
    s.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        s.get(node_url(cloud) + "/setup/alive", verify=True)


@pytest.mark.parametrize("name", ["unknown", "expired", "not-yet-valid", "disabled", "none"])
def test_every_client_certificate_completes_the_handshake(cloud: MockCloud, pem_dir: Path, name: str) -> None:
    # The refusal is an HTTP 403 with RavenDB's JSON, never a TLS failure.
    r = session(cloud, who(name, pem_dir)).get(node_url(cloud) + "/cluster/topology")
    assert r.status_code == 403
    assert r.json()["Type"] == "InvalidAuth"
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"


def test_the_peer_certificate_is_read_per_request(cloud: MockCloud, pem_dir: Path) -> None:
    ident = who("user-rw", pem_dir)
    r = session(cloud, ident).get(node_url(cloud) + "/certificates/whoami")
    assert r.status_code == 200
    assert r.json()["Thumbprint"] == ident.thumbprint
    assert cloud.journal.find(path="/certificates/whoami")[-1].thumbprint == ident.thumbprint


def _handshake(ctx: ssl.SSLContext, client_pem: Path) -> bytes | None:
    a, b = socket.socketpair()
    got: list[bytes | None] = []

    def serve() -> None:
        try:
            with ctx.wrap_socket(a, server_side=True) as s:
                got.append(s.getpeercert(binary_form=True))
        except (OSError, ssl.SSLError):
            got.append(None)

    t = threading.Thread(target=serve)
    t.start()
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    cctx.load_cert_chain(client_pem)
    try:
        with cctx.wrap_socket(b) as c:
            c.settimeout(5)
            c.recv(1)
    except (OSError, ssl.SSLError):
        pass
    t.join(5)
    return got[0] if got else None


def test_fallback_context_diverges_from_the_server_for_unknown_self_signed_certs(tmp_path: Path) -> None:
    """Pins the documented divergence of the fallback: without the hook, a self-signed certificate of an
    unknown key fails the handshake (the real server would answer 403), while a CA-signed expired one
    still gets through (no time check)."""
    from ravensec.core.certs.generate import generate_key, make_client_certificate

    pki = tls.MockPki(seed=7)
    try:
        server = pki.server_bundle(["localhost", "127.0.0.1"])
        fallback = pki.server_context(server, force_fallback=True)
        hooked = pki.server_context(server)
        self_signed = tmp_path / "self.pem"
        self_signed.write_bytes(identity_bundle("unknown").combined_pem())
        now = datetime.now(UTC)
        expired = make_client_certificate(
            "old",
            key_type="ec-p256",
            key=generate_key("ec-p256", seed=77),
            issuer=pki.ca,
            not_before=now - timedelta(days=30),
            not_after=now - timedelta(days=1),
        )
        expired_pem = tmp_path / "expired.pem"
        expired_pem.write_bytes(expired.combined_pem())
        assert _handshake(fallback, self_signed) is None
        assert _handshake(fallback, expired_pem) == expired.cert_der()
        assert _handshake(hooked, self_signed) == identity_bundle("unknown").cert_der()
    finally:
        pki.close()


def test_pki_is_deterministic_and_caches_server_certificates() -> None:
    a, b = tls.MockPki(seed=3), tls.MockPki(seed=3)
    assert a.ca.private_key is not None and b.ca.private_key is not None
    assert a.ca.certificate.public_key() == b.ca.certificate.public_key()
    hosts = ["localhost", "127.0.0.1"]
    assert a.server_bundle(hosts) is a.server_bundle(hosts)
    assert a.server_bundle(hosts, label="p1").cert_der() != a.server_bundle(hosts, label="p2").cert_der()


# ---------------------------------------------------------------- listener lifecycle (runtime)


def test_thread_mode_starts_serves_and_leaves_nothing_behind(tmp_path: Path) -> None:
    from tests.mockserver.helpers import build_state

    threads_before = set(threading.enumerate())
    cloud = MockCloud(state_factory=build_state)
    with cloud:
        urls = list(cloud.products[PRODUCT_ID].node_urls.values())
        ports = [int(u.rsplit(":", 1)[1]) for u in [cloud.portal_url, *urls]]
        files_dir = cloud.ca_path.parent
        assert (cloud.products[PRODUCT_ID].operator_pem.stat().st_mode & 0o777) == 0o600
        s = requests.Session()
        s.trust_env = False
        assert s.get(urls[0] + "/setup/alive", verify=str(cloud.ca_path)).status_code == 204
        s.close()
    assert set(threading.enumerate()) == threads_before
    for port in ports:
        with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
    assert not files_dir.exists()


async def test_async_mode_serves_in_the_current_loop(tmp_path: Path) -> None:
    import aiohttp

    from tests.mockserver.helpers import build_state

    async with MockCloud(state_factory=build_state) as cloud:
        ctx = ssl.create_default_context(cafile=str(cloud.ca_path))
        ctx.load_cert_chain(str(cloud.products[PRODUCT_ID].operator_pem))
        async with aiohttp.ClientSession() as http:
            url = cloud.products[PRODUCT_ID].node_urls["A"] + "/certificates/whoami"
            async with http.get(url, ssl=ctx) as r:
                assert r.status == 200
                assert (await r.json())["SecurityClearance"] == "Operator"


def test_state_dir_port_base_and_profile(tmp_path: Path) -> None:
    import json

    from tests.mockserver.helpers import API_KEY, build_state

    base = _free_port_block(5)
    with MockCloud(state_factory=build_state, state_dir=tmp_path, port_base=base) as cloud:
        info = json.loads((tmp_path / "connection.json").read_text())
        assert (tmp_path / "connection.json").stat().st_mode & 0o777 == 0o600
        assert info == cloud.connection_info()
        assert info["api_key"] == API_KEY and info["portal_url"] == f"https://127.0.0.1:{base}"
        assert info["api_url"] == info["portal_url"] + "/api/v1"
        assert sorted(info["products"][PRODUCT_ID]["node_urls"].values()) == [
            f"https://127.0.0.1:{base + i}" for i in (1, 2, 3)
        ]
        assert Path(info["ca_path"]).read_bytes() == cloud.pki.ca_pem
        prof = cloud.profile()
        assert (prof.kind, prof.api_url, prof.ca_file) == ("mock", cloud.api_url, cloud.ca_path)
        assert prof.certificates[PRODUCT_ID] == cloud.product("shop").operator_pem
    assert (tmp_path / "connection.json").exists()  # a given state_dir is the caller's


def _free_port_block(n: int) -> int:
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + n >= 65535:
            continue
        socks = []
        try:
            for i in range(n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", base + i))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port block")


async def test_a_listener_given_a_context_maker_makes_it_on_the_first_connection_only() -> None:
    import aiohttp
    from aiohttp import web

    from ravensec.mock.node.listener import Listener

    pki = tls.MockPki(seed=3)
    made: list[str] = []

    def maker(name: str) -> Callable[[], ssl.SSLContext]:
        def make() -> ssl.SSLContext:
            made.append(name)
            return pki.server_context(pki.server_bundle(["127.0.0.1"]))

        return make

    async def ok(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    apps = [web.Application() for _ in range(2)]
    for app in apps:
        app.router.add_get("/", ok)
    called, idle = Listener(apps[0], maker("called")), Listener(apps[1], maker("idle"))
    client_ctx = ssl.create_default_context(cadata=pki.ca_pem.decode())
    try:
        for lst in (called, idle):
            await lst.start()
        assert made == [] and called.up and idle.up
        async with aiohttp.ClientSession() as http:
            for _ in range(2):  # down and up again: the context is kept
                async with http.get(called.url + "/", ssl=client_ctx) as r:
                    assert r.status == 200 and await r.text() == "ok"
                called.take_down()
                called.bring_up()
        idle.take_down()  # never called: the socket goes without a context ever being made
        assert made == ["called"] and not idle.up
    finally:
        for lst in (called, idle):
            await lst.stop()
        pki.close()
