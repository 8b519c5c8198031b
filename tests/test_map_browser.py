"""The map as a person sees it: the written file opened in a real headless Chromium.

Every test opens the file with all network blocked (fixtures_browser.py) and ends by checking
that the page logged no error, asked for nothing and opened no dialog.
"""

from __future__ import annotations

import random
import struct

import networkx as nx
import pytest
from conftest import deal, entity

from dealgraph.loaders import load_dataset
from dealgraph.queries.findings.alerts import format_usd
from dealgraph.queries.findings.analysis import Options, analyze
from dealgraph.queries.flows.flow import FlowFilter, deal_values, deals_in_force
from dealgraph.viz.map import MAX_ALERTS_LISTED, write_map

HOSTILE = "<img src=x onerror=alert(1)>"

SHOWN_NODES = "network.body.data.nodes.get({filter: n => !n.hidden}).map(n => n.id).sort()"
SHOWN_EDGES = "network.body.data.edges.get({filter: e => !e.hidden}).map(e => e.id).sort()"
BRIGHT_NODES = (
    "network.body.data.nodes.get({filter: n => !n.hidden && n.opacity === 1}).map(n => n.id).sort()"
)
BRIGHT_EDGES = (
    "network.body.data.edges.get({filter: e => !e.hidden && e.color.opacity > 0.5})"
    ".map(e => e.id).sort()"
)
TO_PAGE = """([x, y]) => {
  const box = document.getElementById('map').getBoundingClientRect();
  const p = network.canvasToDOM({x, y});
  return [box.left + p.x, box.top + p.y];
}"""


def assert_clean(mp) -> None:
    assert mp.errors == []
    assert mp.requests == []
    assert mp.dialogs == []


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """The bundled data set's analysis and its map, written once for the module."""
    analysis = analyze(load_dataset())
    path = write_map(analysis, tmp_path_factory.mktemp("map") / "map.html")
    return analysis, path


def drawn_graph(analysis) -> nx.MultiDiGraph:
    """The money-flow graph the map should draw, built here from the deals in force."""
    graph = nx.MultiDiGraph()
    for row in analysis.deals.itertuples():
        graph.add_edge(row.from_entity, row.to_entity, key=row.id)
    return graph


def test_the_bundled_map_draws_every_entity_and_deal_offline(map_page, bundled):
    analysis, path = bundled
    page = map_page.open(path)
    graph = drawn_graph(analysis)
    assert page.evaluate(SHOWN_NODES) == sorted(graph.nodes)
    assert page.evaluate(SHOWN_EDGES) == sorted(k for _, _, k in graph.edges(keys=True))
    # what vis-network itself holds, not only our data sets
    drawn = page.evaluate(
        "Object.values(network.body.nodes).filter(n => n.options.hidden === false"
        " && !String(n.id).startsWith('edgeId:')).length"
    )
    assert drawn == graph.number_of_nodes()
    assert page.evaluate("network.physics.options.enabled") is False
    positions = page.evaluate("network.getPositions()")
    embedded = page.evaluate(
        "Object.fromEntries(dealgraph.data.entities.map(e => [e.id, [e.x, e.y]]))"
    )
    assert positions.keys() == embedded.keys()
    for key, (x, y) in embedded.items():  # vis-network reports whole pixels
        assert abs(positions[key]["x"] - x) <= 1 and abs(positions[key]["y"] - y) <= 1
    legend = page.locator("#deal-kinds label").all_inner_texts()
    assert sorted(t.strip() for t in legend) == sorted(
        k.replace("_", " ") for k in set(analysis.deals["kind"])
    )
    # the header counts deals in force as `dealgraph analyze` does
    summary = page.locator("#summary").inner_text()
    assert f"{len(analysis.deals)} deals in force (" in summary
    # every loop counted, in the header as in the panel, though only the largest are listed
    loops = len(analysis.loops.loops)
    assert loops > MAX_ALERTS_LISTED
    assert f"{loops:,} circular flows (largest {MAX_ALERTS_LISTED} listed)" in summary
    assert page.locator("#loop-count").inner_text() == f"({loops:,})"
    more = loops - MAX_ALERTS_LISTED
    # the text, not inner_text: the list lays out only what is scrolled into view
    assert page.locator("#loops li.muted").text_content().startswith(f"and {more:,} smaller")
    map_page.screenshot("bundled-map")
    assert_clean(map_page)


