from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from ravensec.core.config import (
    Config,
    add_profile,
    cache_dir,
    config_path,
    data_dir,
    get_profile,
    load_config,
    log_dir,
    profile_to_toml_dict,
    remove_profile,
    resolve_secret,
    save_config,
    secrets_path,
    store_secret,
    use_profile,
)
from ravensec.core.errors import ConfigError
from ravensec.core.profile import Profile


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


def test_errors_point_at_the_key_in_its_own_profile(tmp_path: Path) -> None:
    # The first profile lacks "kind"; the second has one: the error must point at [profiles.a], not line 5.
    path = _write(tmp_path, '[profiles.a]\nread_only = true\n\n[profiles.b]\nkind = "cloud"\n')
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert (e.value.line, e.value.key) == (1, "profiles.a.kind")
    assert "cloud, direct, mock" in str(e.value)


def test_certificate_paths_are_checked_and_expanded(tmp_path: Path) -> None:
    ok = _write(tmp_path, '[profiles.a]\nkind = "cloud"\n[profiles.a.certificates]\np1 = "~/p1.pem"\n')
    assert load_config(ok).profiles["a"].certificates == {"p1": Path.home() / "p1.pem"}
    bad = _write(tmp_path, '[profiles.a]\nkind = "cloud"\n[profiles.a.certificates]\nx = 1\np1 = 5\n')
    with pytest.raises(ConfigError) as e:
        load_config(bad)
    assert (e.value.line, e.value.key) == (4, "profiles.a.certificates.x")


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ('[profiles.d]\nkind = "direct"\n', 2, "profiles.d.kind"),
        ('[profiles.d]\nkind = "direct"\nnodes = ["http://plain"]\n', 3, "profiles.d.nodes"),
        ('[profiles.m]\nkind = "mock"\n', 2, "profiles.m.kind"),
        ('[profiles.c]\nkind = "cloud"\ntimeout = -1\n', 3, "profiles.c.timeout"),
        ('[profiles.c]\nkind = "cloud"\napi_key = "env:"\n', 3, "profiles.c.api_key"),
        ('[keymap]\n"a.b" = "x"\n"c.d" = 3\n', 3, "keymap.c.d"),
        ('colour = "red"\n', 1, "colour"),
    ],
)
def test_more_bad_values_name_their_line(tmp_path: Path, text: str, line: int, key: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(_write(tmp_path, text))
    assert (e.value.line, e.value.key) == (line, key)
    assert e.value.hint or "must" in e.value.message


def test_keymap_accepts_a_list_of_keys(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, '[keymap]\n"certificates.delete" = ["ctrl+d", "delete"]\n'))
    assert cfg.keymap == {"certificates.delete": "ctrl+d,delete"}


def test_literal_api_key_is_refused_and_not_echoed(tmp_path: Path) -> None:
    path = _write(tmp_path, '[profiles.x]\nkind = "cloud"\napi_key = "abc123literal"\n')
    with pytest.raises(ConfigError) as e:
        load_config(path)
    assert "abc123literal" not in str(e.value) and "secret:NAME" in str(e.value)


def test_profile_helpers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Config(path=tmp_path / "config.toml")
    add_profile(cfg, Profile(name="a", kind="cloud"))
    add_profile(cfg, Profile(name="b", kind="direct", nodes=("https://n.example",)))
    assert cfg.current == "a" and get_profile(cfg).name == "a"
    with pytest.raises(ConfigError, match="already has"):
        add_profile(cfg, Profile(name="a", kind="mock"))
    use_profile(cfg, "b")
    assert get_profile(cfg).name == "b"
    monkeypatch.setenv("RAVENSEC_PROFILE", "a")
    assert get_profile(cfg).name == "a" and get_profile(cfg, "b").name == "b"
    monkeypatch.setenv("RAVENSEC_PROFILE", "zzz")
    with pytest.raises(ConfigError, match="RAVENSEC_PROFILE"):
        get_profile(cfg)
    monkeypatch.delenv("RAVENSEC_PROFILE")
    assert remove_profile(cfg, "b").name == "b" and cfg.current is None
    with pytest.raises(ConfigError, match="no profile named 'b'"):
        use_profile(cfg, "b")
    with pytest.raises(ConfigError, match="no profile named 'b'"):
        remove_profile(cfg, "b")
    add_profile(cfg, Profile(name="c", kind="cloud"))
    cfg.current = None
    with pytest.raises(ConfigError, match="profile use"):
        get_profile(cfg)


def test_profile_to_toml_dict_round_trips_every_field(tmp_path: Path) -> None:
    prof = Profile(
        name="m",
        kind="mock",
        api_url="https://127.0.0.1:9/api/v1",
        api_key="k",
        api_key_ref="secret:m.key",
        ca_file=tmp_path / "ca.pem",
        client_cert=tmp_path / "c.pem",
        certificates={"p": tmp_path / "p.pem"},
        state_dir=tmp_path / "state",
        read_only=True,
        portal_url="https://127.0.0.1:9",
        timeout=5.0,
    )
    table = profile_to_toml_dict(prof)
    assert "k" not in table.values() and table["api_key"] == "secret:m.key"
    cfg = Config(path=tmp_path / "config.toml")
    add_profile(cfg, prof)
    save_config(cfg)
    again = load_config(cfg.path).profiles["m"]
    assert dataclasses.replace(again, api_key="k") == prof
    assert cfg.path.stat().st_mode & 0o777 == 0o600


def test_store_secret_refuses_to_extend_a_readable_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RAVENSEC_CONFIG", str(tmp_path / "config.toml"))
    store_secret("a", "1")
    secrets_path().chmod(0o640)
    with pytest.raises(ConfigError, match=f"chmod 600 {secrets_path()}"):
        store_secret("b", "2")
    secrets_path().chmod(0o600)
    assert resolve_secret("secret:b") is None and resolve_secret("secret:a") == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.toml"]


def test_a_profile_naming_an_unset_env_var_loads_without_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RC_MISSING", raising=False)
    cfg = load_config(_write(tmp_path, '[profiles.x]\nkind = "cloud"\napi_key = "env:RC_MISSING"\n'))
    assert cfg.profiles["x"].api_key is None and cfg.profiles["x"].api_key_ref == "env:RC_MISSING"


def test_dirs_are_platformdirs_under_the_isolated_home() -> None:
    for d in (data_dir(), log_dir(), cache_dir()):
        assert d.is_relative_to(Path.home()) and "ravensec" in d.parts
