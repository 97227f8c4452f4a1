"""The posture review's rules: pure functions from what a product's workspace read to findings.

Each rule follows one piece of RavenDB Cloud's security advice (``ADVICE_*``); the thresholds below are the
documented ones (docs/audit.md). Nothing here does I/O: ``gather.py`` reads, these judge.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..certs.expiry import ExpiryState, days_left, expiry_state
from ..models import CertificateDefinition, DatabaseAccess, IpRule, Product, SecurityClearance
from .model import Credits, Finding, Fix, FixKind, Severity

__all__ = [
    "DISABLED_FOR_DAYS",
    "LOW_CREDITS_FRACTION",
    "MAX_OPERATORS",
    "SHARED_MIN_DATABASES",
    "WIDE_IPV4_PREFIX",
    "WIDE_IPV6_PREFIX",
    "PostureData",
    "is_initial",
    "review",
]

# An IPv4 rule wider than a /16 (more than 65,536 addresses) is "very wide"; for IPv6, wider than a /32 (an
# ISP's whole allocation: a site is a /48).
WIDE_IPV4_PREFIX = 16
WIDE_IPV6_PREFIX = 32
# More usable Operator (or Cluster Admin) certificates than this, the initial one included, is "more than a
# few": the initial certificate plus one or two administrators' own.
MAX_OPERATORS = 3
# A User certificate with permissions on at least this many databases may serve several applications.
SHARED_MIN_DATABASES = 4
# Words that, in a certificate's name, suggest it serves several applications...
SHARED_WORDS = frozenset({"shared", "share", "common", "all", "everyone", "generic", "multi"})
# ... and names that name no application at all (digits aside: "app2" is still "app").
GENERIC_NAMES = frozenset({"app", "apps", "application", "client", "clients", "default", "service", "user"})
# A disabled certificate whose NotBefore is older than this (the server keeps no "disabled since" date).
DISABLED_FOR_DAYS = 30
# A burstable product whose remaining CPU credits are at or below this fraction of its maximum is "low".
LOW_CREDITS_FRACTION = 0.2

ADVICE_IPS = (
    "RavenDB Cloud's security advice: choose which IP addresses may reach the server. Allow only the "
    "addresses your applications and people connect from; the client certificate should not be the only "
    "thing between the internet and your data."
)
ADVICE_PER_APP = (
    "RavenDB Cloud's security advice: use a different certificate for each client application, so that one "
    "leaked or retired application's certificate can be removed without touching the others."
)
ADVICE_LEAST = (
    ADVICE_PER_APP + " Give each one the least clearance it needs: a User certificate with permissions on its "
    "own databases, unless it administers the cluster (Operator)."
)
ADVICE_OFF_CLOUD = (
    "RavenDB Cloud's security advice: on a burstable instance, generate certificates off-cloud (on your "
    "machine) and register only the public certificate; generating on the server spends CPU credits."
)
ADVICE_GENERATE_HERE = (
    "Generate the new certificates off-cloud: on a burstable instance, generating on the server spends CPU "
    "credits."
)
ADVICE_EXPIRY = (
    "RavenDB Cloud e-mails 60 days before a certificate expires and regenerates the initial certificate 30 "
    "days before; a client whose certificate has expired is refused. Replace certificates before they expire "
    "and remove expired ones, so that the list holds only certificates of live client applications."
)
ADVICE_DISABLED = (
    ADVICE_PER_APP + " A certificate that no application will use again belongs deleted, not disabled: "
    "re-enabling it is one edit away."
)

_CLI_CLEARANCE = {SecurityClearance.CLUSTER_ADMIN: "cluster-admin", SecurityClearance.OPERATOR: "operator",
                  SecurityClearance.VALID_USER: "user"}
_CLI_ACCESS = {DatabaseAccess.ADMIN: "admin", DatabaseAccess.READ_WRITE: "read-write", DatabaseAccess.READ: "read"}
_ADMIN_LEVEL = frozenset({SecurityClearance.OPERATOR, SecurityClearance.CLUSTER_ADMIN})


@dataclass(frozen=True)
class PostureData:
    """What the review of one product looks at. ``None`` for rules or certificates: they could not be read
    (those rules are skipped); ``in_use`` is the thumbprint of the certificate this profile presents."""

    product: Product
    now: datetime
    rules: Sequence[IpRule] | None = None
    certificates: Sequence[CertificateDefinition] | None = None
    in_use: str | None = None
    credits: Credits | None = None


def review(data: PostureData) -> list[Finding]:
    """Every finding for one product, most severe first."""
    found: list[Finding] = []
    if data.rules is not None:
        found += _ip_findings(data.product, data.rules)
    if data.certificates is not None:
        found += _certificate_findings(data)
    if data.credits is not None:
        found += _credit_findings(data.product, data.credits)
    order = {code: i for i, code in enumerate(CODES)}
    return sorted(found, key=lambda f: (-f.severity.rank, order.get(f.code, len(order)), f.subject))


# Every finding code, in the order findings of one severity are listed.
CODES = (
    "ip-allow-all",
    "ip-wide",
    "cert-expiring-30",
    "cert-expired",
    "initial-only",
    "cert-shared",
    "operator-many",
    "operator-unneeded",
    "credits-low",
    "cert-expiring-60",
    "cert-disabled-long",
)


# --------------------------------------------------------------------------------------------- helpers


def _p(product: Product) -> str:
    return shlex.quote(product.display_name or product.id)


def _date(when: datetime | None) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d") if when is not None else "unknown"


def _cert(c: CertificateDefinition) -> str:
    return f"{c.name!r} ({c.thumbprint[:12]}…, {c.security_clearance.label})"


def _grants(perms: Mapping[str, DatabaseAccess]) -> str:
    return " ".join(f"--db {shlex.quote(f'{db}={_CLI_ACCESS[a]}')}" for db, a in sorted(perms.items()))


def is_initial(cert: CertificateDefinition, product: Product) -> bool:
    """The product's initial certificate, by the cloud's naming: ``<subdomain>.<account>.client.certificate``
    with Operator clearance (after a regeneration, the old and the new one both match)."""
    if cert.security_clearance is not SecurityClearance.OPERATOR:
        return False
    if not cert.name.endswith(".client.certificate"):
        return False
    return not product.subdomain or cert.name.startswith(product.subdomain + ".")


def _server(cert: CertificateDefinition) -> bool:
    return cert.security_clearance is SecurityClearance.CLUSTER_NODE


def _usable(cert: CertificateDefinition, now: datetime) -> bool:
    return not cert.disabled and expiry_state(cert.not_before, cert.not_after, now) is not ExpiryState.EXPIRED


def _seems_shared(cert: CertificateDefinition) -> str | None:
    """Why ``cert`` may serve several applications, or None (docs/audit.md: the heuristic)."""
    words = [w for w in re.split(r"[^a-z0-9]+", cert.name.lower()) if w]
    hits = sorted(set(words) & SHARED_WORDS)
    if hits:
        return f"its name contains {', '.join(repr(h) for h in hits)}"
    if re.sub(r"[^a-z]+", "", cert.name.lower()) in GENERIC_NAMES:
        return f"its name {cert.name!r} names no particular application"
    if cert.security_clearance is SecurityClearance.VALID_USER and len(cert.permissions) >= SHARED_MIN_DATABASES:
        return f"it has permissions on {len(cert.permissions)} databases (threshold {SHARED_MIN_DATABASES})"
    return None


# --------------------------------------------------------------------------------------------- IP rules


def _ip_findings(product: Product, rules: Sequence[IpRule]) -> list[Finding]:
    out = []
    for r in rules:
        label = f"rule {r.cidr}" + (f" ({r.alias})" if r.alias else "")
        fix = Fix(
            FixKind.IP_RULES,
            f"Add the ranges your clients really use, then remove {r.cidr} (IP rules: select it, x, ctrl+s).",
            f"ravensec ips remove {r.cidr} -p {_p(product)}",
            rule=r.cidr,
        )
        if r.allows_all:
            family = "IPv4" if r.network.version == 4 else "IPv6"
            out.append(Finding(
                "ip-allow-all", Severity.HIGH, product.id, product.display_name,
                f"{r.cidr} lets every {family} address reach the nodes", r.cidr,
                (f"{label} admits every {family} address on the internet",
                 "only the client certificate protects the product"),
                ADVICE_IPS, fix,
            ))
            continue
        limit = WIDE_IPV4_PREFIX if r.network.version == 4 else WIDE_IPV6_PREFIX
        if r.network.prefixlen < limit:
            out.append(Finding(
                "ip-wide", Severity.MEDIUM, product.id, product.display_name,
                f"{r.cidr} is a very wide range", r.cidr,
                (f"{label} admits {r.network.num_addresses:,} addresses",
                 f"the threshold is /{limit}: a rule wider than that is reported"),
                ADVICE_IPS, fix,
            ))
    return out


# --------------------------------------------------------------------------------------------- certificates


def _certificate_findings(data: PostureData) -> list[Finding]:
    product, now = data.product, data.now
    certs = [c for c in data.certificates or () if not _server(c)]
    out: list[Finding] = []
    for c in certs:
        out += _expiry(product, c, now)
        if c.disabled and expiry_state(c.not_before, c.not_after, now) is not ExpiryState.EXPIRED:
            out += _disabled_long(product, c, now)
    usable = [c for c in certs if _usable(c, now)]
    out += _operators(product, usable, data.in_use)
    for c in usable:
        why = None if is_initial(c, product) else _seems_shared(c)
        if why:
            out.append(Finding(
                "cert-shared", Severity.MEDIUM, product.id, product.display_name,
                f"{c.name!r} may be shared by several applications", c.thumbprint,
                (f"{_cert(c)}: {why}", "a heuristic: check which applications present it"),
                ADVICE_PER_APP,
                _generate_fix(product, f"Give each application its own certificate, generated here (the key "
                              f"never leaves your machine), then delete {c.name!r}.",
                              c.security_clearance, c.permissions),
            ))
    out += _initial_only(product, certs, usable)
    return out


def _generate_fix(
    product: Product, hint: str, clearance: SecurityClearance, perms: Mapping[str, DatabaseAccess]
) -> Fix:
    grants = _grants(perms)
    command = (f"ravensec certs generate-local -p {_p(product)} --name APP-NAME "
               f"--clearance {_CLI_CLEARANCE.get(clearance, 'user')}" + (f" {grants}" if grants else ""))
    return Fix(FixKind.GENERATE_LOCAL, hint, command, clearance=clearance, permissions=dict(perms))


def _select(c: CertificateDefinition, hint: str, command: str) -> Fix:
    return Fix(FixKind.CERTIFICATES, hint, command, thumbprint=c.thumbprint)


def _expiry(product: Product, c: CertificateDefinition, now: datetime) -> list[Finding]:
    state = expiry_state(c.not_before, c.not_after, now)
    left = days_left(c.not_after, now)
    delete = f"ravensec certs delete {c.thumbprint} -p {_p(product)}"
    if state is ExpiryState.EXPIRED:
        return [Finding(
            "cert-expired", Severity.MEDIUM, product.id, product.display_name,
            f"{c.name!r} has expired and is still registered", c.thumbprint,
            (f"{_cert(c)} expired {_date(c.not_after)} ({-left} days ago)",
             "disabled" if c.disabled else "not disabled"),
            ADVICE_EXPIRY,
            _select(c, "Delete it (certificates: x), or purge every expired one (p).", delete),
        )]
    if c.disabled or state not in (ExpiryState.EXPIRING_30, ExpiryState.EXPIRING_60):
        return []
    urgent = state is ExpiryState.EXPIRING_30
    if is_initial(c, product):
        hint = ("The cloud regenerates the initial certificate 30 days before it expires: download the new "
                "package (products: d) and move its users to certificates of their own.")
    else:
        hint = ("Make a replacement (certificates: n clones it, l generates one here), move the client to it, "
                "then delete the old one.")
    grants = _grants(c.permissions)
    command = (f"ravensec certs generate-local -p {_p(product)} --name {shlex.quote(c.name + '-next')} "
               f"--clearance {_CLI_CLEARANCE.get(c.security_clearance, 'user')}" + (f" {grants}" if grants else ""))
    return [Finding(
        "cert-expiring-30" if urgent else "cert-expiring-60",
        Severity.HIGH if urgent else Severity.LOW,
        product.id, product.display_name,
        f"{c.name!r} expires in {left} days", c.thumbprint,
        (f"{_cert(c)} expires {_date(c.not_after)}, in {left} days",
         f"within {30 if urgent else 60} days: the cloud's {'last' if urgent else 'first'} reminder window"),
        ADVICE_EXPIRY, _select(c, hint, command),
    )]


def _disabled_long(product: Product, c: CertificateDefinition, now: datetime) -> list[Finding]:
    since = c.not_before
    if since is not None and now - since < timedelta(days=DISABLED_FOR_DAYS):
        return []
    age = f"NotBefore {_date(since)}, {(now - since).days} days ago" if since else "no NotBefore date"
    return [Finding(
        "cert-disabled-long", Severity.LOW, product.id, product.display_name,
        f"{c.name!r} is disabled and still registered", c.thumbprint,
        (f"{_cert(c)} is disabled; {age}; expires {_date(c.not_after)}",
         f"the server records no date of disabling: the age shown is from NotBefore (threshold "
         f"{DISABLED_FOR_DAYS} days)"),
        ADVICE_DISABLED,
        _select(c, "Delete it if no application will use it again (certificates: x).",
                f"ravensec certs delete {c.thumbprint} -p {_p(product)}"),
    )]


def _operators(product: Product, usable: Sequence[CertificateDefinition], in_use: str | None) -> list[Finding]:
    admins = [c for c in usable if c.security_clearance in _ADMIN_LEVEL]
    out = []
    if len(admins) > MAX_OPERATORS:
        first = next((c for c in admins if not is_initial(c, product)), admins[0])
        out.append(Finding(
            "operator-many", Severity.MEDIUM, product.id, product.display_name,
            f"{len(admins)} usable Operator or Cluster Admin certificates", "",
            (f"{len(admins)} enabled, unexpired certificates above User (threshold {MAX_OPERATORS}):",
             *(f"  {_cert(c)}" for c in admins)),
            ADVICE_LEAST,
            _select(first, "Turn application certificates into User certificates with permissions "
                    "on their databases (certificates: e), and delete the ones nobody uses.",
                    f"ravensec certs edit {first.thumbprint} -p {_p(product)} --clearance user --db DB=read-write"),
        ))
    for c in admins:
        if c.security_clearance is not SecurityClearance.OPERATOR or is_initial(c, product) or c.thumbprint == in_use:
            continue
        out.append(Finding(
            "operator-unneeded", Severity.MEDIUM, product.id, product.display_name,
            f"{c.name!r} is an Operator certificate where a User one may do", c.thumbprint,
            (f"{_cert(c)}, valid until {_date(c.not_after)}",
             "not the initial certificate and not the one this profile presents"),
            ADVICE_LEAST,
            _select(c, "If it is an application's, edit it to User with permissions on its databases "
                    "(certificates: e); if nobody uses it, delete it (x).",
                    f"ravensec certs edit {c.thumbprint} -p {_p(product)} --clearance user --db DB=read-write"),
        ))
    return out


def _initial_only(
    product: Product, certs: Sequence[CertificateDefinition], usable: Sequence[CertificateDefinition]
) -> list[Finding]:
    initial = [c for c in usable if is_initial(c, product)]
    others = [c for c in usable if not is_initial(c, product)]
    if not initial or others:
        return []
    unusable = len(certs) - len(usable)
    return [Finding(
        "initial-only", Severity.MEDIUM, product.id, product.display_name,
        "the initial certificate is the only one in use", initial[0].thumbprint,
        (f"{_cert(initial[0])} is the only usable client certificate",
         "besides the server's own" + (f" and {unusable} expired or disabled" if unusable else "")),
        ADVICE_PER_APP + " " + ADVICE_GENERATE_HERE,
        _generate_fix(product, "Generate a User certificate here for each application, with permissions on its "
                      "databases, and keep the initial one for administration.",
                      SecurityClearance.VALID_USER, {}),
    )]


# --------------------------------------------------------------------------------------------- credits


def _credit_findings(product: Product, credits: Credits) -> list[Finding]:
    if credits.maximum <= 0 or credits.remaining > credits.maximum * LOW_CREDITS_FRACTION:
        return []
    exhausted = credits.remaining <= 0
    return [Finding(
        "credits-low", Severity.HIGH if exhausted else Severity.MEDIUM, product.id, product.display_name,
        "the burstable instance is " + ("out of" if exhausted else "low on") + " CPU credits", "",
        (f"{credits.remaining:g} of {credits.maximum:g} CPU credits left "
         f"({credits.remaining / credits.maximum:.0%}; threshold {LOW_CREDITS_FRACTION:.0%})",),
        ADVICE_OFF_CLOUD,
        Fix(FixKind.CERTIFICATES,
            "Make new certificates here, not on the server (certificates: l, not g) until the credits recover.",
            f"ravensec certs generate-local -p {_p(product)} --name APP-NAME --clearance user --db DB=read-write"),
    )]