def test_hovering_an_arrow_shows_the_deal_and_its_source(map_page, bundled):
    analysis, path = bundled
    page = map_page.open(path)
    # an arrow whose middle is not covered by an entity, so the pointer lands on the arrow
    point = page.evaluate("""() => {
      for (const d of dealgraph.data.deals) {
        if (d.bend || network.body.data.edges.get(d.id).hidden || !d.source_url) continue;
        const p = network.getPositions([d.from, d.to]);
        const mid = {x: (p[d.from].x + p[d.to].x) / 2, y: (p[d.from].y + p[d.to].y) / 2};
        const dom = network.canvasToDOM(mid);
        const clear = network.getNodeAt(dom) === undefined && network.getEdgeAt(dom) === d.id;
        if (clear) return [d.id, mid.x, mid.y];
      }
      return null;
    }""")
    assert point is not None
    deal_id, x, y = point
    page.mouse.move(*page.evaluate(TO_PAGE, [x, y]))
    tooltip = page.locator("#tooltip")
    tooltip.wait_for(state="visible")
    row = analysis.dataset.deals.loc[deal_id]
    text = tooltip.inner_text()
    assert row["source_url"] in text
    assert analysis.dataset.entity_name(row["from_entity"]) in text
    assert row["date"] in text and row["status"] in text
    map_page.screenshot("hover-arrow")
    page.mouse.move(2, 2)
    tooltip.wait_for(state="hidden")
    assert_clean(map_page)


def test_clicking_an_entity_lists_its_deals_with_sources(map_page, bundled):
    analysis, path = bundled
    page = map_page.open(path)
    deals = analysis.deals
    busiest = pd_mode(list(deals["from_entity"]) + list(deals["to_entity"]))
    at = page.evaluate(f"network.getPositions(['{busiest}'])['{busiest}']")
    page.mouse.click(*page.evaluate(TO_PAGE, [at["x"], at["y"]]))
    details = page.locator("#details-body")
    assert details.locator("h3").first.inner_text() == analysis.dataset.entity_name(busiest)
    mine = deals[(deals["from_entity"] == busiest) | (deals["to_entity"] == busiest)]
    assert details.locator("ol.deals > li").count() == len(mine)
    hrefs = set(
        details.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    )
    expected = {u for u in mine["source_url"] if u.startswith(("http://", "https://"))}
    assert {h.rstrip("/") for h in hrefs} == {u.rstrip("/") for u in expected}
    text = details.inner_text()
    for row in mine.itertuples():
        assert row.date in text
    map_page.screenshot("entity-details")
    assert_clean(map_page)


def pd_mode(values: list[str]) -> str:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return min(counts, key=lambda v: (-counts[v], v))


def test_clicking_a_loop_alert_highlights_exactly_that_loop(map_page, bundled):
    analysis, path = bundled
    page = map_page.open(path)
    buttons = page.locator("#loops button")
    assert buttons.count() == min(len(analysis.loops.loops), MAX_ALERTS_LISTED)
    loops = {a.id: a for a in analysis.alerts if a.kind == "circular_flow"}
    # loops first and largest first; pick the third so the test does not only pass for the top one
    listed = buttons.evaluate_all("bs => bs.map(b => b.dataset.alert)")
    amounts = [loops[i].amount_usd or 0 for i in listed if loops[i].amount_usd is not None]
    assert amounts == sorted(amounts, reverse=True)
    chosen = loops[listed[min(2, len(listed) - 1)]]
    buttons.nth(listed.index(chosen.id)).click()
    assert page.evaluate(BRIGHT_NODES) == sorted(chosen.entities)
    assert page.evaluate(BRIGHT_EDGES) == sorted(chosen.deal_ids)
    assert page.locator("#details-body").inner_text().count(chosen.summary) == 1
    map_page.screenshot("loop-highlighted")
    page.locator("#clear").click()
    assert page.evaluate(BRIGHT_NODES) == page.evaluate(SHOWN_NODES)
    assert_clean(map_page)


