"""Run one step in a fresh Python process: its wall time (imports excluded) and peak memory.

Each step runs alone so that its peak resident memory is its own, read from the operating
system (`wait4`), not a guess from Python's allocator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import json, sys, time
sys.path.insert(0, {bench!r})
{setup}
start = time.perf_counter()
result = {call}
elapsed = time.perf_counter() - start
print(json.dumps({{"wall_s": elapsed, "result": result}}))
"""


def run_step(setup: str, call: str, repeat: int = 1) -> dict:
    """Run `setup` (imports, untimed) then time the expression `call` in a child process.

    Returns {"wall_s", "peak_mb", "result"}; `result` is whatever `call` returned (keep it
    small and JSON-serialisable, e.g. a count). With `repeat`, the step runs that many times,
    each in a fresh process, and the fastest wall time and the highest peak are kept: on a
    shared machine the fastest run is the one least disturbed by others.
    """
    if repeat > 1:
        runs = [run_step(setup, call) for _ in range(repeat)]
        best = min(runs, key=lambda r: r["wall_s"])
        return {**best, "peak_mb": max(r["peak_mb"] for r in runs)}
    code = _CHILD.format(bench=str(ROOT / "benchmarks"), setup=setup, call=call)
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=errors, text=True
        )
        out = process.stdout.read()
        process.stdout.close()
        _, status, usage = os.wait4(process.pid, 0)  # reap it ourselves to get its own rusage
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            raise RuntimeError(f"benchmark step failed: {call}\n{errors.read()[-2000:]}")
    measured = json.loads(out.strip().splitlines()[-1])
    measured["peak_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux reports KiB
    return measured


def run_command(argv: list[str], stdout_path: Path) -> dict:
    """Run a whole command (start-up included), its output to a file: wall time, peak, and
    CPU time (user and system: on a busy machine the figure least moved by the others)."""
    import time

    with stdout_path.open("w") as out, tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            raise RuntimeError(f"benchmark command failed: {argv}\n{errors.read()[-2000:]}")
    return {"wall_s": wall, "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "cpu_s": usage.ru_utime + usage.ru_stime}  # fmt: skip
