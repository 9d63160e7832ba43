"""docs/cli.md cannot drift from the commands the CLI really has."""

from pathlib import Path

import typer

from kechuang.cli.main import app

DOCS = Path(__file__).resolve().parents[3] / "docs" / "cli.md"


def command_lines(group: typer.Typer, prefix: str) -> list[tuple[str, str]]:
    click_group = typer.main.get_command(group)
    found = []
    for name, command in click_group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            for sub_name, sub in command.commands.items():
                found.append((f"{prefix} {name} {sub_name}", (sub.help or "").strip().splitlines()[0]))
        else:
            found.append((f"{prefix} {name}", (command.help or "").strip().splitlines()[0]))
    return found


def test_every_command_and_its_summary_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    lines = command_lines(app, "kechuang")
    assert len(lines) >= 14
    for command, summary in lines:
        assert f"`{command}`" in text, f"{command} is not in docs/cli.md"
        if not command.endswith("serve"):
            assert summary in text, f"the summary of {command} in docs/cli.md is out of date"