def test_the_date_slider_shows_the_map_as_of_a_date(map_page, bundled):
    analysis, path = bundled
    page = map_page.open(path)
    dates = page.evaluate("dealgraph.data.dates")
    index = len(dates) // 2
    page.locator("#as-of").fill(str(index))
    expected = deals_in_force(analysis.dataset.deals, FlowFilter(as_of=dates[index]))
    shown = page.evaluate(SHOWN_EDGES)
    assert shown == sorted(expected["id"])
    assert len(shown) < len(analysis.deals)  # later deals are gone
    assert max(analysis.dataset.deals.loc[shown, "date"]) <= dates[index]
    assert dates[index] in page.locator("#as-of-text").inner_text()
    map_page.screenshot("as-of")
    assert_clean(map_page)


def test_kind_and_minimum_amount_filters_hide_arrows(map_page, bundled):
    analysis, path = bundled
    page = map_page.open(path)
    deals = analysis.deals
    kind = deals["kind"].value_counts().index[0]
    page.locator(f"#deal-kinds input[value='{kind}']").uncheck()
    assert page.evaluate(SHOWN_EDGES) == sorted(deals[deals["kind"] != kind]["id"])
    page.locator(f"#deal-kinds input[value='{kind}']").check()
    page.locator("#min-amount").select_option(label=format_usd(1e10))
    values = deal_values(deals)
    assert page.evaluate(SHOWN_EDGES) == sorted(deals[values >= 1e10]["id"])
    assert_clean(map_page)


def test_search_finds_an_entity_by_alias(map_page, bundled):
    analysis, path = bundled
    page = map_page.open(path)
    entities = analysis.dataset.entities
    labels = entities[["id", "name", "aliases"]].itertuples(index=False)
    everything = [" ".join([name, *aliases]).lower() for _, name, aliases in labels]
    candidates = [  # aliases that are not part of the name and point to one entity only
        (entity_id, alias)
        for entity_id, name, aliases in entities[["id", "name", "aliases"]].itertuples(index=False)
        for alias in aliases
        if alias.lower() not in name.lower()
        and sum(alias.lower() in text for text in everything) == 1
    ]
    entity_id, alias = random.Random(4).choice(candidates)
    page.locator("#search").fill(alias)
    first = page.locator("#search-results button").first
    assert first.get_attribute("data-entity") == entity_id
    page.locator("#search").press("Enter")
    assert page.evaluate("network.getSelectedNodes()") == [entity_id]
    assert page.locator("#details-body h3").first.inner_text() == analysis.dataset.entity_name(
        entity_id
    )
    map_page.screenshot("search")
    assert_clean(map_page)


def test_a_hostile_name_renders_as_text_and_runs_nothing(map_page, load, tmp_path):
    data = load(
        [
            deal(
                "evil-deal",
                "evil",
                "b",
                amount="2e9",
                description="<b>bold</b><script>alert(3)</script>",
                source_url="javascript:alert(4)",
                source_title="<i>t</i>",
            ),
            deal("back", "b", "evil", amount="1e9"),
        ],
        [entity("evil", name=HOSTILE, aliases="<svg onload=alert(2)>"), entity("b", name="B & Co")],
    )
    page = map_page.open(write_map(analyze(data), tmp_path / "map.html", focus="evil"))
    assert HOSTILE in page.locator("h1").inner_text()
    page.locator("#search").fill("<svg")
    page.locator("#search-results button").first.click()
    details = page.locator("#details-body")
    assert details.locator("h3").first.inner_text() == HOSTILE
    assert "<b>bold</b><script>alert(3)</script>" in details.inner_text()
    assert details.locator("a").count() == 1  # the https source of "back", not javascript:
    at = page.evaluate("network.getPositions(['evil'])['evil']")
    page.mouse.move(*page.evaluate(TO_PAGE, [at["x"], at["y"]]))
    page.locator("#tooltip").wait_for(state="visible")
    assert HOSTILE in page.locator("#tooltip").inner_text()
    page.locator("#loops button").first.click()
    assert HOSTILE in page.locator("#details-body").inner_text()
    injected = page.evaluate("document.querySelectorAll('img, svg, b, i, iframe').length")
    assert injected == 0
    assert page.evaluate("document.scripts.length") == 3
    assert page.evaluate("[...document.querySelectorAll('a')].every(a => /^https?:/.test(a.href))")
    page.wait_for_timeout(200)  # time for any injected handler to fire
    map_page.screenshot("hostile-names")
    assert_clean(map_page)


