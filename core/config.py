"""Profiles and configuration: a TOML file under the platform's config dir, secrets kept apart.

``$RAVENSEC_CONFIG`` overrides the config path. Secrets (API keys, PFX passphrases) never live in the
config: a profile names them as ``env:VAR`` or ``secret:NAME`` (a ``secrets.toml`` beside the config, mode
0600). Every problem is a ConfigError naming the file, the line of the offending key and the key.
"""

from __future__ import annotations

import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from .config_lines import ConfigTable, line_of
from .errors import ConfigError, ProfileNotFound
from .fsutil import atomic_write, atomic_write_private
from .profile import REAL_API_URL, REAL_PORTAL_URL, Profile, ProfileKind

APP = "ravensec"
KINDS: tuple[ProfileKind, ...] = ("cloud", "direct", "mock")
_PROFILE_KEYS = {
    "kind",
    "api_url",
    "api_key",
    "ca_file",
    "client_cert",
    "client_cert_password",
    "certificates",
    "nodes",
    "state_dir",
    "read_only",
    "portal_url",
    "timeout",
}
_TOP_KEYS = {"current", "profiles", "keymap"}


def config_path() -> Path:
    env = os.environ.get("RAVENSEC_CONFIG", "").strip()
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def secrets_path() -> Path:
    return config_path().with_name("secrets.toml")


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP))


@dataclass
class Config:
    """The parsed config file: profiles by name, the current one, keymap overrides, and where it lives."""

    profiles: dict[str, Profile] = field(default_factory=dict)
    current: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    path: Path = field(default_factory=config_path)


def _load_secrets() -> dict[str, str]:
    path = secrets_path()
    if not path.exists():
        return {}
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            "is readable by other users; refusing to read secrets from it",
            path=str(path),
            hint=f"Run: chmod 600 {path}",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"is not valid TOML: {e}", path=str(path)) from None
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def resolve_secret(ref: str) -> str | None:
    """The value behind ``env:VAR`` or ``secret:NAME``; None when it is not set."""
    if not ref:
        return None
    if ref.startswith("env:"):
        return os.environ.get(ref[4:]) or None
    if ref.startswith("secret:"):
        return _load_secrets().get(ref[7:])
    raise ConfigError(f"unknown secret reference {ref!r}", hint='Use "env:VARIABLE" or "secret:NAME".')


def store_secret(name: str, value: str) -> str:
    """Save ``value`` under ``name`` in the 0600 secrets file (atomically) and return its reference."""
    if not name.strip() or not value:
        raise ConfigError("A secret needs a name and a non-empty value; nothing was stored.")
    secrets = _load_secrets()  # refuses a group/world-readable file before we add to it
    secrets[name] = value
    path = secrets_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write_private(path, tomli_w.dumps(secrets).encode())
    return f"secret:{name}"


