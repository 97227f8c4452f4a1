"""One rule picks the profile for the CLI and the TUI: --profile, then $RAVENSEC_PROFILE, then the config's
current profile, then the only one (core.config.select_profile)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ravensec.core.config import Config, get_profile, save_config, select_profile
from ravensec.core.errors import ConfigError
from ravensec.core.profile import Profile
from ravensec.tui.cli.context import Context
from ravensec.tui.cli.parser import parse_args


def _config(tmp_path: Path, *names: str, current: str | None = None) -> Config:
    return Config(profiles={n: Profile(name=n, kind="cloud") for n in names}, current=current,
                  path=tmp_path / "config.toml")


def test_precedence_explicit_then_variable_then_current(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "a", "b", "c", current="c")
    env = {"RAVENSEC_PROFILE": "b"}
    assert select_profile(cfg, "a", env) is cfg.profiles["a"]
    assert select_profile(cfg, None, env) is cfg.profiles["b"]
    assert select_profile(cfg, None, {}) is cfg.profiles["c"]
    assert select_profile(cfg, None, {"RAVENSEC_PROFILE": "  "}) is cfg.profiles["c"]


def test_the_only_profile_else_none(tmp_path: Path) -> None:
    assert select_profile(_config(tmp_path, "solo"), None, {}) is not None
    assert select_profile(_config(tmp_path, "a", "b"), None, {}) is None
    assert select_profile(_config(tmp_path), None, {}) is None
    with pytest.raises(ConfigError, match="no profile is selected"):
        get_profile(_config(tmp_path, "a", "b"), None, {})


@pytest.mark.parametrize(("explicit", "env", "current", "source"), [
    ("x", "a", "a", "--profile"),
    (None, "x", "a", "$RAVENSEC_PROFILE"),
    (None, None, "x", "current profile"),
])
def test_an_unknown_name_says_where_it_came_from(
    tmp_path: Path, explicit: str | None, env: str | None, current: str, source: str
) -> None:
    cfg = _config(tmp_path, "a", "b", current=current)
    with pytest.raises(ConfigError, match=f"no profile named 'x'.*{source.replace('$', '[$]')}") as e:
        select_profile(cfg, explicit, {"RAVENSEC_PROFILE": env} if env else {})
    assert e.value.exit_code == 4 and "Known profiles: a, b" in str(e.value)  # not found, as documented


def test_the_cli_context_follows_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_config(_config(tmp_path, "a", "b", current="a"))
    monkeypatch.setenv("RAVENSEC_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("RAVENSEC_PROFILE", "b")
    assert Context(parse_args(["products", "list"])).profile_name() == "b"
    assert Context(parse_args(["products", "list", "--profile", "a"])).profile_name() == "a"