def test_focus_draws_only_the_neighbourhood(map_page, bundled, tmp_path):
    analysis, _ = bundled
    graph = drawn_graph(analysis)
    centre = pd_mode([n for n in graph.nodes for _ in range(graph.degree(n))])
    path = write_map(analysis, tmp_path / "focus.html", focus=centre, hops=1)
    page = map_page.open(path)
    expected = set(nx.ego_graph(graph.to_undirected(as_view=True), centre, radius=1))
    assert set(page.evaluate(SHOWN_NODES)) == expected
    assert len(expected) < graph.number_of_nodes()
    assert "within 1 deal of" in page.locator("header").inner_text()
    map_page.screenshot("focus")
    assert_clean(map_page)


def test_physics_is_off_until_toggled(map_page, bundled):
    _, path = bundled
    page = map_page.open(path)
    before = page.evaluate("network.getPositions()")
    page.wait_for_timeout(300)
    assert page.evaluate("network.getPositions()") == before  # nothing moves on its own
    page.locator("#physics").check()
    assert page.evaluate("network.physics.options.enabled") is True
    map_page.wait_until(f"JSON.stringify(network.getPositions()) !== {json_literal(before)}")
    assert_clean(map_page)


def json_literal(value) -> str:
    import json

    return json.dumps(json.dumps(value, separators=(",", ":")))


