"""The printed pictures: the deal wheel and the loop explainer, as files a newsroom can use.

SVGs are parsed as XML and searched as text; PNGs are measured from their header. The
pictures are also looked at by people (docs/img/); here we check what can be checked.
"""

from __future__ import annotations

import json
import math
import random
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from click.testing import CliRunner
from conftest import deal, entity
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from dealgraph.cli import main
from dealgraph.errors import DealgraphError
from dealgraph.graph.schema import SCHEMA
from dealgraph.loaders import load_dataset
from dealgraph.queries.findings.alerts import format_usd
from dealgraph.queries.findings.analysis import analyze
from dealgraph.viz.layout import chord_length, ring_angles, wheel_order
from dealgraph.viz.pictures import PRINT_DPI, loop_picture, wheel_picture, write_picture

HOSTILE = "<script>alert(1)</script> & Sons $5 $6"


@pytest.fixture(scope="module")
def bundled():
    return analyze(load_dataset())


def loops_of(analysis):
    return [a for a in analysis.alerts if a.kind == "circular_flow"]


def svg_text(path) -> str:
    """Every text of the SVG, titles included, after XML parsing (so entities decoded)."""
    root = ET.parse(path).getroot()
    return "\n".join(root.itertext())


def png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_the_bundled_wheel_names_every_loop_entity(bundled, tmp_path):
    path = write_picture(wheel_picture(bundled), tmp_path / "w.svg")
    text = svg_text(path)
    in_loops = {e for a in loops_of(bundled) for e in a.entities}
    assert len(in_loops) > 10
    for entity_id in in_loops:
        assert bundled.dataset.entity_name(entity_id) in text
    # the caption: the data's date and the number of distinct sources drawn
    sources = bundled.deals["source_url"].replace("", None).dropna().nunique()
    assert f"{sources} sources" in text
    assert bundled.deals["date"].max() in text
    # the largest loop is listed under the wheel with its amount
    largest = max(loops_of(bundled), key=lambda a: a.amount_usd or 0)
    assert f"{format_usd(largest.amount_usd)} can go round" in text


def test_a_bundled_loop_as_a_print_png_and_svg(bundled, tmp_path):
    alert = next(a for a in loops_of(bundled) if len(a.entities) >= 4)
    png = write_picture(loop_picture(bundled, alert.id), tmp_path / "l.png")
    width, height = png_size(png)
    assert width >= 1200 and height >= 1200  # a newspaper column at 300 dpi
    svg = write_picture(loop_picture(bundled, alert.id), tmp_path / "l.svg")
    text = svg_text(svg)
    for entity_id in alert.entities:
        assert bundled.dataset.entity_name(entity_id) in text
    for hop in alert.details["hops"]:
        assert format_usd(hop["amount_usd"]) in text
        dates = sorted(bundled.dataset.deals.loc[hop["deal_ids"], "date"])
        assert dates[0] in text and dates[-1] in text  # the hop's first and last deal
        for deal_id in hop["deal_ids"]:
            url = bundled.dataset.deals.at[deal_id, "source_url"]
            assert url.replace(" ", "") in text.replace("\n", "").replace(" ", "")
    assert format_usd(alert.amount_usd) in text
    assert alert.id in text


def test_equal_input_gives_equal_files(bundled, tmp_path):
    alert = loops_of(bundled)[0]
    for name in ("a.svg", "b.svg"):
        write_picture(loop_picture(bundled, alert.id), tmp_path / name)
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def test_hostile_names_stay_text(load, tmp_path):
    data = load(
        [deal("d1", "x", "y", "equity", "5B"), deal("d2", "y", "x", "cloud_contract", "7B")],
        [entity("x", "ai_lab", HOSTILE), entity("y", "hyperscaler", "Plain & Simple <b>")],
    )
    analysis = analyze(data)
    (alert,) = loops_of(analysis)
    for picture, name in ((wheel_picture(analysis), "w.svg"),
                          (loop_picture(analysis, alert.id), "l.svg")):  # fmt: skip
        path = write_picture(picture, tmp_path / name)
        raw = path.read_text("utf-8")
        assert "<script" not in raw and "<b>" not in raw
        root = ET.parse(path).getroot()
        assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "b")]
        text = svg_text(path)
        assert HOSTILE in text and "Plain & Simple <b>" in text
    write_picture(loop_picture(analysis, alert.id), tmp_path / "l.png")  # no TeX parsing


