"""`analyze` and `alerts --format jsonl` at millions of loops, against a bare igraph script.

The graph: 5,000 entities and 50,000 deals over 40,000 entity pairs drawn from power-law
weights (`synthetic`), 1,555,068 loops of up to four entities. The bare script reads the
deals with pandas, adds up each pair's amounts (pairs below the threshold dropped, as
dealgraph drops hops), lists the loops with igraph and writes each as a JSON line: the
least any tool must do. dealgraph also validates the input, writes every loop's hops,
deals, sources, timing and severity, the other alert kinds, and for `analyze` the sorted
alerts.json and alerts.csv, the map and the manifest. The loop counts must agree.

Each pair of runs (script, then dealgraph) is repeated and the medians kept: on a shared
machine the two see the same load. The 1M-deal rows report peak memory, the figure that
matters there, beside the bare script on the same graph.
"""

from __future__ import annotations

import shutil
import statistics
import sys
from pathlib import Path

from datasets import BENCH, dataset
from measure import run_command
from synthetic import write_dataset

BARE_IGRAPH = """
import json, sys
import igraph as ig
import pandas as pd
deals = pd.read_csv(sys.argv[1] + "/deals.csv", dtype=str, keep_default_na=False)
if len(sys.argv) > 3:  # hops (pairs, amounts added up) of at least this amount
    deals["amount"] = pd.to_numeric(deals["amount_usd"], errors="coerce")
    pairs = deals.groupby(["from_entity", "to_entity"], as_index=False)["amount"].sum(min_count=1)
    deals = pairs[pairs["amount"] >= float(sys.argv[3])]
g = ig.Graph.DataFrame(deals[["from_entity", "to_entity"]], directed=True, use_vids=False)
g.simplify(multiple=True, loops=True)
names = g.vs["name"]
out = sys.stdout
for cycle in g.simple_cycles(min=2, max=int(sys.argv[2])):
    out.write(json.dumps([names[v] for v in cycle]) + "\\n")
"""
REPEAT = 3


def power_law_graph() -> Path:
    """5,000 entities, 50,000 deals over 40,000 pairs: 1.56M loops up to length 4."""
    folder = BENCH / "powerlaw-5k-50k"
    if not (folder / "deals.csv").exists():
        write_dataset(folder, 5_000, 50_000, 40_000)
    return folder


def paired(base: list[str], ours: list[str], name: str, repeat: int = REPEAT) -> tuple:
    """Median wall time and highest peak of each command over `repeat` alternate runs."""
    runs: dict[str, list[dict]] = {"base": [], "ours": []}
    for _ in range(repeat):
        runs["base"].append(run_command(base, BENCH / f"{name}-bare.out"))
        runs["ours"].append(run_command(ours, BENCH / f"{name}-ours.out"))
    return tuple(
        {"wall_s": statistics.median(r["wall_s"] for r in found),
         "peak_mb": max(r["peak_mb"] for r in found)}
        for found in (runs["base"], runs["ours"])
    )  # fmt: skip


def _lines(path: Path, prefix: bytes = b"") -> int:
    with path.open("rb") as handle:
        return sum(line.startswith(prefix) for line in handle)


def _dealgraph(*args: str) -> list[str]:
    return [sys.executable, "-m", "dealgraph", *args]


def rows(repeat: int = REPEAT, million: bool = True) -> list[dict]:
    script = BENCH / "bare_igraph_amounts.py"
    BENCH.mkdir(parents=True, exist_ok=True)
    script.write_text(BARE_IGRAPH)
    folder = str(power_law_graph())
    out = []
    bare = [sys.executable, str(script), folder, "4"]
    analyze = _dealgraph("analyze", "--data", folder, "--max-length", "4", "--min-amount", "0",
                         "--limit", "2000000", "--out", str(BENCH / "analyze-out"))  # fmt: skip
    base, ours = paired(bare, analyze, "analyze", repeat)
    loops = _lines(BENCH / "analyze-bare.out")
    found = _lines(BENCH / "analyze-out" / "alerts.jsonl", b'{"id":"loop-')
    _agree(found, loops, "analyze")
    shutil.rmtree(BENCH / "analyze-out")  # gigabytes
    size = f"5k entities/50k deals, L<=4 ({loops:,} loops)"
    out += _pair(size, "bare igraph script (read, search, write JSON lines)",
                 "dealgraph analyze (alerts.jsonl/.json/.csv, map)", base, ours)  # fmt: skip
    for amount, label in (("1e9", "$1B"), ("2e8", "$200M")):
        bare = [sys.executable, str(script), folder, "4", amount]
        alerts = _dealgraph("alerts", "--data", folder, "--max-length", "4", "--min-amount",
                            amount, "--limit", "2000000", "--format", "jsonl")  # fmt: skip
        base, ours = paired(bare, alerts, "alerts", repeat)
        loops = _lines(BENCH / "alerts-bare.out")
        _agree(_lines(BENCH / "alerts-ours.out", b'{"id":"loop-'), loops, "alerts")
        size = f"5k entities/50k deals, L<=4, >={label} ({loops:,} loops)"
        out += _pair(size, "bare igraph script (read, search, print)",
                     "dealgraph alerts --format jsonl", base, ours)  # fmt: skip
    if million:
        out += _million(script, repeat)
    return out


def _million(script: Path, repeat: int) -> list[dict]:
    """1M deals over 50,000 entities, loops of up to three: peak memory of both commands."""
    folder = str(dataset(1_000_000))
    bare = [sys.executable, str(script), folder, "3"]
    alerts = _dealgraph("alerts", "--data", folder, "--max-length", "3", "--format", "jsonl",
                        "--limit", "10000000")  # fmt: skip
    base, ours = paired(bare, alerts, "million", repeat)
    loops = _lines(BENCH / "million-bare.out")
    _agree(_lines(BENCH / "million-ours.out", b'{"id":"loop-'), loops, "alerts at 1M")
    size = f"1M deals/50k entities, L<=3 ({loops:,} loops)"
    found = _pair(size, "bare igraph script (read, search, print)",
                  "dealgraph alerts --format jsonl", base, ours)  # fmt: skip
    analyze = _dealgraph("analyze", "--data", folder, "--max-length", "3", "--limit", "10000000",
                         "--out", str(BENCH / "million-out"))  # fmt: skip
    measured = run_command(analyze, BENCH / "million-analyze.out")
    shutil.rmtree(BENCH / "million-out")
    found.append(
        {"size": size, "step": "dealgraph analyze", "wall_s": measured["wall_s"],
         "peak_mb": measured["peak_mb"], "baseline": "bare igraph script",
         "ratio": measured["wall_s"] / base["wall_s"]}
    )  # fmt: skip
    return found


def _agree(ours: int, bare: int, what: str) -> None:
    if ours != bare:
        raise AssertionError(f"{what}: dealgraph wrote {ours} loop alerts, igraph {bare} loops")


def _pair(size: str, base_step: str, our_step: str, base: dict, ours: dict) -> list[dict]:
    return [
        {"size": size, "step": base_step, "wall_s": base["wall_s"], "peak_mb": base["peak_mb"],
         "baseline": "", "ratio": None},
        {"size": size, "step": our_step, "wall_s": ours["wall_s"], "peak_mb": ours["peak_mb"],
         "baseline": "bare igraph script", "ratio": ours["wall_s"] / base["wall_s"]},
    ]  # fmt: skip
