"""The map's data and HTML, without a browser: what goes in, escaping, determinism, focus."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
from html.parser import HTMLParser
from importlib import resources

import networkx as nx
import numpy as np
import pytest
from conftest import deal, entity
from random_deals import random_data

from dealgraph.errors import DealgraphError
from dealgraph.queries.findings.alerts import format_usd
from dealgraph.queries.findings.analysis import analyze
from dealgraph.queries.flows.flow import FlowFilter, deal_spans, deals_in_force
from dealgraph.viz import map as map_module
from dealgraph.viz.layout import spring_positions
from dealgraph.viz.map import (
    amount_text,
    edge_width,
    embedded_json,
    map_data,
    write_map,
)

HOSTILE = "<img src=x onerror=alert(1)>"


def end_of(date: str) -> str:
    return f"{date}-31" if len(date) == 7 else date


def in_force_at(spans, date: str) -> set[str]:
    """The page's rule (map.js `isVisible`), in Python: dated by the cut-off, not yet replaced."""
    cut = end_of(date)
    rows = spans[["id", "date", "until"]].itertuples(index=False)
    return {d for d, start, until in rows if start <= cut and not (until and until <= cut)}


def every_date(frame) -> list[str]:
    days = set(frame["date"])
    return sorted(days | {d + "-31" for d in days if len(d) == 7} | {"2000-01-01", "2999-12-31"})


# ---- which deals the page can show ---------------------------------------------------------


def test_spans_give_the_deals_in_force_on_every_date_of_a_hand_built_history(load):
    # v1 is amended by v2 in June and cancelled (v3) in September; a rumored v4 would replace
    # `base` only when rumours count; `month` is dated by month; `warrant` is filtered by kind.
    data = load(
        [
            deal("v1", "a", "b", amount="100", date="2025-01-10"),
            deal("v2", "a", "b", amount="30", date="2025-06-01", supersedes="v1"),
            deal("v3", "a", "b", date="2025-09-01", supersedes="v2", status="cancelled"),
            deal("base", "b", "c", date="2025-02-01", status="closed"),
            deal("v4", "b", "c", date="2025-07-15", supersedes="base", status="rumored"),
            deal("month", "c", "a", date="2025-05"),
            deal("warrant", "c", "b", kind="warrant", date="2025-03-03"),
        ]
    )
    filters = [
        FlowFilter(),
        FlowFilter(include_rumored=True),
        FlowFilter(as_of="2025-06"),
        FlowFilter(kinds=frozenset({"purchase"})),
    ]
    for flow in filters:
        spans = deal_spans(data.deals, flow)
        for date in every_date(data.deals):
            as_of = min(end_of(date), end_of(flow.as_of)) if flow.as_of else date
            expected = deals_in_force(
                data.deals,
                FlowFilter(as_of=as_of, kinds=flow.kinds, include_rumored=flow.include_rumored),
            )
            assert in_force_at(spans, date) == set(expected["id"]), (flow, date)
    spans = deal_spans(data.deals, FlowFilter())
    assert spans.set_index("id").at["v1", "until"] == "2025-06-01"
    assert "v3" not in set(spans["id"])  # a cancelled row is never drawn


@pytest.mark.parametrize("seed", range(8))
def test_spans_agree_with_deals_in_force_on_random_histories(load, seed):
    entities, deals = random_data(seed, entities=8, deals=60)
    data = load(deals, entities)
    for rumored in (False, True):
        spans = deal_spans(data.deals, FlowFilter(include_rumored=rumored))
        for date in every_date(data.deals):
            expected = deals_in_force(data.deals, FlowFilter(as_of=date, include_rumored=rumored))
            assert in_force_at(spans, date) == set(expected["id"]), (seed, rumored, date)


def test_the_default_view_is_the_analysis(load):
    entities, deals = random_data(3, entities=10, deals=50)
    analysis = analyze(load(deals, entities))
    data = map_data(analysis)
    last = data["dates"][-1]
    shown = {
        d["id"]
        for d in data["deals"]
        if d["date"] <= last and not (d["until"] and d["until"] <= last)
    }
    assert shown == set(analysis.deals["id"])
    assert {e["id"] for e in data["entities"]} >= set(analysis.deals["from_entity"])


