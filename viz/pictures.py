"""Static pictures for print: the deal wheel and one explainer per loop, drawn with matplotlib.

The press draws these stories as a "deal wheel" (the companies on a ring grouped by kind,
money as arrows across it) and as small graphics of one loop with its amounts and dates.
Both are drawn here with matplotlib's object API (a `Figure`, no pyplot, no display, no
browser), saved as SVG or PNG by the file's extension, with a caption that gives the data's
date and how many sources stand behind what is drawn.

Text from the data is never interpreted: every text is drawn with `parse_math=False` (a name
or an amount with two `$` would otherwise be read as TeX), SVG keeps text as text (so a
reader can search it, and matplotlib escapes `<` and `&`), and files carry no timestamp.
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch
from matplotlib.path import Path as MplPath

from dealgraph import __version__
from dealgraph.atomic_files import write_atomically
from dealgraph.errors import DealgraphError
from dealgraph.graph.schema import SCHEMA
from dealgraph.queries.findings.alerts import Alert, format_usd
from dealgraph.queries.findings.analysis import Analysis
from dealgraph.queries.flows.flow import deal_values
from dealgraph.viz.layout import ring_angles, wheel_order
from dealgraph.viz.map import edge_width, neighbourhood

FORMATS = (".svg", ".png")
PRINT_DPI = 300  # a newspaper column (about 4 inches) needs 1,200 px
LOOPS_EMPHASISED = 3
WHEEL_BOX = (0.02, 0.18, 0.96, 0.75)  # the ring and its names, in figure fractions
DOT_RADIUS = 0.018  # of the ring's radius
LABEL_RADIUS = 1.04  # names start just outside the ring
MAX_LABEL_PT, MIN_LABEL_PT = 8.0, 4.5
INK = "#1d2228"
MUTED = "#5d6670"


@dataclass
class Picture:
    """A figure and the full names behind its shortened or wrapped labels: an SVG gives
    each label its name as a `<title>` (shown on hover, read by screen readers, found by
    search), keyed by the label's gid."""

    figure: Figure
    titles: dict[str, str] = field(default_factory=dict)

    def save(self, path: str | Path, *, dpi: int = PRINT_DPI) -> Path:
        """Write the picture as SVG or PNG, by the extension (see `write_picture`)."""
        return write_picture(self, path, dpi=dpi)

    def _repr_png_(self) -> bytes:
        """Jupyter shows the picture at screen resolution."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=80, metadata={"Software": None})
        return buffer.getvalue()

    def label(self, ax, x: float, y: float, text: str, full: str, **style):
        """Draw `text` at (x, y) with `full` as its title; return the Text."""
        gid = f"dealgraph-label-{len(self.titles)}"
        self.titles[gid] = full
        return ax.text(x, y, text, gid=gid, parse_math=False, **style)


@dataclass(frozen=True)
class Caption:
    """What the caption says under every picture."""

    as_of: str
    sources: int

    def text(self) -> str:
        return (
            f"Data as of {self.as_of}; {self.sources} source{'s' * (self.sources != 1)}. "
            f"Drawn with dealgraph {__version__}."
        )


def write_picture(picture: Picture, path: str | Path, *, dpi: int = PRINT_DPI) -> Path:
    """Save `picture` as SVG or PNG (by the extension), at print resolution unless `dpi`
    says otherwise; return the path."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DealgraphError(
            f"-o {str(path)!r}: the picture's name must end in .svg or .png, not {suffix!r}"
        )
    buffer = io.BytesIO()
    metadata = {"Date": None} if suffix == ".svg" else {"Software": None}
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "dealgraph"}):
        picture.figure.savefig(buffer, format=suffix[1:], dpi=dpi, metadata=metadata)
    content = buffer.getvalue()
    if suffix == ".svg":
        content = _with_titles(content.decode("utf-8"), picture.titles).encode("utf-8")
    write_atomically(path, content)
    return path


