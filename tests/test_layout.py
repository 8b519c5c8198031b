"""The architecture holds: imports only point down the layers, and the CLI loads lazily."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from dealgraph.cli import main
from dealgraph.cli.lazy_group import discover_commands

ROOT = Path(__file__).resolve().parent.parent

# Lowest first: a module may import its own layer or those before it, never one after.
# (loaders read the schema and the DataSet declared in graph, so graph comes first here;
# viz draws query results and the API offers the map, so viz sits below the API; exports
# write query results for other tools, beside viz.)
LAYERS = ["base", "graph", "loaders", "queries", "viz", "exports", "api", "cli"]
FOLDERS = {"graph": "graph", "loaders": "loaders", "queries": "queries", "viz": "viz",
           "exports": "exports", "cli": "dealgraph/cli"}  # fmt: skip
API_MODULES = {"dealgraph.api", "dealgraph.result_rows"}


def layer_of(module: str) -> str:
    parts = module.split(".")
    if module in API_MODULES:
        return "api"
    if len(parts) > 1 and parts[0] == "dealgraph" and parts[1] in FOLDERS:
        return parts[1]
    return "base"  # dealgraph itself, errors, atomic_files, output_set, __main__


def module_files() -> dict[str, Path]:
    files = {f"dealgraph.{p.stem}": p for p in (ROOT / "dealgraph").glob("*.py")}
    for name, folder in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            files[".".join(("dealgraph", name, *parts))] = path
    return files


def imported(path: Path, module: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:  # relative: resolve against this module's package
                base = ".".join(module.split(".")[: -node.level] + [node.module])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] == "dealgraph"}


def test_imports_only_point_down_the_layers():
    files = module_files()
    assert len(files) > 50  # the walk found the code, subpackages included
    wrong = []
    for module, path in files.items():
        if module in ("dealgraph.__init__", "dealgraph.__main__"):
            continue  # the entry points: the package re-exports the API, -m runs the CLI
        own = LAYERS.index(layer_of(module))
        for target in imported(path, module):
            if LAYERS.index(layer_of(target)) > own:
                wrong.append(f"{module} imports {target}")
    assert wrong == []


def test_every_command_is_found_without_importing_it_and_says_the_same():
    specs = discover_commands(ROOT / "dealgraph" / "cli", "dealgraph.cli")
    assert {"loops", "alerts", "concentration", "map", "analyze", "exposure", "stress",
            "load", "cypher", "data", "validate", "timeline"} <= set(specs)  # fmt: skip
    for name in specs:
        command = main.get_command(None, name)
        assert command is not None and command.name == name
        assert (command.help or "").startswith(specs[name].help.split("\f")[0].split("\n")[0])


def test_help_lists_commands_without_loading_pandas():
    code = (
        "import sys; from dealgraph.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'scipy', 'jinja2', 'neo4j', 'networkx')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "Commands:" in out.stdout and "vendor-financing" in out.stdout
    assert out.stdout.splitlines()[-1] == "[]"


def test_tab_completion_of_commands_and_entities():
    def complete(words: str) -> str:
        cword = len(words.split()) - (0 if words.endswith(" ") else 1)
        env = {"_DEALGRAPH_COMPLETE": "bash_complete", "COMP_WORDS": words}
        env["COMP_CWORD"] = str(cword)
        return CliRunner().invoke(main, [], env=env, prog_name="dealgraph").output

    assert "plain,vendor-financing" in complete("dealgraph vend").splitlines()
    assert "plain,openai" in complete("dealgraph exposure open").splitlines()
    assert "plain,oracle" in complete("dealgraph concentration --entity ora").splitlines()
    from dealgraph.queries.cypher_catalogue import catalogue

    first = sorted(catalogue())[0]
    assert f"plain,{first}" in complete(f"dealgraph cypher --name {first[:3]}").splitlines()


def test_tab_completion_of_a_command_name_loads_no_pandas():
    code = (
        "import sys; from dealgraph.cli import main\n"
        "try:\n    main(prog_name='dealgraph')\nexcept SystemExit:\n    pass\n"
        "print('pandas' in sys.modules)"
    )
    env = {**os.environ, "_DEALGRAPH_COMPLETE": "bash_complete", "COMP_WORDS": "dealgraph vend",
           "COMP_CWORD": "1"}  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)  # fmt: skip
    assert out.stdout.splitlines() == ["plain,vendor-financing", "False"]
