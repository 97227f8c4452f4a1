"""Plans for every change to security state, and the one ``apply`` that makes a plan true and reads it back.

``plan_*`` read the current state (registrations, the certificate in use, databases, the allow-list, your
address) and say what the change does and costs (:mod:`ravensec.core.plan`); they refuse at once what the
server's rules refuse (:mod:`ravensec.core.certs.access`). ``apply`` checks the consents, re-reads what the
plan depended on (a plan made on stale state is refused, not applied), makes the change and reads it back:
it reports success only when the server shows the change, otherwise it raises with the server's reason.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .certs.access import check_access
from .certs.bundle import CertBundle
from .errors import AuthError, Conflict, Forbidden, RavensecError, Unavailable, UsageError, ValidationError
from .fsutil import atomic_write_private, create_private, safe_file_name
from .iprules import diff_rules, is_allowed, rule_warnings, validate_rules
from .models import CertificateDefinition, DatabaseAccess, IpRule, SecurityClearance
from .plan import (
    Access,
    ChangePlan,
    Consent,
    ConsentRequired,
    DeleteRequest,
    EditRequest,
    Effect,
    GenerateRequest,
    IpRulesRequest,
    LocalRequest,
    RegenerateRequest,
    RegisterRequest,
    Severity,
)
from .words import plural

if TYPE_CHECKING:  # a plan reads through a workspace; screens import plans before any workspace exists
    from .workspace import Workspace

__all__ = [
    "Applied",
    "apply",
    "plan_delete",
    "plan_edit",
    "plan_generate",
    "plan_generate_local",
    "plan_ip_rules",
    "plan_purge_expired",
    "plan_regenerate",
    "plan_register",
]

KEY_TYPES = ("ec-p256", "rsa2048", "rsa4096")
LOCAL_SUFFIXES = (".pem", ".crt", ".key", ".pfx")
_INFO, _WARN, _DANGER = Severity.INFO, Severity.WARNING, Severity.DANGER


@dataclass(frozen=True)
class Applied:
    """What ``apply`` did, as read back: the message to show and what scripts need."""

    plan: ChangePlan
    message: str
    thumbprint: str | None = None
    files: tuple[Path, ...] = ()
    thumbprints: tuple[str, ...] = ()
    rules: tuple[IpRule, ...] = ()


# ------------------------------------------------------------------------------------------ describing


def _desc(c: CertificateDefinition) -> str:
    return f"'{c.name}' ({c.thumbprint[:12]}…, {c.security_clearance.label})"


def _perms(p: Mapping[str, DatabaseAccess]) -> str:
    return ", ".join(f"{db}={a.value}" for db, a in sorted(p.items())) or "no databases"


def _access_text(a: Access) -> str:
    return a.clearance.label + (f" with {_perms(a.permissions)}" if a.permissions else "")


def _differences(before: CertificateDefinition, name: str, access: Access, disabled: bool) -> list[Effect]:
    """What changes on an existing registration, each line rated by what it costs."""
    out: list[Effect] = []
    if name != before.name:
        out.append(Effect(_INFO, f"name '{before.name}' → '{name}'"))
    old, new = before.security_clearance, access.clearance
    if new != old:
        raised = new.rank > old.rank
        out.append(Effect(_WARN, f"clearance {old.label} → {new.label} ({'raised' if raised else 'lowered'})"))
    lost = sorted(db for db in before.permissions if db not in access.permissions)
    if lost:
        out.append(Effect(_WARN, f"permissions lost: {', '.join(f'{db}={before.permissions[db].value}' for db in lost)}"))
    for db, acc in sorted(access.permissions.items()):
        was = before.permissions.get(db)
        if was is None:
            out.append(Effect(_INFO, f"permission added: {db}={acc.value}"))
        elif was != acc:
            verb = "raised" if acc.rank > was.rank else "lowered"
            out.append(Effect(_WARN if verb == "lowered" else _INFO, f"permission {db}: {was.value} → {acc.value} ({verb})"))
    if disabled != before.disabled:
        out.append(Effect(_WARN if disabled else _INFO,
                          "disabled: clients using it are refused" if disabled else "enabled again"))
    return out


def _self_effects(before: CertificateDefinition, access: Access, disabled: bool) -> list[Effect]:
    """The certificate this session presents is being changed: what you lose yourself."""
    if disabled and not before.disabled:
        return [Effect(_DANGER, "this is the certificate this session uses: disabling it locks you out")]
    if access.clearance.rank < SecurityClearance.OPERATOR.rank <= before.security_clearance.rank:
        return [Effect(_DANGER, "this is the certificate this session uses: as User it can no longer manage "
                                "certificates (locks you out of this screen)")]
    if access.clearance.rank < before.security_clearance.rank:
        return [Effect(_WARN, "this is the certificate this session uses: you lower your own clearance")]
    return []


# ------------------------------------------------------------------------------------------ reading state


async def _databases(ws: Workspace, product_id: str) -> list[str] | None:
    try:
        return await ws.databases(product_id)
    except RavensecError:
        return None  # validation says it could not check, rather than refusing


async def _caller(ws: Workspace, product_id: str) -> CertificateDefinition | None:
    try:
        return await ws.whoami(product_id)
    except RavensecError:
        return None


async def _validated(ws: Workspace, product_id: str, access: Access, *, known: Iterable[str] = ()) -> list[Effect]:
    """The server's rules on clearance and databases; ``known`` databases (already granted) pass as they are."""
    dbs = await _databases(ws, product_id) if access.permissions else []
    if dbs is not None:
        dbs = [*dbs, *known]
    return [Effect(_WARN, w) for w in check_access(access.clearance, access.permissions, dbs)]


