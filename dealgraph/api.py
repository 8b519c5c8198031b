"""The Python API: one data set object whose methods return what each command prints.

    >>> import dealgraph
    >>> ds = dealgraph.load()
    >>> loops = ds.loops(max_length=4, min_amount="1B")
    >>> list(loops.columns[:4])
    ['id', 'length', 'entities', 'path']

Every method returns a DataFrame with the rows of `dealgraph <command> --format json` (same
ids, same fields), so a notebook and the shell agree: each command is one call of the
`<name>_rows` method behind the frame (a `Rows` list, with the notes the command prints on
stderr in `.notes` and the query's result in `.result`) and a renderer. Entity arguments
take an id, a name or an alias in any case. `as_of`, `kinds` and `include_rumored` can be
set once (`ds.as_of(...)`, `ds.where(...)`) or given to any call.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import pandas as pd

from dealgraph import result_rows
from dealgraph.errors import DealgraphError
from dealgraph.graph.entity_names import resolve_entity
from dealgraph.graph.model import DataSet
from dealgraph.loaders import BUNDLED, load_dataset
from dealgraph.queries.findings.analysis import (
    ALERT_KINDS,
    Analysis,
    Options,
    StreamReport,
    analyze,
    parse_alert_kinds,
)
from dealgraph.queries.flows.flow import (
    AMOUNT_BASES,
    FlowFilter,
    check_date,
    count_hops,
    deals_in_force,
    hops,
)
from dealgraph.queries.flows.loops import DEFAULT_LIMIT, DEFAULT_MAX_LENGTH

if TYPE_CHECKING:
    from dealgraph.queries.findings.alerts import Alert
    from dealgraph.queries.findings.analysis import AnalysisStream
    from dealgraph.queries.significance.loop_significance import Significance

__all__ = ["DealGraph", "Map", "Rows", "StreamedAnalysis", "load"]


def load(*paths: str | Path, neo4j: object = False) -> DealGraph:
    """The data set: the bundled one by default; folders or files stack, later rows win.

    `load("bundled", "./mine")` adds your rows to the bundled ones. `neo4j=True` reads the
    graph from the server named by NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD (and
    NEO4J_DATABASE); pass a `neo4j.Driver` instead to use your own connection.
    """
    if len(paths) == 1 and not isinstance(paths[0], str | Path):
        paths = tuple(paths[0])  # load(["bundled", "./mine"]) reads like load("bundled", ...)
    if neo4j:
        if paths:
            raise DealgraphError("give paths or neo4j=, not both")
        return DealGraph(_neo4j_dataset(neo4j))
    return DealGraph(load_dataset(paths or (BUNDLED,)), bundled=BUNDLED in (paths or (BUNDLED,)))


def _neo4j_dataset(neo4j: object) -> DataSet:
    from dealgraph.graph.neo4j_connection import Neo4jSettings
    from dealgraph.graph.neo4j_store import Neo4jStore

    chosen = Neo4jSettings.from_env()
    if neo4j is True:
        with chosen.open_driver() as driver:
            store = Neo4jStore(driver, chosen.database, where=chosen.where)
            store.check()
            return store.read_dataset()
    return Neo4jStore(neo4j, chosen.database, where=chosen.where).read_dataset()


def _date(value: str | None, argument: str = "as_of") -> str | None:
    if value is None:
        return None
    try:
        return check_date(value)
    except ValueError as exc:
        raise DealgraphError(f"{argument}: {exc}") from None


def _amount(value: str | float | None) -> float | None:
    from dealgraph.loaders.amounts import AmountError, parse_amount

    if value is None or isinstance(value, int | float):
        return value
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise DealgraphError(f"min_amount: {exc}") from None


def _alert_kinds(value: str | list[str] | None) -> frozenset[str]:
    if value is None:
        return frozenset(ALERT_KINDS)
    try:
        return parse_alert_kinds(value.split(",") if isinstance(value, str) else value)
    except ValueError as exc:
        raise DealgraphError(f"alert kinds: {exc}") from None


def _span(value: str | int | None) -> int | None:
    from dealgraph.queries.flows.loop_profile import parse_span

    if value is None or isinstance(value, int):
        return value
    try:
        return parse_span(value)
    except ValueError as exc:
        raise DealgraphError(f"max_span: {exc}") from None


class Rows(list):
    """The rows of one answer (what `--format json` prints), with `notes` (lines about the
    numbers' basis, printed on stderr by the CLI) and `result` (the query's own result)."""

    def __init__(self, rows=(), notes: list[str] | None = None, result: object = None):
        super().__init__(rows)
        self.notes = notes or []
        self.result = result


def frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as a DataFrame; lists (deal ids, hops) stay lists in their cells, and the rows'
    notes go to `frame.attrs["notes"]`."""
    table = pd.DataFrame.from_records(rows) if rows else pd.DataFrame()
    table.attrs["notes"] = list(getattr(rows, "notes", []))
    return table


