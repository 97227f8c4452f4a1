"""IP allow-list rules: parse, validate, normalise, diff and match (pure: "what is my IP" asks the network, in
``ravensec.core.http.echo``).

Rules follow the portal's "Security" card (CIDR + free-text alias). Where RavenDB Cloud documents nothing
(IPv6, bare IPs, a maximum count) we choose, as the mock does: IPv4 and IPv6 CIDR, a bare IP becomes /32
or /128, duplicates rejected, at most ``MAX_RULES`` entries. Azure products also reject overlapping ranges
and an allow-all entry beside any other.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .errors import ValidationError
from .models import IpRule

MAX_RULES = 50
MAX_ALIAS = 100
ALLOW_ALL_WARNING = (
    "0.0.0.0/0 lets every address on the internet reach the product; only the client certificate protects it."
)


def parse_rule(text: str, alias: str = "", *, normalise: bool = False) -> IpRule:
    """One rule from ``203.0.113.7``, ``203.0.113.0/24`` or an IPv6 form; raises ValidationError."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("An IP rule needs an address or CIDR range, e.g. 203.0.113.0/24.")
    raw = text.strip()
    try:
        if "/" not in raw:
            net: ipaddress.IPv4Network | ipaddress.IPv6Network = ipaddress.ip_network(raw)
        else:
            net = ipaddress.ip_network(raw, strict=True)
    except ValueError as exc:
        if "has host bits set" in str(exc):
            fixed = ipaddress.ip_network(raw, strict=False)
            if not normalise:
                raise ValidationError(
                    f"{raw} has host bits set.", hint=f"Did you mean {fixed}? Use the network address."
                ) from None
            net = fixed
        else:
            raise ValidationError(
                f"{raw!r} is not an IP address or CIDR range.",
                hint="Use a form like 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32.",
            ) from None
    if getattr(net.network_address, "scope_id", None):
        raise ValidationError(
            f"{raw} carries an interface scope (%...), which means nothing to a remote allow-list.",
            hint="Remove the %scope part.",
        )
    alias = (alias or "").strip()
    if len(alias) > MAX_ALIAS:
        raise ValidationError(f"The alias of {net} is longer than {MAX_ALIAS} characters.")
    if alias and not alias.isprintable():
        raise ValidationError(f"The alias of {net} contains control characters.")
    return IpRule(net, alias)


def _overlaps(a: IpRule, b: IpRule) -> bool:
    return a.network.version == b.network.version and a.network.overlaps(b.network)


def validate_rules(rules: Sequence[IpRule], *, provider: str = "") -> list[str]:
    """Problems that make the list unacceptable, as sentences; empty when the list may be saved."""
    problems: list[str] = []
    if len(rules) > MAX_RULES:
        problems.append(f"There are {len(rules)} rules; at most {MAX_RULES} are allowed.")
    seen: set[str] = set()
    for r in rules:
        if r.cidr in seen:
            problems.append(f"{r.cidr} is listed more than once.")
        seen.add(r.cidr)
    if provider.lower() == "azure":
        if any(r.allows_all for r in rules) and len(rules) > 1:
            problems.append("Azure products accept an allow-all rule only as the single entry.")
        for i, a in enumerate(rules):
            for b in rules[i + 1 :]:
                if a.cidr != b.cidr and not (a.allows_all or b.allows_all) and _overlaps(a, b):
                    problems.append(
                        f"{a.cidr} and {b.cidr} overlap; Azure products reject overlapping ranges."
                    )
    return problems


def rule_warnings(rules: Sequence[IpRule], *, provider: str = "") -> list[str]:
    """Things worth saying that do not block saving: allow-all, overlaps (outside Azure), an empty list."""
    warnings: list[str] = []
    if not rules:
        warnings.append("The allow-list is empty: no address can reach the product.")
    if any(r.allows_all for r in rules):
        warnings.append(ALLOW_ALL_WARNING)
    if provider.lower() != "azure":
        for i, a in enumerate(rules):
            for b in rules[i + 1 :]:
                if a.cidr != b.cidr and not (a.allows_all or b.allows_all) and _overlaps(a, b):
                    warnings.append(f"{a.cidr} and {b.cidr} overlap.")
    return warnings


def sort_rules(rules: Iterable[IpRule]) -> list[IpRule]:
    """Allow-all first (the portal pins it on top), then IPv4 before IPv6, by network."""
    return sorted(rules, key=lambda r: (not r.allows_all, r.network.version, r.network))


@dataclass(frozen=True)
class RuleDiff:
    added: tuple[IpRule, ...]
    removed: tuple[IpRule, ...]
    alias_changed: tuple[tuple[IpRule, IpRule], ...]  # (old, new)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.alias_changed)

    def render(self) -> list[str]:
        lines = [f"- {r.cidr}  {r.alias}".rstrip() for r in self.removed]
        lines += [f"+ {r.cidr}  {r.alias}".rstrip() for r in self.added]
        lines += [f"~ {new.cidr}  {old.alias!r} -> {new.alias!r}" for old, new in self.alias_changed]
        return lines


def diff_rules(old: Sequence[IpRule], new: Sequence[IpRule]) -> RuleDiff:
    before = {r.cidr: r for r in old}
    after = {r.cidr: r for r in new}
    return RuleDiff(
        added=tuple(r for c, r in after.items() if c not in before),
        removed=tuple(r for c, r in before.items() if c not in after),
        alias_changed=tuple(
            (before[c], r) for c, r in after.items() if c in before and before[c].alias != r.alias
        ),
    )


def is_allowed(address: str, rules: Iterable[IpRule]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    # A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; the IPv4 rules must still match them.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == r.network.version and ip in r.network for r in rules)