def _require_writable(ws: Workspace, what: str) -> None:
    if ws.read_only:
        from .errors import ReadOnlyError

        raise ReadOnlyError(what)


# ------------------------------------------------------------------------------------------ certificates


async def plan_register(
    ws: Workspace,
    product_id: str,
    name: str,
    certificate: bytes | CertBundle,
    access: Access,
    password: str | None = None,
) -> ChangePlan:
    """Register an existing certificate. The server's PUT replaces a registration with the same thumbprint
    (name, clearance and permissions all), so that needs :attr:`Consent.REPLACE` and shows what changes."""
    _require_writable(ws, "Registering a certificate")
    from .certs.identity import thumbprint  # cryptography: only once a certificate is read
    from .certs.load import load_certificates_any

    _name(name)
    cert = certificate.certificate if isinstance(certificate, CertBundle) else \
        load_certificates_any(certificate, password)[0]
    tp = thumbprint(cert)
    effects = await _validated(ws, product_id, access)
    existing = await ws.certificate(product_id, tp)
    consents: set[Consent] = set()
    if existing is None:
        summary = f"register '{name}' ({tp}) as {_access_text(access)}"
    else:
        summary = f"replace the registration {_desc(existing)} with '{name}' as {_access_text(access)}"
        diffs = _differences(existing, name, access, existing.disabled)
        effects = [Effect(_DANGER, f"{tp} is already registered as '{existing.name}'; the server replaces "
                                   "that registration")] + (diffs or [Effect(_INFO, "no field changes")]) + effects
        consents.add(Consent.REPLACE)
        caller = await _caller(ws, product_id)
        if caller is not None and caller.thumbprint == tp:
            own = _self_effects(existing, access, False)
            effects += own
            if any(e.severity is _DANGER for e in own):
                consents.add(Consent.LOCKOUT)
    request = RegisterRequest(name, certificate, password, access, tp, existing)
    return ChangePlan("upload", product_id, summary, request, tuple(effects), frozenset(consents))


def _name(name: str) -> None:
    if not name.strip():
        raise ValidationError("The certificate's name is empty.", hint="Give it a name you will recognise.")


def _claimable(paths: Iterable[Path]) -> None:
    existing = [str(p) for p in paths if p.exists() or p.is_symlink()]
    if existing:
        verb = "exists" if len(existing) == 1 else "exist"
        raise UsageError(f"{', '.join(existing)} already {verb}; key material is never overwritten.",
                         hint="Choose another name or directory.")