def test_a_focused_wheel_draws_only_the_neighbourhood(bundled, tmp_path):
    path = write_picture(wheel_picture(bundled, focus="coreweave", hops=1), tmp_path / "f.svg")
    text = svg_text(path)
    graph = nx.Graph(list(bundled.deals[["from_entity", "to_entity"]].itertuples(index=False)))
    near = set(graph["coreweave"]) | {"coreweave"}
    far = next(e for e in sorted(graph) if nx.shortest_path_length(graph, "coreweave", e) >= 3)
    assert bundled.dataset.entity_name(far) not in text
    assert all(bundled.dataset.entity_name(e) in text for e in near)
    assert "around CoreWeave" in text


def test_bad_requests_are_errors_before_writing(bundled, tmp_path):
    with pytest.raises(DealgraphError, match="unknown loop 'loop-nope'.*dealgraph loops"):
        loop_picture(bundled, "loop-nope")
    with pytest.raises(DealgraphError, match="must end in .svg or .png"):
        write_picture(wheel_picture(bundled), tmp_path / "w.pdf")
    assert list(tmp_path.iterdir()) == []


def test_the_wheel_groups_kinds_and_shortens_arrows(bundled):
    """On the bundled data and on random graphs: each kind is one unbroken arc in schema
    order, and the ordering's chords are shorter than the plain order's (by id)."""
    cases = [_links(bundled)]
    rng = random.Random(7)
    for _ in range(8):
        n = rng.randrange(20, 80)
        kinds = {f"e{i}": rng.choice(list(SCHEMA.entity_kinds)) for i in range(n)}
        graph = nx.gnm_random_graph(n, 2 * n, seed=rng.randrange(10**6))
        links = [(f"e{a}", f"e{b}", rng.uniform(0.1, 100)) for a, b in graph.edges]
        cases.append((kinds, links))
    for kinds, links in cases:
        order = wheel_order(kinds, list(SCHEMA.entity_kinds), links)
        assert sorted(order) == sorted(kinds)
        runs = [k for i, k in enumerate(kinds[e] for e in order)
                if i == 0 or kinds[order[i - 1]] != k]  # fmt: skip
        assert runs == [k for k in SCHEMA.entity_kinds if k in set(kinds.values())]
        plain = sorted(kinds, key=lambda e: (list(SCHEMA.entity_kinds).index(kinds[e]), e))
        assert chord_length(order, links) < chord_length(plain, links)
        assert order == wheel_order(dict(reversed(kinds.items())), list(SCHEMA.entity_kinds),
                                    list(reversed(links)))  # fmt: skip


def test_ring_angles_go_clockwise_from_the_top():
    angles = ring_angles(["a", "b", "c", "d"])
    assert angles["a"] == pytest.approx(math.pi / 2)
    assert angles["b"] == pytest.approx(0.0)  # a quarter turn clockwise: the right
    assert ring_angles(["a", "b"], turn=0.5)["a"] == pytest.approx(0.0)


def _links(analysis):
    deals = analysis.deals
    kinds = {e: analysis.dataset.entities.at[e, "kind"]
             for e in set(deals["from_entity"]) | set(deals["to_entity"])}  # fmt: skip
    links = [(a, b, 1.0) for a, b in deals[["from_entity", "to_entity"]].itertuples(index=False)]
    return kinds, links


def test_print_resolution():
    assert PRINT_DPI >= 300


