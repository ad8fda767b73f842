// The query page: a LogQL editor checked by our parser as you type (errors at their line and
// column), time range and step controls, and results as a log list with its volume, a line
// chart for matrices, bars and a table for vectors, or one number for scalars.

import { $, clear, debounce, el, markNav, show } from "./dom.js";
import { lokiInstant, lokiRange, parseLogQL, spanOf, systems as loadSystems } from "./api.js";
import { highlight } from "./logql.js";
import { labelsText, matrixChart, scalarValue, streamList, vectorChart, vectorTable, volumeChart, widthOf } from "./results.js";
import { nsToIso, parseDuration, parseTime } from "./time.js";

let SYSTEMS = [];
let runSeq = 0;

function spanFor(query) {
  // the span of the system the selector names, else of everything stored
  const m = /\bsystem\s*=\s*"([^"]*)"/.exec(query || "");
  const pick = m ? SYSTEMS.filter((s) => s.system === m[1]) : [];
  return spanOf(pick.length ? pick : SYSTEMS);
}

function setSpan() {
  const span = spanFor($("#logql-input").value);
  if (!span) return;
  $("#start").value = nsToIso(span[0]);
  $("#end").value = nsToIso(span[1]);
}

function showParseError(query, err) {
  const box = $("#query-error");
  box.dataset.line = String(err.line || 0);
  box.dataset.col = String(err.col || 0);
  box.querySelector(".error-message").textContent = err.message;
  const caret = box.querySelector(".error-caret");
  clear(caret);
  if (err.line > 0 && err.col > 0) {
    const line = query.split("\n")[err.line - 1] ?? "";
    caret.appendChild(document.createTextNode(line + "\n"));
    caret.appendChild(el("span", { class: "caret", text: " ".repeat(Math.max(0, err.col - 1)) + "^" }));
    show(caret, true);
  } else {
    show(caret, false);
  }
  show(box, true);
  show($("#query-preview"), false);
}

function clearError() {
  show($("#query-error"), false);
}

async function validate() {
  const query = $("#logql-input").value;
  if (!query.trim()) { clearError(); show($("#query-preview"), false); return null; }
  const res = await parseLogQL(query);
  if (query !== $("#logql-input").value) return null;  // the user typed on
  if (!res.ok) { showParseError(query, res.error); return res; }
  clearError();
  const pre = clear($("#query-preview"));
  pre.appendChild(highlight(res.formatted));
  pre.title = `${res.kind} query, as our parser reads it`;
  show(pre, true);
  return res;
}

function setMeta(text) {
  $("#result-meta").textContent = text;
}

function updateUrl(params) {
  const url = new URL(location.href);
  url.search = new URLSearchParams(params).toString();
  history.replaceState(null, "", url);
}

