"""Every command is documented: an `Example:` in its --help and a section in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli.main import main

README = (Path(__file__).parents[2] / "README.md").read_text()
COMMANDS = sorted(main.commands)


def test_the_cli_has_the_commands_of_the_design() -> None:
    assert COMMANDS == [
        "append",
        "as-of",
        "diff",
        "digest",
        "group",
        "init",
        "log",
        "replay",
        "report",
        "search",
        "show",
        "timeline",
        "verify",
    ]


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_has_a_readme_section_and_an_example_in_its_help(name: str) -> None:
    assert f"### `{name}`" in README
    command = main.commands[name]
    assert isinstance(command, click.Command)
    result = CliRunner().invoke(main, [name, "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Example: regimes" in result.stdout
    example = next(line for line in result.stdout.splitlines() if "Example:" in line)
    assert f"regimes {name}" in example or "regimes --store" in example
