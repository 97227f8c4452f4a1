"""The argument layer in-process: global options anywhere, usage errors exit 2, small value parsers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ravensec.core import errors
from ravensec.core.errors import UsageError
from ravensec.core.models import DatabaseAccess
from ravensec.tui.cli import commands_certs
from ravensec.tui.cli.completion import _tree, bash_script
from ravensec.tui.cli.durations import CLEARANCE, check_access, parse_days, parse_grants, valid_until
from ravensec.tui.cli.exitcodes import exit_code_for
from ravensec.tui.cli.parser import build_parser, parse_args


def test_global_options_before_or_after_the_command() -> None:
    a = parse_args(["--output", "json", "certs", "list", "--product", "p1"])
    b = parse_args(["certs", "list", "-p", "p1", "-o", "json", "--read-only", "-vv"])
    assert a.output == b.output == "json" and a.product == b.product == "p1"
    assert a.read_only is False and b.read_only is True and b.verbose == 2
    assert a.handler is commands_certs.list_certs


def test_no_command_means_the_tui() -> None:
    a = parse_args(["--demo", "--world", "empty", "--log-level", "debug"])
    assert getattr(a, "handler", None) is None and a.demo and a.world == "empty"


@pytest.mark.parametrize("argv", [
    ["certs"],                                   # no action
    ["certs", "generate", "--name", "x"],        # missing --clearance
    ["certs", "generate", "--name", "x", "--clearance", "root"],
    ["ips", "set"],                              # missing --from
    ["--output", "xml", "products", "list"],
    ["completion", "zsh"],
])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        parse_args(argv)
    assert e.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_every_leaf_has_a_handler_function() -> None:
    tree: dict[str, tuple[list[str], list[str]]] = {}
    _tree(build_parser(), "", tree)
    leaves = [p for p, (words, _) in tree.items() if p and (not words or p == "completion")]
    assert len(leaves) > 25
    for path in leaves:
        argv = path.split()
        sub = build_parser()
        # Fill required positionals/options with placeholders just to reach the handler.
        ns = None
        for extra in ([], ["X"], ["bash"]):
            try:
                ns = sub.parse_args([*argv, *extra, *_required(path)])
                break
            except SystemExit:
                continue
        assert ns is not None, path
        assert callable(ns.handler) and ns.handler.__module__.startswith("ravensec.tui.cli."), path
    handlers = {ns.handler for ns in (build_parser().parse_args(["certs", n, "X"]) for n in ("enable", "disable"))}
    assert handlers == {commands_certs.enable, commands_certs.disable}


def _required(path: str) -> list[str]:
    if path.startswith("certs generate") or path == "certs upload X":
        return ["--name", "n", "--clearance", "operator"]
    return {"products cert-package": ["--out", "d"], "ips set": ["--from", "f"],
            "backups verify": ["--key", "k"], "profile add": ["--kind", "mock"],
            "certs upload": ["--name", "n", "--clearance", "operator"],
            "certs generate": ["--name", "n", "--clearance", "operator"],
            "certs generate-local": ["--name", "n", "--clearance", "operator"]}.get(path, [])


FROM = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "days"), [("60d", 60), ("8w", 56), ("90", 90), ("1y", 365), (" 2m ", 59)])
def test_parse_days(text: str, days: int) -> None:
    assert parse_days(text, now=FROM) == days


@pytest.mark.parametrize(("text", "start", "end"), [
    ("24m", FROM, datetime(2028, 1, 15, 12, 0, tzinfo=UTC)),      # calendar months, not 24 x 30 days
    ("1m", datetime(2026, 1, 31, tzinfo=UTC), datetime(2026, 2, 28, tzinfo=UTC)),   # clamped to the month's end
    ("13m", datetime(2027, 1, 31, tzinfo=UTC), datetime(2028, 2, 29, tzinfo=UTC)),  # leap February
    ("1y", datetime(2028, 2, 29, tzinfo=UTC), datetime(2029, 2, 28, tzinfo=UTC)),
    ("2w", FROM, datetime(2026, 1, 29, 12, 0, tzinfo=UTC)),
])
def test_valid_until_counts_calendar_months(text: str, start: datetime, end: datetime) -> None:
    assert valid_until(text, now=start) == end


@pytest.mark.parametrize("text", ["", "soon", "-3d", "3h"])
def test_parse_days_refuses(text: str) -> None:
    with pytest.raises(UsageError, match="duration"):
        parse_days(text)


def test_grants() -> None:
    assert parse_grants(["orders=read", "crm = Read-Write", "x=admin"]) == {
        "orders": DatabaseAccess.READ, "crm": DatabaseAccess.READ_WRITE, "x": DatabaseAccess.ADMIN}
    for bad in (["orders"], ["=read"], ["orders=write"], ["a=read", "a=admin"]):
        with pytest.raises(UsageError):
            parse_grants(bad)


def test_user_clearance_needs_a_database() -> None:
    with pytest.raises(UsageError, match="at least one database") as e:
        check_access(CLEARANCE["user"], {})
    assert "--db" in str(e.value)
    with pytest.raises(UsageError, match="User certificates only"):
        check_access(CLEARANCE["operator"], {"orders": DatabaseAccess.READ})
    check_access(CLEARANCE["operator"], {})


def test_exit_codes_follow_the_error_classes() -> None:
    assert exit_code_for(errors.UsageError("x")) == 2
    assert exit_code_for(errors.ValidationError("x")) == 2
    assert exit_code_for(errors.AuthError("x")) == 3
    assert exit_code_for(errors.Forbidden("x")) == 3
    assert exit_code_for(errors.ReadOnlyError()) == 3
    assert exit_code_for(errors.NotFound("x")) == 4
    assert exit_code_for(errors.Unavailable("x")) == 5
    assert exit_code_for(errors.TlsError("x")) == 5
    assert exit_code_for(errors.ServerError("x")) == 1
    assert exit_code_for(RuntimeError("x")) == 1


def test_bash_completion_knows_commands_and_actions() -> None:
    script = bash_script(build_parser())
    assert "complete -o default -F _ravensec ravensec" in script
    assert '"certs") opts="' in script and "purge-expired" in script
    assert '"ips add") opts="--alias' in script
