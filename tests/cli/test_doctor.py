"""``ravensec doctor`` against the real mock: what it says about the certificate each product is reached with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ravensec.core.certs.generate import make_client_certificate
from ravensec.core.profile import Profile
from tests.cli.mockcli import Cli


def _handshakes(cli: Cli, profile: str) -> dict[str, dict[str, Any]]:
    r = cli("doctor", "-o", "json", profile=profile)
    assert "Traceback" not in r.err, r.err
    return {c["target"]: c for c in r.json()["checks"] if c["check"] == "TLS handshake"}


def test_a_well_known_admin_certificate_is_not_reported_as_unregistered(cli: Cli) -> None:
    # The mock's cluster_admin.pem is accepted by the nodes as a well-known admin certificate, unlisted.
    checks = _handshakes(cli, "admin")
    assert checks, "the demo world has products with nodes"
    for check in checks.values():
        assert check["status"] == "ok", check
        assert "well-known admin" in check["detail"] and "not registered" in check["detail"]
        assert not check["fix"]
    ops = _handshakes(cli, "ops")  # the Operator certificate is registered: named with its clearance
    assert all(c["status"] == "ok" and c["detail"].startswith("accepted as ") for c in ops.values())


def test_a_certificate_the_nodes_do_not_know_fails(cli: Cli, tmp_path: Path) -> None:
    stranger = make_client_certificate("stranger")
    pem = tmp_path / "stranger.pem"
    pem.write_bytes(stranger.combined_pem())
    pem.chmod(0o600)
    prods = cli.cloud.products
    cli.write_profiles(stranger=Profile(name="stranger", kind="mock", state_dir=cli.cloud.state_dir,
                                        certificates={pid: pem for pid in prods}))
    checks = _handshakes(cli, "stranger")
    assert checks
    for check in checks.values():  # whoami answers anyone (7.2); the refused certificate list says why
        assert check["status"] == "fail" and "does not know this certificate" in check["detail"], check
