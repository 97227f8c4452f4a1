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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from .errors import ConfigError
from .profile import REAL_API_URL, REAL_PORTAL_URL, Profile, ProfileKind

APP = "ravensec"
KINDS: tuple[ProfileKind, ...] = ("cloud", "direct", "mock")
_PROFILE_KEYS = {
    "kind", "api_url", "api_key", "ca_file", "client_cert", "client_cert_password", "certificates", "nodes",
    "state_dir", "read_only", "portal_url", "timeout",
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
    profiles: dict[str, Profile] = field(default_factory=dict)
    current: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    path: Path = field(default_factory=config_path)


def _line_of(text: str, key: str, table: str = "") -> int | None:
    """Best-effort line number of ``key`` (inside ``[table]`` when given) for error messages."""
    lines = text.splitlines()
    start = 0
    if table:
        header = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
        for i, line in enumerate(lines):
            if header.match(line):
                start = i
                break
        else:
            return None
    pat = re.compile(r"^\s*\"?" + re.escape(key) + r"\"?\s*=")
    for i in range(start, len(lines)):
        if pat.match(lines[i]):
            return i + 1
    return start + 1 if table else None


def _secret_ref(value: Any, *, path: Path, text: str, table: str, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError("must be a reference string", path=str(path), line=_line_of(text, key, table), key=key)
    if not value.startswith(("env:", "secret:")):
        raise ConfigError(
            "holds a literal secret; secrets never go in the config file",
            path=str(path), line=_line_of(text, key, table), key=f"{table}.{key}",
            hint='Store it with `ravensec profile set-key` or use "env:VARIABLE" / "secret:NAME".',
        )
    return value


def _load_secrets() -> dict[str, str]:
    path = secrets_path()
    if not path.exists():
        return {}
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            "is readable by other users; refusing to read secrets from it",
            path=str(path), hint=f"Run: chmod 600 {path}",
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
    from .fsutil import atomic_write_private

    secrets = _load_secrets()
    secrets[name] = value
    path = secrets_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write_private(path, tomli_w.dumps(secrets).encode())
    return f"secret:{name}"


def _path_or_none(value: Any, *, path: Path, text: str, table: str, key: str) -> Path | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("must be a file path string", path=str(path), line=_line_of(text, key, table),
                          key=f"{table}.{key}")
    return Path(value).expanduser()


def _profile(name: str, raw: Any, *, path: Path, text: str) -> Profile:
    table = f"profiles.{name}"
    where = {"path": str(path), "line": _line_of(text, "kind", table)}
    if not isinstance(raw, dict):
        raise ConfigError("must be a table", key=table, **where)  # type: ignore[arg-type]
    unknown = sorted(set(raw) - _PROFILE_KEYS)
    if unknown:
        k = unknown[0]
        raise ConfigError(
            f"unknown key {k!r}", path=str(path), line=_line_of(text, k, table), key=f"{table}.{k}",
            hint=f"Known keys: {', '.join(sorted(_PROFILE_KEYS))}.",
        )
    kind = raw.get("kind")
    if kind not in KINDS:
        raise ConfigError(
            f"unknown kind {kind!r}", path=str(path), line=_line_of(text, "kind", table), key=f"{table}.kind",
            hint=f"Use one of: {', '.join(KINDS)}.",
        )
    args: dict[str, Any] = {}
    p = {"path": path, "text": text, "table": table}
    if "api_key" in raw:
        ref = _secret_ref(raw["api_key"], key="api_key", **p)  # type: ignore[arg-type]
        args["api_key_ref"] = ref
        args["api_key"] = resolve_secret(ref)
    if "client_cert_password" in raw:
        ref = _secret_ref(raw["client_cert_password"], key="client_cert_password", **p)  # type: ignore[arg-type]
        args["client_cert_password_ref"] = ref
        args["client_cert_password"] = resolve_secret(ref)
    for key in ("ca_file", "client_cert", "state_dir"):
        if key in raw:
            args[key] = _path_or_none(raw[key], key=key, **p)  # type: ignore[arg-type]
    for key in ("api_url", "portal_url"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key].startswith(("https://", "http://")):
                raise ConfigError("must be an http(s) URL", path=str(path), line=_line_of(text, key, table),
                                  key=f"{table}.{key}")
            args[key] = raw[key].rstrip("/")
    if "nodes" in raw:
        nodes = raw["nodes"]
        if not isinstance(nodes, list) or not all(isinstance(n, str) and n.startswith("https://") for n in nodes):
            raise ConfigError("must be a list of https:// node URLs", path=str(path),
                              line=_line_of(text, "nodes", table), key=f"{table}.nodes")
        args["nodes"] = tuple(n.rstrip("/") for n in nodes)
    if "read_only" in raw:
        if not isinstance(raw["read_only"], bool):
            raise ConfigError("must be true or false", path=str(path), line=_line_of(text, "read_only", table),
                              key=f"{table}.read_only")
        args["read_only"] = raw["read_only"]
    if "timeout" in raw:
        t = raw["timeout"]
        if isinstance(t, bool) or not isinstance(t, int | float) or t <= 0:
            raise ConfigError("must be a positive number of seconds", path=str(path),
                              line=_line_of(text, "timeout", table), key=f"{table}.timeout")
        args["timeout"] = float(t)
    if "certificates" in raw:
        certs = raw["certificates"]
        if not isinstance(certs, dict) or not all(isinstance(v, str) for v in certs.values()):
            raise ConfigError("must map product ids to certificate file paths", path=str(path),
                              line=_line_of(text, "certificates", table), key=f"{table}.certificates")
        args["certificates"] = {str(k): Path(v).expanduser() for k, v in certs.items()}
    if kind == "direct" and not args.get("nodes"):
        raise ConfigError("a direct profile needs nodes = [\"https://...\"]", key=table, **where)  # type: ignore[arg-type]
    if kind == "mock" and args.get("state_dir") is None and args.get("api_url") is None:
        raise ConfigError("a mock profile needs state_dir (the directory of `ravensec-mock serve`)",
                          key=table, **where)  # type: ignore[arg-type]
    return Profile(name=name, kind=kind, **args)


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
        raise ConfigError(f"is not valid TOML: {e}", path=str(path), line=int(m.group(1)) if m else None,
                          hint="Fix the syntax, or move the file away to start over.") from None
    except OSError as e:
        raise ConfigError(f"cannot be read: {e.strerror}", path=str(path)) from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r}", path=str(path), line=_line_of(text, unknown[0]),
                          key=unknown[0], hint="Top-level keys are: current, keymap, [profiles.NAME].")
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, dict):
        raise ConfigError("must be a table of profiles", path=str(path), key="profiles")
    profiles = {str(n): _profile(str(n), raw, path=path, text=text) for n, raw in raw_profiles.items()}
    current = data.get("current")
    if current is not None and (not isinstance(current, str) or current not in profiles):
        raise ConfigError(f"names no profile ({current!r})", path=str(path), line=_line_of(text, "current"),
                          key="current", hint=f"Known profiles: {', '.join(sorted(profiles)) or 'none'}.")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        raise ConfigError("must map binding ids to keys, e.g. \"certificates.delete\" = \"ctrl+d\"",
                          path=str(path), line=_line_of(text, "keymap"), key="keymap")
    return Config(profiles=profiles, current=current, keymap={str(k): v for k, v in keymap.items()}, path=path)


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
    from .fsutil import atomic_write

    data: dict[str, Any] = {}
    if cfg.current:
        data["current"] = cfg.current
    if cfg.keymap:
        data["keymap"] = dict(cfg.keymap)
    data["profiles"] = {n: profile_to_toml_dict(p) for n, p in cfg.profiles.items()}
    cfg.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(cfg.path, tomli_w.dumps(data).encode(), mode=0o600)


def get_profile(cfg: Config, name: str | None = None) -> Profile:
    chosen = name or os.environ.get("RAVENSEC_PROFILE") or cfg.current
    if not chosen and len(cfg.profiles) == 1:
        chosen = next(iter(cfg.profiles))
    if not chosen:
        raise ConfigError(
            "no profile is selected", path=str(cfg.path),
            hint="Create one with `ravensec profile add NAME --kind cloud --api-key-stdin`, or try `ravensec --demo`.",
        )
    if chosen not in cfg.profiles:
        raise ConfigError(f"has no profile named {chosen!r}", path=str(cfg.path),
                          hint=f"Known profiles: {', '.join(sorted(cfg.profiles)) or 'none'}.")
    return cfg.profiles[chosen]


def add_profile(cfg: Config, profile: Profile) -> None:
    cfg.profiles[profile.name] = profile
    if cfg.current is None:
        cfg.current = profile.name


def remove_profile(cfg: Config, name: str) -> None:
    cfg.profiles.pop(name, None)
    if cfg.current == name:
        cfg.current = None


def use_profile(cfg: Config, name: str) -> None:
    if name not in cfg.profiles:
        raise ConfigError(f"has no profile named {name!r}", path=str(cfg.path))
    cfg.current = name