# ---- amounts as widths and text --------------------------------------------------------------


def test_arrow_width_grows_with_the_log_of_the_amount():
    decades = [edge_width(10.0**k) for k in range(7, 12)]  # $10M .. $100B
    steps = np.diff(decades)
    assert all(s > 0 for s in steps) and np.allclose(steps, steps[0], atol=0.02)  # equal per decade
    assert edge_width(100e9) <= 10  # not a 100-pixel bar
    assert edge_width(50e6) >= 1.5  # nor an invisible line
    assert edge_width(100e9) / edge_width(50e6) < 10  # while the amounts differ 2,000 times
    assert edge_width(None) == edge_width(1.0) == edge_width(1e13) / 10


def test_amount_text_says_what_is_known():
    assert amount_text({"amount_usd": 1.5e9}) == format_usd(1.5e9)
    assert amount_text({"amount_low_usd": 1e9, "amount_high_usd": 2e9}) == "$1B–$2B"
    assert amount_text({"amount_low_usd": 1e9, "amount_high_usd": float("nan")}) == "from $1B"
    assert amount_text({"amount_high_usd": 3e9}) == "undisclosed (up to $3B)"
    assert amount_text({"amount_usd": float("nan")}) == "undisclosed"


# ---- escaping and self-containment -----------------------------------------------------------


def test_embedded_json_escapes_markup_and_round_trips():
    value = {"name": "</script><script>alert(1)</script> & <!-- ", "n": [1, None]}
    text = embedded_json(value)
    assert not set("<>&") & set(text)
    assert json.loads(text) == value


class _Tags(HTMLParser):
    """Collect start tags and the text of <script> elements."""

    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self._in_script = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append([dict(attrs), ""])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            self.scripts[-1][1] += data


def hostile_data(load):
    return load(
        [
            deal(
                "evil-deal",
                "evil",
                "b",
                amount="2e9",
                description="<b>bold</b> & <script>x()</script>",
                source_url="javascript:alert(1)",
                source_title="<i>title</i>",
            ),
            deal("ok", "b", "evil", amount="1e9"),
        ],
        [entity("evil", name=HOSTILE, aliases="<svg onload=alert(2)>;Evil Corp"), entity("b")],
    )


def test_every_name_and_note_is_escaped_in_the_page(load, tmp_path):
    page = write_map(analyze(hostile_data(load)), tmp_path / "map.html", focus="evil").read_text()
    parser = _Tags()
    parser.feed(page)
    assert {tag for tag, _ in parser.tags} <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "header",
        "h1",
        "p",
        "main",
        "aside",
        "section",
        "label",
        "input",
        "ul",
        "h2",
        "output",
        "select",
        "option",
        "fieldset",
        "legend",
        "span",
        "li",
        "div",
        "button",
        "h3",
        "ol",
        "script",
    }
    ours = page
    for name in ("vis-network.min.js", "map.js"):  # the library's own code may say "<b>"
        ours = ours.replace((resources.files("dealgraph.viz") / "assets" / name).read_text(), "")
    for raw in (HOSTILE, "<svg", "<b>", "<i>", "<script>x"):
        assert raw not in ours
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # the title, escaped by the template
    assert len(parser.scripts) == 3


