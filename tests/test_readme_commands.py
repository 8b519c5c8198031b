"""The README's command table says exactly which options each command takes: every command
has a row, and the options of a row (its groups spelled out) are the command's own, no more
and no fewer, so the table cannot drift from the code."""

from __future__ import annotations

import re
from pathlib import Path

import click

from dealgraph.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
# An option in backticks: `--by customers|...`, `-o/--output/--out DIR`, `-q/--quiet`.
OPTION = re.compile(r"`(-[a-z]/--[a-z][a-z0-9-]*(?:/--[a-z][a-z0-9-]*)*|--[a-z][a-z0-9-]*)[^`]*`")


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row; `\\|` inside a cell is not a border."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def _tables(text: str) -> dict[str, list[list[str]]]:
    """The README's tables under `## Commands`, keyed by their first header cell."""
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, list[list[str]]] = {}
    rows: list[list[str]] = []
    for line in [*section.splitlines(), ""]:
        if line.startswith("|"):
            rows.append(_cells(line))
        elif rows:
            tables[rows[0][0]] = rows[2:]  # after the header and its rule
            rows = []
    return tables


def _expand(cell: str, groups: dict[str, str]) -> set[str]:
    """The options a cell names: backticked ones, and those of each group named in it."""
    found = set(OPTION.findall(cell))
    bare = OPTION.sub("", re.sub(r"\([^)]*\)", "", cell))  # groups outside notes and options
    for word in (w.strip() for w in bare.split(",")):
        if word:
            assert word in groups, f"{word!r} is neither an option nor a group"
            found |= _expand(groups[word], groups)
    return found


def documented() -> dict[str, set[str]]:
    tables = _tables(README.read_text(encoding="utf-8"))
    groups = {row[0]: row[1] for row in tables["group"]}
    commands = {}
    for name_cell, options_cell, _ in tables["command"]:
        name = re.fullmatch(r"`dealgraph ([a-z-]+)[^`]*`", name_cell)[1]
        commands[name] = _expand(options_cell, groups)
    return commands


def actual(name: str) -> set[str]:
    command = main.get_command(click.Context(main), name)
    return {
        "/".join(param.opts)
        for param in command.params
        if isinstance(param, click.Option) and param.name != "help"
    }


def test_the_command_table_lists_every_command():
    assert sorted(documented()) == main.list_commands(click.Context(main))


def test_each_row_names_exactly_the_options_of_its_command():
    for name, options in documented().items():
        real = actual(name)
        assert options == real, (name, "not taken:", options - real, "not listed:", real - options)


def test_the_table_check_would_notice_a_missing_or_extra_option():
    groups = {"output": "`--format`, `-o/--output PATH`, `-q/--quiet`"}
    assert _expand("output, `--by a\\|b`", groups) == {"--format", "-o/--output", "-q/--quiet",
                                                         "--by"}  # fmt: skip
    assert actual("exposure") - {"--min-amount"} == actual("exposure")  # refused, so not listed
    assert "--limit" not in documented()["stress"] and "--data" not in documented()["validate"]