def test_the_picture_command_writes_what_the_issue_asks(tmp_path):
    """`dealgraph picture --wheel -o w.svg` and `--loop ID -o l.png`, as a real process."""

    runner = CliRunner()
    loops = runner.invoke(main, ["loops", "--format", "json"])
    assert loops.exit_code == 0
    rows = json.loads(loops.output)
    wheel = tmp_path / "w.svg"
    done = subprocess.run(
        [sys.executable, "-m", "dealgraph", "picture", "--wheel", "-o", str(wheel)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr.strip() == f"Wrote {wheel}"  # a summary: stderr
    text = svg_text(wheel)
    names = load_dataset().entity_name
    assert all(names(e) in text for row in rows for e in row["entities"])
    result = runner.invoke(
        main, ["picture", "--loop", rows[0]["id"], "-o", str(tmp_path / "l.png")]
    )
    assert result.exit_code == 0, result.output
    assert png_size(tmp_path / "l.png")[0] >= 1200


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "x.png"], "Error: give one of --wheel or --loop ID"),
        (["--wheel", "--loop", "loop-1", "-o", "x.png"], "Error: give one of --wheel or --loop ID"),
        (["--loop", "loop-1", "--focus", "openai", "-o", "x.png"], "Error: --focus draws a wheel"),
        (
            ["--wheel", "-o", "x.pdf"],
            "Error: -o x.pdf: this command writes .png, .svg files, not .pdf",
        ),
        (
            ["--wheel", "-o", "x.png", "--format", "svg"],
            "Error: -o 'x.png': the name must end in .svg",
        ),
        (["--loop", "loop-nope", "-o", "x.png"], "Error: unknown loop 'loop-nope' for --loop"),
        (["--wheel", "--focus", "Open AI", "-o", "x.png"], "Error: --focus: 'Open AI': no entity"),
    ],
)
def test_picture_errors_are_one_line_and_exit_2(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["picture", *args])
    assert result.exit_code == 2
    assert result.output.startswith(message) and result.output.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_the_api_draws_the_same_pictures(bundled, tmp_path):
    import dealgraph

    graph = dealgraph.load()
    loop_id = graph.loops()["id"][0]
    svg = graph.picture(loop_id).save(tmp_path / "l.svg")
    assert (
        svg.read_bytes()
        == write_picture(loop_picture(bundled, loop_id), tmp_path / "c.svg").read_bytes()
    )
    wheel = graph.picture(focus="CoreWeave", hops=1)  # a name, as everywhere in the API
    assert "around CoreWeave" in svg_text(wheel.save(tmp_path / "w.svg"))
    assert wheel._repr_png_().startswith(b"\x89PNG")
    with pytest.raises(DealgraphError, match="not both"):
        graph.picture(loop_id, focus="openai")


def text_boxes(picture) -> list[tuple[str, object]]:
    """Every visible text of the picture and its box in pixels, as the Agg renderer lays it
    out (rotated names give the box around them)."""
    figure = picture.figure
    renderer = FigureCanvasAgg(figure).get_renderer()
    texts = figure.findobj(lambda a: isinstance(a, Text) and a.get_visible() and a.get_text())
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts]


def outside(box, frame) -> bool:
    return box.x0 < frame.x0 or box.y0 < frame.y0 or box.x1 > frame.x1 or box.y1 > frame.y1


def long_named_wheel(load):
    """A ring of 24 entities whose names are 32 characters, the longest drawn uncut, at
    every angle: the widest the names can reach."""
    names = [f"{i:02d} " + "Wide Name Corporation Holdings"[:29] for i in range(24)]
    kinds = list(SCHEMA.entity_kinds)
    entities = [entity(f"e{i}", kinds[i % len(kinds)], name) for i, name in enumerate(names)]
    deals = [deal(f"d{i}", f"e{i}", f"e{(i + 1) % 24}", "equity", "2B") for i in range(24)]
    return wheel_picture(analyze(load(deals, entities)))


def test_every_text_lies_inside_the_picture(bundled, load):
    """Nothing is cut at the edge, and the names round the wheel stay off the title, the
    loop list and the legend (they stay inside the wheel's own box)."""
    largest = max(loops_of(bundled), key=lambda a: a.amount_usd or 0)
    longest = max(loops_of(bundled), key=lambda a: (len(a.entities), a.amount_usd or 0))
    wheels = [wheel_picture(bundled), wheel_picture(bundled, focus="openai", hops=1),
              long_named_wheel(load)]  # fmt: skip
    loops = [loop_picture(bundled, largest.id), loop_picture(bundled, longest.id)]
    for picture in [*wheels, *loops]:
        frame = picture.figure.bbox
        boxes = text_boxes(picture)
        assert len(boxes) >= 8
        assert [text for text, box in boxes if outside(box, frame)] == []
    for picture in wheels:
        (ax,) = picture.figure.axes
        renderer = FigureCanvasAgg(picture.figure).get_renderer()
        wheel = ax.get_window_extent(renderer)
        names = [t for t in ax.texts if t.get_gid() in picture.titles]
        assert len(names) >= 24
        assert [t.get_text() for t in names if outside(t.get_window_extent(renderer), wheel)] == []
        # and the wheel's box overlaps no text drawn outside it
        others = [(text, box) for text, box in text_boxes(picture)
                  if not any(text == t.get_text() for t in ax.texts)]  # fmt: skip
        assert [text for text, box in others if box.overlaps(wheel)] == []
