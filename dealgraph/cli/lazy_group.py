"""A click group that imports a command's module only when that command runs.

`dealgraph --help` and Tab completion of command names then cost click alone: pandas, numpy,
scipy, jinja and the Neo4j driver load with the commands that use them. Commands are found,
without importing anything, by reading the modules of the CLI package: every top-level
function decorated with `@click.command("name")` is a command, its docstring's first
sentence its short help. Adding a command is adding one such function (or one module).
"""

from __future__ import annotations

import ast
import functools
import importlib
from dataclasses import dataclass
from pathlib import Path

import click


@dataclass(frozen=True)
class CommandSpec:
    """Where a command lives, read from its module's source."""

    name: str
    module: str
    attribute: str
    help: str


def discover_commands(folder: Path, package: str) -> dict[str, CommandSpec]:
    """Every `@click.command("name")` function in the modules of `folder`, by name."""
    found: dict[str, CommandSpec] = {}
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if name := _command_name(decorator):
                    doc = ast.get_docstring(node) or ""
                    found[name] = CommandSpec(name, f"{package}.{path.stem}", node.name, doc)
    return found


def _command_name(decorator: ast.expr) -> str | None:
    """The name in `@click.command("name", ...)`: commands are named explicitly."""
    if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
        return None
    func = decorator.func
    if not (isinstance(func.value, ast.Name) and func.value.id == "click"):
        return None
    if func.attr != "command" or not decorator.args:
        return None
    first = decorator.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


class LazyGroup(click.Group):
    """A `click.Group` whose commands are imported on first use (see the module docstring)."""

    def __init__(self, *args, folder: Path, package: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.folder, self.package = folder, package

    @functools.cached_property
    def lazy_commands(self) -> dict[str, CommandSpec]:
        return discover_commands(self.folder, self.package)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in self.lazy_commands:
            spec = self.lazy_commands[name]
            command = getattr(importlib.import_module(spec.module), spec.attribute)
            self.add_command(command, name)
        return super().get_command(ctx, name)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list:
        """Command names complete from the sources too: a Tab imports no command."""
        from click.shell_completion import CompletionItem

        names = [n for n in self.list_commands(ctx) if n.startswith(incomplete)]
        items = [CompletionItem(name, help=self._short_help(name, 45)) for name in names]
        return items + click.Command.shell_complete(self, ctx, incomplete)

    def _short_help(self, name: str, limit: int) -> str:
        if name in self.commands:
            return self.commands[name].get_short_help_str(limit)
        # click shortens the docstring as it would the imported command's help
        return click.Command(name, help=self.lazy_commands[name].help).get_short_help_str(limit)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the sources, so `--help` imports no command."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, self._short_help(name, limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
