"""ravensec.core.http.tls over real sockets: trust only the given CA, present the client certificate, explain failures."""

from __future__ import annotations

import os
import ssl
import tempfile
from pathlib import Path

import aiohttp
import pytest
import trustme
from aiohttp import web

from ravensec.core.errors import CertificateError, TlsError, Unavailable
from ravensec.core.http.instance import InstanceClient
from ravensec.core.http.tls import client_ssl_context
from tests.core.localserver import Pki, dropping_server, json_response, peer_thumbprint, serve


async def _whoami_echo(request: web.Request) -> web.Response:
    return json_response(200, {"tp": peer_thumbprint(request)})


async def _get_json(ctx: ssl.SSLContext, url: str) -> dict[str, str]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx)) as s, s.get(url) as r:
        data: dict[str, str] = await r.json()
        return data


async def test_client_certificate_reaches_server(pki: Pki) -> None:
    bundle = pki.client("alice")
    ctx = client_ssl_context(ca_file=pki.ca_file, client_cert=bundle)
    async with serve(pki, {("GET", "/me"): _whoami_echo}) as url:
        data = await _get_json(ctx, url + "/me")
    from cryptography.hazmat.primitives import hashes

    assert data["tp"] == bundle.certificate.fingerprint(hashes.SHA1()).hex().upper()


async def test_without_client_certificate_server_sees_none(pki: Pki) -> None:
    ctx = client_ssl_context(ca_file=pki.ca_file)
    async with serve(pki, {("GET", "/me"): _whoami_echo}) as url:
        assert (await _get_json(ctx, url + "/me"))["tp"] is None


async def test_ca_file_means_only_that_ca(pki: Pki, tmp_path: Path) -> None:
    ctx = client_ssl_context(ca_file=pki.ca_file)
    # The system store is not loaded beside the given CA.
    assert len(ctx.get_ca_certs()) == 1
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


def test_system_store_by_default() -> None:
    ctx = client_ssl_context()
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname


def test_missing_ca_file_is_a_certificate_error(tmp_path: Path) -> None:
    with pytest.raises(CertificateError, match="does not exist"):
        client_ssl_context(ca_file=tmp_path / "nope.pem")


def test_bundle_without_key_is_refused(pki: Pki) -> None:
    from ravensec.core.certs.bundle import CertBundle

    public_only = CertBundle(pki.client().certificate)
    with pytest.raises(CertificateError, match="no private key"):
        client_ssl_context(ca_file=pki.ca_file, client_cert=public_only)


def test_key_material_does_not_linger_on_disk(pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "t"))
    (tmp_path / "t").mkdir()
    tempfile.tempdir = None  # re-read TMPDIR
    try:
        client_ssl_context(ca_file=pki.ca_file, client_cert=pki.client())
        assert os.listdir(tmp_path / "t") == []
    finally:
        tempfile.tempdir = None


async def test_wrong_ca_is_a_tls_error_with_a_hint(pki: Pki, tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    async with (
        serve(pki, {("GET", "/build/version"): _whoami_echo}) as url,
        InstanceClient([url], pki.client(), ca_file=other, learn_topology=False) as nodes,
    ):
        with pytest.raises(TlsError) as err:
            await nodes.build_version()
    assert "not trusted" in str(err.value)
    assert "mock's CA" in err.value.hint


async def test_server_closing_the_handshake_mentions_the_allow_list(pki: Pki) -> None:
    async with (
        dropping_server() as url,
        InstanceClient([url], pki.client(), ca_file=pki.ca_file, learn_topology=False) as nodes,
    ):
        with pytest.raises(Unavailable) as err:
            await nodes.build_version()
    assert "during the TLS handshake" in str(err.value)
    assert "your IP may not be on the product's allow-list" in str(err.value)


async def test_connection_dropped_after_handshake_mentions_the_allow_list(pki: Pki) -> None:
    async def firewall(request: web.Request) -> web.Response:
        # As the mock does for an address outside the allow-list: reset, never an HTTP answer.
        assert request.transport is not None
        request.transport.abort()
        return web.Response(status=500)

    async with (
        serve(pki, {("GET", "/databases"): firewall}) as url,
        InstanceClient([url], pki.client(), ca_file=pki.ca_file) as nodes,
    ):
        with pytest.raises(Unavailable) as err:
            await nodes.database_names()
    assert "the server closed the connection" in str(err.value)
    assert "your IP may not be on the product's allow-list" in err.value.hint


async def test_server_requiring_a_certificate_we_lack_is_explained(pki: Pki) -> None:
    strict = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    pki.ca.issue_cert("127.0.0.1").configure_cert(strict)
    pki.ca.configure_trust(strict)
    strict.verify_mode = ssl.CERT_REQUIRED
    strict_pki = Pki(pki.ca, pki.ca_file, strict)
    async with (
        serve(strict_pki, {("GET", "/build/version"): _whoami_echo}) as url,
        InstanceClient([url], None, ca_file=pki.ca_file, learn_topology=False) as nodes,
    ):
        with pytest.raises(Unavailable) as err:
            await nodes.build_version()
    assert "No client certificate was presented" in err.value.hint
