"""The certificates' plans: register an existing certificate, generate one on the server or here, edit
(disable, enable) a registration, delete one, purge the expired. Each reads what it depends on and refuses
at once what the server would refuse."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..certs.bundle import CertBundle
from ..errors import Conflict, UsageError
from ..fsutil import safe_file_name
from ..models import CertificateDefinition, DatabaseAccess, SecurityClearance
from ..plan import (
    Access,
    ChangePlan,
    Consent,
    DeleteRequest,
    EditRequest,
    Effect,
    GenerateRequest,
    LocalRequest,
    RegisterRequest,
)
from ..words import plural
from .describe import DANGER, INFO, WARN, access_text, describe, differences, perms_text, self_effects
from .reading import caller, check_name, claimable, existing, require_writable, validated

if TYPE_CHECKING:  # a plan reads through a workspace; screens import plans before any workspace exists
    from ..workspace import Workspace

KEY_TYPES = ("ec-p256", "rsa2048", "rsa4096")
LOCAL_SUFFIXES = (".pem", ".crt", ".key", ".pfx")


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
    require_writable(ws, "Registering a certificate")
    from ..certs.identity import thumbprint  # cryptography: only once a certificate is read
    from ..certs.load import load_certificates_any

    check_name(name)
    cert = certificate.certificate if isinstance(certificate, CertBundle) else \
        load_certificates_any(certificate, password)[0]
    tp = thumbprint(cert)
    effects = await validated(ws, product_id, access)
    before = await ws.certificate(product_id, tp)
    consents: set[Consent] = set()
    if before is None:
        summary = f"register '{name}' ({tp}) as {access_text(access)}"
    else:
        summary = f"replace the registration {describe(before)} with '{name}' as {access_text(access)}"
        diffs = differences(before, name, access, before.disabled)
        effects = [Effect(DANGER, f"{tp} is already registered as '{before.name}'; the server replaces "
                                  "that registration")] + (diffs or [Effect(INFO, "no field changes")]) + effects
        consents.add(Consent.REPLACE)
        me = await caller(ws, product_id)
        if me is not None and me.thumbprint == tp:
            own = self_effects(before, access, False)
            effects += own
            if any(e.severity is DANGER for e in own):
                consents.add(Consent.LOCKOUT)
    request = RegisterRequest(name, certificate, password, access, tp, before)
    return ChangePlan("upload", product_id, summary, request, tuple(effects), frozenset(consents))


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
    require_writable(ws, "Generating a certificate")
    check_name(name)
    effects = await validated(ws, product_id, access)
    target = folder / f"{safe_file_name(name)}.zip"
    claimable([target])
    effects.insert(0, Effect(INFO, f"the server makes the key pair; its package, with the private key, is saved "
                                   f"to {target} (0600): keep it, it is the only copy"))
    summary = f"generate '{name}' as {access_text(access)} on the server"
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
    require_writable(ws, "Registering a certificate")
    check_name(name)
    if key_type not in KEY_TYPES:
        raise UsageError(f"unknown key type {key_type!r}; use {', '.join(KEY_TYPES)}")
    effects = await validated(ws, product_id, access)
    if folder is None:
        from ..config import data_dir  # reads TOML: kept off the import path of the fronts' start-up

        folder = data_dir() / "certificates" / safe_file_name(product_id)
    stem = safe_file_name(name)
    claimable(folder / f"{stem}{s}" for s in LOCAL_SUFFIXES)
    files = ", ".join(f"{stem}{s}" for s in LOCAL_SUFFIXES)
    effects.insert(0, Effect(INFO, f"a {key_type} key is made here and never sent; {files} are written to "
                                   f"{folder} (0600)"))
    summary = f"register a new certificate '{name}' as {access_text(access)}"
    request = LocalRequest(name, access, key_type, folder, stem, password)
    return ChangePlan("generate-local", product_id, summary, request, tuple(effects))


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
    require_writable(ws, "Editing a certificate")
    before = await existing(ws, product_id, thumbprint)
    new_name = before.name if name is None else name
    check_name(new_name)
    access = Access(clearance or before.security_clearance,
                    dict(before.permissions if permissions is None else permissions))
    new_disabled = before.disabled if disabled is None else disabled
    effects: list[Effect] = []
    if access.clearance != before.security_clearance or dict(access.permissions) != dict(before.permissions):
        effects += await validated(ws, product_id, access, known=before.permissions)
    diffs = differences(before, new_name, access, new_disabled)
    action = "edit"
    if disabled is not None and name is None and clearance is None and permissions is None:
        action = "disable" if disabled else "enable"
    request = EditRequest(before, new_name, access, new_disabled)
    if not diffs:
        return ChangePlan(action, product_id, f"no change to {describe(before)}", request, changes=False)
    consents: set[Consent] = set()
    me = await caller(ws, product_id)
    if me is not None and me.thumbprint == before.thumbprint:
        own = self_effects(before, access, new_disabled)
        diffs += own
        if any(e.severity is DANGER for e in own):
            consents |= {Consent.CONFIRM, Consent.LOCKOUT}
        elif own:
            consents.add(Consent.CONFIRM)
    verb = {"edit": "edit", "disable": "disable", "enable": "enable"}[action]
    return ChangePlan(action, product_id, f"{verb} {describe(before)}", request, tuple(diffs + effects),
                      frozenset(consents))


def _undeletable(cert: CertificateDefinition, me: CertificateDefinition | None) -> str | None:
    if cert.security_clearance is SecurityClearance.CLUSTER_NODE:
        return (f"'{cert.name}' is the server's own certificate (Cluster Node): it cannot be deleted, the server "
                "answers a delete without removing it")
    if me is not None and me.thumbprint == cert.thumbprint:
        return f"'{cert.name}' is the certificate this session uses: the server refuses to delete it"
    return None


async def plan_delete(ws: Workspace, product_id: str, thumbprint: str) -> ChangePlan:
    require_writable(ws, "Deleting a certificate")
    cert = await existing(ws, product_id, thumbprint)
    why = _undeletable(cert, await caller(ws, product_id))
    if why:
        raise Conflict(f"Cannot delete: {why}.", hint="Nothing was changed.")
    effects = [Effect(DANGER, f"clients presenting {cert.thumbprint} are refused at once")]
    if cert.permissions:
        effects.append(Effect(WARN, f"its permissions go with it: {perms_text(cert.permissions)}"))
    return ChangePlan("delete", product_id, f"delete {describe(cert)}", DeleteRequest((cert,)), tuple(effects),
                      frozenset({Consent.CONFIRM}))


async def plan_purge_expired(ws: Workspace, product_id: str) -> ChangePlan:
    require_writable(ws, "Purging expired certificates")
    now = ws.now()
    expired = tuple(c for c in await ws.list_certificates(product_id)
                    if c.not_after <= now and c.security_clearance is not SecurityClearance.CLUSTER_NODE)
    request = DeleteRequest(expired, purge=True)
    if not expired:
        return ChangePlan("purge-expired", product_id, "no expired certificates to purge", request, changes=False)
    effects = tuple(Effect(WARN, f"delete {describe(c)}, expired {c.not_after.date().isoformat()}") for c in expired)
    return ChangePlan("purge-expired", product_id, f"delete {plural(len(expired), 'expired certificate')}", request,
                      effects, frozenset({Consent.CONFIRM}))
