"""Installed with `pip install .` into a fresh venv, the README's API snippet runs; and the
clone's own dealgraph/ folder, which shadows the installed copy at the clone's root, finds
its four subpackages there and nothing else (`dealgraph.tests` stays unimportable).

The slow test of the suite: a venv and an install, about four minutes (docs/api.md).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_snippet() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    snippet = next(b for b in blocks if "dealgraph.load()" in b)
    assert "ds.map(" in snippet and "ds.loops(" in snippet  # the whole tour, not a piece
    return snippet


def run(python: Path, code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-c", code], cwd=cwd, capture_output=True, text=True)


def test_readme_snippet_runs_after_pip_install_and_the_clone_shadows_cleanly(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", str(ROOT)],
                             capture_output=True, text=True)  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]

    checks = "\nimport dealgraph\nprint(dealgraph.__file__)\nprint(len(ds.loops()) > 0)\n"
    out = run(python, readme_snippet() + checks, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    where, found = out.stdout.splitlines()[-2:]
    assert Path(where).is_relative_to(venv) and found == "True"  # the installed copy ran

    # At the clone's root its dealgraph/ wins over the installed copy.
    version = subprocess.run([str(python), "-m", "dealgraph", "--version"], cwd=ROOT,
                             capture_output=True, text=True)  # fmt: skip
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("dealgraph, version ")
    code = "import dealgraph.viz.map, dealgraph; print(dealgraph.__file__, dealgraph.viz.__file__)"
    out = run(python, code, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [str(ROOT / "dealgraph" / "__init__.py"),
                                  str(ROOT / "viz" / "__init__.py")]  # fmt: skip
    for outside in ("dealgraph.tests", "dealgraph.scripts", "dealgraph.benchmarks"):
        out = run(python, f"import {outside}", cwd=ROOT)
        assert f"No module named '{outside}'" in out.stderr
