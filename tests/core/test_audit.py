"""The posture review's rules on handmade data: each finding, its edges, and its absence."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from ravensec.core.audit import (
    DISABLED_FOR_DAYS,
    MAX_OPERATORS,
    SHARED_MIN_DATABASES,
    Credits,
    Finding,
    FixKind,
    PostureData,
    Severity,
    audit,
    is_initial,
    review,
)
from ravensec.core.errors import Forbidden, NotSupported
from ravensec.core.models import (
    CertificateDefinition,
    DatabaseAccess,
    IpRule,
    Node,
    Product,
    ProductStatus,
    SecurityClearance,
)
from tests.fakes_common import fake_cert

NOW = datetime(2030, 1, 1, tzinfo=UTC)
OP, USER = SecurityClearance.OPERATOR, SecurityClearance.VALID_USER
PRODUCT = Product(id="p1", display_name="Shop", subdomain="shop", nodes=(Node("A", "https://a.shop"),),
                  status=ProductStatus.ACTIVE)
_serial = iter(range(1, 10_000))


def cert(
    name: str,
    clearance: SecurityClearance = USER,
    perms: Mapping[str, DatabaseAccess] | None = None,
    *,
    days_left: float = 300,
    age_days: float = 100,
    disabled: bool = False,
) -> CertificateDefinition:
    if perms is None:
        perms = {"Orders": DatabaseAccess.READ_WRITE} if clearance is USER else {}
    return fake_cert(name, f"{next(_serial):040X}", clearance, now=NOW, days=days_left, issued_days_ago=age_days,
                     permissions=perms, disabled=disabled)


SERVER = cert("Server Certificate", SecurityClearance.CLUSTER_NODE, days_left=5000)
INITIAL = cert("shop.acme.client.certificate", OP, days_left=1500)
APP = cert("orders-service")


def rule(cidr: str, alias: str = "") -> IpRule:
    return IpRule(ipaddress.ip_network(cidr), alias)


def run(
    certs: list[CertificateDefinition] | None = None,
    rules: list[IpRule] | None = None,
    *,
    in_use: str | None = None,
    credits: Credits | None = None,
) -> list[Finding]:
    certs = [SERVER, INITIAL, APP] if certs is None else certs
    rules = [rule("203.0.113.0/24", "office")] if rules is None else rules
    return review(PostureData(PRODUCT, NOW, rules, certs, in_use or INITIAL.thumbprint, credits))


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def test_a_clean_product_has_no_findings() -> None:
    assert run() == []


# ------------------------------------------------------------------------------------------------ IP rules


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
def test_allow_all_is_high_and_jumps_to_the_rule(cidr: str) -> None:
    [f] = run(rules=[rule("203.0.113.0/24"), rule(cidr, "Allow all")])
    assert (f.code, f.severity, f.subject) == ("ip-allow-all", Severity.HIGH, cidr)
    assert f.fix.kind is FixKind.IP_RULES and f.fix.rule == cidr
    assert f.fix.command == f"ravensec ips remove {cidr} -p Shop"
    assert "choose which IP addresses" in f.advice
    assert any("Allow all" in line for line in f.evidence)


@pytest.mark.parametrize(("cidr", "wide"), [
    ("10.0.0.0/15", True), ("10.0.0.0/16", False), ("198.51.100.0/24", False),
    ("2001:db8::/31", True), ("2001:db8::/32", False), ("2001:db8:42::/48", False),
])
def test_wide_rule_threshold(cidr: str, wide: bool) -> None:
    found = run(rules=[rule(cidr)])
    assert codes(found) == (["ip-wide"] if wide else [])
    if wide:
        assert found[0].severity is Severity.MEDIUM and found[0].fix.rule == cidr


def test_rules_not_read_are_not_judged() -> None:
    assert review(PostureData(PRODUCT, NOW, None, [SERVER, INITIAL, APP])) == []


# ------------------------------------------------------------------------------------------------ expiry


@pytest.mark.parametrize(("days", "code", "severity"), [
    (61, None, None), (60, "cert-expiring-60", Severity.LOW), (31, "cert-expiring-60", Severity.LOW),
    (30, "cert-expiring-30", Severity.HIGH), (0.5, "cert-expiring-30", Severity.HIGH),
    (0, "cert-expired", Severity.MEDIUM), (-40, "cert-expired", Severity.MEDIUM),
])
def test_expiry_windows(days: float, code: str | None, severity: Severity | None) -> None:
    c = cert("orders-service", days_left=days)
    found = run([SERVER, INITIAL, APP, c])
    assert codes(found) == ([code] if code else [])
    if code:
        assert found[0].severity is severity and found[0].subject == c.thumbprint
        assert found[0].fix.kind is FixKind.CERTIFICATES and found[0].fix.thumbprint == c.thumbprint


def test_expired_disabled_is_reported_once_as_expired() -> None:
    c = cert("gone", days_left=-3, disabled=True)
    assert codes(run([SERVER, INITIAL, APP, c])) == ["cert-expired"]


def test_the_initial_certificate_expiring_points_to_the_regenerated_package() -> None:
    initial = cert("shop.acme.client.certificate", OP, days_left=10)
    [f] = run([SERVER, initial, APP], in_use=initial.thumbprint)
    assert f.code == "cert-expiring-30" and "regenerates the initial certificate" in f.fix.hint


def test_the_server_certificate_is_never_judged() -> None:
    server = cert("Server Certificate", SecurityClearance.CLUSTER_NODE, days_left=-1)
    assert run([server, INITIAL, APP]) == []


# ------------------------------------------------------------------------------------------------ disabled


def test_disabled_for_long_uses_not_before_as_evidence() -> None:
    old = cert("intern", disabled=True, age_days=DISABLED_FOR_DAYS + 1)
    [f] = run([SERVER, INITIAL, APP, old])
    assert (f.code, f.severity) == ("cert-disabled-long", Severity.LOW)
    assert any("no date of disabling" in line for line in f.evidence)
    assert any("NotBefore" in line for line in f.evidence)


def test_recently_issued_disabled_certificate_is_not_reported() -> None:
    fresh = cert("intern", disabled=True, age_days=DISABLED_FOR_DAYS - 1)
    assert run([SERVER, INITIAL, APP, fresh]) == []


# ------------------------------------------------------------------------------------------------ operators


def test_is_initial_by_the_clouds_name() -> None:
    assert is_initial(INITIAL, PRODUCT)
    assert not is_initial(cert("other.acme.client.certificate", OP), PRODUCT)
    assert not is_initial(cert("shop.acme.client.certificate", USER), PRODUCT)


def test_operator_not_in_use_and_not_initial() -> None:
    extra = cert("deployer", OP)
    [f] = run([SERVER, INITIAL, APP, extra])
    assert (f.code, f.subject, f.fix.thumbprint) == ("operator-unneeded", extra.thumbprint, extra.thumbprint)
    assert "--clearance user" in f.fix.command


def test_operator_in_use_by_this_profile_is_not_questioned() -> None:
    extra = cert("deployer", OP)
    assert run([SERVER, INITIAL, APP, extra], in_use=extra.thumbprint) == []


def test_many_operators() -> None:
    ops = [cert(f"admin-{i}", OP) for i in range(MAX_OPERATORS)]  # plus the initial: one too many
    found = run([SERVER, INITIAL, APP, *ops], in_use=ops[0].thumbprint)
    assert codes(found).count("operator-many") == 1
    assert codes(found).count("operator-unneeded") == MAX_OPERATORS - 1
    # At the threshold exactly: no "many".
    assert "operator-many" not in codes(run([SERVER, INITIAL, APP, *ops[1:]], in_use=ops[1].thumbprint))


def test_expired_and_disabled_operators_do_not_count() -> None:
    ops = [cert(f"admin-{i}", OP, days_left=-1) for i in range(MAX_OPERATORS)]
    ops.append(cert("admin-off", OP, disabled=True, age_days=1))
    assert set(codes(run([SERVER, INITIAL, APP, *ops]))) == {"cert-expired"}


# ------------------------------------------------------------------------------------------------ shared


@pytest.mark.parametrize("name", ["shared-client", "common", "all-apps", "app", "App2", "default", "client"])
def test_names_that_suggest_sharing(name: str) -> None:
    c = cert(name)
    [f] = run([SERVER, INITIAL, c])
    assert (f.code, f.severity) == ("cert-shared", Severity.MEDIUM)
    assert "may be shared" in f.title
    assert f.fix.kind is FixKind.GENERATE_LOCAL and f.fix.clearance is USER
    assert dict(f.fix.permissions) == dict(c.permissions)


@pytest.mark.parametrize("name", ["orders-app", "billing", "ci-deploy", "mobile-client", "analytics"])
def test_names_of_one_application(name: str) -> None:
    assert run([SERVER, INITIAL, cert(name)]) == []


def test_many_databases_may_be_shared() -> None:
    perms = {f"db{i}": DatabaseAccess.READ for i in range(SHARED_MIN_DATABASES)}
    [f] = run([SERVER, INITIAL, cert("reporting", perms=perms)])
    assert f.code == "cert-shared" and f"{SHARED_MIN_DATABASES} databases" in f.evidence[0]
    fewer = {f"db{i}": DatabaseAccess.READ for i in range(SHARED_MIN_DATABASES - 1)}
    assert run([SERVER, INITIAL, cert("reporting", perms=fewer)]) == []


# ------------------------------------------------------------------------------------------------ initial only


def test_initial_certificate_alone() -> None:
    [f] = run([SERVER, INITIAL])
    assert (f.code, f.subject) == ("initial-only", INITIAL.thumbprint)
    assert f.fix.kind is FixKind.GENERATE_LOCAL and f.fix.clearance is USER
    assert "different certificate for each client application" in f.advice


def test_initial_with_only_expired_others_is_still_alone() -> None:
    assert codes(run([SERVER, INITIAL, cert("old", days_left=-1)])) == ["cert-expired", "initial-only"]


# ------------------------------------------------------------------------------------------------ credits


@pytest.mark.parametrize(("remaining", "code", "severity"), [
    (100, None, None), (21, None, None), (20, "credits-low", Severity.MEDIUM), (0, "credits-low", Severity.HIGH),
])
def test_low_credits(remaining: float, code: str | None, severity: Severity | None) -> None:
    found = run(credits=Credits(remaining=remaining, maximum=100))
    assert codes(found) == ([code] if code else [])
    if code:
        assert found[0].severity is severity and "off-cloud" in found[0].advice


def test_findings_sort_most_severe_first() -> None:
    found = run([SERVER, INITIAL, APP, cert("x", days_left=45), cert("y", days_left=-1)],
                rules=[rule("0.0.0.0/0")])
    assert [f.severity for f in found] == sorted((f.severity for f in found), key=lambda s: -s.rank)
    assert found[0].code == "ip-allow-all"


# ------------------------------------------------------------------------------------------------ gathering


class FakeSource:
    """A workspace that answers from memory; ``fail`` maps a method name to the error it raises."""

    def __init__(self, products: list[Product], certs: list[CertificateDefinition], rules: list[IpRule],
                 fail: Mapping[str, Exception] | None = None) -> None:
        self.products, self.certs, self.rules, self.fail = products, certs, rules, dict(fail or {})
        self.now = lambda: NOW

    def _check(self, name: str) -> None:
        if name in self.fail:
            raise self.fail[name]

    async def list_products(self) -> list[Product]:
        return self.products

    async def get_ip_rules(self, product_id: str) -> list[IpRule]:
        self._check("get_ip_rules")
        return self.rules

    async def list_certificates(self, product_id: str) -> list[CertificateDefinition]:
        self._check("list_certificates")
        return self.certs

    async def whoami(self, product_id: str) -> CertificateDefinition | None:
        self._check("whoami")
        return INITIAL


async def test_audit_takes_credits_from_the_reader() -> None:
    asked: list[str] = []

    async def reader(product_id: str) -> Credits | None:
        asked.append(product_id)
        return Credits(remaining=3, maximum=144)

    [posture] = await audit(FakeSource([PRODUCT], [SERVER, INITIAL, APP], [rule("10.1.0.0/16")]), credits=reader)
    assert asked == ["p1"] and codes(list(posture.findings)) == ["credits-low"]
    assert posture.findings[0].evidence[0].startswith("3 of 144 CPU credits left")
    assert not posture.clean


async def test_audit_without_credits_reader_reviews_the_rest() -> None:
    [posture] = await audit(FakeSource([PRODUCT], [SERVER, INITIAL, APP], [rule("10.1.0.0/16")]))
    assert posture.findings == () and posture.not_reviewed == () and posture.clean


async def test_what_cannot_be_read_is_said_not_raised() -> None:
    src = FakeSource([PRODUCT], [], [rule("0.0.0.0/0")], fail={
        "list_certificates": Forbidden("User certificates cannot list certificates."),
        "whoami": Forbidden("no"),
    })
    [posture] = await audit(src)
    assert codes(list(posture.findings)) == ["ip-allow-all"]
    assert posture.not_reviewed == ("certificates not reviewed: User certificates cannot list certificates.",)
    assert not posture.clean


async def test_no_allow_list_api_and_no_nodes() -> None:
    bare = Product(id="p2", display_name="New", status=ProductStatus.CREATING)
    src = FakeSource([bare], [], [], fail={"get_ip_rules": NotSupported("A direct profile has no Cloud API.")})
    [posture] = await audit(src)
    assert posture.findings == ()
    assert len(posture.not_reviewed) == 2
    assert any("no nodes yet" in line for line in posture.not_reviewed)
