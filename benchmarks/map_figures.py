"""Figures for the map: time to write it, time until it is drawn and idle in
headless Chromium, and how quickly it answers once open.

Run: python benchmarks/map_figures.py [--sizes 500 2000 10000] [--uncapped 4000]

For the bundled data set and synthetic power-law graphs (benchmarks/synthetic.py, three deals
per entity) it prints one row per graph:
- analyse: loading and analysing, with the loop search stopped at `LOOP_LIMIT` loops;
- write: `write_map` alone (data, layout, HTML);
- drawn+idle: from navigation until vis-network has drawn once and the page is idle;
- redraw: one full redraw of the canvas (what every pan and zoom step costs), median of 9;
- filter: moving the date slider to the middle date, until the new view is drawn.
`--uncapped N` also measures an N-entity graph with the limits lifted, to show what they
save (`dealgraph.viz.map.MAX_ENTITIES` and `MAX_DEALS`).
`--against REF` also opens each page with the page script and styles (viz/assets/map.js,
map.css) of a git revision, same data, same run, alternating `--rounds` times, and prints
the median drawn+idle time of both, their ratio (on a busy machine absolute times move, the
ratio less) and where this page spends the time (the script's performance marks).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fixtures_browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (the tests' browser)
from synthetic import write_dataset  # noqa: E402

from dealgraph.loaders import load_dataset  # noqa: E402
from dealgraph.queries.findings.analysis import Options, analyze  # noqa: E402
from dealgraph.viz import map as map_module  # noqa: E402
from dealgraph.viz.map import csp_hash  # noqa: E402

# Synthetic hub-heavy graphs hold millions of loops; the map lists the largest 300 anyway, so
# the search stops early here to keep the run short (the analysis is not what is measured).
LOOP_LIMIT = 2_000

SHOWN = """[network.body.data.nodes.get({filter: n => !n.hidden}).length,
  network.body.data.edges.get({filter: e => !e.hidden}).length]"""
DRAWN_AND_IDLE = """() => new Promise((resolve, reject) => {
  const given = performance.now() + 60000;  // a page that never draws fails, not hangs
  const wait = () => document.documentElement.dataset.ready === 'true'
    ? requestIdleCallback(() => resolve(performance.now()), {timeout: 60000})
    : performance.now() > given ? reject(new Error('not drawn in 60 s')) : setTimeout(wait, 5);
  wait();
})"""
REDRAW = """() => {
  const times = [];
  for (let i = 0; i < 9; i++) {
    const start = performance.now();
    network.redraw();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[4];
}"""
# The page's own marks (viz/assets/map.js): its script starts, the first view and labels are
# chosen, the data sets are built, vis-network is made, its first drawing starts and ends.
STEPS = ("script", "first-view", "data-sets", "network", "drawing", "drawn")
MARKS = "performance.getEntriesByType('mark').map(e => [e.name, e.startTime])"
FILTER = """() => new Promise(resolve => {
  const slider = document.getElementById('as-of');
  const start = performance.now();
  network.once('afterDrawing', () => resolve(performance.now() - start));
  slider.value = String(Math.floor(Number(slider.max) / 2));
  slider.dispatchEvent(new Event('input'));
  network.redraw();
})"""


def measure(name: str, specs: list, folder: Path, browser) -> dict:
    started = time.perf_counter()
    analysis = analyze(load_dataset(specs), Options(limit=LOOP_LIMIT))
    analysed = time.perf_counter()
    path = map_module.write_map(analysis, folder / f"{name}.html")
    written = time.perf_counter()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
    )
    opened = time.perf_counter()
    page.goto(path.as_uri())
    page.evaluate(DRAWN_AND_IDLE)
    idle = time.perf_counter()
    shown = page.evaluate(SHOWN)
    redraw = page.evaluate(REDRAW)
    filtered = page.evaluate(FILTER)
    page.close()
    return {
        "graph": name,
        "entities": len(analysis.dataset.entities),
        "deals": len(analysis.deals),
        "drawn": f"{shown[0]:,} / {shown[1]:,}",
        "analyse s": f"{analysed - started:.2f}",
        "write s": f"{written - analysed:.2f}",
        "MB": f"{path.stat().st_size / 1e6:.1f}",
        "drawn+idle s": f"{idle - opened:.2f}",
        "redraw ms": f"{redraw:.0f}",
        "filter ms": f"{filtered:.0f}",
    }


def against(ref: str, specs: list, folder: Path, browser, rounds: int = 5) -> str:
    """Median drawn+idle time of this page and of the page with `ref`'s script and styles
    (viz/assets/map.js and map.css) on the same data, opened alternately."""
    assets = Path(map_module.__file__).parent / "assets"
    html = map_module.render_map(
        map_module.map_data(analyze(load_dataset(specs), Options(limit=LOOP_LIMIT)))
    )
    baseline = html
    for name in ("map.js", "map.css"):
        mine = (assets / name).read_text("utf-8")
        old = subprocess.run(["git", "show", f"{ref}:viz/assets/{name}"], capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
        if html.count(mine) != 1:
            raise SystemExit(f"the page does not carry viz/assets/{name} once")
        baseline = baseline.replace(mine, old)
        if name == "map.js":  # the policy lets the script run by its hash; the template
            # escapes the policy's quotes, so only the digests are swapped
            digests = [csp_hash(text).strip("'") for text in (mine, old)]
            baseline = baseline.replace(*digests)
    pages = {"this": folder / "against-this.html", ref: folder / "against-ref.html"}
    pages["this"].write_text(html, "utf-8")
    pages[ref].write_text(baseline, "utf-8")
    times: dict[str, list[float]] = {name: [] for name in pages}
    marks: list[dict] = []
    for _ in range(rounds):
        for name, path in pages.items():
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            started = time.perf_counter()
            page.goto(path.as_uri())
            page.evaluate(DRAWN_AND_IDLE)
            times[name].append(time.perf_counter() - started)
            if name == "this":
                marks.append(dict(page.evaluate(MARKS)))
            page.close()
    this, base = (statistics.median(times[name]) for name in pages)
    steps = ", ".join(f"{step} {statistics.median(m[f'map:{step}'] for m in marks):.0f}"
                      for step in STEPS)  # fmt: skip
    return (
        f"drawn+idle: {this:.2f} s against {base:.2f} s with {ref}'s map.js and map.css "
        f"({this / base:.2f}, medians of {rounds});\n  this page, ms from navigation: {steps}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[500, 2000, 10000])
    parser.add_argument("--uncapped", type=int, nargs="*", default=[])
    parser.add_argument(
        "--against", metavar="REF", help="Compare with this revision's map.js and map.css."
    )
    parser.add_argument("--rounds", type=int, default=5, help="Pages opened for --against.")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        folder = Path(tmp)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        rows.append(measure("bundled", ["bundled"], folder, browser))
        compared = []
        for size in args.sizes:
            data = write_dataset(folder / f"data{size}", entities=size, deals=3 * size)
            rows.append(measure(f"synthetic {size:,}", [data], folder, browser))
            if args.against:
                figures = against(args.against, [data], folder, browser, args.rounds)
                compared.append(f"synthetic {size:,}: {figures}")
        limits = map_module.MAX_ENTITIES, map_module.MAX_DEALS
        for size in args.uncapped:
            data = write_dataset(folder / f"data{size}", entities=size, deals=3 * size)
            map_module.MAX_ENTITIES, map_module.MAX_DEALS = size, 3 * size
            rows.append(measure(f"synthetic {size:,}, no limit", [data], folder, browser))
            map_module.MAX_ENTITIES, map_module.MAX_DEALS = limits
        browser.close()
    columns = list(rows[0])
    widths = [max(len(c), *(len(str(r[c])) for r in rows)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(str(row[c]).ljust(w) for c, w in zip(columns, widths, strict=True)))
    limits = f"{map_module.MAX_ENTITIES:,} entities, {map_module.MAX_DEALS:,} deals"
    print(f"\nlimits: {limits}; drawn: entities / deals in the first view")
    for line in compared:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