def _with_titles(svg: str, titles: dict[str, str]) -> str:
    """Each `<g id="gid">` of `titles` gets its `<title>`, escaped."""
    for gid, full in titles.items():
        opening = f'<g id="{gid}">'
        if opening not in svg:
            raise ValueError(f"no {opening} in the SVG: matplotlib dropped the label's gid")
        svg = svg.replace(opening, f"{opening}<title>{escape(full)}</title>", 1)
    return svg


# ---- the deal wheel ---------------------------------------------------------------------------


def wheel_picture(analysis: Analysis, *, focus: str | None = None, hops: int = 1) -> Picture:
    """The deal wheel of the deals in force, or of `focus`'s neighbourhood within `hops`.

    Entities sit on a ring grouped by kind (`layout.wheel_order`), labelled outside it; each
    pair's money of one kind is one arrow across the ring in the kind's colour, its width
    by amount (the map's log scale). The hops of the largest loops are drawn dark on top
    and listed under the wheel.
    """
    entities = analysis.dataset.entities
    keep = set(analysis.deals["from_entity"]) | set(analysis.deals["to_entity"])
    if focus is not None:
        keep = neighbourhood(analysis, focus, hops)
    deals = analysis.deals[
        analysis.deals["from_entity"].isin(keep) & analysis.deals["to_entity"].isin(keep)
    ]
    keep = (set(deals["from_entity"]) | set(deals["to_entity"])) or keep
    flows = _flows(deals)
    kinds = {e: entities.at[e, "kind"] for e in keep}
    links = [(a, b, v / 1e9) for a, b, _, v in flows.itertuples(index=False, name=None)]
    order = wheel_order(kinds, list(SCHEMA.entity_kinds), links)
    angle = ring_angles(order)
    loops = _largest_loops(analysis, keep)
    title = "Who pays whom in the AI build-out"
    if focus is not None:
        title += f": around {analysis.dataset.entity_name(focus)}"

    figure = Figure(figsize=(11, 12.6))
    picture = Picture(figure)
    ax = figure.add_axes(WHEEL_BOX)
    ax.axis("off")
    emphasised = {(h["from"], h["to"]) for a in loops for h in a.details["hops"]}
    for a, b, kind, value in flows.itertuples(index=False, name=None):
        if (a, b) not in emphasised:
            ax.add_patch(_chord(angle[a], angle[b], SCHEMA.deal_kinds[kind].color,
                                _width(value), alpha=0.55))  # fmt: skip
    for a, b in sorted(emphasised):
        ax.add_patch(_chord(angle[a], angle[b], INK, 2.2, alpha=0.95, zorder=3))
    labels = _ring(picture, ax, order, angle, kinds, entities, loops)
    _fit_ring(ax, labels, len(order))
    figure.text(0.5, 0.975, title, ha="center", va="top", fontsize=16, weight="bold",
                color=INK, parse_math=False)  # fmt: skip
    figure.text(0.5, 0.948, "Arrows run from payer to payee, coloured by deal kind, wider for "
                "more money; the largest loops are dark.", ha="center", va="top", fontsize=9,
                color=MUTED, parse_math=False)  # fmt: skip
    _wheel_legend(figure, flows, kinds)
    lines = [textwrap.fill(f"{i}. {format_usd(a.amount_usd)} can go round: " + " → ".join(
                 analysis.dataset.entity_name(e) for e in (*a.entities, a.entities[0])),
                 84, subsequent_indent="    ")
             for i, a in enumerate(loops, 1)]  # fmt: skip
    if lines:  # left of the legend: 84 characters of 8.5 pt take about half the width
        figure.text(0.04, 0.165, "Largest loops", ha="left", va="top", fontsize=8.5,
                    weight="bold", color=INK, parse_math=False)  # fmt: skip
        figure.text(0.04, 0.148, "\n".join(lines), ha="left", va="top", fontsize=8.5,
                    color=INK, linespacing=1.5, parse_math=False)  # fmt: skip
    sources = deals["source_url"].fillna("").replace("", np.nan).dropna().nunique()
    _caption(figure, Caption(_as_of(analysis), int(sources)), 0.015)
    return picture


