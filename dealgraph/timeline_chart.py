"""The timeline as a picture: new commitments per quarter as stacked bars by deal kind (the
schema's colours), and the circularity index as a line on its own axis.

Drawn with matplotlib's object API (a `Figure` and the Agg canvas, no pyplot), so nothing
depends on a display or on global state, and written whole or not at all.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from dealgraph.graph.schema import SCHEMA
from dealgraph.queries.timeline import Quarter


def draw(quarters: Sequence[Quarter]) -> Figure:
    """The chart: bars above zero for commitments added, below for those cut or cancelled."""
    figure = Figure(figsize=(max(6.0, 0.55 * len(quarters) + 2), 4.5), dpi=100)
    bars = figure.add_subplot()
    labels = [q.label for q in quarters]
    positions = range(len(quarters))
    up = [0.0] * len(quarters)
    down = [0.0] * len(quarters)
    for kind, spec in SCHEMA.deal_kinds.items():
        values = [q.new_usd.get(kind, 0.0) / 1e9 for q in quarters]
        if not any(values):
            continue
        base = [u if v >= 0 else d for v, u, d in zip(values, up, down, strict=True)]
        bars.bar(positions, values, bottom=base, color=spec.color, label=kind, width=0.8)
        up = [u + max(v, 0.0) for u, v in zip(up, values, strict=True)]
        down = [d + min(v, 0.0) for d, v in zip(down, values, strict=True)]
    bars.axhline(0, color="#444444", linewidth=0.6)
    bars.set_ylabel("new commitments, $B")
    bars.set_xticks(list(positions), labels, rotation=60, ha="right", fontsize=8)
    if bars.get_legend_handles_labels()[0]:
        bars.legend(loc="upper left", fontsize=7, ncols=2, frameon=False)
    index = bars.twinx()
    index.plot(positions, [100 * q.index for q in quarters], color="#111111", marker="o",
               markersize=3, linewidth=1.5, label="circularity index")  # fmt: skip
    index.set_ylabel("circularity index (Finn), %")
    index.set_ylim(bottom=0)
    bars.set_title("AI financing: new commitments and circularity per quarter", fontsize=10)
    figure.tight_layout()
    return figure


def write_timeline_chart(quarters: Sequence[Quarter], path: Path) -> Path:
    """Draw `quarters` into a PNG at `path` (a temp file, then a rename)."""
    buffer = io.BytesIO()
    draw(quarters).savefig(buffer, format="png", metadata={"Software": None})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(buffer.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
