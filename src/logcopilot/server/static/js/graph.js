// The workflow graph: templates as boxes in rows by their distance from the session start,
// transitions as arrows whose width follows their count. SVG built with DOM calls only.

const SVG = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = String(text);
  return node;
}

// Rows by BFS distance from <start> over the strongest edges; unreachable nodes go last.
function layers(edges) {
  const nodes = new Set();
  const out = new Map();
  for (const e of edges) {
    nodes.add(e.src); nodes.add(e.dst);
    if (!out.has(e.src)) out.set(e.src, []);
    out.get(e.src).push(e.dst);
  }
  const depth = new Map();
  const roots = nodes.has("<start>") ? ["<start>"] : [...nodes].filter((n) => !edges.some((e) => e.dst === n && e.src !== n));
  for (const r of roots) depth.set(r, 0);
  const queue = [...roots];
  while (queue.length) {
    const n = queue.shift();
    for (const m of out.get(n) || []) {
      if (!depth.has(m) && m !== "<end>") { depth.set(m, depth.get(n) + 1); queue.push(m); }
    }
  }
  const maxDepth = Math.max(0, ...depth.values());
  for (const n of nodes) if (!depth.has(n) && n !== "<end>") depth.set(n, maxDepth + 1);
  if (nodes.has("<end>")) depth.set("<end>", Math.max(0, ...depth.values()) + 1);
  const rows = [];
  for (const [n, d] of depth) (rows[d] ||= []).push(n);
  return rows.filter(Boolean);
}

export function workflowGraph(allEdges, nameOf, onOpen, { width = 860, maxEdges = 24 } = {}) {
  const perRow = Math.max(2, Math.floor((width - 60) / 210));
  const edges = [...allEdges].sort((a, b) => b.count - a.count).slice(0, maxEdges);
  const rows = [];
  for (const row of layers(edges)) {
    for (let i = 0; i < row.length; i += perRow) rows.push(row.slice(i, i + perRow));
  }
  const nodeW = Math.min(200, (width - 40) / perRow - 16), nodeH = 30, rowH = 78;
  const height = rows.length * rowH + 10;
  const pos = new Map();
  rows.forEach((row, r) => {
    const gap = (width - 60 - row.length * nodeW) / (row.length + 1);  // 60 px on the right for arcs
    row.forEach((n, i) => pos.set(n, { x: gap + i * (nodeW + gap), y: 10 + r * rowH, row: r }));
  });
  const svg = s("svg", { id: "workflow-graph", class: "graph", viewBox: `0 0 ${width} ${height}`, width, height });
  const defs = s("defs");
  const marker = s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8, markerHeight: 8,
    markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" });
  marker.appendChild(s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }));
  defs.appendChild(marker);
  svg.appendChild(defs);
  const maxCount = Math.max(1, ...edges.map((e) => e.count));
  for (const e of edges) {
    const a = pos.get(e.src), b = pos.get(e.dst);
    if (!a || !b) continue;
    let d;
    if (e.src === e.dst) {
      const x = a.x + nodeW, y = a.y + nodeH / 2;
      d = `M${x},${y - 8} C${x + 34},${y - 26} ${x + 34},${y + 26} ${x},${y + 8}`;
    } else if (b.row > a.row) {
      const x1 = a.x + nodeW / 2, y1 = a.y + nodeH, x2 = b.x + nodeW / 2, y2 = b.y;
      d = `M${x1},${y1} C${x1},${(y1 + y2) / 2} ${x2},${(y1 + y2) / 2} ${x2},${y2}`;
    } else {  // back or sideways edge: arc out on the right
      const x1 = a.x + nodeW, y1 = a.y + nodeH / 2, x2 = b.x + nodeW, y2 = b.y + nodeH / 2;
      const bulge = 40 + 12 * Math.abs(a.row - b.row);
      d = `M${x1},${y1} C${x1 + bulge},${y1} ${x2 + bulge},${y2} ${x2},${y2}`;
    }
    const p = s("path", { class: "edge", d, "stroke-width": (1 + 4 * e.count / maxCount).toFixed(1), "marker-end": "url(#arrow)" });
    p.appendChild(s("title", {}, `${nameOf(e.src)}\n→ ${nameOf(e.dst)}\n${e.count} times` +
      (e.probability !== undefined && e.probability !== null ? `, p=${(+e.probability).toFixed(2)}` : "") +
      (e.median_gap_s !== undefined && e.median_gap_s !== null ? `, median gap ${e.median_gap_s} s` : "")));
    svg.appendChild(p);
  }
  for (const [n, { x, y }] of pos) {
    const special = n.startsWith("<");
    const g = s("g", { class: "node" + (special ? " special" : ""), transform: `translate(${x.toFixed(1)},${y})`, tabindex: special ? -1 : 0 });
    g.appendChild(s("rect", { width: nodeW, height: nodeH, rx: special ? 15 : 5 }));
    const name = special ? (n === "<start>" ? "session start" : "session end") : nameOf(n);
    const maxChars = Math.floor(nodeW / 6.6);
    g.appendChild(s("text", { x: 8, y: 19 }, name.length > maxChars ? name.slice(0, maxChars - 1) + "…" : name));
    g.appendChild(s("title", {}, special ? name : `${n}: ${name}`));
    if (!special) {
      g.addEventListener("click", () => onOpen(n));
      g.addEventListener("keydown", (ev) => { if (ev.key === "Enter") onOpen(n); });
    }
    svg.appendChild(g);
  }
  return svg;
}