def _flows(deals: pd.DataFrame) -> pd.DataFrame:
    """One row per (payer, payee, kind) with the money of its deals (undisclosed as 0),
    sorted smallest first so the large arrows are drawn on top."""
    rows = deals.assign(value=deal_values(deals).fillna(0.0))
    flows = rows.groupby(["from_entity", "to_entity", "kind"], as_index=False)["value"].sum()
    flows = flows[flows["from_entity"] != flows["to_entity"]]
    return flows.sort_values(["value", "from_entity", "to_entity", "kind"]).reset_index(drop=True)


def _largest_loops(analysis: Analysis, keep: set[str]) -> list[Alert]:
    found = [a for a in analysis.alerts if a.kind == "circular_flow" and set(a.entities) <= keep]
    found.sort(key=lambda a: (a.amount_usd is None, -(a.amount_usd or 0.0), a.id))
    return found[:LOOPS_EMPHASISED]


def _width(value: float) -> float:
    """Line width in points: the map's pixel scale (1 to 10) made finer for print."""
    return 0.3 + 0.45 * (edge_width(value or None) - 1)


def _chord(a: float, b: float, color: str, width: float, alpha: float, zorder: int = 2):
    """An arrow from angle `a` to `b` on the unit ring, bent towards the centre (a straight
    line for neighbours would hide under the labels; a chord through the centre would pile
    every arrow there)."""
    start = np.array([math.cos(a), math.sin(a)]) * 0.985
    end = np.array([math.cos(b), math.sin(b)]) * 0.985
    gap = abs(math.sin((a - b) / 2))  # 0 for neighbours, 1 across the ring
    control = (start + end) / 2 * (0.35 * gap)
    path = MplPath([start, control, end], [MplPath.MOVETO, MplPath.CURVE3, MplPath.CURVE3])
    return FancyArrowPatch(path=path, arrowstyle=f"-|>,head_length={2 + width},head_width="
                           f"{1 + width / 2}", color=color, linewidth=width, alpha=alpha,
                           zorder=zorder, shrinkA=0, shrinkB=0)  # fmt: skip


def _ring(picture: Picture, ax, order, angle, kinds, entities, loops) -> list:
    """Dots on the ring in their kind's colour, names outside, loop entities in bold;
    returns the names' Text artists (their size is set by `_fit_ring`)."""
    in_loops = {e for a in loops for e in a.entities}
    labels = []
    for entity in order:
        theta = angle[entity]
        x, y = math.cos(theta), math.sin(theta)
        ax.add_patch(Circle((x, y), DOT_RADIUS, facecolor=SCHEMA.entity_kinds[kinds[entity]].color,
                            edgecolor=INK, linewidth=0.4, zorder=4))  # fmt: skip
        degrees = math.degrees(theta) % 360
        flip = 90 < degrees < 270
        name = entities.at[entity, "name"]
        labels.append(picture.label(
            ax, LABEL_RADIUS * x, LABEL_RADIUS * y, _short(name, entities.at[entity, "aliases"]),
            name, rotation=degrees - 180 if flip else degrees, rotation_mode="anchor",
            ha="right" if flip else "left", va="center", fontsize=MAX_LABEL_PT, color=INK,
            weight="bold" if entity in in_loops else "normal",
        ))  # fmt: skip
    return labels