def test_save_as_png_downloads_the_current_view(map_page, bundled, tmp_path):
    _, path = bundled
    page = map_page.open(path)
    with page.expect_download() as info:
        page.locator("#save-png").click()
    target = tmp_path / "view.png"
    info.value.save_as(target)
    blob = target.read_bytes()
    assert blob[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", blob[16:24])
    canvas = page.evaluate("(c => [c.width, c.height])(document.querySelector('#map canvas'))")
    assert width == canvas[0] and height > canvas[1]  # the view plus its caption line
    assert info.value.suggested_filename.endswith(".png")
    assert_clean(map_page)


def test_money_text_in_the_page_matches_the_python_formatting(map_page, bundled):
    analysis, path = bundled
    page = map_page.open(path)
    rng = random.Random(8)
    drawn = {float(v) for v in analysis.dataset.deals["amount_usd"].dropna()}
    spread = {round(10 ** rng.uniform(0, 13.5), rng.choice([0, 2])) for _ in range(300)}
    edges = {999.5e9, 999.4e9, 999.5e6, 9.995e9, 999.6e12, 1e15}  # rounding crosses a unit
    values = sorted(drawn | spread | edges)
    shown = page.evaluate("values => values.map(dealgraph.formatUsd)", values)
    assert shown == [format_usd(v) for v in values]
    assert_clean(map_page)


def test_a_data_set_without_deals_in_force_gives_an_empty_map(map_page, load, tmp_path):
    data = load(
        [deal("gone", "a", "b", status="cancelled")], [entity("a"), entity("b"), entity("c")]
    )
    analysis = analyze(data)
    page = map_page.open(write_map(analysis, tmp_path / "map.html"))
    assert page.evaluate(SHOWN_NODES) == [] and page.evaluate(SHOWN_EDGES) == []
    assert page.locator("#summary").inner_text().startswith("0 entities")
    page = map_page.open(write_map(analysis, tmp_path / "focus.html", focus="c"))
    assert page.evaluate(SHOWN_NODES) == ["c"]  # the focus alone, though it has no deals
    assert_clean(map_page)


# What vis-network draws: each labelled entity's label box and circle, in canvas units.
DRAWN_LABELS = """() => {
  const r = document.getElementById('map').getBoundingClientRect();
  const a = network.DOMtoCanvas({x: 0, y: 0}), b = network.DOMtoCanvas({x: r.width, y: r.height});
  return Object.values(network.body.nodes)
  .filter(n => !String(n.id).startsWith('edgeId:') && !n.options.hidden && n.options.label)
  .filter(n => a.x <= n.x && n.x <= b.x && a.y <= n.y && n.y <= b.y)  // drawn in this view
  .map(n => { const s = n.labelModule.size;
              return {id: n.id, box: [s.left, s.top, s.left + s.width, s.top + s.height]}; });
}"""
CIRCLES = """() => Object.fromEntries(Object.values(network.body.nodes)
  .filter(n => !String(n.id).startsWith('edgeId:') && !n.options.hidden)
  .map(n => [n.id, [n.x - n.options.size, n.y - n.options.size,
                    n.x + n.options.size, n.y + n.options.size]]))"""


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def drawn_labels(mp) -> dict[str, list[float]]:
    """The labels drawn once the page has placed them for the current view."""
    placed = mp.page.evaluate("dealgraph.state.placements")
    mp.page.evaluate("network.redraw()")
    mp.wait_until(f"dealgraph.state.placements >= {placed}")
    return {row["id"]: row["box"] for row in mp.page.evaluate(DRAWN_LABELS)}


def test_no_two_labels_overlap_in_the_overview(map_page, bundled):
    _, path = bundled
    page = map_page.open(path)
    labels = drawn_labels(map_page)
    assert len(labels) >= 40  # the decluttering keeps a readable share, not a handful
    boxes = sorted(labels.items())
    clashes = [(a, b) for i, (a, x) in enumerate(boxes) for b, y in boxes[i + 1:]
               if overlap(x, y)]  # fmt: skip
    assert clashes == []
    # the largest entities are labelled first
    sizes = page.evaluate(
        "Object.fromEntries(network.body.data.nodes.get().map(n => [n.id, n.size]))"
    )
    biggest = sorted(sizes, key=lambda e: -sizes[e])[:5]
    assert all(e in labels for e in biggest[:1])
    # zooming in shows more labels, none overlapping
    page.evaluate("network.moveTo({scale: network.getScale() * 3, animation: false}); "
                  "dealgraph.placeLabels()")  # fmt: skip
    closer = drawn_labels(map_page)
    assert len(closer) > len(labels) * 0.5
    boxes = sorted(closer.items())
    assert not [1 for i, (_, x) in enumerate(boxes) for _, y in boxes[i + 1 :] if overlap(x, y)]
    map_page.screenshot("labels-overview")
    assert_clean(map_page)


def test_a_highlighted_loop_has_no_faded_label_over_it(map_page, bundled):
    analysis, path = bundled
    page = map_page.open(path)
    for index in range(6):  # the six largest loops, the ones an editor looks at first
        page.locator("#loops button").nth(index).click()
        bright = set(page.evaluate(BRIGHT_NODES))
        labels = drawn_labels(map_page)
        circles = page.evaluate(CIRCLES)
        faded = {e: box for e, box in labels.items() if e not in bright}
        assert bright <= set(labels)  # each highlighted entity keeps its name
        over = [(f, h) for f, box in faded.items() for h in bright if overlap(box, circles[h])]
        assert over == []
        over_labels = [(f, h) for f, box in faded.items() for h in bright
                       if overlap(box, labels[h])]  # fmt: skip
        assert over_labels == []
        if index == 2:
            map_page.screenshot("loop-labels")
    assert_clean(map_page)


def test_search_highlights_the_entity_and_brings_it_into_view(map_page, bundled):
    analysis, path = bundled
    page = map_page.open(path)
    page.locator("#loops button").first.click()  # a loop highlighted before the search
    page.locator("#search").fill("CoreWeave")
    page.locator("#search").press("Enter")
    graph = drawn_graph(analysis)
    partners = (
        {"coreweave"} | set(graph.successors("coreweave")) | set(graph.predecessors("coreweave"))
    )
    assert set(page.evaluate(BRIGHT_NODES)) == partners
    touching = {k for a, b, k in graph.edges(keys=True) if "coreweave" in (a, b)}
    assert set(page.evaluate(BRIGHT_EDGES)) == touching
    assert page.locator("#loops button[aria-pressed=true]").count() == 0
    assert page.locator("#details-body h3").first.inner_text() == "CoreWeave, Inc."
    box = page.evaluate("(() => { const r = document.getElementById('map')"
                        ".getBoundingClientRect(); return [r.width, r.height]; })()")  # fmt: skip
    for entity_id, (x, y) in page.evaluate(
        "Object.entries(network.getPositions()).filter(([id]) =>"
        f" {sorted(partners)!r}.includes(id)).map(([id, p]) =>"
        " [id, [network.canvasToDOM(p).x, network.canvasToDOM(p).y]])"
    ):
        assert 0 <= x <= box[0] and 0 <= y <= box[1], entity_id
    assert "coreweave" in drawn_labels(map_page)
    map_page.screenshot("search-coreweave")
    page.locator("#clear").click()
    assert page.evaluate(BRIGHT_NODES) == page.evaluate(SHOWN_NODES)
    assert_clean(map_page)


def test_the_wheel_layout_and_its_toggle(map_page, bundled, tmp_path):
    analysis, _ = bundled
    path = write_map(analysis, tmp_path / "wheel.html", layout="wheel")
    page = map_page.open(path)
    positions = page.evaluate("network.getPositions()")
    radii = {e: (p["x"] ** 2 + p["y"] ** 2) ** 0.5 for e, p in positions.items()}
    assert max(radii.values()) - min(radii.values()) <= 2  # all on one ring
    assert page.locator("input[name=layout][value=wheel]").is_checked()
    labels = drawn_labels(map_page)
    boxes = sorted(labels.items())
    assert not [1 for i, (_, x) in enumerate(boxes) for _, y in boxes[i + 1 :] if overlap(x, y)]
    map_page.screenshot("wheel-layout")
    page.locator("input[name=layout][value=spring]").check()
    embedded = page.evaluate(
        "Object.fromEntries(dealgraph.data.entities.map(e => [e.id, [e.x, e.y]]))"
    )
    moved = page.evaluate("network.getPositions()")
    for key, (x, y) in embedded.items():
        assert abs(moved[key]["x"] - x) <= 1 and abs(moved[key]["y"] - y) <= 1
    assert_clean(map_page)


def test_the_alerts_panel_shows_the_significance_line(map_page, bundled, tmp_path):
    analysis, path = bundled
    page = map_page.open(path)
    assert page.locator("#loop-significance").is_hidden()  # not tested: nothing to say
    tested = analyze(analysis.dataset, Options(significance_samples=30, seed=4))
    page = map_page.open(write_map(tested, tmp_path / "tested.html"))
    line = page.locator("#loop-significance")
    assert line.is_visible()
    assert line.inner_text() == "Against chance: " + tested.significance.summary()
    # a loop alert's details give the p-value of its length
    first = page.locator("#loops button").first
    chosen = next(a for a in tested.alerts if a.id == first.get_attribute("data-alert"))
    first.click()
    p_value = tested.significance.loops_by_length[len(chosen.entities)].p_value
    assert (
        f"Against chance: p = {p_value:.3f} for loops of this length"
        in page.locator("#details-body").inner_text()
    )
    assert_clean(map_page)


def test_the_notebook_display_draws_the_map_inside_its_iframe(map_page, tmp_path):
    import dealgraph

    ds = dealgraph.load()
    cell = ds.map(focus="openai", hops=1)._repr_html_()
    page_file = tmp_path / "notebook.html"
    page_file.write_text(f"<!doctype html><html><body style='width:1000px'>{cell}</body></html>",
                         encoding="utf-8")  # fmt: skip
    page = map_page.page
    page.goto(page_file.resolve().as_uri())
    frame = next(f for f in page.frames if f != page.main_frame)
    deadline = 200
    while not frame.evaluate("document.documentElement.dataset.ready === 'true'"):
        deadline -= 1
        assert deadline > 0, "the map in the iframe never drew"
        page.wait_for_timeout(50)
    box = page.locator("iframe").bounding_box()
    assert box["width"] == 1000 and box["height"] == 600  # 100% wide, 60% of that high
    canvas = frame.evaluate("(c => c && [c.width, c.height])(document.querySelector('canvas'))")
    assert canvas and canvas[0] > 0 and canvas[1] > 0
    graph = ds.to_networkx().to_undirected()
    around = {"openai", *graph.neighbors("openai")}
    assert set(frame.evaluate("dealgraph.data.entities.map(e => e.id)")) == around
    map_page.screenshot("notebook-map")
    assert_clean(map_page)