async def plan_generate(
    ws: Workspace,
    product_id: str,
    name: str,
    access: Access,
    *,
    folder: Path,
    password: str | None = None,
    not_after: datetime | None = None,
) -> ChangePlan:
    """The server makes the key pair; its package (with the only copy of the key) goes to a new file."""
    _require_writable(ws, "Generating a certificate")
    _name(name)
    effects = await _validated(ws, product_id, access)
    target = folder / f"{safe_file_name(name)}.zip"
    _claimable([target])
    effects.insert(0, Effect(_INFO, f"the server makes the key pair; its package, with the private key, is saved "
                                    f"to {target} (0600): keep it, it is the only copy"))
    summary = f"generate '{name}' as {_access_text(access)} on the server"
    request = GenerateRequest(name, access, password, not_after, target)
    return ChangePlan("generate", product_id, summary, request, tuple(effects))


async def plan_generate_local(
    ws: Workspace,
    product_id: str,
    name: str,
    access: Access,
    *,
    key_type: str = "ec-p256",
    folder: Path | None = None,
    password: str | None = None,
) -> ChangePlan:
    """The key is made here and never sent; only the public certificate is registered."""
    _require_writable(ws, "Registering a certificate")
    _name(name)
    if key_type not in KEY_TYPES:
        raise UsageError(f"unknown key type {key_type!r}; use {', '.join(KEY_TYPES)}")
    effects = await _validated(ws, product_id, access)
    if folder is None:
        from .config import data_dir  # reads TOML: kept off the import path of the fronts' start-up

        folder = data_dir() / "certificates" / safe_file_name(product_id)
    stem = safe_file_name(name)
    _claimable(folder / f"{stem}{s}" for s in LOCAL_SUFFIXES)
    files = ", ".join(f"{stem}{s}" for s in LOCAL_SUFFIXES)
    effects.insert(0, Effect(_INFO, f"a {key_type} key is made here and never sent; {files} are written to "
                                    f"{folder} (0600)"))
    summary = f"register a new certificate '{name}' as {_access_text(access)}"
    request = LocalRequest(name, access, key_type, folder, stem, password)
    return ChangePlan("generate-local", product_id, summary, request, tuple(effects))


async def _existing(ws: Workspace, product_id: str, thumbprint: str) -> CertificateDefinition:
    from .errors import NotFound

    cert = await ws.certificate(product_id, thumbprint)
    if cert is None:
        # ?thumbprint= reads the registered certificates only (AdminCertificatesHandler.GetCertificates): the
        # server's own certificate is in the full list alone, and must be named (and refused) as what it is.
        tp = thumbprint.upper()
        cert = next((c for c in await ws.list_certificates(product_id) if c.thumbprint == tp), None)
    if cert is None:
        raise NotFound(f"No certificate with thumbprint {thumbprint} on product {product_id}.")
    return cert


async def plan_edit(
    ws: Workspace,
    product_id: str,
    thumbprint: str,
    *,
    name: str | None = None,
    clearance: SecurityClearance | None = None,
    permissions: Mapping[str, DatabaseAccess] | None = None,
    disabled: bool | None = None,
) -> ChangePlan:
    """Edit (and disable/enable) a registration; changing the certificate in use may lock you out."""
    _require_writable(ws, "Editing a certificate")
    before = await _existing(ws, product_id, thumbprint)
    new_name = before.name if name is None else name
    _name(new_name)
    access = Access(clearance or before.security_clearance,
                    dict(before.permissions if permissions is None else permissions))
    new_disabled = before.disabled if disabled is None else disabled
    effects: list[Effect] = []
    if access.clearance != before.security_clearance or dict(access.permissions) != dict(before.permissions):
        effects += await _validated(ws, product_id, access, known=before.permissions)
    diffs = _differences(before, new_name, access, new_disabled)
    action = "edit"
    if disabled is not None and name is None and clearance is None and permissions is None:
        action = "disable" if disabled else "enable"
    request = EditRequest(before, new_name, access, new_disabled)
    if not diffs:
        return ChangePlan(action, product_id, f"no change to {_desc(before)}", request, changes=False)
    consents: set[Consent] = set()
    caller = await _caller(ws, product_id)
    if caller is not None and caller.thumbprint == before.thumbprint:
        own = _self_effects(before, access, new_disabled)
        diffs += own
        if any(e.severity is _DANGER for e in own):
            consents |= {Consent.CONFIRM, Consent.LOCKOUT}
        elif own:
            consents.add(Consent.CONFIRM)
    verb = {"edit": "edit", "disable": "disable", "enable": "enable"}[action]
    return ChangePlan(action, product_id, f"{verb} {_desc(before)}", request, tuple(diffs + effects),
                      frozenset(consents))


