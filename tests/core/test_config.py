from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.config import (
    Config,
    config_path,
    get_profile,
    load_config,
    resolve_secret,
    save_config,
    secrets_path,
    store_secret,
)
from core.errors import ConfigError
from core.profile import Profile


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "config.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_config_path_follows_env_and_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert str(config_path()).startswith(os.environ["XDG_CONFIG_HOME"])
    monkeypatch.setenv("RAVENSEC_CONFIG", str(tmp_path / "c.toml"))
    assert config_path() == tmp_path / "c.toml"
    assert secrets_path() == tmp_path / "secrets.toml"


def test_missing_file_is_an_empty_config(tmp_path: Path) -> None:
    cfg = load_config(tmp_path / "nope.toml")
    assert cfg.profiles == {} and cfg.current is None


def test_full_profile_loads_and_resolves_env_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RC_KEY", "k-123")
    path = _write(
        tmp_path,
        'current = "work"\n[keymap]\n"certificates.delete" = "ctrl+d"\n'
        '[profiles.work]\nkind = "cloud"\napi_key = "env:RC_KEY"\nread_only = true\nclient_cert = "~/c.pem"\n'
        '[profiles.work.certificates]\nabc = "/x/abc.pem"\n'
        '[profiles.lab]\nkind = "direct"\nnodes = ["https://a.lab.example:443/"]\n',
    )
    cfg = load_config(path)
    work = get_profile(cfg)
    assert work.api_key == "k-123" and work.read_only and work.kind == "cloud"
    assert work.client_cert == Path.home() / "c.pem"
    assert work.certificates == {"abc": Path("/x/abc.pem")}
    assert "k-123" not in repr(work)
    assert cfg.profiles["lab"].nodes == ("https://a.lab.example:443",)
    assert cfg.keymap == {"certificates.delete": "ctrl+d"}


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ('[profiles.x]\nkind = "cloudy"\n', 2, "profiles.x.kind"),
        ('[profiles.x]\nkind = "cloud"\ncolour = "red"\n', 3, "profiles.x.colour"),
        ('[profiles.x]\nkind = "cloud"\napi_key = "abc123literal"\n', 3, "profiles.x.api_key"),
        ('[profiles.x]\nkind = "cloud"\nread_only = "yes"\n', 3, "profiles.x.read_only"),
        ('current = "y"\n[profiles.x]\nkind = "cloud"\n', 1, "current"),
    ],
)
def test_bad_config_names_file_line_and_key(tmp_path: Path, text: str, line: int, key: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert e.value.path == str(path) and e.value.line == line and e.value.key == key
    assert f"{path}:{line}" in str(e.value)


def test_toml_syntax_error_keeps_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '[profiles.x]\nkind = "cloud"\nread_only = \n')
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert e.value.line == 3


def test_secrets_file_is_0600_and_world_readable_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RAVENSEC_CONFIG", str(tmp_path / "config.toml"))
    ref = store_secret("work.api_key", "s3cret")
    assert ref == "secret:work.api_key"
    assert secrets_path().stat().st_mode & 0o777 == 0o600
    assert resolve_secret(ref) == "s3cret"
    secrets_path().chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        resolve_secret(ref)


def test_save_round_trips_references_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RC_KEY", "value-never-written")
    cfg = Config(path=tmp_path / "sub" / "config.toml")
    cfg.profiles["w"] = Profile(
        name="w", kind="cloud", api_key="value-never-written", api_key_ref="env:RC_KEY"
    )
    cfg.current = "w"
    save_config(cfg)
    text = cfg.path.read_text()
    assert "value-never-written" not in text and "env:RC_KEY" in text
    assert list(cfg.path.parent.iterdir()) == [cfg.path]  # no temp file left behind
    again = load_config(cfg.path)
    assert again.current == "w" and again.profiles["w"].api_key == "value-never-written"


def test_no_profile_selected_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="profile add"):
        get_profile(load_config(tmp_path / "none.toml"))