def _profile(name: str, raw: Any, *, path: Path, text: str) -> Profile:
    t = ConfigTable(path, text, f"profiles.{name}")
    if not isinstance(raw, dict):
        raise t.fail("", "must be a table", hint=f"Write it as [profiles.{name}] with kind = ... below it.")
    unknown = sorted(set(raw) - _PROFILE_KEYS)
    if unknown:
        hint = f"Remove it; known keys are: {', '.join(sorted(_PROFILE_KEYS))}."
        raise t.fail(unknown[0], f"unknown key {unknown[0]!r}", hint=hint)
    kind = raw.get("kind")
    if kind not in KINDS:
        what = "is missing" if kind is None else f"is {kind!r}, which is not a profile kind"
        raise t.fail("kind", f"kind {what}", hint=f"Use one of: {', '.join(KINDS)}.")
    args: dict[str, Any] = {}
    if "api_key" in raw:
        args["api_key_ref"] = t.secret_ref("api_key", raw["api_key"])
        args["api_key"] = resolve_secret(args["api_key_ref"])
    if "client_cert_password" in raw:
        args["client_cert_password_ref"] = t.secret_ref("client_cert_password", raw["client_cert_password"])
        args["client_cert_password"] = resolve_secret(args["client_cert_password_ref"])
    for key in ("ca_file", "client_cert", "state_dir"):
        if key in raw:
            args[key] = t.path_value(key, raw[key])
    for key in ("api_url", "portal_url"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key].startswith(("https://", "http://")):
                raise t.fail(key, "must be an http(s) URL", hint=f'e.g. "{REAL_API_URL}".')
            args[key] = raw[key].rstrip("/")
    if "nodes" in raw:
        nodes = raw["nodes"]
        if not isinstance(nodes, list) or not all(
            isinstance(n, str) and n.startswith("https://") for n in nodes
        ):
            raise t.fail(
                "nodes", "must be a list of https:// node URLs", hint='e.g. ["https://a.example.com"].'
            )
        args["nodes"] = tuple(n.rstrip("/") for n in nodes)
    if "read_only" in raw:
        if not isinstance(raw["read_only"], bool):
            raise t.fail("read_only", "must be true or false (without quotes)")
        args["read_only"] = raw["read_only"]
    if "timeout" in raw:
        secs = raw["timeout"]
        if isinstance(secs, bool) or not isinstance(secs, int | float) or secs <= 0:
            raise t.fail("timeout", "must be a positive number of seconds", hint="e.g. timeout = 30.")
        args["timeout"] = float(secs)
    if "certificates" in raw:
        certs = raw["certificates"]
        if not isinstance(certs, dict):
            raise t.fail("certificates", "must be a table mapping product ids to certificate files")
        args["certificates"] = {str(k): t.path_value(f"certificates.{k}", v) for k, v in certs.items()}
    if kind == "direct" and not args.get("nodes"):
        raise t.fail("kind", "a direct profile needs nodes", hint='Add nodes = ["https://a.example.com"].')
    if kind == "mock" and args.get("state_dir") is None and "api_url" not in args:
        raise t.fail(
            "kind",
            "a mock profile needs state_dir",
            hint="Set state_dir to the directory given to `ravensec-mock serve --state-dir`.",
        )
    return Profile(name=name, kind=kind, **args)


def _keymap(raw: Any, *, path: Path, text: str) -> dict[str, str]:
    """``binding id -> "key"`` or ``-> ["key", "other"]`` (joined with commas, as Textual writes several keys)."""
    example = 'e.g. "certificates.delete" = "ctrl+d" or = ["ctrl+d", "delete"]'
    if not isinstance(raw, dict):
        raise ConfigError(
            "must be a table of binding ids",
            path=str(path),
            line=line_of(text, "keymap"),
            key="keymap",
            hint=example,
        )
    out: dict[str, str] = {}
    for binding, keys in raw.items():
        if isinstance(keys, list) and keys and all(isinstance(k, str) and k.strip() for k in keys):
            out[str(binding)] = ",".join(k.strip() for k in keys)
        elif isinstance(keys, str) and keys.strip():
            out[str(binding)] = keys.strip()
        else:
            raise ConfigError(
                "must name one key or a list of keys",
                path=str(path),
                line=line_of(text, str(binding), "keymap"),
                key=f"keymap.{binding}",
                hint=example,
            )
    return out


