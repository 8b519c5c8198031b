/* dealgraph map: draws the embedded data with vis-network and wires the controls.
 *
 * Every text that comes from the data is put on the page with DOM text nodes (textContent,
 * Node.append), never innerHTML, and only http(s) URLs become links. The vis-network object
 * stays reachable as window.network so scripts and tests can inspect what is drawn.
 */
(function () {
  "use strict";
  // Marks for benchmarks/map_figures.py: where opening the page spends its time.
  performance.mark("map:script");

  const data = JSON.parse(document.getElementById("dealgraph-data").textContent);
  const FADED_NODE = 0.15;
  const FADED_EDGE = 0.08;
  const EDGE_OPACITY = 0.85;
  const LARGE = data.entities.length > 1000 || data.deals.length > 3000;
  const LABEL_PX = 13; // label height on screen, whatever the zoom

  const byId = (id) => document.getElementById(id);
  const container = byId("map");
  const entities = new Map(data.entities.map((e) => [e.id, e]));
  const deals = new Map(data.deals.map((d) => [d.id, d]));
  const dealsOf = new Map(data.entities.map((e) => [e.id, []]));
  for (const d of data.deals) {
    dealsOf.get(d.from).push(d);
    dealsOf.get(d.to).push(d);
  }
  const allAlerts = [...data.alerts.loops, ...data.alerts.concentration];

  const state = {
    asOf: Math.max(data.dates.length - 1, 0),
    minAmount: 0,
    kinds: new Set(data.deal_kinds.map((k) => k.kind)),
    highlight: null, // {alert, entity, nodes: Set, edges: Set}: a loop or a searched entity
    layout: data.layout, // "spring" or "wheel"
    labelled: new Set(), // ids of the entities whose label is drawn
    placements: 0, // how many times the labels were placed (tests wait on it)
    visible: new Set(), // ids of the deals drawn
    through: new Map(), // entity id -> {in, out, inCount, outCount}
  };

  // ---- small DOM helpers: text only -------------------------------------------------------

  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function swatch(kind, color) {
    const s = el("span", "swatch " + kind);
    s.style.background = color;
    return s;
  }

  /** A link when `url` is http(s), else the text alone: no javascript: or data: links. */
  function sourceLink(url, text) {
    let parsed = null;
    try {
      parsed = new URL(url);
    } catch (err) {
      parsed = null;
    }
    if (parsed && (parsed.protocol === "https:" || parsed.protocol === "http:")) {
      const a = el("a", null, text || parsed.href);
      a.href = parsed.href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      return a;
    }
    return el("span", "url", text || url);
  }

  /** The same text as dealgraph.queries.findings.alerts.format_usd (tests compare the two). */
  function formatUsd(amount) {
    if (amount === null || amount === undefined) return "undisclosed";
    const units = [[1e12, "T"], [1e9, "B"], [1e6, "M"], [1e3, "K"]];
    for (let n = 0; n < units.length; n++) {
      let [size, unit] = units[n];
      if (amount >= size) {
        let v = amount / size;
        if (v >= 1000 || (n === 0 && Number(v.toPrecision(3)) >= 1000)) {
          return "$" + Math.round(v).toLocaleString("en-US") + unit;
        }
        if (Number(v.toPrecision(3)) >= 1000) {  // as format_usd: $999.5B reads $1T
          [size, unit] = units[n - 1];
          v = amount / size;
        }
        return "$" + String(Number(v.toPrecision(3))) + unit;
      }
    }
    return "$" + Math.round(amount).toLocaleString("en-US");
  }

  const kindText = (kind) => kind.replace(/_/g, " ");
  const nameOf = (id) => (entities.has(id) ? entities.get(id).label : id);

  // ---- what is drawn ----------------------------------------------------------------------

  /** `YYYY-MM` as a cut-off means the whole month (as in queries/flows/flow.py). */
  function cutoff() {
    const date = data.dates[state.asOf];
    if (date === undefined) return "9999-12-31";
    return date.length === 7 ? date + "-31" : date;
  }

  function isVisible(d, cut) {
    if (d.date > cut || (d.until && d.until <= cut)) return false;
    if (!state.kinds.has(d.kind)) return false;
    if (state.minAmount > 0 && !(d.value !== null && d.value >= state.minAmount)) return false;
    return true;
  }

  function nodeSize(amount) {
    const s = data.node_scale;
    if (!(amount > s.low)) return s.min;
    const share = Math.min(1, Math.log10(amount / s.low) / Math.log10(s.high / s.low));
    return s.min + (s.max - s.min) * share;
  }

  function edgeColor(d, faded) {
    return { color: d.color, highlight: d.color, hover: d.color, opacity: faded ? FADED_EDGE : EDGE_OPACITY };
  }

  const at = (e, layout) => (layout === "wheel" ? { x: e.wx, y: e.wy } : { x: e.x, y: e.y });
  let fontSize = 14; // the labels' size in canvas units, set by placeLabels() for the zoom
  const fontOf = (faded) => ({ size: fontSize, color: faded ? "rgba(29,34,40,0.25)" : "#1d2228" });

  /** What the filters and the highlight make of each entity and deal. Only what changed is
   *  handed to vis-network (each DataSet update costs a pass over the whole graph), and the
   *  data sets are built in their first state, so opening the page updates nothing. */
  const applied = { nodes: new Map(), edges: new Map() };

  const isHidden = (e) => !state.through.has(e.id) && e.id !== data.focus;

  function nodeLook(e) {
    const t = state.through.get(e.id);
    const faded = state.highlight !== null && !state.highlight.nodes.has(e.id);
    return {
      id: e.id,
      hidden: isHidden(e),
      size: nodeSize(t ? t.in + t.out : 0),
      opacity: faded ? FADED_NODE : 1,
      font: fontOf(faded),
    };
  }

  function edgeLook(d) {
    const faded = state.highlight !== null && !state.highlight.edges.has(d.id);
    return { id: d.id, hidden: !state.visible.has(d.id), color: edgeColor(d, faded) };
  }

  function changes(list, look, seen, key) {
    const out = [];
    for (const item of list) {
      const l = look(item);
      const k = key(l);
      if (seen.get(item.id) !== k) {
        seen.set(item.id, k);
        out.push(l);
      }
    }
    return out;
  }
  const nodeKey = (l) => l.hidden + "|" + l.size + "|" + l.opacity;
  const edgeKey = (l) => l.hidden + "|" + l.color.opacity;

  function countMoney() {
    const cut = cutoff();
    const visible = new Set();
    const through = new Map();
    for (const d of data.deals) {
      if (!isVisible(d, cut)) continue;
      visible.add(d.id);
      for (const [id, side] of [[d.from, "out"], [d.to, "in"]]) {
        const t = through.get(id) || { in: 0, out: 0, inCount: 0, outCount: 0 };
        t[side] += d.value || 0;
        t[side + "Count"] += 1;
        through.set(id, t);
      }
    }
    state.visible = visible;
    state.through = through;
  }

  // for placeLabels(): how many loops each entity is in, and each label's width per px of size
  const loopsOf = new Map();
  for (const alert of data.alerts.loops) {
    for (const id of alert.entities) loopsOf.set(id, (loopsOf.get(id) || 0) + 1);
  }
  const measure = document.createElement("canvas").getContext("2d");
  measure.font = "100px system-ui, sans-serif";
  const labelWidth = new Map(data.entities.map((e) => [e.id, measure.measureText(e.label).width / 100]));
  // ---- alerts panel -----------------------------------------------------------------------

  const alertButtons = new Map();

  function alertButton(alert) {
    const button = el("button", "sev-" + alert.severity);
    button.type = "button";
    button.dataset.alert = alert.id;
    button.setAttribute("aria-pressed", "false");
    if (alert.kind === "circular_flow") {
      const path = [...alert.entities, alert.entities[0]].map(nameOf).join(" → ");
      button.append(el("span", "sev", alert.severity), el("span", "amount", alert.amount_text), el("span", "path", path));
    } else {
      button.append(el("span", "sev", alert.severity), el("span", "amount", alert.amount_text), alert.summary);
    }
    button.title = alert.summary;
    button.addEventListener("click", () => setHighlight(state.highlight && state.highlight.alert === alert ? null : alert));
    alertButtons.set(alert.id, button);
    return el("li", null, button);
  }

  function fillAlerts(listId, countId, list, notListed) {
    const ol = byId(listId);
    ol.replaceChildren(...list.map(alertButton));
    if (notListed) {
      ol.append(el("li", "muted", "and " + notListed.toLocaleString("en-US")
        + " smaller ones, not listed here (dealgraph alerts lists them all)"));
    }
    if (!list.length) ol.append(el("li", "muted", "none"));
    byId(countId).textContent = "(" + (list.length + notListed).toLocaleString("en-US") + ")";
  }

  fillAlerts("loops", "loop-count", data.alerts.loops, data.alerts.loops_not_listed);
  if (data.significance) {  // against degree-preserving shuffles (docs/risk.md, Significance)
    byId("loop-significance").textContent = "Against chance: " + data.significance;
    byId("loop-significance").hidden = false;
  }
  fillAlerts("concentration", "concentration-count", data.alerts.concentration, data.alerts.concentration_not_listed);

  /** Grey out the alerts the filters break: a loop with a hop whose deals are all hidden,
   *  a concentration none of whose deals is shown. */
  function markAlerts() {
    const shown = (ids) => ids.some((id) => state.visible.has(id));
    for (const alert of allAlerts) {
      const off = alert.kind === "circular_flow"
        ? !alert.details.hops.every((hop) => shown(hop.deal_ids))
        : !shown(alert.deal_ids);
      alertButtons.get(alert.id).classList.toggle("off", off);
    }
  }

  // ---- the first view: everything that sizes the page is filled before the map is drawn

  let network = null; // vis-network, made once the data sets are
  countMoney();
  renderSummary();
  markAlerts();
  // The first view is computed here, as vis-network's fit would, so that the labels can be
  // chosen before the network is made and the first drawing needs no update.
  const firstView = fitted(data.entities.filter((e) => !isHidden(e)));
  placeLabels(firstView.scale);
  performance.mark("map:first-view");
  // The data sets carry only what differs from the defaults given to vis-network below:
  // each option on an item costs parsing, and 6,000 arrows make that most of the start.
  const nodes = new vis.DataSet(changes(data.entities, nodeLook, applied.nodes, nodeKey).map((l) => {
    const e = entities.get(l.id);
    const item = { id: l.id, label: state.labelled.has(l.id) ? e.label : "", size: l.size, opacity: l.opacity,
      ...at(e, state.layout),
      group: e.kind }; // colours come from the group
    if (l.hidden) item.hidden = true;
    return item;
  }));
  const groups = Object.fromEntries(data.entity_kinds.map((k) => [k.kind, {
    color: {
      background: k.color,
      border: "#333",
      highlight: { background: k.color, border: "#000" },
      hover: { background: k.color, border: "#000" },
    },
  }]));
  const edges = new vis.DataSet(changes(data.deals, edgeLook, applied.edges, edgeKey).map((l) => {
    const d = deals.get(l.id);
    const item = { id: l.id, from: d.from, to: d.to, width: d.width, color: l.color };
    if (l.hidden) item.hidden = true;
    if (d.value === null) item.dashes = true;
    if (d.bend) item.smooth = { enabled: true, type: "curvedCW", roundness: d.bend };
    return item;
  }));

  function render() {
    countMoney();
    const nodeChanges = changes(data.entities, nodeLook, applied.nodes, nodeKey);
    if (nodeChanges.length) nodes.update(nodeChanges);
    const edgeChanges = changes(data.deals, edgeLook, applied.edges, edgeKey);
    if (edgeChanges.length) edges.update(edgeChanges);
    renderSummary();
    markAlerts();
    placeLabels();
  }

  /** Every loop the map can show, not only the listed ones: "588 circular flows (largest
   *  300 listed)". The alerts panel counts the same way. */
  function loopCount() {
    const listed = data.alerts.loops.length;
    const all = listed + data.alerts.loops_not_listed;
    const text = all.toLocaleString("en-US") + " circular flow" + (all === 1 ? "" : "s");
    return listed < all ? text + " (largest " + listed + " listed)" : text;
  }

  function renderSummary() {
    const shown = data.entities.filter((e) => !isHidden(e)).length;
    const date = data.dates[state.asOf];
    const last = state.asOf === data.dates.length - 1;
    const asOf = last && data.as_of ? data.as_of : date;
    const parts = [
      shown + " entities",
      state.visible.size + " deals in force (" + data.deals.length + " at some date)",
      loopCount(),
    ];
    if (asOf) parts.push("as of " + asOf + (last && !data.as_of ? " (latest deal)" : ""));
    byId("summary").textContent = parts.join(" · ");
    byId("as-of-text").textContent = asOf || "no deals";
  }

  // ---- vis-network ------------------------------------------------------------------------

  performance.mark("map:data-sets");
  network = new vis.Network(container, { nodes, edges }, {
    autoResize: true,
    physics: {
      enabled: false,
      stabilization: false,
      barnesHut: { gravitationalConstant: -4000, springLength: 140, springConstant: 0.03, avoidOverlap: 0.2 },
    },
    layout: { improvedLayout: false },
    groups,
    interaction: {
      hover: true,
      hideEdgesOnDrag: LARGE,
      hideEdgesOnZoom: LARGE,
      keyboard: false,
      multiselect: false,
    },
    nodes: {
      shape: "dot",
      borderWidth: 1,
      font: { ...fontOf(false), face: "system-ui, sans-serif", strokeWidth: 3, strokeColor: "#ffffff" },
    },
    edges: {
      arrows: { to: { enabled: true, scaleFactor: 0.6 } },
      selectionWidth: 1.5,
      hoverWidth: 1,
      smooth: false,
    },
  });
  window.network = network;
  performance.mark("map:network");

  // ---- labels: by priority, none over another or over a highlighted entity ------------------


  /** Labels keep one size on screen; at each zoom the entities are taken in order (the
   *  highlighted first, then by money through them, then by the loops they are in) and a
   *  label is drawn only where it overlaps no label already drawn and no highlighted
   *  entity. Boxes are kept in a grid, so 2,000 entities take a few milliseconds. */
  /** The view that shows `shown` whole: its centre and scale (vis-network's fit, which
   *  leaves a tenth of the room around the drawing and zooms in no further than 1). */
  function fitted(shown) {
    const box = [Infinity, Infinity, -Infinity, -Infinity];
    for (const e of shown) {
      const p = at(e, state.layout);
      const r = nodeSize((state.through.get(e.id) || { in: 0, out: 0 }).in
        + (state.through.get(e.id) || { in: 0, out: 0 }).out);
      box[0] = Math.min(box[0], p.x - r); box[1] = Math.min(box[1], p.y - r);
      box[2] = Math.max(box[2], p.x + r); box[3] = Math.max(box[3], p.y + r);
    }
    if (!shown.length) return { position: { x: 0, y: 0 }, scale: 1 };
    const width = container.clientWidth || 800;
    const height = container.clientHeight || 600;
    const scale = Math.min(1, width / ((box[2] - box[0]) * 1.1 || 1), height / ((box[3] - box[1]) * 1.1 || 1));
    return { position: { x: (box[0] + box[2]) / 2, y: (box[1] + box[3]) / 2 }, scale };
  }

  function placeLabels(viewScale) {
    const scale = viewScale || network.getScale() || 1;
    const size = Math.min(48, Math.max(LABEL_PX / scale, 1));
    const resized = Math.abs(size - fontSize) > 0.01 * size;
    fontSize = size;
    const hl = state.highlight;
    const shown = data.entities.filter((e) => !isHidden(e));
    const through = (id) => { const t = state.through.get(id); return t ? t.in + t.out : 0; };
    shown.sort((a, b) => (hl ? hl.nodes.has(b.id) - hl.nodes.has(a.id) : 0)
      || through(b.id) - through(a.id) || (loopsOf.get(b.id) || 0) - (loopsOf.get(a.id) || 0)
      || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    const positions = network ? network.getPositions(shown.map((e) => e.id))
      : Object.fromEntries(shown.map((e) => [e.id, at(e, state.layout)]));
    const cell = size * 12;
    const grid = new Map();
    const cells = (box, add) => {
      const found = [];
      for (let i = Math.floor(box[0] / cell); i <= Math.floor(box[2] / cell); i++) {
        for (let j = Math.floor(box[1] / cell); j <= Math.floor(box[3] / cell); j++) {
          const key = i + "," + j;
          if (add) { if (!grid.has(key)) grid.set(key, []); grid.get(key).push(box); }
          else if (grid.has(key)) found.push(...grid.get(key));
        }
      }
      return found;
    };
    const overlaps = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
    const labelled = new Set();
    let blocked = !hl; // the highlighted entities' circles, once their own labels are placed
    for (const e of shown) {
      if (!blocked && !hl.nodes.has(e.id)) {
        for (const id of hl.nodes) {
          const p = positions[id];
          const r = nodeSize(through(id)) + 1;
          if (p) cells([p.x - r, p.y - r, p.x + r, p.y + r], true);
        }
        blocked = true;
      }
      const p = positions[e.id];
      const r = nodeSize(through(e.id));
      const half = (labelWidth.get(e.id) * size) / 2 + 3;
      const box = [p.x - half, p.y + r + 1, p.x + half, p.y + r + 10 + 1.25 * size];
      if (cells(box, false).some((other) => overlaps(box, other))) continue;
      cells(box, true);
      labelled.add(e.id);
    }
    state.placements += 1;
    if (!network) { // the data sets are built with these labels
      state.labelled = labelled;
      return;
    }
    const changed = [];
    for (const e of data.entities) {
      const now = labelled.has(e.id);
      if (now !== state.labelled.has(e.id) || (now && resized)) {
        const faded = hl !== null && !hl.nodes.has(e.id);
        changed.push({ id: e.id, label: now ? e.label : "", font: fontOf(faded) });
      }
    }
    state.labelled = labelled;
    if (changed.length) nodes.update(changed);
  }

  let labelTimer = null;
  const placeSoon = () => {
    clearTimeout(labelTimer);
    labelTimer = setTimeout(placeLabels, 120);
  };
  network.on("zoom", placeSoon);
  network.on("dragEnd", placeSoon);
  // A white background, so the PNG export and the page look the same.
  network.on("beforeDrawing", (ctx) => {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.restore();
  });
  network.once("beforeDrawing", () => performance.mark("map:drawing"));
  network.once("afterDrawing", () => {
    performance.mark("map:drawn");
    document.documentElement.dataset.ready = "true";
  });

  // ---- tooltips (hover) -------------------------------------------------------------------

  const tooltip = byId("tooltip");

  function showTooltip(content, pointer) {
    tooltip.replaceChildren(...content);
    tooltip.hidden = false;
    const box = container.getBoundingClientRect();
    const x = Math.min(pointer.x + 14, box.width - tooltip.offsetWidth - 4);
    const y = pointer.y + 14 + tooltip.offsetHeight > box.height ? pointer.y - tooltip.offsetHeight - 8 : pointer.y + 14;
    tooltip.style.left = Math.max(4, x) + "px";
    tooltip.style.top = Math.max(4, y) + "px";
  }

  function hideTooltip() {
    tooltip.hidden = true;
  }

  function sourceText(d) {
    if (!d.source_url && !d.source_title) return el("div", "muted", "Source: none given");
    return el("div", "src", "Source: ", d.source_title ? d.source_title + " " : "",
      d.source_url ? el("span", "muted", d.source_url) : null);
  }

  function dealTooltip(d) {
    return [
      el("div", "title", entities.get(d.from).name + " → " + entities.get(d.to).name),
      el("div", null, kindText(d.kind) + " · " + d.amount_text + " · " + d.date + " · " + d.status),
      d.description ? el("div", "desc", d.description) : null,
      sourceText(d),
    ].filter(Boolean);
  }

  function entityTooltip(id) {
    const e = entities.get(id);
    const t = state.through.get(id) || { in: 0, out: 0, inCount: 0, outCount: 0 };
    const shown = dealsOf.get(id).filter((d) => state.visible.has(d.id))
      .sort((a, b) => (b.value || 0) - (a.value || 0));
    const lines = [
      el("div", "title", e.name),
      el("div", "muted", [kindText(e.kind), e.country, e.ticker].filter(Boolean).join(" · ")),
      el("div", null, "In: " + formatUsd(t.in) + " (" + t.inCount + " deals) · out: "
        + formatUsd(t.out) + " (" + t.outCount + " deals)"),
    ];
    for (const d of shown.slice(0, 5)) {
      const other = d.from === id ? "→ " + nameOf(d.to) : "← " + nameOf(d.from);
      lines.push(el("div", "src", other + ": " + kindText(d.kind) + " " + d.amount_text + ", "
        + d.date + (d.source_title ? " · " + d.source_title : d.source_url ? " · " + d.source_url : "")));
    }
    if (shown.length > 5) lines.push(el("div", "muted", "and " + (shown.length - 5) + " more"));
    lines.push(el("div", "muted", "Click for every deal and its source."));
    return lines;
  }

  network.on("hoverNode", (p) => showTooltip(entityTooltip(p.node), p.pointer.DOM));
  network.on("hoverEdge", (p) => showTooltip(dealTooltip(deals.get(p.edge)), p.pointer.DOM));
  for (const event of ["blurNode", "blurEdge", "dragStart", "zoom"]) network.on(event, hideTooltip);
  container.addEventListener("mouseleave", hideTooltip); // vis-network sends no blur then

  // ---- details panel (click) --------------------------------------------------------------

  const details = byId("details-body");

  function dealItem(d, current) {
    const item = el("li", current ? "current" : null,
      el("div", "deal-head", swatch("line", d.color), nameOf(d.from) + " → " + nameOf(d.to)),
      el("div", null, [kindText(d.kind), d.amount_text + (d.basis ? " (" + d.basis + ")" : ""),
        d.date, d.status].concat(d.term_years ? [d.term_years + " years"] : []).join(" · ")),
      d.description ? el("div", "desc", d.description) : null);
    const src = el("div", "src", "Source: ");
    if (d.source_url) src.append(sourceLink(d.source_url, d.source_title || d.source_url));
    else src.append(d.source_title || "none given");
    if (d.source_date) src.append(" (" + d.source_date + ")");
    item.append(src);
    if (d.supersedes) item.append(el("div", "muted", "Replaces deal " + d.supersedes));
    for (const [key, value] of Object.entries(d.extra)) item.append(el("div", "muted", key + ": " + value));
    return item;
  }

  function dealList(list, currentId) {
    const sorted = [...list].sort((a, b) => (a.id === currentId ? -1 : b.id === currentId ? 1 : 0)
      || (a.date < b.date ? -1 : a.date > b.date ? 1 : 0) || (a.id < b.id ? -1 : 1));
    return el("ol", "deals", ...sorted.map((d) => dealItem(d, d.id === currentId)));
  }

  function hiddenNote(count) {
    return count ? el("p", "muted", count + " more deal" + (count === 1 ? " is" : "s are")
      + " hidden by the filters.") : null;
  }

  function showEntity(id) {
    const e = entities.get(id);
    const all = dealsOf.get(id);
    const shown = all.filter((d) => state.visible.has(d.id));
    const t = state.through.get(id) || { in: 0, out: 0 };
    const facts = [kindText(e.kind), e.country, e.ticker ? "ticker " + e.ticker : ""].filter(Boolean);
    details.replaceChildren(...[
      el("h3", null, e.name),
      el("p", "facts", facts.join(" · ")),
      e.aliases.length ? el("p", "facts", "Also known as: " + e.aliases.join(", ")) : null,
      ...Object.entries(e.extra).map(([k, v]) => el("p", "facts", k + ": " + v)),
      el("p", null, "Money in: " + formatUsd(t.in) + " · out: " + formatUsd(t.out)),
      el("p", "muted", shown.length + " deal" + (shown.length === 1 ? "" : "s") + " in the current view"),
      dealList(shown),
      hiddenNote(all.length - shown.length),
    ].filter(Boolean));
  }

  function showHop(dealId) {
    const d = deals.get(dealId);
    const all = data.deals.filter((x) => x.from === d.from && x.to === d.to);
    const shown = all.filter((x) => state.visible.has(x.id));
    const total = shown.reduce((sum, x) => sum + (x.value || 0), 0);
    const unknown = shown.filter((x) => x.value === null).length;
    details.replaceChildren(...[
      el("h3", null, entities.get(d.from).name + " → " + entities.get(d.to).name),
      el("p", null, shown.length + " deal" + (shown.length === 1 ? "" : "s") + " on this hop: "
        + formatUsd(total) + (unknown ? " plus " + unknown + " undisclosed" : "")),
      dealList(shown, dealId),
      hiddenNote(all.length - shown.length),
    ].filter(Boolean));
  }

  function showAlert(alert) {
    const parts = [
      el("h3", null, alert.kind === "circular_flow" ? "Circular flow" : "Concentration"),
      el("p", null, alert.summary),
      el("p", "facts", "Severity " + alert.severity + " · " + alert.amount_text + " · alert " + alert.id),
    ];
    const p = alert.details.p_value;
    if (p !== undefined && p !== null) {  // against degree-preserving shuffles (docs/risk.md)
      parts.push(el("p", "facts", "Against chance: p = " + p.toFixed(3) + (alert.kind === "circular_flow"
        ? " for loops of this length" : " for the loops through " + nameOf(alert.entities[0]))));
    }
    if (alert.kind === "circular_flow") {
      const hops = el("ol", "deals");
      for (const hop of alert.details.hops) {
        hops.append(el("li", null, el("div", "deal-head", nameOf(hop.from) + " → " + nameOf(hop.to)
          + ": " + formatUsd(hop.amount_usd))));
      }
      parts.push(el("h3", null, "Hops"), hops);
    }
    parts.push(el("h3", null, "Deals"), dealList(alert.deal_ids.filter((id) => deals.has(id)).map((id) => deals.get(id))));
    details.replaceChildren(...parts);
  }

  network.on("click", (p) => {
    hideTooltip();
    if (p.nodes.length) showEntity(p.nodes[0]);
    else if (p.edges.length) showHop(p.edges[0]);
    else {
      setHighlight(null);
      details.replaceChildren(el("p", "hint", "Click an entity, an arrow or an alert."));
    }
  });

  function setHighlight(alert) {
    for (const button of alertButtons.values()) button.setAttribute("aria-pressed", "false");
    if (alert) {
      state.highlight = { alert, nodes: new Set(alert.highlight), edges: new Set(alert.deal_ids) };
      alertButtons.get(alert.id).setAttribute("aria-pressed", "true");
      showAlert(alert);
    } else {
      state.highlight = null;
    }
    byId("clear").disabled = !alert;
    render();
    if (alert) network.fit({ nodes: alert.highlight, maxZoomLevel: 1.2, animation: false });
    placeLabels();
  }

  /** A searched entity: it and the partners of its deals in view are highlighted (any loop
   *  highlight goes) and brought into view. */
  function highlightEntity(id) {
    for (const button of alertButtons.values()) button.setAttribute("aria-pressed", "false");
    const near = new Set([id]);
    const touched = new Set();
    for (const d of dealsOf.get(id)) {
      if (!state.visible.has(d.id)) continue;
      near.add(d.from);
      near.add(d.to);
      touched.add(d.id);
    }
    state.highlight = { alert: null, entity: id, nodes: near, edges: touched };
    byId("clear").disabled = false;
    render();
    const inView = [...near].filter((n) => !nodes.get(n).hidden);
    if (inView.length) network.fit({ nodes: inView, maxZoomLevel: 1.5, animation: false });
    placeLabels();
  }

  byId("clear").addEventListener("click", () => setHighlight(null));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && state.highlight) setHighlight(null);
  });

  // ---- search -----------------------------------------------------------------------------

  const searchBox = byId("search");
  const results = byId("search-results");
  const searchKeys = data.entities.map((e) => ({
    e, keys: [e.name, e.id, ...e.aliases].map((k) => k.toLowerCase()),
  }));

  function matches(query) {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const scored = [];
    for (const { e, keys } of searchKeys) {
      let best = Infinity;
      keys.forEach((k) => {
        const rank = k === q ? 0 : k.startsWith(q) ? 1 : k.includes(q) ? 2 : Infinity;
        if (rank < best) best = rank;
      });
      if (best < Infinity) scored.push([best, e]);
    }
    scored.sort((a, b) => a[0] - b[0] || (a[1].label < b[1].label ? -1 : 1));
    return scored.slice(0, 8).map((s) => s[1]);
  }

  function choose(id) {
    const e = entities.get(id);
    results.replaceChildren();
    searchBox.value = e.name;
    highlightEntity(id);
    network.selectNodes([id]);
    showEntity(id);
  }

  searchBox.addEventListener("input", () => {
    const q = searchBox.value.trim().toLowerCase();
    results.replaceChildren(...matches(searchBox.value).map((e) => {
      const alias = e.aliases.find((a) => a.toLowerCase().includes(q) && !e.name.toLowerCase().includes(q));
      const button = el("button", null, e.name, alias ? el("span", "also", " (" + alias + ")") : null);
      button.type = "button";
      button.dataset.entity = e.id;
      button.addEventListener("click", () => choose(e.id));
      return el("li", null, button);
    }));
  });
  searchBox.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    const first = matches(searchBox.value)[0];
    if (first) choose(first.id);
  });

  // ---- filters and view -------------------------------------------------------------------

  byId("as-of").addEventListener("input", (event) => {
    state.asOf = Number(event.target.value);
    render();
  });
  byId("min-amount").addEventListener("change", (event) => {
    state.minAmount = Number(event.target.value);
    render();
  });
  for (const box of document.querySelectorAll("#deal-kinds input")) {
    box.addEventListener("change", () => {
      if (box.checked) state.kinds.add(box.value);
      else state.kinds.delete(box.value);
      render();
    });
  }
  byId("physics").addEventListener("change", (event) => {
    network.setOptions({ physics: { enabled: event.target.checked } });
  });
  byId("fit").addEventListener("click", () => {
    network.fit({ animation: false });
    placeLabels();
  });

  /** Force-directed or wheel: both sets of positions come with the data. */
  function setLayout(layout) {
    state.layout = layout;
    nodes.update(data.entities.map((e) => ({ id: e.id, ...at(e, layout) })));
    network.fit({ animation: false });
    placeLabels();
  }
  for (const radio of document.querySelectorAll("input[name=layout]")) {
    radio.checked = radio.value === state.layout;
    radio.addEventListener("change", () => { if (radio.checked) setLayout(radio.value); });
  }

  /** The drawn canvas on white with a caption line, as a PNG download. */
  byId("save-png").addEventListener("click", () => {
    const source = container.querySelector("canvas");
    const caption = 28 * (window.devicePixelRatio || 1);
    const out = document.createElement("canvas");
    out.width = source.width;
    out.height = source.height + caption;
    const ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(source, 0, 0);
    ctx.fillStyle = "#1d2228";
    ctx.font = Math.round(caption * 0.5) + "px system-ui, sans-serif";
    ctx.fillText(data.title + " · " + byId("summary").textContent, 8, source.height + caption * 0.68);
    const link = document.createElement("a");
    link.href = out.toDataURL("image/png");
    link.download = "dealgraph-map.png";
    document.body.append(link);
    link.click();
    link.remove();
  });

  network.moveTo({ ...firstView, animation: false });
  window.dealgraph = { data, state, render, formatUsd, placeLabels, setLayout };
})();