def _undeletable(cert: CertificateDefinition, caller: CertificateDefinition | None) -> str | None:
    if cert.security_clearance is SecurityClearance.CLUSTER_NODE:
        return (f"'{cert.name}' is the server's own certificate (Cluster Node): it cannot be deleted, the server "
                "answers a delete without removing it")
    if caller is not None and caller.thumbprint == cert.thumbprint:
        return f"'{cert.name}' is the certificate this session uses: the server refuses to delete it"
    return None


async def plan_delete(ws: Workspace, product_id: str, thumbprint: str) -> ChangePlan:
    _require_writable(ws, "Deleting a certificate")
    cert = await _existing(ws, product_id, thumbprint)
    why = _undeletable(cert, await _caller(ws, product_id))
    if why:
        raise Conflict(f"Cannot delete: {why}.", hint="Nothing was changed.")
    effects = [Effect(_DANGER, f"clients presenting {cert.thumbprint} are refused at once")]
    if cert.permissions:
        effects.append(Effect(_WARN, f"its permissions go with it: {_perms(cert.permissions)}"))
    return ChangePlan("delete", product_id, f"delete {_desc(cert)}", DeleteRequest((cert,)), tuple(effects),
                      frozenset({Consent.CONFIRM}))


async def plan_purge_expired(ws: Workspace, product_id: str) -> ChangePlan:
    _require_writable(ws, "Purging expired certificates")
    now = ws.now()
    expired = tuple(c for c in await ws.list_certificates(product_id)
                    if c.not_after <= now and c.security_clearance is not SecurityClearance.CLUSTER_NODE)
    request = DeleteRequest(expired, purge=True)
    if not expired:
        return ChangePlan("purge-expired", product_id, "no expired certificates to purge", request, changes=False)
    effects = tuple(Effect(_WARN, f"delete {_desc(c)}, expired {c.not_after.date().isoformat()}") for c in expired)
    return ChangePlan("purge-expired", product_id, f"delete {plural(len(expired), 'expired certificate')}", request,
                      effects, frozenset({Consent.CONFIRM}))


# ------------------------------------------------------------------------------------------ product


async def plan_ip_rules(ws: Workspace, product_id: str, rules: Iterable[IpRule], *, provider: str = "") -> ChangePlan:
    """Replace the allow-list; removing the range your own address is in needs :attr:`Consent.LOCKOUT`."""
    _require_writable(ws, "Changing allowed IPs")
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
    effects = [Effect(_WARN if line.startswith("-") else _INFO, line) for line in diff.render()]
    effects += [Effect(_WARN, w) for w in rule_warnings(new, provider=provider)]
    consents: set[Consent] = {Consent.CONFIRM} if diff.removed else set()
    me = await ws.my_address()
    if me is None:
        effects.append(Effect(_WARN, "your address could not be found, so whether you keep access is unknown"))
    elif is_allowed(me, old) and not is_allowed(me, new):
        effects.append(Effect(_DANGER, f"your address {me} is no longer allowed: after saving, every call from "
                                       "this machine to the product's nodes is refused (you lock yourself out)"))
        consents |= {Consent.CONFIRM, Consent.LOCKOUT}
    summary = f"save {plural(len(new), 'rule')}: {len(diff.added)} added, {len(diff.removed)} removed"
    if diff.alias_changed:
        summary += f", {len(diff.alias_changed)} renamed"
    return ChangePlan("ips", product_id, summary, request, tuple(effects), frozenset(consents))


