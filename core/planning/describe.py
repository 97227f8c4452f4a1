"""How a plan words a change: a registration in one line, permissions and access as text, and the effects of
changing an existing registration (each rated by what it costs, the certificate in use above all)."""

from __future__ import annotations

from collections.abc import Mapping

from ..models import CertificateDefinition, DatabaseAccess, SecurityClearance
from ..plan import Access, Effect, Severity

INFO, WARN, DANGER = Severity.INFO, Severity.WARNING, Severity.DANGER


def describe(c: CertificateDefinition) -> str:
    return f"'{c.name}' ({c.thumbprint[:12]}…, {c.security_clearance.label})"


def perms_text(p: Mapping[str, DatabaseAccess]) -> str:
    return ", ".join(f"{db}={a.value}" for db, a in sorted(p.items())) or "no databases"


def access_text(a: Access) -> str:
    return a.clearance.label + (f" with {perms_text(a.permissions)}" if a.permissions else "")


def differences(before: CertificateDefinition, name: str, access: Access, disabled: bool) -> list[Effect]:
    """What changes on an existing registration, each line rated by what it costs."""
    out: list[Effect] = []
    if name != before.name:
        out.append(Effect(INFO, f"name '{before.name}' → '{name}'"))
    old, new = before.security_clearance, access.clearance
    if new != old:
        raised = new.rank > old.rank
        out.append(Effect(WARN, f"clearance {old.label} → {new.label} ({'raised' if raised else 'lowered'})"))
    lost = sorted(db for db in before.permissions if db not in access.permissions)
    if lost:
        out.append(Effect(WARN, f"permissions lost: {', '.join(f'{db}={before.permissions[db].value}' for db in lost)}"))
    for db, acc in sorted(access.permissions.items()):
        was = before.permissions.get(db)
        if was is None:
            out.append(Effect(INFO, f"permission added: {db}={acc.value}"))
        elif was != acc:
            verb = "raised" if acc.rank > was.rank else "lowered"
            out.append(Effect(WARN if verb == "lowered" else INFO, f"permission {db}: {was.value} → {acc.value} ({verb})"))
    if disabled != before.disabled:
        out.append(Effect(WARN if disabled else INFO,
                          "disabled: clients using it are refused" if disabled else "enabled again"))
    return out


def self_effects(before: CertificateDefinition, access: Access, disabled: bool) -> list[Effect]:
    """The certificate this session presents is being changed: what you lose yourself."""
    if disabled and not before.disabled:
        return [Effect(DANGER, "this is the certificate this session uses: disabling it locks you out")]
    if access.clearance.rank < SecurityClearance.OPERATOR.rank <= before.security_clearance.rank:
        return [Effect(DANGER, "this is the certificate this session uses: as User it can no longer manage "
                               "certificates (locks you out of this screen)")]
    if access.clearance.rank < before.security_clearance.rank:
        return [Effect(WARN, "this is the certificate this session uses: you lower your own clearance")]
    return []