def _fit_ring(ax, labels: list, count: int) -> None:
    """Size the names and scale the ring so that every name lies inside the axes.

    A name keeps its size in points whatever the axes' limits and turns about its anchor
    on the ring, so how far it reaches beyond the anchor is measured once; the largest
    scale (pixels per unit of ring radius) at which no name crosses the axes' edge follows.
    The names' size is then what the ring's spacing allows (neighbours' names must not
    touch), from MAX_LABEL_PT down to MIN_LABEL_PT, and the ring is fitted again for it.
    """
    renderer = FigureCanvasAgg(ax.figure).get_renderer()
    box = ax.get_window_extent(renderer)
    half = np.array([box.width, box.height]) / 2
    rooms = half - 2 * ax.figure.dpi / 72  # 2 pt to spare

    def fit() -> float:
        ax.set_xlim(-1, 1)
        ax.set_ylim(-1, 1)
        scale = min(rooms) / (1 + DOT_RADIUS)  # the dots alone
        for text in labels:
            anchor = ax.transData.transform(text.get_position())
            reach = text.get_window_extent(renderer)
            lows = np.array([reach.x0, reach.y0]) - anchor  # how far it reaches, in pixels
            highs = np.array([reach.x1, reach.y1]) - anchor
            for where, low, high, room in zip(text.get_position(), lows, highs, rooms,
                                              strict=True):  # fmt: skip
                if where > 1e-9:  # the anchor is where * scale pixels from the centre
                    scale = min(scale, (room - high) / where)
                elif where < -1e-9:
                    scale = min(scale, (room + low) / -where)
        ax.set_xlim(-half[0] / scale, half[0] / scale)
        ax.set_ylim(-half[1] / scale, half[1] / scale)
        return scale

    for _ in range(3):
        spacing = 2 * math.pi * LABEL_RADIUS * fit() / max(count, 1) * 72 / ax.figure.dpi
        size = min(MAX_LABEL_PT, max(MIN_LABEL_PT, spacing / 1.3))
        if all(text.get_fontsize() == size for text in labels):
            return
        for text in labels:
            text.set_fontsize(size)
    fit()


def _short(name: str, aliases, width: int = 32) -> str:
    """The name if it fits, else its shortest alias that fits, else the name cut short
    (the SVG keeps the full name as the label's title)."""
    if len(name) <= width:
        return name
    fitting = sorted((a for a in aliases if len(a) <= width), key=lambda a: (-len(a), a))
    return fitting[0] if fitting else name[: width - 1].rstrip() + "…"


def _wheel_legend(figure: Figure, flows: pd.DataFrame, kinds: dict[str, str]) -> None:
    """Two keys side by side under the wheel: dot colours (entity kinds), arrow colours."""
    keys = (
        ("Entities", "●", [(k, v.color) for k, v in SCHEMA.entity_kinds.items()
                           if k in set(kinds.values())]),
        ("Arrows", "▬", [(k, v.color) for k, v in SCHEMA.deal_kinds.items()
                         if k in set(flows["kind"])]),
    )  # fmt: skip
    for x, (heading, mark, entries) in zip((0.6, 0.8), keys, strict=True):
        figure.text(x, 0.15, heading, fontsize=8.5, weight="bold", color=INK, parse_math=False)
        for i, (kind, color) in enumerate(entries):
            column, row = divmod(i, 6)
            left, y = x + column * 0.095, 0.13 - row * 0.015
            # the mark in the kind's colour, the name in ink: pale colours are no text colour
            figure.text(left, y, mark, fontsize=8, color=color, parse_math=False)
            figure.text(left + 0.014, y, kind.replace("_", " "), fontsize=8, color=INK,
                        parse_math=False)  # fmt: skip


# ---- one loop -----------------------------------------------------------------------------