async def plan_regenerate(ws: Workspace, product_id: str) -> ChangePlan:
    """A new initial certificate replaces the product's current one."""
    _require_writable(ws, "Regenerating the product's certificate")
    effects = [Effect(_DANGER, "the product's initial certificate is replaced: clients presenting the current "
                               "one are refused")]
    consents = {Consent.CONFIRM}
    if product_id not in ws.profile.certificates and ws.profile.client_cert is None:
        effects.append(Effect(_DANGER, "this profile presents that certificate (the product's package): "
                                       "download the new package before the next call"))
        consents.add(Consent.LOCKOUT)
    return ChangePlan("regenerate", product_id, "regenerate the product's initial certificate",
                      RegenerateRequest(), tuple(effects), frozenset(consents))


# ------------------------------------------------------------------------------------------ applying


async def apply(ws: Workspace, plan: ChangePlan, consents: Iterable[Consent] = (), *, hint: str = "") -> Applied:
    """Make the planned change and read it back; ``consents`` must cover ``plan.consents``."""
    missing = plan.missing(consents)
    if missing:
        raise ConsentRequired(plan, missing, hint=hint)
    if not plan.changes:
        return Applied(plan, plan.summary)
    r: Any = plan.request
    pid = plan.product_id
    if isinstance(r, RegisterRequest):
        return await _apply_register(ws, plan, r)
    if isinstance(r, GenerateRequest):
        return await _apply_generate(ws, plan, r)
    if isinstance(r, LocalRequest):
        tp, files = await ws.generate_local_and_register(pid, r.name, r.access.clearance, r.access.permissions,
                                                        key_type=r.key_type, dest_dir=r.folder, password=r.password)
        await _read_back(ws, pid, tp, r.name, r.access, False, "registering")
        return Applied(plan, f"registered '{r.name}' ({tp}); key and certificate in {r.folder}", tp, tuple(files))
    if isinstance(r, EditRequest):
        now = await _existing(ws, pid, r.before.thumbprint)
        if now != r.before:
            raise _stale(plan)
        await ws.edit_certificate(pid, r.before.thumbprint, name=r.name, clearance=r.access.clearance,
                                  permissions=r.access.permissions, disabled=r.disabled)
        verb = {"disable": "disabled", "enable": "enabled"}.get(plan.action, "edited")
        message = f"{verb} '{r.name}' ({r.before.thumbprint[:12]}…)"
        if not await _read_back_unless_locked_out(plan, _read_back(ws, pid, r.before.thumbprint, r.name, r.access,
                                                                   r.disabled, "editing")):
            message += "; this session is now refused, as the plan said, so it could not be read back"
        return Applied(plan, message, r.before.thumbprint)
    if isinstance(r, DeleteRequest):
        return await _apply_delete(ws, plan, r)
    if isinstance(r, IpRulesRequest):
        if _pairs(await ws.get_ip_rules(pid)) != _pairs(r.before):
            raise _stale(plan)
        saved = tuple(await ws.set_ip_rules(pid, r.rules))
        if set(_pairs(saved)) != set(_pairs(r.rules)):
            raise Conflict("The allow-list the server kept differs from the one sent: "
                           + "; ".join(diff_rules(r.rules, saved).render()),
                           hint="Check it with `ravensec ips list` or reload.")
        return Applied(plan, f"saved {plural(len(saved), 'rule')}", rules=saved)
    if isinstance(r, RegenerateRequest):
        answer = await ws.regenerate_certificate(pid)
        return Applied(plan, f"regenerated the initial certificate{f' ({answer})' if answer else ''}")
    raise TypeError(f"unknown request {type(r).__name__}")


def _pairs(rules: Iterable[IpRule]) -> list[tuple[str, str]]:
    return [(x.cidr, x.alias) for x in rules]  # IpRule's equality ignores the alias; a rename is a change


def _stale(plan: ChangePlan) -> Conflict:
    return Conflict(f"Not applied: the state changed since the plan was made ({plan.summary}).",
                    hint="Look again and retry; nothing was changed.")


async def _read_back_unless_locked_out(plan: ChangePlan, reading: Awaitable[None]) -> bool:
    """Await the read-back; False when a consented lockout took effect and the server now refuses us."""
    try:
        await reading
    except (AuthError, Forbidden, Unavailable):
        if Consent.LOCKOUT not in plan.consents:
            raise
        return False
    return True


