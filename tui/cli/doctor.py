"""``ravensec doctor``: check config, certificate files, each node's reachability and TLS handshake with the
active certificate, and the caller's IP against each allow-list; print what to fix.

Every check goes through ``core`` (the TUI layer may not open sockets): a node is probed with a one-node
"direct" workspace presenting the same certificate the profile would present.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path

from ravensec.core.certs.expiry import days_left, expiry_state
from ravensec.core.certs.load import load_bundle_file
from ravensec.core.config import cache_dir
from ravensec.core.errors import AuthError, RavensecError
from ravensec.core.http.echo import my_ip
from ravensec.core.iprules import is_allowed
from ravensec.core.models import Product
from ravensec.core.profile import Profile
from ravensec.core.words import plural
from ravensec.core.workspace import DIRECT_PRODUCT_ID, Workspace

from .context import Context
from .output import Column

COLUMNS = [
    Column("", "status", color=lambda v: {"ok": "green", "warn": "yellow", "fail": "red"}.get(str(v))),
    Column("CHECK", "check"),
    Column("TARGET", "target"),
    Column("DETAIL", "detail"),
]


class Report:
    def __init__(self) -> None:
        self.rows: list[dict[str, str]] = []

    def add(self, status: str, check: str, target: str, detail: str, fix: str = "") -> None:
        self.rows.append({"status": status, "check": check, "target": target, "detail": detail, "fix": fix})

    @property
    def failed(self) -> bool:
        return any(r["status"] == "fail" for r in self.rows)


def _check_cert_file(report: Report, label: str, path: Path, password: str | None) -> None:
    if not path.is_file():
        report.add("fail", "certificate file", label, f"{path} does not exist",
                   "Fix the path in the config, or download the package with `ravensec products cert-package`.")
        return
    try:
        bundle = load_bundle_file(path, password)
    except RavensecError as e:
        report.add("fail", "certificate file", label, str(e), "Check the file and its password reference.")
        return
    cert = bundle.certificate
    state = expiry_state(cert.not_valid_before_utc, cert.not_valid_after_utc)
    left = days_left(cert.not_valid_after_utc)
    mode = path.stat().st_mode & 0o777
    status = "ok" if state.name == "VALID" else "fail" if state.name in ("EXPIRED", "NOT_YET_VALID") else "warn"
    report.add(status, "certificate file", label, f"{path}: {state.value}, {left} days left",
               "" if status == "ok" else "Renew it: `ravensec certs generate-local`, then point the profile at it.")
    if bundle.private_key is None:
        report.add("fail", "private key", label, f"{path} holds no private key",
                   "Use the PEM with both certificate and key, or the PFX.")
    elif mode & 0o077:
        report.add("warn", "key file mode", label, f"{path} is readable by others (mode {mode:o})",
                   f"chmod 600 {path}")


def _mock_ca(profile: Profile) -> Path | None:
    """The CA a running mock wrote into its connection.json (the documented mock hand-off file)."""
    if profile.state_dir is None:
        return None
    try:
        raw = json.loads((profile.state_dir / "connection.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ca = raw.get("ca_path") or raw.get("caPath")
    return Path(ca) if ca else None


def _client_cert_path(profile: Profile, product_id: str) -> Path | None:
    if product_id in profile.certificates:
        return Path(profile.certificates[product_id])
    if profile.client_cert:
        return profile.client_cert
    cached = cache_dir() / "certs" / f"{product_id}.pem"
    return cached if cached.is_file() else None


async def _probe_node(profile: Profile, ca: Path | None, cert: Path, tag: str, url: str) -> str | None:
    """None when this one node answers ``whoami`` over mTLS with ``cert``; else the reason."""
    one = dataclasses.replace(profile, name=f"{profile.name}/{tag}", kind="direct", nodes=(url,),
                              certificates={}, client_cert=cert, ca_file=ca, read_only=True, timeout=10.0)
    try:
        async with await Workspace.open(one, read_only=True) as ws:
            await ws.whoami(DIRECT_PRODUCT_ID)
    except RavensecError as e:
        return str(e)
    return None


async def _caller_ip(profile: Profile) -> str | None:
    if profile.kind == "mock":
        return "127.0.0.1"  # the mock listens on loopback, so that is the address it sees

    return await my_ip()


async def _certificate_list_refusal(ws: Workspace, product_id: str) -> RavensecError | None:
    """Why the certificate in use may not read the product's certificate list (an Operator's right or more),
    or None when it may."""
    try:
        await ws.list_certificates(product_id)
    except RavensecError as e:
        return e
    return None


async def _check_product(report: Report, ws: Workspace, p: Product, ca: Path | None, ip: str | None) -> None:
    rules = list(p.allowed_ips)
    if ws.capabilities.edit_ip_rules:
        # On failure the product's own list is still a fair answer.
        with contextlib.suppress(RavensecError):
            rules = list(await ws.get_ip_rules(p.id))
    if ip is None:
        report.add("warn", "your IP", p.display_name, "could not find your public IP (offline?)",
                   "Check the allow-list by hand: `ravensec ips list`.")
    elif rules:
        if is_allowed(ip, rules):
            report.add("ok", "your IP", p.display_name, f"{ip} is on the allow-list")
        else:
            report.add("fail", "your IP", p.display_name, f"{ip} is not on the allow-list",
                       f"Run `ravensec ips add {ip} --product {p.id} --alias me` (or ask an admin).")
    if not p.nodes:
        report.add("warn", "nodes", p.display_name, f"no nodes yet (status {p.status.value})")
        return
    try:
        me = await ws.whoami(p.id)
    except RavensecError as e:
        report.add("fail", "TLS handshake", p.display_name, str(e),
                   "Check the certificate, the CA, and that your IP is allowed.")
        return
    if me is not None:
        report.add("ok", "TLS handshake", p.display_name,
                   f"accepted as {me.name} ({me.security_clearance.label})")
    elif (refused := await _certificate_list_refusal(ws, p.id)) is None:
        # whoami names only registered certificates; one that may still read the admin list is a well-known
        # admin certificate of the server's configuration (the mock's cluster_admin.pem): fine as it is.
        report.add("ok", "TLS handshake", p.display_name,
                   "accepted with admin rights, not registered: a well-known admin certificate of the server")
    elif isinstance(refused, AuthError):
        # whoami needs no authorization (7.2): the refusal of an authorized route says who was not accepted.
        report.add("fail", "TLS handshake", p.display_name, str(refused),
                   "Register it: `ravensec certs upload`.")
    else:
        report.add("warn", "TLS handshake", p.display_name,
                   "the TLS handshake works, but the certificate is not registered and has no rights",
                   "Register it: `ravensec certs upload`.")
    cert = _client_cert_path(ws.profile, p.id)
    if cert is None:
        return
    for node in p.nodes:
        why = await _probe_node(ws.profile, ca, cert, node.tag, node.url)
        report.add("fail" if why else "ok", "node", f"{p.display_name}/{node.tag}",
                   why or f"{node.url} reachable, TLS with the active certificate OK",
                   "Check the network path to this node and its allow-list." if why else "")


async def doctor(ctx: Context) -> int:
    report = Report()
    try:
        cfg = ctx.config
        report.add("ok", "config", str(cfg.path), plural(len(cfg.profiles), "profile"))
        profile = ctx.profile()
    except RavensecError as e:
        report.add("fail", "config", "", str(e), "Fix the config, or add a profile with `ravensec profile add`.")
        return _finish(ctx, report)
    report.add("ok", "profile", profile.name, f"kind {profile.kind}" + (", read-only" if profile.read_only else ""))
    if profile.kind == "cloud" and not profile.api_key:
        report.add("fail", "API key", profile.name, f"no API key ({profile.api_key_ref or 'none configured'})",
                   f"Run `ravensec profile set-key {profile.name}` or export the variable it names.")
    ca = profile.ca_file or _mock_ca(profile)
    if profile.ca_file and not profile.ca_file.is_file():
        report.add("fail", "CA file", profile.name, f"{profile.ca_file} does not exist", "Fix ca_file in the config.")
    if profile.client_cert:
        _check_cert_file(report, profile.name, profile.client_cert, profile.client_cert_password)
    for pid, path in sorted(profile.certificates.items()):
        _check_cert_file(report, pid, Path(path), profile.client_cert_password)
    try:
        ws = await ctx.workspace()
        products = await ctx.products()
    except RavensecError as e:
        report.add("fail", "API", profile.name, str(e), "Check the URL, the API key and the network.")
        return _finish(ctx, report)
    report.add("ok", "API", profile.name, plural(len(products), "product"))
    ip = await _caller_ip(profile)
    for p in products:
        await _check_product(report, ws, p, ca, ip)
    return _finish(ctx, report)


def _finish(ctx: Context, report: Report) -> int:
    rows = report.rows
    if ctx.out.machine:
        ctx.out.result({"ok": not report.failed, "checks": rows})
    else:
        ctx.out.result(rows, columns=COLUMNS)
        fixes = [f"- {r['target'] or r['check']}: {r['fix']}" for r in rows if r["fix"] and r["status"] != "ok"]
        if fixes:
            ctx.out.note("\nTo fix:\n" + "\n".join(fixes))
        else:
            ctx.out.note("\nAll checks passed.", "green")
    return 1 if report.failed else 0
