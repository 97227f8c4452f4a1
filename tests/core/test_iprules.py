from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from ravensec.core.errors import ValidationError
from ravensec.core.http.echo import my_ip
from ravensec.core.iprules import (
    MAX_RULES,
    diff_rules,
    is_allowed,
    parse_rule,
    rule_warnings,
    sort_rules,
    validate_rules,
)


@pytest.mark.parametrize(
    ("text", "cidr"),
    [
        ("203.0.113.7", "203.0.113.7/32"),
        (" 198.51.100.0/24 ", "198.51.100.0/24"),
        ("2001:db8::1", "2001:db8::1/128"),
        ("2001:db8::/32", "2001:db8::/32"),
        ("0.0.0.0/0", "0.0.0.0/0"),
    ],
)
def test_parse_accepts_and_normalises_bare_ips(text: str, cidr: str) -> None:
    assert parse_rule(text, "office").cidr == cidr


@pytest.mark.parametrize("text", ["", "10.0.0.256", "10.0.0.0/33", "office", "1.2.3.4/24/1", "::g"])
def test_parse_rejects_invalid_input_with_a_hint(text: str) -> None:
    with pytest.raises(ValidationError) as e:
        parse_rule(text)
    assert str(e.value)


def test_host_bits_are_refused_unless_normalising() -> None:
    with pytest.raises(ValidationError, match=r"Did you mean 10\.0\.0\.0/24"):
        parse_rule("10.0.0.5/24")
    assert parse_rule("10.0.0.5/24", normalise=True).cidr == "10.0.0.0/24"


def test_alias_limits() -> None:
    with pytest.raises(ValidationError, match="longer than"):
        parse_rule("10.0.0.1", "x" * 101)
    with pytest.raises(ValidationError, match="control"):
        parse_rule("10.0.0.1", "bad\x07alias")


def test_duplicates_and_count_are_problems() -> None:
    rules = [parse_rule("10.0.0.1"), parse_rule("10.0.0.1/32")]
    assert any("more than once" in p for p in validate_rules(rules))
    many = [parse_rule(f"10.0.{i // 256}.{i % 256}") for i in range(MAX_RULES + 1)]
    assert any(f"at most {MAX_RULES}" in p for p in validate_rules(many))
    assert validate_rules(many[:MAX_RULES]) == []


def test_azure_rejects_overlaps_and_allow_all_beside_others() -> None:
    rules = [parse_rule("10.0.0.0/8"), parse_rule("10.1.0.0/16")]
    assert validate_rules(rules, provider="aws") == []
    assert any("overlap" in w for w in rule_warnings(rules, provider="aws"))
    assert any("overlap" in p for p in validate_rules(rules, provider="azure"))
    mixed = [parse_rule("0.0.0.0/0"), parse_rule("10.0.0.1")]
    assert validate_rules(mixed, provider="aws") == []
    assert any("single entry" in p for p in validate_rules(mixed, provider="Azure"))


def test_warnings_name_allow_all_and_empty() -> None:
    assert any("0.0.0.0/0" in w for w in rule_warnings([parse_rule("0.0.0.0/0")]))
    assert any("empty" in w for w in rule_warnings([]))


def test_sort_pins_allow_all_first() -> None:
    rules = [parse_rule("2001:db8::/32"), parse_rule("10.0.0.1"), parse_rule("0.0.0.0/0")]
    assert [r.cidr for r in sort_rules(rules)] == ["0.0.0.0/0", "10.0.0.1/32", "2001:db8::/32"]


def test_diff_reports_added_removed_and_alias_changes() -> None:
    old = [parse_rule("10.0.0.1", "a"), parse_rule("10.0.0.2", "b")]
    new = [parse_rule("10.0.0.1", "A"), parse_rule("10.0.0.3", "c")]
    d = diff_rules(old, new)
    assert [r.cidr for r in d.added] == ["10.0.0.3/32"]
    assert [r.cidr for r in d.removed] == ["10.0.0.2/32"]
    assert d.render() == ["- 10.0.0.2/32  b", "+ 10.0.0.3/32  c", "~ 10.0.0.1/32  'a' -> 'A'"]
    assert diff_rules(old, old).empty


def test_is_allowed() -> None:
    rules = [parse_rule("127.0.0.1"), parse_rule("2001:db8::/32")]
    assert is_allowed("127.0.0.1", rules)
    assert not is_allowed("127.0.0.2", rules)
    assert is_allowed("2001:db8::5", rules)
    assert not is_allowed("not an ip", rules)


async def test_my_ip_honours_the_override_and_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAVENSEC_MY_IP", "198.51.100.9")
    assert await my_ip() == "198.51.100.9"
    monkeypatch.setenv("RAVENSEC_MY_IP", "garbage")
    assert await my_ip() is None


def test_scoped_ipv6_and_netmask_forms() -> None:
    with pytest.raises(ValidationError, match="scope"):
        parse_rule("fe80::1%eth0")
    assert parse_rule("10.0.0.0/255.255.255.0").cidr == "10.0.0.0/24"


def test_ipv4_mapped_peers_match_ipv4_rules() -> None:
    assert is_allowed("::ffff:203.0.113.9", [parse_rule("203.0.113.0/24")])
    assert not is_allowed("::ffff:198.51.100.1", [parse_rule("203.0.113.0/24")])


def test_problems_fit_the_cloud_400_shape() -> None:
    rules = [parse_rule("10.0.0.0/8"), parse_rule("10.0.0.0/8"), parse_rule("0.0.0.0/0")]
    problems = validate_rules(rules, provider="azure")
    body = {"allowedIps": problems}
    assert all(isinstance(p, str) and p.endswith(".") for p in body["allowedIps"])
    assert len(problems) == 2  # the duplicate, and allow-all beside others


@pytest.fixture
async def echo_server() -> AsyncIterator[tuple[str, list[str]]]:
    """A loopback HTTP server answering what /ip, /garbage and /error say (stand-in for the echo service)."""
    answers = {"/ip": (200, "203.0.113.77\n"), "/garbage": (200, "<html>hi</html>"), "/error": (503, "busy")}
    seen: list[str] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(request.path)
        status, text = answers[request.path]
        return web.Response(status=status, text=text)

    app = web.Application()
    app.router.add_get("/{name}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


async def test_my_ip_asks_the_echo_service(
    echo_server: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, seen = echo_server
    monkeypatch.delenv("RAVENSEC_MY_IP", raising=False)
    assert await my_ip(url=f"{base}/ip") == "203.0.113.77"
    async with aiohttp.ClientSession() as session:
        assert await my_ip(session, url=f"{base}/ip") == "203.0.113.77"
        assert not session.closed  # a session we were given is the caller's to close
    assert await my_ip(url=f"{base}/garbage") is None
    assert await my_ip(url=f"{base}/error") is None
    assert seen == ["/ip", "/ip", "/garbage", "/error"]


async def test_my_ip_is_none_when_nothing_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAVENSEC_MY_IP", raising=False)
    with socket.socket() as s:  # a port that was free a moment ago: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert await my_ip(url=f"http://127.0.0.1:{port}/", timeout=1.0) is None
