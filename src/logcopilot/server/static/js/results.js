// Rendering Loki query results: streams as a merged list of log lines, matrices as a line chart
// with a legend, vectors as bars plus a table, scalars as one number; and the log-volume chart
// of any query (its lines over time, from the API's volume_query).

import { el, logLine } from "./dom.js";
import { barChart, COLORS, formatValue, lineChart, stackedBars, timeBars } from "./chart.js";
import { lokiRange, parseLogQL } from "./api.js";
import { autoStep, formatDuration, NS, nsToIso } from "./time.js";

export function labelsText(metric) {
  const keys = Object.keys(metric || {}).sort();
  return "{" + keys.map((k) => `${k}=${JSON.stringify(String(metric[k]))}`).join(", ") + "}";
}

function seriesName(metric) {
  const keys = Object.keys(metric || {});
  if (keys.length === 1) return String(metric[keys[0]]);
  return keys.length ? labelsText(metric) : "{}";
}

// Streams -> <ol id=listId> of li.log-line, merged over streams in the query's direction.
export function streamList(data, { id = "stream-list", direction = "backward" } = {}) {
  const rows = [];
  const many = (data.result || []).length > 1;  // one stream: its labels are said once, above
  for (const st of data.result || []) {
    const lab = many ? labelsText(st.stream) : null;
    for (const [ts, line] of st.values || []) rows.push([BigInt(ts), lab, line]);
  }
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) * (direction === "forward" ? 1 : -1));
  const ol = el("ol", { id, class: "log-list" });
  for (const [ts, labels, line] of rows) ol.appendChild(logLine(line, { ts: nsToIso(ts), labels }));
  return { list: ol, count: rows.length };
}

// The width a chart should take inside `node` (its content box), within sensible bounds.
export function widthOf(node, fallback = 760) {
  const w = node ? node.clientWidth : 0;
  return w > 0 ? Math.max(420, Math.min(1400, w - 4)) : fallback;
}

// The step of a matrix: the smallest gap between its timestamps (60 s when it has one point).
function stepOf(series) {
  const ts = [...new Set(series.flatMap((se) => se.points.map((p) => p[0])))].sort((a, b) => a - b);
  let step = Infinity;
  for (let i = 1; i < ts.length; i++) step = Math.min(step, ts[i] - ts[i - 1]);
  return Number.isFinite(step) && step > 0 ? step : 60;
}

// kind: "lines" (default) or "bars" (stacked, one bar per step)
export function matrixChart(data, { title = "", width = 760, kind = "lines" } = {}) {
  const series = (data.result || []).slice(0, 30).map((m) => ({
    name: seriesName(m.metric),
    points: (m.values || []).map(([t, v]) => [Number(t), parseFloat(v)]),
  }));
  const chart = kind === "bars" ? stackedBars(series, stepOf(series), { title, width }) : lineChart(series, { title, width });
  const unnamed = series.length === 1 && series[0].name === "{}";  // one series without labels: nothing to tell apart
  const legend = unnamed ? null : el("ul", { class: "legend" }, series.map((se, i) =>
    el("li", {}, el("span", { class: "swatch", style: `background:${COLORS[i % COLORS.length]}` }),
      el("span", { text: se.name, title: se.name }))));
  const more = (data.result || []).length > series.length ? el("p", { class: "muted", text: `showing 30 of ${data.result.length} series` }) : null;
  return el("div", { class: "chart-box" }, chart, legend, more);
}

export function vectorItems(data) {
  return (data.result || []).map((s) => ({ label: seriesName(s.metric), metric: s.metric, value: parseFloat(s.value[1]) }));
}

export function vectorChart(data, { title = "", width = 760 } = {}) {
  return el("div", { class: "chart-box" }, barChart(vectorItems(data), { title, width }));
}

export function vectorTable(data, { id = "result-table" } = {}) {
  const items = vectorItems(data).sort((a, b) => b.value - a.value);
  const keys = [...new Set(items.flatMap((i) => Object.keys(i.metric || {})))].sort();
  const table = el("table", { class: "data" },
    el("thead", {}, el("tr", {}, keys.map((k) => el("th", { text: k })), el("th", { class: "num", text: "value" }))),
    el("tbody", {}, items.map((i) => el("tr", {},
      keys.map((k) => el("td", { text: i.metric?.[k] ?? "" })),
      el("td", { class: "num", text: formatValue(i.value) })))));
  return el("div", { id, class: "table-box" }, table);
}

export function scalarValue(data) {
  const r = data.result;
  const v = Array.isArray(r) && r.length === 2 && !Array.isArray(r[0]) ? r[1] : r;
  return String(v);
}

// The volume of the lines `query` reads, over [startNs, endNs]: an svg (timeBars) or null.
export async function volumeChart(query, startNs, endNs, { title = "matching lines over time", width = 760 } = {}) {
  const step = autoStep(startNs, endNs, 100);
  const parsed = await parseLogQL(query, formatDuration(step));
  if (!parsed.ok || !parsed.volume_query) return null;
  const data = await lokiRange({ query: parsed.volume_query, start: String(startNs), end: String(endNs),
    step: String(step) });
  const points = new Map();
  for (const m of data.result || []) {
    for (const [t, v] of m.values || []) points.set(Number(t), (points.get(Number(t)) || 0) + parseFloat(v));
  }
  const pts = [...points.entries()].sort((a, b) => a[0] - b[0]);
  const box = el("div", { class: "chart-box volume" },
    el("div", { class: "chart-title", text: `${title} (${formatDuration(step)} buckets)` }),
    timeBars(pts, step, { title, width, range: [Number(BigInt(startNs) / NS), Number(BigInt(endNs) / NS)] }));
  box.dataset.query = parsed.volume_query;
  return box;
}