@dataclass(frozen=True)
class DealGraph:
    """A loaded data set and the questions it answers. Build it with `dealgraph.load()`."""

    dataset: DataSet
    flow: FlowFilter = FlowFilter()
    bundled: bool = False
    # The last analysis, by its options: loops, alerts and the map of one filter search once.
    _last: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- the data, as loaded ------------------------------------------------------------
    @property
    def entities(self) -> pd.DataFrame:
        return self.dataset.entities

    @property
    def deals(self) -> pd.DataFrame:
        return self.dataset.deals

    @property
    def financials(self) -> pd.DataFrame | None:
        return self.dataset.financials

    def entity(self, text: str, argument: str = "entity") -> str:
        """The id of the entity an id, name or alias (any case) names (`argument` names it
        in the error)."""
        return resolve_entity(self.entities, text, argument)

    # -- filters --------------------------------------------------------------------------
    def as_of(self, date: str) -> DealGraph:
        """The same data set on `date`: only deals signed by then, each in that version."""
        return replace(self, flow=replace(self.flow, as_of=_date(date)))

    def where(
        self,
        *,
        kinds: list[str] | None = None,
        include_rumored: bool | None = None,
        amounts: str | None = None,
    ) -> DealGraph:
        """Only these deal kinds, and/or rumoured deals counted too, and/or which money
        counts (`amounts="firm"`: only closed, committed or funded deals, their firm parts)."""
        flow = self._flow(amounts=amounts)
        if kinds is not None:
            flow = replace(flow, kinds=self._kinds(kinds))
        if include_rumored is not None:
            flow = replace(flow, include_rumored=include_rumored)
        return replace(self, flow=flow)

    @staticmethod
    def _kinds(kinds) -> frozenset[str] | None:
        from dealgraph.graph.schema import SCHEMA

        if kinds is None:
            return None
        kinds = frozenset([kinds] if isinstance(kinds, str) else kinds)
        unknown = sorted(kinds - SCHEMA.deal_kinds.keys())
        if unknown:
            raise DealgraphError(f"kinds: unknown deal kind {', '.join(unknown)}")
        return kinds

    def _flow(self, as_of=None, kinds=None, include_rumored=None, amounts=None) -> FlowFilter:
        flow = self.flow
        if amounts is not None:
            if amounts not in AMOUNT_BASES:
                raise DealgraphError(f"amounts: one of {', '.join(AMOUNT_BASES)}, not {amounts!r}")
            flow = replace(flow, amounts=amounts)
        if as_of is not None:
            flow = replace(flow, as_of=_date(as_of))
        if kinds is not None:
            flow = replace(flow, kinds=self._kinds(kinds))
        if include_rumored is not None:
            flow = replace(flow, include_rumored=include_rumored)
        return flow

    # -- loops, concentration, alerts -------------------------------------------------
    def analysis(self, **filters) -> Analysis:
        """The whole analysis (`dealgraph analyze`'s) as plain data, for the map and rows
        (keywords: `options`'s). The last one is kept, so rows and the map of the same
        filters search once."""
        options = self.options(**filters)
        if options not in self._last:
            self._last.clear()
            self._last[options] = analyze(self.dataset, options)
        return self._last[options]

    def options(
        self,
        *,
        max_length: int = DEFAULT_MAX_LENGTH,
        min_amount: str | float | None = None,
        limit: int = DEFAULT_LIMIT,
        max_span: str | int | None = None,
        as_of: str | None = None,
        kinds: list[str] | None = None,
        include_rumored: bool | None = None,
        amounts: str | None = None,
        samples: int | None = 0,
        seed: int = 0,
        compare_firm: bool | None = None,
        alert_kinds: str | list[str] | None = None,
    ) -> Options:
        """The analysis these filters ask for: every loop question takes these keywords.

        `amounts`: `headline` or `firm`; `samples`: test the loops against that many
        degree-preserving shuffles (None: as many as `analyze` runs for the graph's size,
        `default_samples`); `compare_firm` (by default when `samples` is given): set the
        largest findings under firm amounts beside the headline; `alert_kinds`: compute
        only these alerts (`loops`, `concentration`, `vendor-financing`, `stress`, a list or
        a comma-separated text; without `loops` no loop is searched)."""
        flow = self._flow(as_of, kinds, include_rumored, amounts)
        if samples is None:
            from dealgraph.queries.significance.loop_significance import default_samples

            samples = default_samples(count_hops(self._in_force(flow)))
        return Options(
            flow=flow,
            max_length=max_length,
            min_amount=_amount(min_amount),
            limit=limit,
            max_span_days=_span(max_span),
            significance_samples=samples,
            seed=seed,
            compare_firm=samples > 0 if compare_firm is None else compare_firm,
            alert_kinds=_alert_kinds(alert_kinds),
        )

    def significance(
        self,
        samples: int = 1_000,
        seed: int = 0,
        max_length: int = 5,
        keep_reciprocity: bool = False,
        shuffle_amounts: bool = False,
        progress=None,
        **flow,
    ) -> Significance:
        """`dealgraph significance`: the loops against degree-preserving shuffles.

        The result has `summary()` (the one line), `loops_by_length`, `total`,
        `circulating_usd`, `circularity` and `entities`; `significance_dict(result)` is the
        command's JSON. Same seed, same result."""
        from dealgraph.queries.significance.loop_significance import significance

        if samples < 1 or max_length < 2:
            raise DealgraphError("samples must be at least 1 and max_length at least 2")
        hop_map = hops(self._in_force(self._flow(**flow)))
        return significance(hop_map, samples, seed, max_length, keep_reciprocity,
                            shuffle_amounts, progress=progress)  # fmt: skip

    def loop_rows(self, **filters) -> Rows:
        """`dealgraph loops --format json`: largest first, with timing and firmness."""
        analysis = self.analysis(**filters)
        return Rows(result_rows.loop_rows(analysis), result=analysis)

    def loops(self, **filters) -> pd.DataFrame:
        """Circular flows, one row per loop, largest first (see `options` for keywords)."""
        return frame(self.loop_rows(**filters))

    def concentration_rows(
        self, by: str | None = None, entity: str | None = None, **filters
    ) -> Rows:
        from dealgraph.queries.dependence.concentration import PERSPECTIVES

        if by is not None and by not in PERSPECTIVES:
            raise DealgraphError(f"by: {by!r} is not one of {', '.join(PERSPECTIVES)}")
        wanted = resolve_entity(self.entities, entity, "entity") if entity else None
        analysis = self.analysis(**filters)
        return Rows(result_rows.concentration_rows(analysis, by, wanted), result=analysis)

    def concentration(
        self, by: str | None = None, entity: str | None = None, **filters
    ) -> pd.DataFrame:
        """Each entity's customers, suppliers and funders with HHI (`by` picks one)."""
        return frame(self.concentration_rows(by, entity, **filters))

    def alert_rows(self, **filters) -> Rows:
        analysis = self.analysis(**filters)
        return Rows(result_rows.alert_rows(analysis), result=analysis)

    def iter_alerts(self, report: StreamReport | None = None, **filters) -> Iterator[dict]:
        """The alert rows as the loop search finds them, loops first, nothing kept: memory
        stays flat however many there are (`report` counts them and says if cut)."""
        for alert in self.alert_stream(report, **filters):
            yield alert.as_dict()

    def alert_stream(self, report: StreamReport | None = None, **filters) -> Iterator[Alert]:
        """`iter_alerts` as `Alert` objects (whose rows it yields)."""
        from dealgraph.queries.findings.analysis import stream_alerts

        return stream_alerts(self.dataset, self.options(**filters), report)

    def analysis_stream(self, **filters) -> StreamedAnalysis:
        """`dealgraph analyze` in memory flat in the number of loops: iterate `.alerts()`
        once (each `Alert` as found, loops first); then `.analysis` holds what a summary
        shows (the largest loops, the other alerts; `.loops` and `.severities` count them)
        and `.map()` is the map, its loops picked as they went by."""
        from dealgraph.queries.findings.analysis import AnalysisStream

        return StreamedAnalysis(AnalysisStream(self.dataset, self.options(**filters)))

    def alerts(self, **filters) -> pd.DataFrame:
        """Findings with severity and sources, as `dealgraph alerts`."""
        return frame(self.alert_rows(**filters))

    # -- risk ---------------------------------------------------------------------------
    def _names(self) -> dict[str, str]:
        return result_rows.entity_names(self.dataset)

    def _in_force(self, flow: FlowFilter) -> pd.DataFrame:
        return deals_in_force(self.deals, flow)

    def vendor_financing_rows(
        self, min_amount: str | float | None = None, direct_only: bool = False, **flow
    ) -> Rows:
        from dealgraph.queries.risk.vendor_financing import vendor_financing

        found = vendor_financing(self._in_force(self._flow(**flow)), via=not direct_only)
        rows = result_rows.vendor_financing_rows(found, self._names(), _amount(min_amount))
        return Rows(rows, result=found)

    def vendor_financing(
        self, min_amount: str | float | None = None, direct_only: bool = False, **flow
    ) -> pd.DataFrame:
        """Sellers funding their own customers, as `dealgraph vendor-financing`."""
        return frame(self.vendor_financing_rows(min_amount, direct_only, **flow))

    def exposure_rows(self, entity: str, **flow) -> Rows:
        from dealgraph.queries.dependence.exposure import exposure

        wanted = resolve_entity(self.entities, entity, "entity")
        flow_filter = self._flow(**flow)
        found = exposure(self._in_force(flow_filter), wanted, self.financials, flow_filter.as_of)
        names = self._names()
        note = _size_note(names.get(wanted, wanted), found)
        return Rows(result_rows.exposure_rows(found, names), [note], found)

    def exposure(self, entity: str, **flow) -> pd.DataFrame:
        """Everything `entity` committed and received, next to its size."""
        return frame(self.exposure_rows(entity, **flow))

    def funding_rows(self, entity: str | None = None, **flow) -> Rows:
        from dealgraph.queries.dependence.funding import capex_funding

        wanted = resolve_entity(self.entities, entity, "entity") if entity else None
        flow_filter = self._flow(**flow)
        years = capex_funding(self._in_force(flow_filter), self.financials, flow_filter.as_of)
        notes = []
        if self.financials is None:
            notes.append("No financials file in this data set: nothing to compare.")
        return Rows(result_rows.funding_rows(years, self._names(), wanted), notes, years)

    def funding(self, entity: str | None = None, **flow) -> pd.DataFrame:
        """Capex against operating cash flow, and the money raised, per entity and year."""
        return frame(self.funding_rows(entity, **flow))

    def stress_rows(self, shocks: dict[str, float], threshold: float | None = None, **flow) -> Rows:
        from dealgraph.queries.dependence.figures import latest
        from dealgraph.queries.findings.alerts import format_usd
        from dealgraph.queries.risk.stress import DEFAULT_THRESHOLD, stress

        given = {resolve_entity(self.entities, k, "shock"): float(v) for k, v in shocks.items()}
        for name, share in given.items():
            if not 0 < share <= 1:
                raise DealgraphError(f"shock {name!r}: the fraction must be above 0, at most 1")
        threshold = DEFAULT_THRESHOLD if threshold is None else threshold
        flow_filter = self._flow(**flow)
        revenue = latest(self.financials, "revenue_usd", flow_filter.as_of)
        result = stress(hops(self._in_force(flow_filter)), given, revenue, threshold)
        notes = [
            f"{len(result.hits) - len(given)} entities hit, {len(result.distressed)} distressed "
            f"in {result.rounds} rounds; {format_usd(result.loss_usd)} lost by the others; "
            f"DebtRank {result.debtrank:.3f} (threshold {threshold:g})"
        ]
        if flow_filter.amounts == "headline":  # how much of it rests on ceilings
            firm_hops = hops(self._in_force(replace(flow_filter, amounts="firm")))
            firm = stress(firm_hops, given, revenue, threshold)
            notes.append(
                f"Firm money only: {len(firm.distressed)} distressed, "
                f"{format_usd(firm.loss_usd)} lost by the others, DebtRank {firm.debtrank:.3f}"
            )
        return Rows(result_rows.stress_rows(result, self._names()), notes, result)

    def stress(self, shocks: dict[str, float], threshold: float | None = None, **flow):
        """What breaks if these entities stop paying these fractions of their outflows."""
        return frame(self.stress_rows(shocks, threshold, **flow))

    def circularity_rows(self, **flow) -> Rows:
        from dealgraph.queries.flows.circularity import circularity

        found = circularity(hops(self._in_force(self._flow(**flow))))
        notes = []
        if found.estimated:
            guessed = sum(e.estimated for e in found.entities)
            notes.append(
                f"Estimated: {guessed:,} of {len(found.entities):,} entities sit in components "
                "too large to invert exactly; their shares (and the index) are modelled, "
                "cycling_share_stderr gives each one's standard error (see docs/risk.md)."
            )
        return Rows(result_rows.circularity_rows(found, self._names()), notes, found)

    def circularity(self, **flow) -> pd.DataFrame:
        """Finn's cycling index: the market row first, then one row per entity."""
        return frame(self.circularity_rows(**flow))

    def timeline_rows(
        self,
        start: str | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
        min_amount: str | float | None = None,
        limit: int = DEFAULT_LIMIT,
        **flow,
    ) -> Rows:
        from dealgraph.queries.flows.timeline import timeline

        flow_filter, first = self._flow(**flow), _date(start, "start")
        quarters = timeline(self.deals, flow_filter, first, max_length, _amount(min_amount), limit)
        return Rows(result_rows.timeline_rows(quarters), result=quarters)

    def timeline(
        self,
        start: str | None = None,
        max_length: int = DEFAULT_MAX_LENGTH,
        min_amount: str | float | None = None,
        limit: int = DEFAULT_LIMIT,
        **flow,
    ) -> pd.DataFrame:
        """Quarter by quarter: new commitments by kind, money going round."""
        return frame(self.timeline_rows(start, max_length, min_amount, limit, **flow))

    # -- graph and map -----------------------------------------------------------------
    def to_networkx(self, **filters) -> nx.MultiDiGraph:
        """The graph `dealgraph export --format graphml` writes (`exports.network`): one node
        per entity, one edge per deal in force (key: the deal id) from payer to payee, with
        loop counts and HHI as attributes. Attributes are str, int, float or bool only
        (aliases joined with ";", unknown values left out), so GraphML and GEXF take it."""
        from dealgraph.exports.network import money_graph

        return money_graph(self.analysis(**filters))

    def map(
        self, focus: str | None = None, hops: int = 1, layout: str = "spring", **filters
    ) -> Map:
        """The interactive map (one offline HTML page) that shows itself in Jupyter;
        `layout="wheel"` opens it with the entities on a ring by kind."""
        from dealgraph.viz.map import map_data, render_map

        wanted = resolve_entity(self.entities, focus, "focus") if focus else None
        data = map_data(self.analysis(**filters), focus=wanted, hops=hops, layout=layout)
        return Map(render_map(data))

    def picture(
        self, loop: str | None = None, *, focus: str | None = None, hops: int = 1, **filters
    ):
        """A static picture for print (`dealgraph picture`): the deal wheel, of the whole
        graph or of `focus` within `hops`, or with `loop` (an id from `loops()`) that loop.
        It shows itself in Jupyter; `.save("wheel.svg")` writes SVG or PNG (300 dpi)."""
        from dealgraph.viz.pictures import loop_picture, wheel_picture

        analysis = self.analysis(**filters)
        if loop is not None:
            if focus is not None:
                raise DealgraphError("focus= draws a wheel: give loop= or focus=, not both")
            return loop_picture(analysis, loop)
        wanted = resolve_entity(self.entities, focus, "focus") if focus else None
        return wheel_picture(analysis, focus=wanted, hops=hops)

    def export(self, path: str | Path, format: str, **filters) -> Path:
        """Write the graph and the analysis for another tool, as `dealgraph export`:
        `graphml`, `gexf`, `parquet` (a folder), `neo4j-admin` (a folder) or `ftm`."""
        from dealgraph.exports import FORMATS, write_export

        if format not in FORMATS:
            raise DealgraphError(f"format: {format!r} is not one of {', '.join(FORMATS)}")
        write_export(self.analysis(**filters), format, Path(path))
        return Path(path)

    # -- notebook display --------------------------------------------------------------
    def summary(self) -> dict:
        """What `dealgraph data --format json` reports."""
        from dealgraph.loaders.dataset import bundled_about
        from dealgraph.queries.inventory import describe

        return describe(self.dataset, bundled_about() if self.bundled else None)

    def __repr__(self) -> str:
        when = f", as of {self.flow.as_of}" if self.flow.as_of else ""
        return f"<DealGraph: {len(self.entities)} entities, {len(self.deals)} deals{when}>"

    def _repr_html_(self) -> str:
        from dealgraph.loaders.dataset import bundled_about

        s = self.summary()
        rows = [
            ("Entities", s["entities"]),
            ("Deals", s["deals"]),
            ("Dates", f"{s['first_date']} to {s['newest_deal']['date']}" if s["deals"] else "-"),
            ("Sources", ", ".join(f"{k} {v}" for k, v in s["sources_by_kind"].items())),
        ]
        if self.bundled:
            about = bundled_about()
            rows.insert(0, ("Data set", f"{about['name']} {about['version']}"))
            rows.append(("Horizon", f"complete up to {about['horizon']}"))
        if self.flow.as_of:
            rows.append(("As of", self.flow.as_of))
        cells = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
            f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>"
            for k, v in rows
        )
        return f"<table><caption>dealgraph data set</caption>{cells}</table>"


