"""Issue 6.6, secrets: private keys and API keys never reach logs, the mock's journal, its state snapshot,
error messages or the TUI's SVG snapshots; every file holding key material is 0600; config and secrets
writes are atomic (a crash mid-write leaves the old file whole and no stray temp file)."""

from __future__ import annotations

import base64
import dataclasses
import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

import pytest
import requests

from ravensec.core.certs.bundle import CertBundle
from ravensec.core.errors import RavensecError
from ravensec.core.iprules import parse_rule
from ravensec.core.models import DatabaseAccess, SecurityClearance
from ravensec.core.workspace import Workspace
from ravensec.mock import MockCloud
from tests.mockserver.helpers import API_KEY, DB, PRODUCT_ID, identity_bundle

REPO = Path(__file__).resolve().parents[2]
SNAPSHOTS = REPO / "tests" / "tui" / "__snapshots__"


def key_fragments(bundle: CertBundle) -> list[str]:
    """Pieces of a private key that would give it away in any text: a run of its PEM body and of the hex
    and base64 of its DER, long enough never to occur by chance."""
    pem = bundle.key_pem(None).decode()
    body = "".join(line for line in pem.splitlines() if "-----" not in line)
    der = base64.b64decode(body)
    return [body[20:60], der[16:40].hex(), der[16:40].hex().upper()]


def secrets_of(cloud: MockCloud, extra: Iterable[CertBundle] = ()) -> dict[str, str]:
    out = {"api key": cloud.api_key}
    bundles = [p.operator_cert for p in cloud.state.products.values()]
    bundles += [p.cluster_admin_cert for p in cloud.state.products.values()]
    bundles += [identity_bundle(n) for n in ("operator", "cluster-admin", "user-rw", "user-read")]
    for i, b in enumerate([*bundles, *extra]):
        for j, frag in enumerate(key_fragments(b)):
            out[f"key {i}.{j}"] = frag
    return out


def assert_clean(text: str, secrets: dict[str, str], where: str) -> None:
    assert "PRIVATE KEY" not in text, f"a PEM private key in {where}"
    for what, value in secrets.items():
        assert value not in text, f"the {what} appears in {where}"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_full_run_leaks_no_secret_and_keys_are_0600(
    cloud: MockCloud, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    made: list[CertBundle] = []
    async with await Workspace.open(cloud.profile()) as ws:
        await ws.list_products()
        pkg = await ws.download_certificate_package(PRODUCT_ID, tmp_path / "pkg")
        tp, files = await ws.generate_local_and_register(
            PRODUCT_ID,
            "adv-local",
            SecurityClearance.VALID_USER,
            {DB: DatabaseAccess.READ},
            dest_dir=tmp_path / "l",
        )
        from ravensec.core.certs.load import load_bundle_file

        made.append(load_bundle_file(next(f for f in files if f.suffix == ".pem")))
        zip_bytes = await ws.generate_certificate(
            PRODUCT_ID, "adv-gen", SecurityClearance.OPERATOR, password="pw-1"
        )
        from ravensec.core.certs.packages import extract_package, read_package

        made.append(read_package(zip_bytes, "pw-1").bundle)
        extracted = extract_package(zip_bytes, tmp_path / "gen")
        await ws.edit_certificate(PRODUCT_ID, tp, disabled=True)
        await ws.delete_certificate(PRODUCT_ID, tp)
        await ws.set_ip_rules(PRODUCT_ID, [parse_rule("127.0.0.0/8", "loopback")])
        await ws.list_certificates(PRODUCT_ID)
        # Failures whose messages must not quote what was sent.
        for attempt in (
            ws.register_certificate(PRODUCT_ID, "bad", made[0].key_pem(None), SecurityClearance.OPERATOR),
            ws.register_certificate(PRODUCT_ID, "dup", made[0], SecurityClearance.OPERATOR),
            ws.edit_certificate(PRODUCT_ID, "00" * 20, name="x"),
        ):
            try:
                await attempt
            except RavensecError as exc:
                errors.append(f"{exc} {exc!r} {getattr(exc, 'hint', '')}")
    bad = dataclasses.replace(cloud.profile(), api_key="wrong-" + cloud.api_key)
    try:
        async with await Workspace.open(bad) as ws2:
            await ws2.list_products()
    except RavensecError as exc:
        errors.append(f"{exc} {exc!r}")
    assert len(errors) >= 3, errors

    secrets = secrets_of(cloud, made)
    assert_clean(caplog.text, secrets, "the captured logs")
    assert_clean("\n".join(errors), secrets, "error messages")
    assert_clean("\n".join(map(repr, cloud.journal.snapshot())), secrets, "the mock's journal")
    s = requests.Session()
    s.trust_env = False
    state = s.get(
        cloud.portal_url + "/ext/v1/state",
        headers={"X-Api-Key": API_KEY, "User-Agent": "adv"},
        verify=str(cloud.ca_path),
    )
    assert state.status_code == 200
    assert_clean(state.text.replace(API_KEY, ""), secrets, "the /ext/v1/state snapshot")

    for f in [*pkg, *files, *extracted]:
        data = f.read_bytes()
        holds_key = b"PRIVATE KEY" in data or f.suffix in (".pfx", ".key")
        if holds_key:
            assert _mode(f) == 0o600, f"{f} holds key material with mode {oct(_mode(f))}"
    assert any(b"PRIVATE KEY" in f.read_bytes() for f in pkg)


def test_tui_snapshots_hold_no_secret() -> None:
    svgs = sorted(SNAPSHOTS.rglob("*.svg")) if SNAPSHOTS.exists() else []
    if not svgs:
        pytest.skip("no TUI snapshots in this tree")
    secrets: dict[str, str] = {}
    for world in ("demo", "demo-fixed"):  # the snapshots are drawn from these worlds
        with MockCloud(world) as demo:
            secrets |= {f"{world} {k}": v for k, v in secrets_of(demo).items()}
    # A snapshot draws a key as an SVG text run; "PRIVATE" would show even split across spans.
    for svg in svgs:
        text = svg.read_text(encoding="utf-8", errors="replace")
        assert "PRIVATE&#160;KEY" not in text and "PRIVATE KEY" not in text, svg
        assert_clean(text, secrets, str(svg.relative_to(REPO)))


def test_config_and_secrets_writes_are_atomic_and_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ravensec.core import config as cfgmod

    path = tmp_path / "cfg" / "config.toml"
    monkeypatch.setenv("RAVENSEC_CONFIG", str(path))
    cfg = cfgmod.load_config(path)
    cfgmod.save_config(cfg)
    ref = cfgmod.store_secret("k", "first-secret-value")
    original_cfg, original_secret = path.read_bytes(), cfgmod.secrets_path().read_bytes()
    assert _mode(cfgmod.secrets_path()) == 0o600
    assert cfgmod.resolve_secret(ref) == "first-secret-value"

    def crash(*_a: object, **_k: object) -> None:
        raise OSError("disk pulled out mid-write")

    cfg.current = None
    cfg.keymap = {"quit": "ctrl+q"}
    with monkeypatch.context() as m:  # not monkeypatch.undo(): that would also undo the HOME isolation
        m.setattr(os, "replace", crash)
        with pytest.raises(OSError):
            cfgmod.save_config(cfg)
        with pytest.raises(OSError):
            cfgmod.store_secret("k", "second-secret-value")
    assert path.read_bytes() == original_cfg
    assert cfgmod.secrets_path().read_bytes() == original_secret
    leftovers = sorted(p.name for p in path.parent.iterdir())
    assert leftovers == sorted({path.name, cfgmod.secrets_path().name}), leftovers
