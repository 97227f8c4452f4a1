"""Fixtures of the CLI tests: the session's mock cloud and a ravensec runner with a temporary config."""

from tests.cli.mockcli import cli, mock_cloud  # noqa: F401