def load_config(path: Path | None = None) -> Config:
    """Read the config; a missing file is an empty config (first run)."""
    path = path or config_path()
    if not path.exists():
        return Config(path=path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise ConfigError(
            f"is not valid TOML: {e}",
            path=str(path),
            line=int(m.group(1)) if m else None,
            hint="Fix the syntax, or move the file away to start over.",
        ) from None
    except OSError as e:
        raise ConfigError(f"cannot be read: {e.strerror}", path=str(path)) from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(
            f"unknown key {unknown[0]!r}",
            path=str(path),
            line=line_of(text, unknown[0]),
            key=unknown[0],
            hint="Top-level keys are: current, keymap, [profiles.NAME].",
        )
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise ConfigError("must be a table of profiles", path=str(path), key="profiles")
    profiles = {str(n): _profile(str(n), raw, path=path, text=text) for n, raw in raw_profiles.items()}
    current = data.get("current")
    if current is not None and (not isinstance(current, str) or current not in profiles):
        raise ConfigError(
            f"names no profile ({current!r})",
            path=str(path),
            line=line_of(text, "current"),
            key="current",
            hint=f"Known profiles: {', '.join(sorted(profiles)) or 'none'}.",
        )
    keymap = _keymap(data.get("keymap", {}), path=path, text=text)
    return Config(profiles=profiles, current=current, keymap=keymap, path=path)


def profile_to_toml_dict(profile: Profile) -> dict[str, Any]:
    """The TOML table of a profile (references only, never resolved secrets)."""
    out: dict[str, Any] = {"kind": profile.kind}
    if profile.api_url != REAL_API_URL:
        out["api_url"] = profile.api_url
    if profile.portal_url != REAL_PORTAL_URL:
        out["portal_url"] = profile.portal_url
    if profile.api_key_ref:
        out["api_key"] = profile.api_key_ref
    if profile.client_cert_password_ref:
        out["client_cert_password"] = profile.client_cert_password_ref
    for key in ("ca_file", "client_cert", "state_dir"):
        value = getattr(profile, key)
        if value is not None:
            out[key] = str(value)
    if profile.nodes:
        out["nodes"] = list(profile.nodes)
    if profile.read_only:
        out["read_only"] = True
    if profile.timeout != 30.0:
        out["timeout"] = profile.timeout
    if profile.certificates:
        out["certificates"] = {k: str(v) for k, v in profile.certificates.items()}
    return out


def save_config(cfg: Config) -> None:
    data: dict[str, Any] = {}
    if cfg.current:
        data["current"] = cfg.current
    if cfg.keymap:
        data["keymap"] = dict(cfg.keymap)
    data["profiles"] = {n: profile_to_toml_dict(p) for n, p in cfg.profiles.items()}
    cfg.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(cfg.path, tomli_w.dumps(data).encode(), mode=0o600)


def select_profile(
    cfg: Config, explicit: str | None = None, environ: Mapping[str, str] | None = None
) -> Profile | None:
    """The one rule every front end follows to pick a profile: ``explicit`` (``--profile``), else
    ``$RAVENSEC_PROFILE``, else the config's ``current``, else the only profile there is.

    None when none of those names one (no profiles, or several and none current); a ConfigError, naming
    where the name came from, when the chosen name is not in the config.
    """
    env = (os.environ if environ is None else environ).get("RAVENSEC_PROFILE", "").strip()
    named = [(n, source) for n, source in (
        (explicit, "--profile"), (env, "$RAVENSEC_PROFILE"), (cfg.current, "the config's current profile")
    ) if n]
    if not named:
        return next(iter(cfg.profiles.values())) if len(cfg.profiles) == 1 else None
    chosen, source = named[0]
    if chosen not in cfg.profiles:
        raise ProfileNotFound(f"has no profile named {chosen!r} (from {source})", path=str(cfg.path), hint=_known(cfg))
    return cfg.profiles[chosen]


def get_profile(cfg: Config, name: str | None = None, environ: Mapping[str, str] | None = None) -> Profile:
    """``select_profile``, refusing when no profile is chosen (the headless commands need one)."""
    profile = select_profile(cfg, name, environ)
    if profile is not None:
        return profile
    if cfg.profiles:
        raise ConfigError(
            "no profile is selected",
            path=str(cfg.path),
            hint=f"Pick one with `ravensec profile use NAME` or --profile NAME. {_known(cfg)}",
        )
    raise ConfigError(
        "has no profiles yet",
        path=str(cfg.path),
        hint="Create one with `ravensec profile add NAME --kind cloud --api-key-stdin`, or try `ravensec --demo`.",
    )


def add_profile(cfg: Config, profile: Profile, *, replace: bool = False) -> None:
    """Add ``profile`` (the first one becomes current); an existing name is refused unless ``replace``."""
    if profile.name in cfg.profiles and not replace:
        raise ConfigError(
            f"already has a profile named {profile.name!r}",
            path=str(cfg.path),
            hint="Choose another name, or remove it first with `ravensec profile remove`.",
        )
    if not profile.name.strip() or not profile.name.isprintable():
        raise ConfigError(
            f"cannot hold a profile named {profile.name!r}", path=str(cfg.path), hint="Use a short name."
        )
    cfg.profiles[profile.name] = profile
    if cfg.current is None:
        cfg.current = profile.name


def remove_profile(cfg: Config, name: str) -> Profile:
    """Remove and return a profile; removing the current one leaves no profile current."""
    if name not in cfg.profiles:
        raise ProfileNotFound(f"has no profile named {name!r}", path=str(cfg.path), hint=_known(cfg))
    if cfg.current == name:
        cfg.current = None
    return cfg.profiles.pop(name)


def use_profile(cfg: Config, name: str) -> None:
    if name not in cfg.profiles:
        raise ProfileNotFound(f"has no profile named {name!r}", path=str(cfg.path), hint=_known(cfg))
    cfg.current = name


def _known(cfg: Config) -> str:
    return f"Known profiles: {', '.join(sorted(cfg.profiles)) or 'none'}."
