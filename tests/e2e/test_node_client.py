"""The OFFICIAL RavenDB Node.js client (npm ``ravendb`` 7.2.x), unmodified, against the mock over mTLS, with
the product's Operator certificate as PEM and as password-protected PFX: create a database, store and load,
list certificates, create a read-only User certificate and see its write refused, and the Operator refused
on a Cluster Admin route. The client lives in ``tests/e2e/node`` (``make test`` runs ``npm ci`` there)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import load_pem_x509_certificate

from ravensec.mock import MockCloud, MockProduct

NODE_DIR = Path(__file__).parent / "node"
NODE = shutil.which("node")

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="node is not installed"),
    pytest.mark.skipif(not (NODE_DIR / "node_modules" / "ravendb").is_dir(),
                       reason="the Node.js client is not installed: npm ci --prefix tests/e2e/node"),
]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockCloud]:
    with MockCloud("demo", material_cache=False) as mock:
        yield mock


def _shop(cloud: MockCloud) -> MockProduct:
    return next(p for p in cloud.products.values() if p.name == "Shop")


def _as_pfx(pem: Path, password: str, out: Path) -> Path:
    data = pem.read_bytes()
    key = serialization.load_pem_private_key(data, password=None)
    cert = load_pem_x509_certificate(data)
    encryption = serialization.BestAvailableEncryption(password.encode())
    out.write_bytes(pkcs12.serialize_key_and_certificates(b"operator", key, cert, None, encryption))  # type: ignore[arg-type]
    out.chmod(0o600)
    return out


def _run_flows(cloud: MockCloud, tmp_path: Path, certificate: Path, kind: str, password: str | None,
               database: str) -> dict[str, dict[str, object]]:
    config = {
        "urls": list(_shop(cloud).node_urls.values()),
        "ca": str(cloud.ca_path),
        "certificate": str(certificate),
        "type": kind,
        "password": password,
        "database": database,
        "userName": f"{database}-reader",
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    assert NODE is not None
    done = subprocess.run([NODE, str(NODE_DIR / "flows.mjs"), str(path)], cwd=NODE_DIR, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    steps = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {s["step"]: s for s in steps}


# The client reads only a 'BEGIN RSA PRIVATE KEY' block from a PEM: the mock writes its keys so, as the server.
@pytest.mark.parametrize("kind", ["pem", "pfx"])
def test_official_node_client_flows(cloud: MockCloud, tmp_path: Path, kind: str) -> None:
    operator = _shop(cloud).operator_pem
    if kind == "pem":
        certificate, password = operator, None
    else:
        password = "correct horse"
        certificate = _as_pfx(operator, password, tmp_path / "operator.pfx")
    database = f"node-{kind}"
    steps = _run_flows(cloud, tmp_path, certificate, kind, password, database)

    def ok(step: str) -> object:
        assert steps[step]["ok"], steps[step]
        return steps[step]["value"]

    assert ok("create-database") == database
    assert database in ok("database-names")  # type: ignore[operator]
    assert ok("store-and-load") == "Ada"
    assert f"{database}-reader" not in ok("list-certificates")  # type: ignore[operator]
    assert ok("create-read-only-user")
    assert ok("read-only-user-loads") == "Ada"
    refused = steps["read-only-user-writes"]
    assert not refused["ok"] and refused["error"] == "AuthorizationException", refused
    admin_only = steps["operator-on-cluster-admin-route"]
    assert not admin_only["ok"] and admin_only["error"] == "AuthorizationException", admin_only
