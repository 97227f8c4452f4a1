"""The product's plans: save a new allow-list (removing the range your own address is in locks you out)
and regenerate the product's initial certificate (the profile presenting it must download the new one)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..errors import ValidationError
from ..iprules import diff_rules, is_allowed, rule_warnings, validate_rules
from ..models import IpRule
from ..plan import ChangePlan, Consent, Effect, IpRulesRequest, RegenerateRequest
from ..words import plural
from .describe import DANGER, INFO, WARN
from .reading import require_writable

if TYPE_CHECKING:  # a plan reads through a workspace; screens import plans before any workspace exists
    from ..workspace import Workspace


async def plan_ip_rules(ws: Workspace, product_id: str, rules: Iterable[IpRule], *, provider: str = "") -> ChangePlan:
    """Replace the allow-list; removing the range your own address is in needs :attr:`Consent.LOCKOUT`."""
    require_writable(ws, "Changing allowed IPs")
    new = tuple(rules)
    problems = validate_rules(new, provider=provider)
    if problems:
        raise ValidationError("The new allow-list is not valid: " + " ".join(problems),
                              hint="Fix the rules; nothing was changed.")
    if not new:
        raise ValidationError("An empty allow-list would let no address reach the product.",
                              hint="Keep at least one range.")
    old = tuple(await ws.get_ip_rules(product_id))
    diff = diff_rules(old, new)
    request = IpRulesRequest(old, new)
    if diff.empty:
        return ChangePlan("ips", product_id, "no change: the allow-list already says that", request, changes=False)
    effects = [Effect(WARN if line.startswith("-") else INFO, line) for line in diff.render()]
    effects += [Effect(WARN, w) for w in rule_warnings(new, provider=provider)]
    consents: set[Consent] = {Consent.CONFIRM} if diff.removed else set()
    me = await ws.my_address()
    if me is None:
        effects.append(Effect(WARN, "your address could not be found, so whether you keep access is unknown"))
    elif is_allowed(me, old) and not is_allowed(me, new):
        effects.append(Effect(DANGER, f"your address {me} is no longer allowed: after saving, every call from "
                                      "this machine to the product's nodes is refused (you lock yourself out)"))
        consents |= {Consent.CONFIRM, Consent.LOCKOUT}
    summary = f"save {plural(len(new), 'rule')}: {len(diff.added)} added, {len(diff.removed)} removed"
    if diff.alias_changed:
        summary += f", {len(diff.alias_changed)} renamed"
    return ChangePlan("ips", product_id, summary, request, tuple(effects), frozenset(consents))


async def plan_regenerate(ws: Workspace, product_id: str) -> ChangePlan:
    """A new initial certificate replaces the product's current one."""
    require_writable(ws, "Regenerating the product's certificate")
    effects = [Effect(DANGER, "the product's initial certificate is replaced: clients presenting the current "
                              "one are refused")]
    consents = {Consent.CONFIRM}
    if product_id not in ws.profile.certificates and ws.profile.client_cert is None:
        effects.append(Effect(DANGER, "this profile presents that certificate (the product's package): "
                                      "download the new package before the next call"))
        consents.add(Consent.LOCKOUT)
    return ChangePlan("regenerate", product_id, "regenerate the product's initial certificate",
                      RegenerateRequest(), tuple(effects), frozenset(consents))