def loop_picture(analysis: Analysis, loop_id: str) -> Picture:
    """One loop as a small explainer: its entities round a circle, each hop labelled with
    its amount, kinds and dates, what can go round in the middle, the sources below.

    The page is laid out in inches from the top (title lines, the circle, one or two lines
    per source, the caption), so a long path or many sources never run into each other.
    """
    alert = find_loop(analysis, loop_id)
    deals = analysis.dataset.deals
    names = [analysis.dataset.entity_name(e) for e in alert.entities]
    title = textwrap.wrap(" → ".join([*names, names[0]]), 62)
    found = _loop_sources(deals, alert.deal_ids)
    sources = [_source_lines(i, head, url) for i, (head, url) in enumerate(found, 1)]
    source_lines = sum(len(s) for s in sources) or 1
    bands = [0.3 + 0.26 * len(title), 0.3, 5.6, 0.35 + 0.13 * source_lines, 0.35]
    height = sum(bands)
    figure = Figure(figsize=(7, height))
    picture = Picture(figure)

    def top_of(band: int) -> float:  # the figure fraction where a band starts
        return 1 - sum(bands[:band]) / height

    figure.text(0.5, top_of(0) - 0.2 / height, "\n".join(title), ha="center", va="top",
                fontsize=12.5, weight="bold", color=INK, parse_math=False)  # fmt: skip
    dates = sorted(deals.loc[list(alert.deal_ids), "date"])
    span = dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"
    figure.text(0.5, top_of(1), f"Deals dated {span} · {len(alert.entities)} entities · "
                f"loop {alert.id}", ha="center", va="top", fontsize=8.5, color=MUTED,
                parse_math=False)  # fmt: skip
    ax = figure.add_axes((0.02, top_of(3), 0.96, bands[2] / height))
    _loop_circle(picture, ax, analysis, alert, names)
    lines = "\n".join(line for s in sources for line in s) or "none given"
    figure.text(0.05, top_of(3) - 0.05 / height, "Sources\n" + lines, ha="left", va="top",
                fontsize=6.5, color=INK, linespacing=1.45, parse_math=False)  # fmt: skip
    _caption(figure, Caption(_as_of(analysis), len(sources)), 0.12 / height)
    return picture


def _loop_circle(picture: Picture, ax, analysis: Analysis, alert: Alert, names: list[str]) -> None:
    """The entities on a unit circle, the hops as arrows bowed outwards with their labels
    outside them, and what can go round in the middle."""
    ax.set_xlim(-2.1, 2.1)
    ax.set_ylim(-1.8, 1.8)
    ax.set_aspect("equal")
    ax.axis("off")
    # an even loop longer than two is turned half a step, so that a hop's label, not an
    # entity's name, sits at the top and the bottom, where names are widest
    n = len(alert.entities)
    angle = ring_angles(alert.entities, turn=0.5 if n > 2 and n % 2 == 0 else 0.0)
    spot = {e: np.array([math.cos(angle[e]), math.sin(angle[e])]) for e in alert.entities}
    hops = alert.details["hops"]
    for hop in hops:
        _loop_hop(ax, spot[hop["from"]], spot[hop["to"]], hop, analysis.dataset.deals, len(hops))
    for entity, name in zip(alert.entities, names, strict=True):
        kind = analysis.dataset.entities.at[entity, "kind"]
        x, y = spot[entity]
        ax.add_patch(Circle((x, y), 0.16, facecolor=SCHEMA.entity_kinds[kind].color,
                            edgecolor=INK, linewidth=0.8, zorder=4))  # fmt: skip
        ha = "center" if abs(x) < 0.3 else "left" if x > 0 else "right"
        va = "bottom" if y > 0.3 else "top" if y < -0.3 else "center"
        picture.label(ax, x * 1.22, y * 1.22, "\n".join(textwrap.wrap(name, 16)), name,
                      ha=ha, va=va, fontsize=10, weight="bold", color=INK, zorder=5,
                      linespacing=1.15)  # fmt: skip
    ax.text(0, 0.08, format_usd(alert.amount_usd), ha="center", va="center", fontsize=22,
            weight="bold", color=INK, parse_math=False)  # fmt: skip
    ax.text(0, -0.16, "can go round\n(the smallest hop)", ha="center", va="center",
            fontsize=9, color=MUTED, parse_math=False)  # fmt: skip


