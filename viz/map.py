"""The map: one self-contained HTML file showing who finances whom and where money goes round.

`write_map` turns an `Analysis` into plain data (`map_data`), then renders our own Jinja
template with autoescape. The page carries everything it needs inline (vis-network, our
script and styles, the data as JSON), sets a Content-Security-Policy that forbids any
request, and builds every tooltip and panel from DOM text nodes: a name such as
`<img src=x onerror=alert(1)>` shows as text. pyvis, the design card's choice, is not used
for the page: its template has no autoescape, puts tooltips through `innerHTML` and loads
Bootstrap from a CDN even in "in_line" mode (see docs/map.md).

What goes into the data:
- every deal that is in force at some date up to the analysis's (`as_of`), with the date a
  later row replaces it (`until`), so the page's date slider shows the map as of any deal
  date by the same rules as `queries.flows.flow.deals_in_force`;
- the entities at either end of those deals, with positions from `layout.spring_positions`;
  `focus` keeps an entity's neighbourhood; beyond `MAX_ENTITIES` the map keeps the entities
  with the most money through them and beyond `MAX_DEALS` the largest deals among them,
  saying so on the page;
- the circular-flow alerts (the headline), then the concentration alerts, largest first.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from importlib import resources
from pathlib import Path

import jinja2
import networkx as nx
import pandas as pd
from markupsafe import Markup

from dealgraph import __version__
from dealgraph.atomic_files import write_atomically
from dealgraph.errors import DealgraphError
from dealgraph.graph.schema import SCHEMA
from dealgraph.queries.findings.alerts import format_usd
from dealgraph.queries.findings.analysis import Analysis
from dealgraph.queries.flows.flow import deal_spans, deal_values
from dealgraph.viz.layout import ring_angles, spring_positions, wheel_order

# The largest graph that stays responsive (benchmarks/map_figures.py, docs/map.md): beyond
# it the map draws the entities with the most money through them, then the largest deals.
MAX_ENTITIES = 2000
MAX_DEALS = 6000
MAX_ALERTS_LISTED = 300  # per section; alerts.json holds them all
MIN_AMOUNTS = (1e8, 1e9, 1e10, 1e11)  # the page's minimum-amount choices
WIDTH_SCALE = (1e7, 1e11, 1.0, 10.0)  # $10M or less -> 1 px, $100B or more -> 10 px
LEGEND_AMOUNTS = (1e8, 1e9, 1e10, 1e11)
NODE_SCALE = (1e8, 1e12, 8.0, 34.0)  # money through: $100M or less -> 8 px radius, $1T -> 34
LAYOUTS = ("spring", "wheel")
WHEEL_SPACING = 34.0  # pixels of ring between neighbours
MAX_LABEL = 30  # characters of an entity's label on the map

_ENTITY_FIELDS = ("id", "name", "kind", "country", "ticker", "aliases")
_DEAL_FIELDS = (
    "id", "date", "from_entity", "to_entity", "kind", "amount_usd", "amount_low_usd",
    "amount_high_usd", "amount_basis", "consideration", "cash_part_usd", "term_years", "status",
    "supersedes", "description", "source_url", "source_title", "source_date", "source_kind",
    "until",
)  # fmt: skip


def write_map(
    analysis: Analysis,
    path: str | Path,
    *,
    focus: str | None = None,
    hops: int = 1,
    layout: str = "spring",
) -> Path:
    """Write the interactive map of `analysis` to `path` (one HTML file) and return the path.

    `focus` (an entity id) keeps only the entities within `hops` deals of it, whatever the
    deals' direction. `layout` is the one the page opens with: "spring" (force-directed) or
    "wheel" (a ring by kind); the page can switch. Raises `DealgraphError` for an unknown
    focus or layout or a negative `hops`, before anything is written.
    """
    html = render_map(map_data(analysis, focus=focus, hops=hops, layout=layout))
    path = Path(path)
    write_atomically(path, html)
    return path


def map_data(
    analysis: Analysis, *, focus: str | None = None, hops: int = 1, layout: str = "spring"
) -> dict:
    """Everything the page shows, as plain JSON-ready data (see the module docstring)."""
    if layout not in LAYOUTS:
        raise DealgraphError(f"--layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    dataset = analysis.dataset
    keep, spans, notes = _drawn(analysis, focus, hops)
    ends = spans[["from_entity", "to_entity"]].itertuples(index=False, name=None)
    positions = spring_positions(sorted(keep), ends)
    on_wheel = wheel_positions(
        {e: dataset.entities.at[e, "kind"] for e in keep},
        zip(spans["from_entity"], spans["to_entity"], deal_values(spans).fillna(0.0) / 1e9,
            strict=True),
    )  # fmt: skip
    entities = [
        _entity_record(row, positions[row["id"]], on_wheel[row["id"]])
        for row in dataset.entities.loc[sorted(keep)].to_dict("records")
    ]
    deals = _deal_records(spans)
    drawn = {d["id"] for d in deals}
    loops, loops_left = _alerts(analysis, "circular_flow", keep, drawn)
    concentration, concentration_left = _alerts(analysis, "concentration", keep, drawn)
    if analysis.loops.truncated:
        notes.append(
            f"The loop search stopped at {analysis.loops.limit:,} loops: "
            "more loops exist than are listed."
        )
    title = "AI financing map"
    return {
        "title": f"{title}: around {dataset.entity_name(focus)}" if focus else title,
        "version": __version__,
        "as_of": analysis.options.flow.as_of,
        "focus": focus,
        "layout": layout,
        "notes": notes,
        "significance": analysis.significance.summary() if analysis.significance else None,
        "entities": entities,
        "deals": deals,
        "dates": sorted({d["date"] for d in deals} | {d["until"] for d in deals if d["until"]}),
        "alerts": {
            "loops": loops,
            "concentration": concentration,
            "loops_not_listed": loops_left,
            "concentration_not_listed": concentration_left,
        },
        "entity_kinds": _kinds(SCHEMA.entity_kinds, {e["kind"] for e in entities}),
        "deal_kinds": _kinds(SCHEMA.deal_kinds, {d["kind"] for d in deals}),
        "min_amounts": [{"value": a, "text": format_usd(a)} for a in MIN_AMOUNTS],
        "width_legend": [{"text": format_usd(a), "width": edge_width(a)} for a in LEGEND_AMOUNTS],
        "node_scale": dict(
            zip(("low", "high", "min", "max"), NODE_SCALE, strict=True),
            low_text=format_usd(NODE_SCALE[0]),
            high_text=format_usd(NODE_SCALE[1]),
        ),
    }


def _drawn(analysis: Analysis, focus: str | None, hops: int) -> tuple[set, pd.DataFrame, list]:
    """The entities and deals the map draws, and notes that say what it leaves out."""
    spans = deal_spans(analysis.dataset.deals, analysis.options.flow)
    keep = set(spans["from_entity"]) | set(spans["to_entity"])
    notes = []
    if focus is not None:
        total = len(keep)
        keep = neighbourhood(analysis, focus, hops)
        notes.append(
            f"Showing the {len(keep)} entities within {hops} deal{'s' * (hops != 1)} of "
            f"{analysis.dataset.entity_name(focus)}, of {total} in the data."
        )
    if len(keep) > MAX_ENTITIES:
        total = len(keep)
        keep = _top_entities(analysis.deals, keep, MAX_ENTITIES)
        notes.append(
            f"Showing the {MAX_ENTITIES:,} entities with the most money through them, of "
            f"{total:,}: use --focus ENTITY to see the others' neighbourhoods."
        )
    spans = spans[spans["from_entity"].isin(keep) & spans["to_entity"].isin(keep)]
    if len(spans) > MAX_DEALS:
        notes.append(
            f"Drawing the {MAX_DEALS:,} largest of the {len(spans):,} deals between them "
            "(undisclosed amounts count as smallest)."
        )
        spans = _largest_deals(spans, MAX_DEALS)
    return keep, spans, notes


def edge_width(amount: float | None) -> float:
    """Arrow width in pixels on a log scale: $10M or less 1 px, $100B or more 10 px."""
    low, high, thin, thick = WIDTH_SCALE
    if amount is None or amount <= low:
        return thin
    share = min(1.0, math.log10(amount / low) / math.log10(high / low))
    return round(thin + (thick - thin) * share, 2)


def render_map(data: dict) -> str:
    """The HTML page for `data`: our template, autoescaped, with every script inline."""
    assets = resources.files("dealgraph.viz").joinpath("assets")
    scripts = {name: assets.joinpath(name).read_text("utf-8")
               for name in ("vis-network.min.js", "map.js")}  # fmt: skip
    version = re.search(r"@version\s+(\S+)", scripts["vis-network.min.js"][:2000])
    for name, text in scripts.items():
        if "</script" in text.lower():
            raise ValueError(f"viz/assets/{name} contains '</script': it cannot be inlined")
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dealgraph.viz", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template("map.html.j2").render(
        data=data,
        data_json=Markup(embedded_json(data)),
        vis_js=Markup(scripts["vis-network.min.js"]),
        map_js=Markup(scripts["map.js"]),
        map_css=Markup(assets.joinpath("map.css").read_text("utf-8")),
        script_hashes=[csp_hash(text) for text in scripts.values()],
        vis_version=version.group(1) if version else "unknown",
    )


def embedded_json(data: dict) -> str:
    """JSON safe inside a `<script type="application/json">`: `<`, `>`, `&` escaped."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def csp_hash(script: str) -> str:
    """The Content-Security-Policy source that lets exactly `script` run inline."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def neighbourhood(analysis: Analysis, focus: str, hops: int) -> set[str]:
    """The entities within `hops` deals in force of `focus`, in either direction."""
    entities = analysis.dataset.entities
    if focus not in entities.index:
        names = {}
        for entity_id, name, aliases in entities[["id", "name", "aliases"]].itertuples(index=False):
            names.update({label.lower(): entity_id for label in (entity_id, name, *aliases)})
        hint = names.get(focus.lower())
        tip = f"did you mean {hint!r}?" if hint else "use an entity id from entities.csv"
        raise DealgraphError(f"unknown entity {focus!r} for --focus: {tip}")
    if hops < 0:
        raise DealgraphError(f"--hops must be 0 or more, not {hops}")
    graph = nx.Graph()
    graph.add_node(focus)
    graph.add_edges_from(analysis.deals[["from_entity", "to_entity"]].itertuples(index=False))
    return set(nx.ego_graph(graph, focus, radius=hops))


def _top_entities(in_force: pd.DataFrame, candidates: set[str], count: int) -> set[str]:
    """The `count` candidates with the most money through them (in + out), ties by id."""
    values = in_force.assign(_value=deal_values(in_force).fillna(0.0))
    sides = [values.groupby(end)["_value"].sum() for end in ("from_entity", "to_entity")]
    through = pd.concat(sides).groupby(level=0).sum()
    ranked = sorted(candidates, key=lambda e: (-float(through.get(e, 0.0)), e))
    return set(ranked[:count])


def _largest_deals(spans: pd.DataFrame, count: int) -> pd.DataFrame:
    """The `count` deals of largest value (undisclosed last, ties by id)."""
    ranked = spans.assign(_value=deal_values(spans).fillna(-1.0))
    ranked = ranked.sort_values(["_value", "id"], ascending=[False, True]).head(count)
    return ranked.drop(columns="_value")


def wheel_positions(kinds: dict[str, str], links) -> dict[str, tuple[float, float]]:
    """The entities on a ring by kind (`layout.wheel_order`), WHEEL_SPACING px apart."""
    order = wheel_order(kinds, list(SCHEMA.entity_kinds), list(links))
    radius = max(WHEEL_SPACING * len(order) / (2 * math.pi), 200.0)
    return {e: (round(radius * math.cos(a), 1), round(-radius * math.sin(a), 1))
            for e, a in ring_angles(order).items()}  # fmt: skip


def _entity_record(row: dict, position: tuple[float, float], on_wheel: tuple[float, float]) -> dict:
    aliases = list(row["aliases"])
    label = min([row["name"], *aliases[:1]], key=len)
    if len(label) > MAX_LABEL:  # a name that runs across the map; the tooltip has it whole
        label = label[: MAX_LABEL - 1].rstrip() + "…"
    extra = {k: _text(v) for k, v in row.items() if k not in _ENTITY_FIELDS and _text(v)}
    return {
        "id": row["id"], "name": row["name"], "label": label, "kind": row["kind"],
        "country": _text(row["country"]), "ticker": _text(row["ticker"]), "aliases": aliases,
        "color": SCHEMA.entity_kinds[row["kind"]].color,
        "x": position[0], "y": position[1], "wx": on_wheel[0], "wy": on_wheel[1],
        "extra": extra,
    }  # fmt: skip


def _deal_records(spans: pd.DataFrame) -> list[dict]:
    """Deals as page records, with width, curve and the amount as text.

    Parallel deals on one pair of entities would be drawn on top of each other, so the
    k-th deal in one direction bends by a growing amount; reverse deals bend the other way
    by the same rule (a clockwise curve from the other end), which keeps 2-loops apart.
    """
    spans = spans.sort_values("id", kind="stable")  # the curves must not hang on file order
    records = []
    seen: dict[tuple[str, str], int] = {}
    pairs = set(spans[["from_entity", "to_entity"]].itertuples(index=False, name=None))
    values = deal_values(spans)
    for row, value in zip(spans.to_dict("records"), values, strict=True):
        pair = (row["from_entity"], row["to_entity"])
        rank = seen[pair] = seen.get(pair, -1) + 1
        alone = rank == 0 and pair[::-1] not in pairs
        bend = 0.0 if alone else round(min(0.15 + 0.12 * rank, 0.75), 2)
        known = None if pd.isna(value) else float(value)
        extra = {k: _text(v) for k, v in row.items() if k not in _DEAL_FIELDS and _text(v)}
        records.append({
            "id": row["id"], "from": row["from_entity"], "to": row["to_entity"],
            "kind": row["kind"], "date": row["date"], "until": row["until"],
            "value": known, "amount_text": amount_text(row), "basis": _text(row["amount_basis"]),
            "term_years": _number(row["term_years"]), "status": row["status"],
            "supersedes": _text(row["supersedes"]), "description": _text(row["description"]),
            "source_url": _text(row["source_url"]), "source_title": _text(row["source_title"]),
            "source_date": _text(row["source_date"]),
            "color": SCHEMA.deal_kinds[row["kind"]].color, "width": edge_width(known),
            "bend": bend, "extra": extra,
        })  # fmt: skip
    return records


def amount_text(deal: dict) -> str:
    """`$10B`, `$1B–$2B`, `from $1B`, or `undisclosed` (with a ceiling when one is known);
    a deal paid partly in stock gives its cash part (`$4.9B, cash part $3.7B`)."""
    text = _headline_text(deal)
    if _text(deal.get("consideration")) == "mixed":
        cash = _number(deal.get("cash_part_usd"))
        return f"{text}, cash part {'undisclosed' if cash is None else format_usd(cash)}"
    return text


def _headline_text(deal: dict) -> str:
    amount, low, high = (
        _number(deal.get(k)) for k in ("amount_usd", "amount_low_usd", "amount_high_usd")
    )
    if amount is not None:
        return format_usd(amount)
    if low is not None and high is not None:
        return f"{format_usd(low)}–{format_usd(high)}"
    if low is not None:
        return f"from {format_usd(low)}"
    if high is not None:
        return f"undisclosed (up to {format_usd(high)})"
    return "undisclosed"


def _alerts(
    analysis: Analysis, kind: str, keep: set[str], drawn: set[str]
) -> tuple[list[dict], int]:
    """The alerts of one kind that the map can show, largest first, and how many more there
    are than `MAX_ALERTS_LISTED`: their entities drawn and, for a loop, every deal too.

    Each alert carries what a click highlights: its entities and both ends of its deals
    (a concentration alert's counterparties), as far as they are drawn."""
    found = [a for a in analysis.alerts if a.kind == kind and set(a.entities) <= keep
             and (kind != "circular_flow" or set(a.deal_ids) <= drawn)]  # fmt: skip
    found.sort(key=lambda a: (a.amount_usd is None, -(a.amount_usd or 0.0), a.id))
    deals = analysis.dataset.deals
    ends = dict(zip(deals["id"], zip(deals["from_entity"], deals["to_entity"], strict=True),
                    strict=True))  # fmt: skip
    listed = []
    for alert in found[:MAX_ALERTS_LISTED]:
        touched = {e for deal_id in alert.deal_ids for e in ends[deal_id]} | set(alert.entities)
        record = alert.as_dict()
        del record["sources"]  # the page shows each deal's own source
        record["amount_text"] = format_usd(alert.amount_usd)
        record["highlight"] = sorted(touched & keep)
        listed.append(record)
    return listed, max(0, len(found) - MAX_ALERTS_LISTED)


def _kinds(declared, present: set[str]) -> list[dict]:
    """The kinds present, in schema order, with their colours."""
    return [{"kind": k, "color": v.color} for k, v in declared.items() if k in present]


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _number(value) -> float | None:
    if value is None or value == "" or pd.isna(value):
        return None
    return float(value)