async function run() {
  const seq = ++runSeq;
  const query = $("#logql-input").value.trim();
  const out = clear($("#query-result"));
  const width = widthOf(out);
  if (!query) { setMeta("Type a query."); return; }
  let parsed;
  try {
    parsed = await validate();
  } catch (e) {
    setMeta(e.message);
    return;
  }
  if (!parsed || !parsed.ok) { setMeta("Fix the query to run it."); return; }
  let start, end, step, limit;
  try {
    start = parseTime($("#start").value);
    end = parseTime($("#end").value);
    step = parseDuration($("#step").value);
    limit = parseInt($("#limit").value || "100", 10);
  } catch (e) {
    showParseError(query, { message: e.message, line: 0, col: 0 });
    return;
  }
  const type = $("#query-type").value;
  const direction = $("#direction").value;
  const urlParams = { query, type };
  if (start !== null) urlParams.start = String(start);
  if (end !== null) urlParams.end = String(end);
  if (step !== null) urlParams.step = $("#step").value.trim();
  updateUrl(urlParams);
  setMeta("Running…");
  const t0 = performance.now();
  let data;
  try {
    data = type === "instant"
      ? await lokiInstant({ query, time: end !== null ? String(end) : undefined, limit, direction })
      : await lokiRange({ query, start: start !== null ? String(start) : undefined, end: end !== null ? String(end) : undefined,
          step: step !== null ? String(step) : undefined, limit, direction });
  } catch (e) {
    if (seq !== runSeq) return;
    showParseError(query, { message: e.message, line: 0, col: 0 });
    setMeta("The query failed.");
    return;
  }
  if (seq !== runSeq) return;
  const ms = (performance.now() - t0).toFixed(0);
  const n = (data.result || []).length;
  if (data.resultType === "streams") {
    const { list, count } = streamList(data, { direction });
    const one = n === 1 ? ` ${labelsText(data.result[0].stream)}` : "";
    setMeta(`${count} line${count === 1 ? "" : "s"} in ${n} stream${n === 1 ? "" : "s"}${one} · ${ms} ms${count >= limit ? ` · limit ${limit} reached` : ""}`);
    const vbox = el("div", { id: "volume-chart" });
    out.append(vbox, list);
    if (start !== null && end !== null) {
      volumeChart(query, start, end, { width }).then((svg) => { if (svg && seq === runSeq) vbox.appendChild(svg); })
        .catch((e) => vbox.appendChild(el("p", { class: "muted", text: `volume unavailable: ${e.message}` })));
    }
  } else if (data.resultType === "matrix") {
    setMeta(`${n} series · ${ms} ms`);
    const box = el("div", { id: "result-chart" });
    const kind = el("select", { id: "chart-kind", title: "chart type" },
      el("option", { value: "lines", text: "lines" }), el("option", { value: "bars", text: "stacked bars" }));
    kind.value = sessionStorage.getItem("logcopilot.chart") || "lines";
    const draw = () => {
      sessionStorage.setItem("logcopilot.chart", kind.value);
      clear(box).appendChild(matrixChart(data, { width, kind: kind.value }));
    };
    kind.addEventListener("change", draw);
    out.append(el("div", { class: "chart-controls" }, el("label", {}, "Chart ", kind)), box);
    draw();
  } else if (data.resultType === "vector") {
    setMeta(`${n} series · ${ms} ms`);
    out.append(el("div", { id: "result-chart" }, vectorChart(data, { width })), vectorTable(data));
  } else if (data.resultType === "scalar") {
    setMeta(`scalar · ${ms} ms`);
    out.append(el("div", { id: "result-scalar", class: "answer-value", text: scalarValue(data) }));
  } else {
    setMeta(`unknown result type ${data.resultType}`);
  }
}

async function init() {
  markNav();
  const input = $("#logql-input");
  const params = new URLSearchParams(location.search);
  try {
    SYSTEMS = await loadSystems();
  } catch (e) {
    setMeta(e.message);
  }
  input.value = params.get("query") || (SYSTEMS.length ? `{system="${SYSTEMS[0].system}"}` : "");
  $("#query-type").value = params.get("type") === "instant" ? "instant" : "range";
  if (params.get("step")) $("#step").value = params.get("step");
  if (params.get("limit")) $("#limit").value = params.get("limit");
  if (params.get("direction")) $("#direction").value = params.get("direction");
  try {
    if (params.get("time")) $("#end").value = nsToIso(parseTime(params.get("time")));
    if (params.get("start")) $("#start").value = nsToIso(parseTime(params.get("start")));
    if (params.get("end")) $("#end").value = nsToIso(parseTime(params.get("end")));
  } catch (e) {
    setMeta(e.message);
  }
  if (!$("#start").value || !$("#end").value) {
    const span = spanFor(input.value);
    if (span) {
      if (!$("#start").value) $("#start").value = nsToIso(span[0]);
      if (!$("#end").value) $("#end").value = nsToIso(span[1]);
    }
  }
  const check = debounce(() => validate().catch((e) => setMeta(e.message)), 250);
  input.addEventListener("input", check);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey || e.shiftKey)) { e.preventDefault(); run(); }
  });
  $("#run-query").addEventListener("click", run);
  $("#range-span").addEventListener("click", () => { setSpan(); run(); });
  if (input.value.trim()) run();
}

init();