async def _read_back(
    ws: Workspace, pid: str, tp: str, name: str, access: Access, disabled: bool | None, doing: str
) -> None:
    got = await ws.certificate(pid, tp)
    if got is None:
        raise Conflict(f"After {doing} '{name}' the server does not list {tp}.", hint="Look at `certs list`.")
    wrong = []
    if got.name != name:
        wrong.append(f"name '{got.name}'")
    if got.security_clearance != access.clearance:
        wrong.append(f"clearance {got.security_clearance.label}")
    if dict(got.permissions) != dict(access.permissions):
        wrong.append(f"permissions {_perms(got.permissions)}")
    if disabled is not None and got.disabled != disabled:
        wrong.append("disabled" if got.disabled else "enabled")
    if wrong:
        raise Conflict(f"After {doing} '{name}' the server shows {', '.join(wrong)}, not what was sent.",
                       hint="Look at `certs show`.")


async def _apply_register(ws: Workspace, plan: ChangePlan, r: RegisterRequest) -> Applied:
    pid = plan.product_id
    if await ws.certificate(pid, r.thumbprint) != r.replaces:
        raise _stale(plan)  # registered (or changed) by someone else since: the consent given was for another state
    await ws.register_certificate(pid, r.name, r.certificate, r.access.clearance, r.access.permissions,
                                  password=r.password)
    verb = "replaced the registration of" if r.replaces else "registered"
    message = f"{verb} '{r.name}' ({r.thumbprint})"
    if not await _read_back_unless_locked_out(plan, _read_back(ws, pid, r.thumbprint, r.name, r.access, None,
                                                               "registering")):
        message += "; this session is now refused, as the plan said, so it could not be read back"
    return Applied(plan, message, r.thumbprint)


async def _apply_generate(ws: Workspace, plan: ChangePlan, r: GenerateRequest) -> Applied:
    from .certs.identity import thumbprint
    from .certs.packages import read_package

    made = [d for d in (r.target.parent, *r.target.parent.parents) if not d.exists()]
    r.target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        create_private(r.target, b"")  # claimed before the server makes a key that would have nowhere to go
    except FileExistsError:
        raise UsageError(f"{r.target} already exists; key material is never overwritten.",
                         hint="Choose another name or directory.") from None
    try:
        data = await ws.generate_certificate(plan.product_id, r.name, r.access.clearance, r.access.permissions,
                                             r.password, r.not_after)
    except BaseException:
        with contextlib.suppress(OSError):
            r.target.unlink()  # still the empty file claimed above
            for d in made:  # and the folders made for it, innermost first: a failure leaves nothing behind
                d.rmdir()
        raise
    atomic_write_private(r.target, data)  # replaces only our own empty claim
    tp = thumbprint(read_package(data, r.password).bundle.certificate)
    await _read_back(ws, plan.product_id, tp, r.name, r.access, False, "generating")
    return Applied(plan, f"generated '{r.name}' ({tp}) and saved {r.target}", tp, (r.target,))


async def _apply_delete(ws: Workspace, plan: ChangePlan, r: DeleteRequest) -> Applied:
    pid = plan.product_id
    if r.purge:
        await ws.purge_expired(pid)
    else:
        for c in r.certificates:
            await ws.delete_certificate(pid, c.thumbprint)
    remaining = {c.thumbprint for c in await ws.list_certificates(pid)}
    still = [c for c in r.certificates if c.thumbprint in remaining]
    if still:
        names = ", ".join(_desc(c) for c in still)
        raise Conflict(f"The server answered, but still lists {names}: not deleted.",
                       hint="The server keeps some certificates (its own, the one in use); see `certs list`.")
    tps = tuple(c.thumbprint for c in r.certificates)
    if r.purge:
        return Applied(plan, f"purged {plural(len(tps), 'expired certificate')}", thumbprints=tps)
    c = r.certificates[0]
    return Applied(plan, f"deleted {_desc(c)}", c.thumbprint, thumbprints=tps)
