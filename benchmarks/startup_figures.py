"""Start-up: `dealgraph --help` and a Tab completion against a bare `python -c "import click"`.

Each is a whole process, start-up included, the best of five (a shared machine disturbs
single runs). The CLI's group imports click alone and loads a command's module when the
command runs, so both should stay within a small multiple of importing click.
"""

from __future__ import annotations

import os
import sys

from datasets import BENCH
from measure import run_command


def _best(argv: list[str], name: str, env: dict | None = None, repeat: int = 5) -> dict:
    if env:
        os.environ.update(env)
    try:
        runs = [run_command(argv, BENCH / f"{name}.out") for _ in range(repeat)]
    finally:
        for key in env or {}:
            os.environ.pop(key, None)
    return min(runs, key=lambda r: r["wall_s"])


def rows() -> list[dict]:
    BENCH.mkdir(parents=True, exist_ok=True)
    base = _best([sys.executable, "-c", "import click"], "import_click")
    help_run = _best([sys.executable, "-m", "dealgraph", "--help"], "help")
    complete = _best(
        [sys.executable, "-m", "dealgraph"],
        "complete",
        {"_DEALGRAPH_COMPLETE": "bash_complete", "COMP_WORDS": "dealgraph vend", "COMP_CWORD": "1"},
    )
    baseline = 'python -c "import click"'
    return [
        {"size": "start-up", "step": baseline, "wall_s": base["wall_s"],
         "peak_mb": base["peak_mb"], "baseline": "", "ratio": None},
        {"size": "start-up", "step": "dealgraph --help", "wall_s": help_run["wall_s"],
         "peak_mb": help_run["peak_mb"], "baseline": baseline,
         "ratio": help_run["wall_s"] / base["wall_s"]},
        {"size": "start-up", "step": "Tab completion of a command name",
         "wall_s": complete["wall_s"], "peak_mb": complete["peak_mb"], "baseline": baseline,
         "ratio": complete["wall_s"] / base["wall_s"]},
    ]  # fmt: skip


if __name__ == "__main__":
    for row in rows():
        print(row)