def find_loop(analysis: Analysis, loop_id: str) -> Alert:
    """The circular-flow alert `loop_id`; an unknown id is an error that says where ids are."""
    for alert in analysis.alerts:
        if alert.kind == "circular_flow" and alert.id == loop_id:
            return alert
    raise DealgraphError(
        f"unknown loop {loop_id!r} for --loop: `dealgraph loops` lists the ids (loop-...)"
    )


def _loop_hop(ax, start, end, hop: dict, deals: pd.DataFrame, length: int) -> None:
    """One hop: an arrow bowed outwards (so the two hops of a 2-loop part), with its
    amount, kinds and dates in a box outside its middle."""
    rows = deals.loc[list(hop["deal_ids"])]
    kinds = sorted(set(rows["kind"]), key=list(SCHEMA.deal_kinds).index)
    dates = sorted(rows["date"])
    when = [dates[0]] if dates[0] == dates[-1] else [f"{dates[0]} to", dates[-1]]
    rad = 0.45 if length == 2 else 0.25
    # arc3 bends towards (dy, -dx) for a positive rad; the ring runs clockwise, so a
    # negative rad bows each arrow away from the centre
    ax.add_patch(FancyArrowPatch(tuple(start), tuple(end), connectionstyle=f"arc3,rad={-rad}",
                                 arrowstyle="-|>,head_length=6,head_width=3.5",
                                 color=SCHEMA.deal_kinds[kinds[0]].color, linewidth=2.4,
                                 shrinkA=17, shrinkB=17, zorder=3))  # fmt: skip
    middle = (start + end) / 2
    outward = np.array([-(end - start)[1], (end - start)[0]])
    outward /= np.linalg.norm(outward) or 1.0
    peak = middle + outward * rad * np.linalg.norm(end - start) / 2
    where = peak + outward * 0.3
    label = "\n".join(
        [format_usd(hop["amount_usd"]), ", ".join(k.replace("_", " ") for k in kinds), *when]
    )
    ax.text(where[0], where[1], label, ha="center", va="center", fontsize=8.5, color=INK,
            zorder=6, parse_math=False, linespacing=1.3,
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "#c8ced5",
                  "linewidth": 0.6})  # fmt: skip


def _loop_sources(deals: pd.DataFrame, deal_ids) -> list[tuple[str, str]]:
    """Each distinct source of the loop's deals, once: its title and publisher date, and
    its URL."""
    seen: dict[str, str] = {}
    for row in deals.loc[list(deal_ids)].sort_values(["date", "id"]).itertuples():
        url = str(row.source_url or "").strip()
        if not url or url in seen:
            continue
        title = str(row.source_title or "").strip()
        date = str(row.source_date or "").strip()
        seen[url] = " · ".join(p for p in (title, date) if p and p != "nan")
    return [(head, url) for url, head in seen.items()]


def _source_lines(number: int, head: str, url: str, width: int = 120) -> list[str]:
    """A source as printed: its title and date wrapped at words, then its URL on lines of
    its own, cut only where a line must end (a URL split after "ht" reads as two words)."""
    indent = "    "
    lines = textwrap.wrap(f"{number}. {head}", width, subsequent_indent=indent) if head else []
    step = width - len(indent)
    first = indent if lines else f"{number}. "
    url_lines = [url[i : i + step] for i in range(0, len(url), step)] or [""]
    return [*lines, first + url_lines[0], *(indent + part for part in url_lines[1:])]


def _as_of(analysis: Analysis) -> str:
    """The analysis's date, else the newest deal it counts."""
    if analysis.options.flow.as_of:
        return str(analysis.options.flow.as_of)
    return f"{analysis.deals['date'].max()} (newest deal)" if len(analysis.deals) else "no deals"


def _caption(figure: Figure, caption: Caption, y: float) -> None:
    figure.text(0.04, y, caption.text(), ha="left", va="bottom", fontsize=7.5, color=MUTED,
                parse_math=False)  # fmt: skip
