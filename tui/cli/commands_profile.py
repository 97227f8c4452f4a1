"""``ravensec profile list|show|add|remove|use|set-key``: the config file's profiles (secrets never printed)."""

from __future__ import annotations

import dataclasses
import getpass
import sys
from pathlib import Path
from typing import Any

from ravensec.core.config import save_config, store_secret
from ravensec.core.errors import NotFound, UsageError
from ravensec.core.http.mock_ext import read_connection
from ravensec.core.profile import REAL_API_URL, Profile

from .context import Context
from .output import Column

COLUMNS = [Column("", "current", fmt=lambda v: "*" if v else " "), Column("NAME", "name"), Column("KIND", "kind"),
           Column("TARGET", "target"), Column("READ-ONLY", "readOnly")]


def profile_shape(p: Profile, current: str | None) -> dict[str, Any]:
    """A profile without its secrets: only where each secret comes from."""
    target = {"cloud": p.api_url, "mock": str(p.state_dir or p.api_url), "direct": ", ".join(p.nodes)}[p.kind]
    return {
        "name": p.name,
        "kind": p.kind,
        "current": p.name == current,
        "target": target,
        "apiUrl": _api_url(p),
        "apiKey": p.api_key_ref or ("set" if p.api_key else None),
        "caFile": str(p.ca_file) if p.ca_file else None,
        "clientCert": str(p.client_cert) if p.client_cert else None,
        "certificates": {k: str(v) for k, v in p.certificates.items()},
        "nodes": list(p.nodes),
        "stateDir": str(p.state_dir) if p.state_dir else None,
        "readOnly": p.read_only,
    }


def _api_url(p: Profile) -> str | None:
    """The Cloud API this profile talks to: a mock profile's is its running mock's (connection.json), never
    the real cloud's default; null when the mock has not written one yet."""
    if p.kind == "direct":
        return None
    if p.kind == "mock" and p.state_dir is not None:
        conn = read_connection(p.state_dir)
        return conn.api_url if conn else None
    return p.api_url


LABELS = {"name": "Name", "kind": "Kind", "current": "Current", "apiUrl": "API URL", "apiKey": "API key",
          "caFile": "CA file", "clientCert": "Client certificate", "certificates": "Per product",
          "nodes": "Nodes", "stateDir": "State dir", "readOnly": "Read-only"}


def list_profiles(ctx: Context) -> int:
    cfg = ctx.config
    rows = [profile_shape(p, cfg.current) for _, p in sorted(cfg.profiles.items())]
    ctx.out.result(rows, columns=COLUMNS)
    if not rows:
        ctx.out.note(f"no profiles in {cfg.path}; add one with `ravensec profile add NAME --kind ...`")
    return 0


def show_profile(ctx: Context) -> int:
    cfg = ctx.config
    name = ctx.args.name or ctx.profile_name()
    if name not in cfg.profiles:
        raise NotFound(f"No profile named {name!r} in {cfg.path}.", hint="See `ravensec profile list`.")
    ctx.out.result(profile_shape(cfg.profiles[name], cfg.current), labels=LABELS)
    return 0


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser().resolve() if value else None


def add_profile(ctx: Context) -> int:
    a = ctx.args
    cfg = ctx.config
    if a.name in cfg.profiles:
        raise UsageError(f"Profile {a.name!r} already exists in {cfg.path}.",
                         hint="Remove it first with `ravensec profile remove`.")
    if a.kind == "direct" and not a.node:
        raise UsageError("A direct profile needs --node URL (repeatable).")
    if a.kind == "mock" and not a.state_dir:
        raise UsageError("A mock profile needs --state-dir DIR (the directory of `ravensec-mock serve`).")
    for label, value in (("--ca-file", a.ca_file), ("--client-cert", a.client_cert)):
        if value and not Path(value).expanduser().is_file():
            raise UsageError(f"{label} {value} does not exist.")
    key_ref = ""
    if a.api_key_env:
        key_ref = f"env:{a.api_key_env}"
    elif a.api_key_stdin:
        key = sys.stdin.readline().strip()
        if not key:
            raise UsageError("--api-key-stdin: nothing was read from stdin.")
        key_ref = store_secret(f"{a.name}.api_key", key)
    elif a.kind == "cloud":
        raise UsageError("A cloud profile needs an API key.", hint="Pass --api-key-env VAR or --api-key-stdin.")
    profile = Profile(
        name=a.name, kind=a.kind, api_url=a.api_url or REAL_API_URL, api_key_ref=key_ref,
        ca_file=_path(a.ca_file), client_cert=_path(a.client_cert), nodes=tuple(a.node),
        state_dir=_path(a.state_dir), read_only=a.profile_read_only,
    )
    cfg.profiles[a.name] = profile
    if a.use or cfg.current is None:
        cfg.current = a.name
    save_config(cfg)
    ctx.out.result(profile_shape(profile, cfg.current), text=f"added profile {a.name!r} to {cfg.path}")
    return 0


def remove_profile(ctx: Context) -> int:
    cfg = ctx.config
    name = ctx.args.name
    if name not in cfg.profiles:
        raise NotFound(f"No profile named {name!r} in {cfg.path}.", hint="See `ravensec profile list`.")
    ctx.confirm(f"remove profile {name!r}")
    del cfg.profiles[name]
    if cfg.current == name:
        cfg.current = None
    save_config(cfg)
    ctx.out.result({"removed": name}, text=f"removed profile {name!r}")
    return 0


def use_profile(ctx: Context) -> int:
    cfg = ctx.config
    name = ctx.args.name
    if name not in cfg.profiles:
        known = ", ".join(sorted(cfg.profiles)) or "none"
        raise NotFound(f"No profile named {name!r} in {cfg.path} (known: {known}).")
    cfg.current = name
    save_config(cfg)
    ctx.out.result({"current": name}, text=f"now using profile {name!r}")
    return 0


def set_key(ctx: Context) -> int:
    """Read an API key from stdin into the secrets file and point the profile at it."""
    cfg = ctx.config
    name = ctx.args.name
    if name not in cfg.profiles:
        raise NotFound(f"No profile named {name!r} in {cfg.path}.")
    key = getpass.getpass("API key: ").strip() if sys.stdin.isatty() else sys.stdin.readline().strip()
    if not key:
        raise UsageError("No API key was given; nothing changed.")
    ref = store_secret(f"{name}.api_key", key)
    cfg.profiles[name] = dataclasses.replace(cfg.profiles[name], api_key_ref=ref, api_key=key)
    save_config(cfg)
    ctx.out.result({"profile": name, "apiKey": ref}, text=f"stored the API key of {name!r} ({ref})")
    return 0