def _size_note(name: str, found) -> str:
    """The company figures an exposure is measured against, each with its period and source."""
    from dealgraph.queries.dependence.exposure import SIZE_FIELDS
    from dealgraph.queries.findings.alerts import format_usd

    known = [
        f"{field.removesuffix('_usd').replace('_', ' ')} {format_usd(f.value)} ({f.period}, "
        f"{f.source_url})"
        for field in SIZE_FIELDS
        if (f := found.size.get(field))
    ]
    return f"{name}: " + ("; ".join(known) if known else "no company figures in the data set")


class StreamedAnalysis:
    """An `AnalysisStream` and the map's listing of loops, fed as the alerts go by."""

    def __init__(self, stream: AnalysisStream):
        from dealgraph.viz.map import map_listing

        self.stream = stream
        self._loops = map_listing(stream.analysis)

    @property
    def analysis(self) -> Analysis:
        return self.stream.analysis

    @property
    def loops(self) -> int:
        return self.stream.loops

    @property
    def severities(self) -> dict[str, int]:
        return self.stream.severities

    def alerts(self) -> Iterator[Alert]:
        offer = self._loops.offer
        for alert in self.stream.alerts():
            offer(alert)
            yield alert

    def map(self) -> Map:
        """The map of the whole graph (after `alerts()` is exhausted)."""
        from dealgraph.viz.map import map_data, render_map

        return Map(render_map(map_data(self.analysis, loops=self._loops)))


@dataclass(frozen=True)
class Map:
    """An offline HTML map: `.html` is the page, `.save(path)` writes it, and Jupyter shows
    it in an iframe whose `srcdoc` holds the page, sized as branca's Figure (folium's) is:
    `width` wide, its height `ratio` of that width (a padding-bottom box), so it scales."""

    html: str
    width: str = "100%"
    ratio: str = "60%"

    def save(self, path: str | Path) -> Path:
        from dealgraph.atomic_files import write_atomically

        path = Path(path)
        write_atomically(path, self.html)
        return path

    def _repr_html_(self) -> str:
        width, ratio = html.escape(self.width, quote=True), html.escape(self.ratio, quote=True)
        return (
            f'<div style="width:{width};"><div style="position:relative;width:100%;height:0;'
            f'padding-bottom:{ratio};"><iframe srcdoc="{html.escape(self.html, quote=True)}" '
            'style="position:absolute;width:100%;height:100%;left:0;top:0;border:none;" '
            'sandbox="allow-scripts" allowfullscreen></iframe></div></div>'
        )