def test_the_page_asks_for_nothing_and_allows_only_its_own_scripts(load, tmp_path):
    page = write_map(analyze(hostile_data(load)), tmp_path / "map.html").read_text()
    parser = _Tags()
    parser.feed(page)
    for tag, attrs in parser.tags:
        assert not {"src", "href", "srcset", "action"} & attrs.keys(), tag
    policy = next(
        a["content"] for t, a in parser.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in policy and "connect-src 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    executable = [text for attrs, text in parser.scripts if attrs.get("type") != "application/json"]
    for text in executable:
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    data_script = next(
        text for attrs, text in parser.scripts if attrs.get("type") == "application/json"
    )
    names = {e["id"]: e["name"] for e in json.loads(data_script)["entities"]}
    assert names["evil"] == HOSTILE


def test_only_http_links_are_marked_as_links_in_the_script():
    script = (resources.files("dealgraph.viz") / "assets" / "map.js").read_text()
    script = re.sub(r"/\*.*?\*/|//[^\n]*", "", script, flags=re.S)  # code, not comments
    assert (
        "innerHTML" not in script
        and "outerHTML" not in script
        and "insertAdjacentHTML" not in script
    )
    assert re.search(r'protocol === "https:" \|\| parsed\.protocol === "http:"', script)


# ---- determinism, focus and size limits --------------------------------------------------------


def test_the_same_data_gives_the_same_file_whatever_the_row_order(make_data, tmp_path):
    from dealgraph.loaders import load_dataset

    entities, deals = random_data(11, entities=15, deals=60)
    pages = []
    for seed in (1, 2):
        rng = random.Random(seed)
        rng.shuffle(deals)
        rng.shuffle(entities)
        analysis = analyze(load_dataset([make_data(deals, entities)]))
        pages.append(write_map(analysis, tmp_path / f"map{seed}.html").read_bytes())
    assert pages[0] == pages[1]


def chain(load):
    # a -> b -> c -> d, and e -> f apart: focus b with 1 hop is {a, b, c}.
    return load(
        [
            deal("ab", "a", "b", amount="5e9"),
            deal("bc", "b", "c", amount="1e9"),
            deal("cd", "c", "d", amount="3e9"),
            deal("ef", "e", "f", amount="9e9"),
        ]
    )


def test_focus_keeps_the_neighbourhood_whatever_the_direction(load):
    analysis = analyze(chain(load))
    for hops, expected in ((0, {"b"}), (1, {"a", "b", "c"}), (2, {"a", "b", "c", "d"})):
        data = map_data(analysis, focus="b", hops=hops)
        assert {e["id"] for e in data["entities"]} == expected
        ends = analysis.deals[["id", "from_entity", "to_entity"]].itertuples(index=False)
        assert {d["id"] for d in data["deals"]} == {d for d, s, t in ends if {s, t} <= expected}
        assert any("within" in note for note in data["notes"])


def test_an_unknown_focus_is_one_line_error_with_a_hint(load, tmp_path):
    analysis = analyze(chain(load))
    with pytest.raises(DealgraphError) as caught:
        write_map(analysis, tmp_path / "map.html", focus="B")  # the name, not the id
    assert "\n" not in str(caught.value) and "'b'" in str(caught.value)
    with pytest.raises(DealgraphError, match="unknown entity 'zzz'"):
        write_map(analysis, tmp_path / "map.html", focus="zzz")
    with pytest.raises(DealgraphError, match="--hops"):
        write_map(analysis, tmp_path / "map.html", focus="b", hops=-1)
    assert not (tmp_path / "map.html").exists()


def test_beyond_the_limit_the_map_keeps_the_entities_with_the_most_money(load, monkeypatch):
    analysis = analyze(chain(load))
    monkeypatch.setattr(map_module, "MAX_ENTITIES", 3)
    data = map_data(analysis)
    # money through: e 9B, f 9B, b 6B, a 5B, c 4B, d 3B
    assert {e["id"] for e in data["entities"]} == {"e", "f", "b"}
    assert {d["id"] for d in data["deals"]} == {"ef"}
    assert any(
        "3 entities with the most money" in note and "of 6" in note for note in data["notes"]
    )


def test_beyond_the_deal_limit_the_map_keeps_the_largest_deals_and_their_loops(load, monkeypatch):
    analysis = analyze(
        load(
            [
                deal("ab", "a", "b", amount="5e9"),
                deal("ba", "b", "a", amount="4e9"),
                deal("bc", "b", "c", amount="1e9"),
                deal("cb", "c", "b", amount="3e9"),
                deal("ca", "c", "a"),
            ]
        )
    )
    monkeypatch.setattr(map_module, "MAX_DEALS", 3)
    data = map_data(analysis)
    assert {d["id"] for d in data["deals"]} == {"ab", "ba", "cb"}  # $5B, $4B, $3B
    assert [a["entities"] for a in data["alerts"]["loops"]] == [["a", "b"]]  # b <-> c lost bc
    assert any("3 largest of the 5 deals" in note for note in data["notes"])


def test_alerts_list_loops_then_concentration_largest_first(load, monkeypatch):
    analysis = analyze(
        load(
            [
                deal("ab", "a", "b", amount="5e9"),
                deal("ba", "b", "a", amount="2e9"),
                deal("cd", "c", "d", amount="9e9"),
                deal("dc", "d", "c", amount="7e9"),
                deal("ef", "e", "f"),
                deal("fe", "f", "e", amount="1e9"),
            ]
        )
    )
    monkeypatch.setattr(map_module, "MAX_ALERTS_LISTED", 2)
    alerts = map_data(analysis)["alerts"]
    loops = [a for a in analysis.alerts if a.kind == "circular_flow"]
    assert len(loops) == 3
    assert [a["entities"] for a in alerts["loops"]] == [["c", "d"], ["a", "b"]]  # $7B, $2B
    assert alerts["loops_not_listed"] == 1  # e <-> f, whose amount is undisclosed, comes last
    amounts = [a["amount_usd"] for a in alerts["concentration"]]
    assert amounts == sorted(amounts, reverse=True) and alerts["concentration"]
    assert alerts["loops"][0]["highlight"] == ["c", "d"]


# ---- layout -------------------------------------------------------------------------------------


def random_graph(seed: int, n: int = 60) -> nx.Graph:
    graph = nx.gnm_random_graph(n, n * 2, seed=seed)
    graph.add_edges_from([(n, n + 1), (n + 2, n + 3)])  # two small parts apart
    return nx.relabel_nodes(graph, {i: f"n{i:03d}" for i in graph})


def test_layout_is_deterministic_and_does_not_depend_on_input_order():
    graph = random_graph(1)
    first = spring_positions(list(graph), list(graph.edges()))
    nodes, edges = list(graph), list(graph.edges())
    random.Random(5).shuffle(nodes)
    random.Random(6).shuffle(edges)
    assert spring_positions(nodes, [(b, a) for a, b in edges]) == first
    assert len(set(first.values())) == len(first)


def test_layout_puts_linked_entities_closer_than_others_and_keeps_parts_apart():
    graph = random_graph(2)
    pos = {k: np.array(v) for k, v in spring_positions(list(graph), list(graph.edges())).items()}
    linked = np.mean([np.linalg.norm(pos[a] - pos[b]) for a, b in graph.edges()])
    nodes = sorted(graph)
    pairs = [(a, b) for i, a in enumerate(nodes) for b in nodes[i + 1 :]]
    overall = np.mean([np.linalg.norm(pos[a] - pos[b]) for a, b in pairs])
    assert linked < overall / 1.5
    parts = [sorted(c) for c in nx.connected_components(graph)]
    boxes = [
        (np.min([pos[n] for n in p], axis=0), np.max([pos[n] for n in p], axis=0)) for p in parts
    ]
    for i, (low_a, high_a) in enumerate(boxes):
        for low_b, high_b in boxes[i + 1 :]:
            assert (high_a < low_b).any() or (high_b < low_a).any()  # bounding boxes do not meet


def test_a_long_name_is_cut_on_the_map_and_whole_in_its_record(load):
    long = "HUMAIN / AMD / Cisco AI data-centre joint venture (Saudi Arabia, unnamed at launch)"
    data = load([deal("d1", "jv", "b", "jv", "1B")],
                [entity("jv", "jv", long), entity("b", "chipmaker", "B")])  # fmt: skip
    records = {e["id"]: e for e in map_module.map_data(analyze(data))["entities"]}
    assert records["jv"]["name"] == long
    assert len(records["jv"]["label"]) == map_module.MAX_LABEL
    assert long.startswith(records["jv"]["label"][:-1]) and records["jv"]["label"].endswith("…")
    assert records["b"]["label"] == "B"
