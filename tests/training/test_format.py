"""Scenario files: every mistake names the file and the key; progress is saved atomically and reset."""

from __future__ import annotations

from pathlib import Path

import pytest

from ravensec.core.errors import ConfigError
from ravensec.mock.training import load_scenario
from ravensec.mock.training.scenario import scenarios_dir, to_toml
from ravensec.tui.training.progress import load_progress, progress_path, reset_progress, save_progress

GOOD = (scenarios_dir() / "leaked-certificate.toml").read_text()


def broken(tmp_path: Path, text: str) -> str:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_scenario(path)
    return str(e.value)


@pytest.mark.parametrize(("old", "new", "key", "says"), [
    ('title = "Leaked certificate"', "", "[title]", "missing"),
    ('check = "certificate_absent"', 'check = "cert_gone"', "goals[0].check", "unknown check 'cert_gone'"),
    ('name = "ci-runner"\ntext', 'nom = "ci-runner"\ntext', "goals[0].nom", "unknown key"),
    ('clearance = "ValidUser"\ntext', 'clearance = "Root"\ntext', "goals[1].clearance", "unknown clearance"),
    ('product = "Shop"', 'product = "Shoop"', "[product]", "no product 'Shoop'"),
    ('tier = "Development"', 'tier = "Gold"', "[world.products[0].tier]", "unknown tier 'Gold'"),
    ("hints = [", "hints = [3, ", "[hints]", "non-empty strings"),
])
def test_mistakes_name_file_and_key(tmp_path: Path, old: str, new: str, key: str, says: str) -> None:
    assert old in GOOD
    message = broken(tmp_path, GOOD.replace(old, new, 1))
    assert "broken.toml" in message and key in message and says in message


def test_not_toml(tmp_path: Path) -> None:
    assert "not valid TOML" in broken(tmp_path, "title = ")


def test_world_round_trips_through_toml() -> None:
    import tomllib

    sc = load_scenario("restore-drill")
    assert tomllib.loads(to_toml(sc.world)) == sc.world


def test_handout_certificate_is_the_same_every_time() -> None:
    sc = load_scenario("wrong-certificate")
    assert sc.handout_thumbprints() == load_scenario("wrong-certificate").handout_thumbprints()
    assert len(sc.handout_thumbprints()["inventory-app"]) == 40


def test_progress_saved_and_reset() -> None:
    p = load_progress("least-privilege")
    assert (p.hints_shown, p.answers, p.completed) == (0, {}, False)
    p.hints_shown, p.answers = 2, {"q": "a"}
    p.mark_completed()
    path = save_progress(p)
    assert path == progress_path("least-privilege") and path.parent.name == "training"
    again = load_progress("least-privilege")
    assert (again.hints_shown, again.answers, again.completed) == (2, {"q": "a"}, True)
    assert [f.name for f in path.parent.iterdir()] == ["least-privilege.json"]  # no temp file left behind
    assert reset_progress("least-privilege").hints_shown == 0 and not path.exists()


def test_unreadable_progress_says_how_to_start_over() -> None:
    path = progress_path("least-privilege")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    with pytest.raises(ConfigError) as e:
        load_progress("least-privilege")
    assert "--reset" in str(e.value)
