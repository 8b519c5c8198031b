"""Print the scale figures as one table: python benchmarks/run.py [--sizes 1k,10k,100k,1M].

Every step runs in a fresh process (wall time without imports, peak resident memory from
the operating system) next to its baseline measured in the same run, so ratios hold on any
machine. `--markdown` prints the table for docs/benchmarks.md. The map's own figures are in
benchmarks/map_figures.py (they need Chromium).
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import analysis_figures  # noqa: E402
import loops_figures  # noqa: E402
import neo4j_figures  # noqa: E402
import pipeline_figures  # noqa: E402
import reading_figures  # noqa: E402
import scale_figures  # noqa: E402
import significance_figures  # noqa: E402
import startup_figures  # noqa: E402
from datasets import LABELS  # noqa: E402

SIZES = {label: size for size, label in LABELS.items()}
COLUMNS = ("size", "step", "wall_s", "peak_mb", "baseline", "ratio")


def machine() -> str:
    import os

    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{memory:.0f} GiB, Python {platform.python_version()}, {platform.system()}"
    )


def render(rows: list[dict], markdown: bool) -> str:
    cells = [
        [
            str(r["size"]),
            r["step"],
            f"{r['wall_s']:.3f}",
            "" if r["peak_mb"] is None else f"{r['peak_mb']:.0f}",
            r["baseline"],
            "" if r["ratio"] is None else f"{r['ratio']:.3g}x",
        ]
        for r in rows
    ]
    header = ["size", "step", "wall s", "peak MB", "baseline", "ratio"]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells])
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    line = lambda values: "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, cells)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1k,10k,100k,1M", help="deal counts: 1k,10k,100k,1M")
    parser.add_argument(
        "--skip",
        default="",
        help="figures to leave out: reading,loops,pipeline,analysis,neo4j,startup,significance,"
        "scale",
    )
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    sizes = [SIZES[s.strip()] for s in args.sizes.split(",") if s.strip()]
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    figures = {
        "reading": lambda: reading_figures.rows(sizes),
        "loops": lambda: loops_figures.rows(),
        "pipeline": lambda: pipeline_figures.rows(),
        "analysis": lambda: analysis_figures.rows(sizes),
        "neo4j": lambda: neo4j_figures.rows(),
        "startup": lambda: startup_figures.rows(),
        "significance": lambda: significance_figures.rows(tuple(s for s in sizes if s <= 100_000)),
        "scale": lambda: scale_figures.rows(million=1_000_000 in sizes),
    }
    rows = []
    print(f"machine: {machine()}", file=sys.stderr)
    for name, figure in figures.items():
        if name in skip:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        found = figure()
        rows += found
        print(render(found, False), file=sys.stderr, flush=True)
    print(f"Machine: {machine()}\n")
    print(render(rows, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
