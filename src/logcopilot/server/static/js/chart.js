// Charts as SVG built from data with DOM calls (no library, no markup strings): a time-series line
// chart for matrices, a horizontal bar chart for vectors, and time bars for log volume.

const SVG = "http://www.w3.org/2000/svg";
export const COLORS = ["#1f6feb", "#e5534b", "#2da44e", "#bf8700", "#8250df", "#1b7c83", "#cf222e", "#6e7781",
  "#d2a8ff", "#0969da"];

function s(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = String(text);
  return node;
}

function niceTicks(lo, hi, n = 5) {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((x) => x >= raw) || raw;
  const ticks = [];
  const last = Math.ceil(hi / step - 1e-9) * step;  // the top tick is at or above the largest value
  for (let v = Math.floor(lo / step + 1e-9) * step; v <= last + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

export function formatValue(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return "NaN";
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toPrecision(3) + "G";
  if (a >= 1e6) return (v / 1e6).toPrecision(3) + "M";
  if (a >= 1e4) return (v / 1e3).toPrecision(3) + "k";
  if (Number.isInteger(v)) return String(v);
  return (+v.toPrecision(4)).toString();
}

function timeLabel(sec, spanSec) {
  const iso = new Date(sec * 1000).toISOString();
  if (spanSec > 3 * 86400) return iso.slice(5, 10);           // MM-DD
  if (spanSec > 86400) return iso.slice(5, 10) + " " + iso.slice(11, 16);
  return iso.slice(11, spanSec > 600 ? 16 : 19);              // HH:MM or HH:MM:SS
}

function frame(width, height, title) {
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, width, height, role: "img" });
  if (title) svg.appendChild(s("title", {}, title));
  return svg;
}

function yAxis(svg, ticks, y, left, right) {
  for (const t of ticks) {
    svg.appendChild(s("line", { class: "grid", x1: left, x2: right, y1: y(t), y2: y(t) }));
    svg.appendChild(s("text", { class: "tick", x: left - 6, y: y(t) + 4, "text-anchor": "end" }, formatValue(t)));
  }
}

function xTimeAxis(svg, lo, hi, x, bottom) {
  const span = hi - lo;
  const n = 6;
  for (let i = 0; i <= n; i++) {
    const t = lo + (span * i) / n;
    const anchor = i === 0 ? "start" : i === n ? "end" : "middle";  // the end labels stay inside the chart
    svg.appendChild(s("text", { class: "tick", x: x(t), y: bottom + 16, "text-anchor": anchor }, timeLabel(t, span)));
  }
}

