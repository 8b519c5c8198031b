/* dealgraph map: draws the embedded data with vis-network and wires the controls.
 *
 * Every text that comes from the data is put on the page with DOM text nodes (textContent,
 * Node.append), never innerHTML, and only http(s) URLs become links. The vis-network object
 * stays reachable as window.network so scripts and tests can inspect what is drawn.
 */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("dealgraph-data").textContent);
  const FADED_NODE = 0.15;
  const FADED_EDGE = 0.08;
  const EDGE_OPACITY = 0.85;
  const LARGE = data.entities.length > 1000 || data.deals.length > 3000;

  const byId = (id) => document.getElementById(id);
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
    highlight: null, // {alert, nodes: Set, edges: Set}
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

  /** The same text as dealgraph.queries.alerts.format_usd (tests compare the two). */
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

  /** `YYYY-MM` as a cut-off means the whole month (as in queries/flow.py). */
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

  const nodes = new vis.DataSet(data.entities.map((e) => ({
    id: e.id,
    label: e.label,
    x: e.x,
    y: e.y,
    size: data.node_scale.min,
    color: {
      background: e.color,
      border: "#333",
      highlight: { background: e.color, border: "#000" },
      hover: { background: e.color, border: "#000" },
    },
  })));
  const edges = new vis.DataSet(data.deals.map((d) => ({
    id: d.id,
    from: d.from,
    to: d.to,
    width: d.width,
    dashes: d.value === null,
    color: edgeColor(d, false),
    smooth: d.bend ? { enabled: true, type: "curvedCW", roundness: d.bend } : false,
  })));

  function render() {
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
    const hl = state.highlight;
    nodes.update(data.entities.map((e) => {
      const t = through.get(e.id);
      const faded = hl !== null && !hl.nodes.has(e.id);
      return {
        id: e.id,
        hidden: !t && e.id !== data.focus,
        size: nodeSize(t ? t.in + t.out : 0),
        opacity: faded ? FADED_NODE : 1,
        font: { color: faded ? "rgba(29,34,40,0.25)" : "#1d2228" },
      };
    }));
    edges.update(data.deals.map((d) => ({
      id: d.id,
      hidden: !visible.has(d.id),
      color: edgeColor(d, hl !== null && !hl.edges.has(d.id)),
    })));
    renderSummary();
    markAlerts();
  }

  function renderSummary() {
    const shown = nodes.get({ filter: (n) => !n.hidden }).length;
    const date = data.dates[state.asOf];
    const last = state.asOf === data.dates.length - 1;
    const asOf = last && data.as_of ? data.as_of : date;
    const parts = [
      shown + " entities",
      state.visible.size + " deals in force (" + data.deals.length + " at some date)",
      data.alerts.loops.length + " circular flows",
    ];
    if (asOf) parts.push("as of " + asOf + (last && !data.as_of ? " (latest deal)" : ""));
    byId("summary").textContent = parts.join(" · ");
    byId("as-of-text").textContent = asOf || "no deals";
  }

  // ---- vis-network ------------------------------------------------------------------------

  const container = byId("map");
  const network = new vis.Network(container, { nodes, edges }, {
    autoResize: true,
    physics: {
      enabled: false,
      stabilization: false,
      barnesHut: { gravitationalConstant: -4000, springLength: 140, springConstant: 0.03, avoidOverlap: 0.2 },
    },
    layout: { improvedLayout: false },
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
      font: { size: 14, face: "system-ui, sans-serif", strokeWidth: 3, strokeColor: "#ffffff" },
    },
    edges: {
      arrows: { to: { enabled: true, scaleFactor: 0.6 } },
      selectionWidth: 1.5,
      hoverWidth: 1,
      smooth: false,
    },
  });
  window.network = network;
  // A white background, so the PNG export and the page look the same.
  network.on("beforeDrawing", (ctx) => {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.restore();
  });
  network.once("afterDrawing", () => {
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
    if (notListed) ol.append(el("li", "muted", notListed + " more in alerts.json"));
    if (!list.length) ol.append(el("li", "muted", "none"));
    byId(countId).textContent = "(" + (list.length + notListed) + ")";
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
    network.selectNodes([id]);
    if (!nodes.get(id).hidden) network.focus(id, { scale: Math.max(network.getScale(), 1), animation: false });
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
  byId("fit").addEventListener("click", () => network.fit({ animation: false }));

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

  render();
  window.dealgraph = { data, state, render, formatUsd };
})();
