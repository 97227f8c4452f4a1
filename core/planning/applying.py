"""``apply``: check the consents, re-read what the plan depended on (a plan made on stale state is refused),
make the change and read it back; :class:`Applied` is what it did, as the server shows it."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AuthError, Conflict, Forbidden, Unavailable, UsageError
from ..fsutil import atomic_write_private, create_private
from ..iprules import diff_rules
from ..models import IpRule
from ..plan import (
    Access,
    ChangePlan,
    Consent,
    ConsentRequired,
    DeleteRequest,
    EditRequest,
    GenerateRequest,
    IpRulesRequest,
    LocalRequest,
    RegenerateRequest,
    RegisterRequest,
)
from ..words import plural
from .describe import describe, perms_text
from .reading import existing

if TYPE_CHECKING:  # a plan reads through a workspace; screens import plans before any workspace exists
    from ..workspace import Workspace


@dataclass(frozen=True)
class Applied:
    """What ``apply`` did, as read back: the message to show and what scripts need."""

    plan: ChangePlan
    message: str
    thumbprint: str | None = None
    files: tuple[Path, ...] = ()
    thumbprints: tuple[str, ...] = ()
    rules: tuple[IpRule, ...] = ()


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
        now = await existing(ws, pid, r.before.thumbprint)
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
        wrong.append(f"permissions {perms_text(got.permissions)}")
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
    from ..certs.identity import thumbprint  # cryptography: only once a package is read
    from ..certs.packages import read_package

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
        names = ", ".join(describe(c) for c in still)
        raise Conflict(f"The server answered, but still lists {names}: not deleted.",
                       hint="The server keeps some certificates (its own, the one in use); see `certs list`.")
    tps = tuple(c.thumbprint for c in r.certificates)
    if r.purge:
        return Applied(plan, f"purged {plural(len(tps), 'expired certificate')}", thumbprints=tps)
    c = r.certificates[0]
    return Applied(plan, f"deleted {describe(c)}", c.thumbprint, thumbprints=tps)
