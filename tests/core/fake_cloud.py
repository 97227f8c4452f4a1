"""A local HTTPS server playing both the Cloud API and one product's node (real mTLS), with the certificate
helpers its tests share: what ``tests/core/test_workspace.py`` runs a Workspace against."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from ravensec.core import wiredates
from ravensec.core.certs.bundle import CertBundle
from ravensec.core.profile import Profile
from tests.core.localserver import Pki, Recorder, dead_port, json_response, peer_thumbprint, serve

NOW = datetime.now(UTC)


def tp_of(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA1()).hex().upper()


def definition(tp: str, name: str, days: int, clearance: str = "ValidUser") -> dict[str, Any]:
    return {"Name": name, "Thumbprint": tp, "SecurityClearance": clearance, "Permissions": {"db": "Read"},
            "NotBefore": wiredates.format(NOW - timedelta(days=10)),
            "NotAfter": wiredates.format(NOW + timedelta(days=days))}


def cloud_zip(bundle: CertBundle) -> bytes:
    base = "shop.acme.client.certificate"
    key = bundle.key_pem()
    pfx = pkcs12.serialize_key_and_certificates(
        b"shop", bundle.private_key, bundle.certificate, None, serialization.NoEncryption()  # type: ignore[arg-type]
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"{base}.pfx", pfx)
        z.writestr(f"PEM/{base}.crt", bundle.cert_pem())
        z.writestr(f"PEM/{base}.key", key)
        z.writestr(f"PEM/{base}.pem", bundle.cert_pem() + key)
        z.writestr("README.TXT", "package")
    return buf.getvalue()


@dataclass
class FakeCloud:
    """State of the fake: registered certificates by thumbprint, what the node saw, the package."""

    pki: Pki
    package_owner: CertBundle
    certs: dict[str, dict[str, Any]] = field(default_factory=dict)
    rec: Recorder = field(default_factory=Recorder)
    url: str = ""
    extensions: bool = True
    rules: list[dict[str, str]] = field(default_factory=list)
    package_zip: bytes | None = None  # what the package download answers; None: cloud_zip(package_owner)

    def routes(self) -> dict[tuple[str, str], Any]:
        dead = f"127.0.0.1:{dead_port()}"

        async def products(request: web.Request) -> web.Response:
            return json_response(200, {"items": [{"id": "p-1", "name": "shop"}, {"id": "p-2", "name": "gone"}]})

        async def details(request: web.Request) -> web.Response:
            pid = request.match_info["pid"]
            host = self.url.removeprefix("https://") if pid == "p-1" else dead
            return json_response(200, {"id": pid, "displayName": pid, "status": "Active", "tier": "Production",
                                       "dns": [host], "nodeTags": ["A"], "security": {"allowedIps": ["0.0.0.0/0"]}})

        async def caps(request: web.Request) -> web.Response:
            if not self.extensions:
                return web.Response(status=404)
            return json_response(200, {"allowedIpsEdit": True, "backups": True, "regenerateCertificate": True})

        async def package(request: web.Request) -> web.Response:
            body = self.package_zip or cloud_zip(self.package_owner)
            return web.Response(body=body, content_type="application/octet-stream")

        async def whoami(request: web.Request) -> web.Response:
            tp = peer_thumbprint(request)
            if tp not in self.certs:
                return json_response(403, {"Type": "InvalidAuth", "Message": f"The supplied client certificate "
                                           f"'CN=x(Thumbprint: {tp})' is unknown to the server."})
            return json_response(200, self.certs[tp])

        async def certificates(request: web.Request) -> web.Response:
            tp = request.query.get("thumbprint")
            if tp is not None:
                return json_response(200, {"Results": [self.certs[tp]]}) if tp in self.certs else web.Response(status=404)
            return json_response(200, {"Results": list(self.certs.values())})

        async def register(request: web.Request) -> web.Response:
            body = await request.json()
            if body["Name"] == "refused":
                return json_response(500, {"Type": "System.InvalidOperationException", "Message":
                                           "Cannot save the certificate 'refused' with 'ClusterAdmin' security clearance "
                                           "because the current client certificate being used has a lower clearance: Operator"})
            import base64

            cert = x509.load_der_x509_certificate(base64.b64decode(body["Certificate"]))
            tp = tp_of(cert)
            self.certs[tp] = definition(tp, body["Name"], 365, body["SecurityClearance"])
            return web.Response(status=201)

        async def edit(request: web.Request) -> web.Response:
            body = await request.json()
            d = self.certs[body["Thumbprint"]]
            d.update(Name=body["Name"], SecurityClearance=body["SecurityClearance"],
                     Permissions=body["Permissions"], Disabled=body["Disabled"])
            return web.Response(status=201)

        async def get_rules(request: web.Request) -> web.Response:
            return json_response(200, {"allowedIps": self.rules})

        async def put_rules(request: web.Request) -> web.Response:
            self.rules = (await request.json())["allowedIps"]
            return json_response(200, {"allowedIps": self.rules})

        return {
            ("GET", "/api/v1/products/list"): products,
            ("GET", "/api/v1/products/details/{pid}"): details,
            ("GET", "/api/v1/products/security/certificate/{pid}"): package,
            ("GET", "/ext/v1/capabilities"): caps,
            ("GET", "/ext/v1/products/{pid}/allowed-ips"): get_rules,
            ("PUT", "/ext/v1/products/{pid}/allowed-ips"): put_rules,
            ("GET", "/certificates/whoami"): whoami,
            ("GET", "/admin/certificates"): certificates,
            ("PUT", "/admin/certificates"): register,
            ("POST", "/admin/certificates/edit"): edit,
        }

    def profile(self, **kw: Any) -> Profile:
        args: dict[str, Any] = {"name": "t", "kind": "cloud", "api_url": self.url + "/api/v1", "api_key": "k",
                                "ca_file": self.pki.ca_file, "portal_url": self.url, "timeout": 5.0}
        args.update(kw)
        return Profile(**args)


@asynccontextmanager
async def fake_cloud(pki: Pki, *, extensions: bool = True) -> AsyncIterator[FakeCloud]:
    owner = pki.client("shop-operator")
    fake = FakeCloud(pki, owner, extensions=extensions)
    tp = tp_of(owner.certificate)
    fake.certs[tp] = definition(tp, "shop-operator", 1800, "Operator")
    fake.certs["EXPIRING"] = definition("EXPIRING", "soon", 20)
    async with serve(pki, fake.routes(), fake.rec) as url:
        fake.url = url
        yield fake


def need_certs() -> None:
    pytest.importorskip("ravensec.core.certs.load")
    pytest.importorskip("ravensec.core.certs.packages")
    pytest.importorskip("ravensec.core.config")
