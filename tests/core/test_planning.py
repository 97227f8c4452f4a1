"""Plan, consent, apply, read back: every guard of core.planning against the real mock over mTLS."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ravensec.core import planning
from ravensec.core.certs.generate import make_client_certificate
from ravensec.core.certs.packages import export_pfx
from ravensec.core.errors import Conflict, Unavailable, UsageError, ValidationError
from ravensec.core.iprules import parse_rule
from ravensec.core.models import DatabaseAccess, SecurityClearance
from ravensec.core.plan import Access, Consent, ConsentRequired, DeleteRequest, Severity
from ravensec.core.workspace import Workspace
from ravensec.mock import MockCloud

USER, OPERATOR = SecurityClearance.VALID_USER, SecurityClearance.OPERATOR
READ = DatabaseAccess.READ


@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[MockCloud]:
    async with MockCloud("demo", state_dir=tmp_path / "mock") as c:
        yield c


@pytest.fixture
async def ws(cloud: MockCloud) -> AsyncIterator[Workspace]:
    async with await Workspace.open(cloud.profile()) as w:
        yield w


@pytest.fixture
async def shop(ws: Workspace) -> str:
    return next(p.id for p in await ws.list_products() if p.display_name == "Shop")


async def test_reupload_needs_replace_and_shows_the_differences(ws: Workspace, shop: str, tmp_path: Path) -> None:
    bundle = make_client_certificate("up")
    first = await planning.plan_register(ws, shop, "cli-up", bundle.cert_pem(), Access(USER, {"Orders": READ}))
    assert not first.consents
    await planning.apply(ws, first)
    pfx = export_pfx(bundle, "pw")
    again = await planning.plan_register(ws, shop, "cli-up-again", pfx, Access(OPERATOR), password="pw")
    assert Consent.REPLACE in again.consents and again.severity is Severity.DANGER
    text = "\n".join(again.lines())
    assert "already registered as 'cli-up'" in text and "User → Operator (raised)" in text
    assert "permissions lost: Orders=Read" in text and "'cli-up' → 'cli-up-again'" in text
    with pytest.raises(ConsentRequired):
        await planning.apply(ws, again)
    tp = again.request.thumbprint
    kept = await ws.certificate(shop, tp)
    assert kept is not None and kept.name == "cli-up" and kept.security_clearance is USER
    done = await planning.apply(ws, again, {Consent.REPLACE})
    assert done.message.startswith("replaced")
    now = await ws.certificate(shop, tp)
    assert now is not None and now.security_clearance is OPERATOR


async def test_a_plan_made_on_stale_state_is_refused(ws: Workspace, shop: str) -> None:
    bundle = make_client_certificate("race")
    plan = await planning.plan_register(ws, shop, "race", bundle.cert_pem(), Access(OPERATOR))
    await ws.register_certificate(shop, "someone-else", bundle, OPERATOR)
    with pytest.raises(Conflict, match="state changed"):
        await planning.apply(ws, plan)


async def test_generate_never_overwrites_a_key(ws: Workspace, shop: str, tmp_path: Path) -> None:
    plan = await planning.plan_generate(ws, shop, "cli-user", Access(USER, {"Orders": READ}), folder=tmp_path)
    done = await planning.apply(ws, plan)
    zipped = tmp_path / "cli-user.zip"
    assert done.files == (zipped,) and zipped.stat().st_mode & 0o777 == 0o600
    first = zipped.read_bytes()
    with pytest.raises(UsageError, match="another name or directory"):
        await planning.plan_generate(ws, shop, "cli-user", Access(USER, {"Orders": READ}), folder=tmp_path)
    # Even a plan made before the file appeared: apply claims the file first, and nothing is generated.
    count = len(await ws.list_certificates(shop))
    late = await planning.plan_generate(ws, shop, "late", Access(OPERATOR), folder=tmp_path)
    (tmp_path / "late.zip").write_bytes(b"mine")
    with pytest.raises(UsageError, match="never overwritten"):
        await planning.apply(ws, late)
    assert (tmp_path / "late.zip").read_bytes() == b"mine" and zipped.read_bytes() == first
    assert len(await ws.list_certificates(shop)) == count


async def test_generate_local_never_overwrites_a_key(ws: Workspace, shop: str, tmp_path: Path) -> None:
    plan = await planning.plan_generate_local(ws, shop, "here", Access(OPERATOR), folder=tmp_path)
    await planning.apply(ws, plan)
    key = (tmp_path / "here.key").read_bytes()
    with pytest.raises(UsageError, match="another name or directory"):
        await planning.plan_generate_local(ws, shop, "here", Access(OPERATOR), folder=tmp_path)
    with pytest.raises(UsageError, match="never overwritten"):
        await ws.generate_local_and_register(shop, "here", OPERATOR, dest_dir=tmp_path)
    assert (tmp_path / "here.key").read_bytes() == key


async def test_one_validation_for_both_fronts(ws: Workspace, shop: str, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at least one database"):
        await planning.plan_generate(ws, shop, "u", Access(USER), folder=tmp_path)
    with pytest.raises(ValidationError, match="User certificates only"):
        await planning.plan_generate(ws, shop, "o", Access(OPERATOR, {"Orders": READ}), folder=tmp_path)
    with pytest.raises(ValidationError, match="No database Nope"):
        await planning.plan_generate(ws, shop, "n", Access(USER, {"Nope": READ}), folder=tmp_path)
    # Case as the server compares it: "orders" is Orders.
    await planning.plan_generate(ws, shop, "ok", Access(USER, {"orders": READ}), folder=tmp_path)


async def test_delete_reads_back_and_refuses_the_server_certificate(ws: Workspace, shop: str) -> None:
    server = next(c for c in await ws.list_certificates(shop) if c.name == "Server Certificate")
    with pytest.raises(Conflict, match="server's own certificate"):
        await planning.plan_delete(ws, shop, server.thumbprint)
    # Even past the plan, apply reports what the server kept rather than "deleted".
    victim = next(c.thumbprint for c in await ws.list_certificates(shop) if c.name == "orders-service")
    forged = dataclasses.replace(await planning.plan_delete(ws, shop, victim), request=DeleteRequest((server,)))
    with pytest.raises(Conflict, match="still lists"):
        await planning.apply(ws, forged, {Consent.CONFIRM})
    assert any(c.thumbprint == server.thumbprint for c in await ws.list_certificates(shop))


async def test_delete_needs_confirmation_and_is_gone(ws: Workspace, shop: str) -> None:
    target = next(c for c in await ws.list_certificates(shop) if c.name == "orders-service")
    plan = await planning.plan_delete(ws, shop, target.thumbprint)
    with pytest.raises(ConsentRequired):
        await planning.apply(ws, plan)
    done = await planning.apply(ws, plan, {Consent.CONFIRM})
    assert done.message.startswith("deleted") and await ws.certificate(shop, target.thumbprint) is None


async def test_disabling_your_own_certificate_is_a_lockout(ws: Workspace, shop: str) -> None:
    me = await ws.whoami(shop)
    assert me is not None
    plan = await planning.plan_edit(ws, shop, me.thumbprint, disabled=True)
    assert plan.action == "disable" and Consent.LOCKOUT in plan.consents
    assert "locks you out" in "\n".join(plan.lines())
    lower = await planning.plan_edit(ws, shop, me.thumbprint, clearance=USER, permissions={"Orders": READ})
    assert Consent.LOCKOUT in lower.consents
    same = await planning.plan_edit(ws, shop, me.thumbprint, name=me.name)
    assert not same.changes
    # Consented, it happens; the read-back is refused as the plan said, and the answer says so.
    done = await planning.apply(ws, plan, {Consent.CONFIRM, Consent.LOCKOUT})
    assert "could not be read back" in done.message


async def test_removing_your_own_address_is_a_lockout(ws: Workspace, shop: str) -> None:
    rules = await ws.get_ip_rules(shop)
    assert any(r.cidr == "127.0.0.1/32" for r in rules)
    keep = [r for r in rules if r.cidr != "127.0.0.1/32"]
    plan = await planning.plan_ip_rules(ws, shop, keep)
    assert {Consent.CONFIRM, Consent.LOCKOUT} <= plan.consents
    assert any(e.severity is Severity.DANGER and "127.0.0.1" in e.text for e in plan.effects)
    with pytest.raises(ConsentRequired):
        await planning.apply(ws, plan, {Consent.CONFIRM})
    assert len(await ws.get_ip_rules(shop)) == len(rules)
    # Adding a range is no lockout and needs nothing.
    more = await planning.plan_ip_rules(ws, shop, [*rules, parse_rule("198.51.100.0/24", "lab")])
    assert not more.consents
    done = await planning.apply(ws, more)
    assert "198.51.100.0/24" in {r.cidr for r in done.rules}
    # After the lockout is consented, the next call from here is refused: the guard was right.
    plan = await planning.plan_ip_rules(ws, shop, keep)
    await planning.apply(ws, plan, {Consent.CONFIRM, Consent.LOCKOUT})
    fresh = await Workspace.open(ws.profile)
    async with fresh:
        with pytest.raises(Unavailable):
            await fresh.list_certificates(shop)


async def test_my_address_of_a_mock_is_loopback_without_asking_anyone(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def never(*a: object, **k: object) -> str:
        raise AssertionError("a mock profile must not ask a public service")

    monkeypatch.setattr("ravensec.core.workspace.cloud.my_ip", never)
    assert await ws.my_address() == "127.0.0.1"


async def test_purge_reads_back(ws: Workspace, shop: str) -> None:
    plan = await planning.plan_purge_expired(ws, shop)
    assert plan.changes and "old-admin" in "\n".join(plan.lines())
    done = await planning.apply(ws, plan, {Consent.CONFIRM})
    listed = {c.thumbprint for c in await ws.list_certificates(shop)}
    assert not set(done.thumbprints) & listed
    assert not (await planning.plan_purge_expired(ws, shop)).changes
