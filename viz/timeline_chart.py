"""The timeline as a picture: new commitments per quarter as stacked bars by deal kind (the
schema's colours), and the circularity index as a line on its own axis.

Drawn with matplotlib's object API (a `Figure` and the Agg canvas, no pyplot), so nothing
depends on a display or on global state.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.figure import Figure

from dealgraph.graph.schema import SCHEMA
from dealgraph.queries.flows.timeline import Quarter


def draw(quarters: Sequence[Quarter]) -> Figure:
    """The chart: bars above zero for commitments added, below for those cut or cancelled."""
    figure = Figure(
        figsize=(max(7.0, 0.55 * len(quarters) + 3), 4.5), dpi=100, layout="constrained"
    )
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
        # only the quarters with money: a zero-height bar sits on top of the stack, and its
        # bottom, a "sticky" edge to matplotlib, kept the axis from adding a margin there
        drawn = [i for i, v in enumerate(values) if v]
        bars.bar(
            [positions[i] for i in drawn],
            [values[i] for i in drawn],
            bottom=[base[i] for i in drawn],
            color=spec.color,
            label=kind,
            width=0.8,
        )
        up = [u + max(v, 0.0) for u, v in zip(up, values, strict=True)]
        down = [d + min(v, 0.0) for d, v in zip(down, values, strict=True)]
    bars.set_ylim(*_headroom(min(down, default=0.0), max(up, default=0.0)))
    bars.axhline(0, color="#444444", linewidth=0.6)
    bars.set_ylabel("new commitments, $B")
    bars.set_xticks(list(positions), labels, rotation=60, ha="right", fontsize=8)
    index = bars.twinx()
    index.plot(positions, [100 * q.index for q in quarters], color="#111111", marker="o",
               markersize=3, linewidth=1.5, label="circularity index")  # fmt: skip
    index.set_ylabel("circularity index (Finn), %")
    index.set_ylim(bottom=0)
    bars.set_title("AI financing: new commitments and circularity per quarter", fontsize=10)
    figure.legend(loc="outside right upper", fontsize=7, frameon=False)
    return figure


def _headroom(low: float, high: float) -> tuple[float, float]:
    """The bar axis's limits: every stack inside, with 6% of the range to spare."""
    spare = 0.06 * ((high - low) or 1.0)
    return (low - spare if low < 0 else 0.0), high + spare


def png(quarters: Sequence[Quarter]) -> bytes:
    """The chart as PNG bytes (no timestamp or version inside, so equal input, equal file)."""
    buffer = io.BytesIO()
    draw(quarters).savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