// series: [{name, points: [[unixSeconds, value], ...]}]
export function lineChart(series, { width = 760, height = 260, title = "" } = {}) {
  const svg = frame(width, height, title);
  const pad = { l: 56, r: 28, t: 12, b: 26 };
  const all = series.flatMap((se) => se.points);
  if (!all.length) return emptyChart(svg, width, height);
  let tlo = Math.min(...all.map((p) => p[0])), thi = Math.max(...all.map((p) => p[0]));
  if (thi === tlo) { tlo -= 30; thi += 30; }
  const vals = all.map((p) => p[1]).filter((v) => Number.isFinite(v));
  const ticks = niceTicks(Math.min(0, ...vals), Math.max(...vals, 0) || 1);
  const vlo = ticks[0], vhi = ticks[ticks.length - 1];
  const x = (t) => pad.l + ((t - tlo) / (thi - tlo)) * (width - pad.l - pad.r);
  const y = (v) => height - pad.b - ((v - vlo) / (vhi - vlo || 1)) * (height - pad.t - pad.b);
  yAxis(svg, ticks, y, pad.l, width - pad.r);
  xTimeAxis(svg, tlo, thi, x, height - pad.b);
  series.forEach((se, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = se.points.filter((p) => Number.isFinite(p[1]));
    if (!pts.length) return;
    const d = pts.map((p, j) => `${j ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join("");
    const path = s("path", { class: "line", d, stroke: color, fill: "none" });
    path.appendChild(s("title", {}, se.name));
    svg.appendChild(path);
    if (pts.length <= 60) {
      for (const p of pts) {
        const c = s("circle", { class: "point", cx: x(p[0]).toFixed(1), cy: y(p[1]).toFixed(1), r: 2.5, fill: color });
        c.appendChild(s("title", {}, `${se.name}\n${new Date(p[0] * 1000).toISOString()}: ${formatValue(p[1])}`));
        svg.appendChild(c);
      }
    }
  });
  return svg;
}

// Vertical bars over time (log volume): points [[unixSeconds, count], ...], stepSec wide each.
// Vertical bars over time (log volume): points [[unixSeconds, count], ...], stepSec wide each;
// `range` [startSec, endSec] is the time axis (empty buckets are absent from Loki's answer).
export function timeBars(points, stepSec, { width = 760, height = 150, title = "", range = null } = {}) {
  return stackedBars([{ name: title, points }], stepSec, { width, height, title, range, ticks: 3 });
}

// items: [{label, value}] drawn as horizontal bars, largest first.
export function barChart(items, { width = 760, title = "", max = 20 } = {}) {
  const rows = [...items].sort((a, b) => b.value - a.value).slice(0, max);
  const rowH = 24;
  const height = Math.max(60, rows.length * rowH + 30);
  const svg = frame(width, height, title);
  if (!rows.length) return emptyChart(svg, width, height);
  const labelW = Math.min(300, Math.max(80, ...rows.map((r) => Math.min(44, r.label.length) * 7 + 12)));
  const left = labelW, right = width - 70;
  const hi = Math.max(...rows.map((r) => r.value), 0) || 1;
  const lo = Math.min(0, ...rows.map((r) => r.value));
  const x = (v) => left + ((v - lo) / (hi - lo)) * (right - left);
  rows.forEach((r, i) => {
    const yTop = 10 + i * rowH;
    const label = r.label.length > 44 ? r.label.slice(0, 43) + "…" : r.label;
    const lt = s("text", { class: "bar-label", x: left - 8, y: yTop + 15, "text-anchor": "end" }, label);
    lt.appendChild(s("title", {}, r.label));
    svg.appendChild(lt);
    const rect = s("rect", { class: "bar", x: Math.min(x(0), x(r.value)), y: yTop + 3,
      width: Math.max(1, Math.abs(x(r.value) - x(0))), height: rowH - 6, fill: COLORS[0] });
    rect.appendChild(s("title", {}, `${r.label}: ${formatValue(r.value)}`));
    svg.appendChild(rect);
    svg.appendChild(s("text", { class: "bar-value", x: Math.max(x(0), x(r.value)) + 6, y: yTop + 15 }, formatValue(r.value)));
  });
  return svg;
}

function emptyChart(svg, width, height) {
  svg.appendChild(s("text", { class: "empty", x: width / 2, y: height / 2, "text-anchor": "middle" }, "no data"));
  return svg;
}

// Stacked bars over time for several series (a matrix): series [{name, points}], one bar per step.
export function stackedBars(series, stepSec, { width = 760, height = 260, title = "", range = null, ticks: nTicks = 5 } = {}) {
  const svg = frame(width, height, title);
  const pad = { l: 56, r: 28, t: 12, b: 26 };
  const totals = new Map();
  for (const se of series) for (const [t, v] of se.points) if (Number.isFinite(v)) totals.set(t, (totals.get(t) || 0) + Math.max(0, v));
  if (!totals.size) return emptyChart(svg, width, height);
  const times = [...totals.keys()];
  const tlo = range ? range[0] : Math.min(...times) - stepSec;
  const thi = range ? range[1] : Math.max(...times);
  const ticks = niceTicks(0, Math.max(...totals.values()) || 1, nTicks);
  const vhi = ticks[ticks.length - 1];
  const x = (t) => pad.l + ((t - tlo) / (thi - tlo || 1)) * (width - pad.l - pad.r);
  const y = (v) => height - pad.b - (v / (vhi || 1)) * (height - pad.t - pad.b);
  yAxis(svg, ticks, y, pad.l, width - pad.r);
  xTimeAxis(svg, tlo, thi, x, height - pad.b);
  const w = Math.max(1, x(stepSec) - x(0) - 1);
  const base = new Map();
  series.forEach((se, i) => {
    for (const [t, v] of se.points) {
      if (!Number.isFinite(v) || v <= 0) continue;
      const b0 = base.get(t) || 0;
      const r = s("rect", { class: "bar", x: (x(t - stepSec) + 0.5).toFixed(1), y: y(b0 + v).toFixed(1), width: w.toFixed(1),
        height: Math.max(0, y(b0) - y(b0 + v)).toFixed(1) });
      // one series keeps the stylesheet's colour; several get theirs through CSSOM (an attribute would lose)
      if (series.length > 1) r.style.fill = COLORS[i % COLORS.length];
      r.appendChild(s("title", {}, `${se.name ? se.name + "\n" : ""}${new Date(t * 1000).toISOString()}: ${formatValue(v)}`));
      svg.appendChild(r);
      base.set(t, b0 + v);
    }
  });
  return svg;
}
