// The ask page: question -> answer with its value, LogQL, chart, attempts, evidence and cost;
// the history of past questions on the side.

import { $, clear, el, logLine, markNav, show, wireCopy } from "./dom.js";
import { fillSystems, getJSON, postJSON, spanOf, systems as loadSystems } from "./api.js";
import { highlight } from "./logql.js";
import { matrixChart, vectorChart, volumeChart, widthOf } from "./results.js";

let SYSTEMS = [];
let current = null;  // the answer on screen

function systemSpan(system) {
  return spanOf(SYSTEMS.filter((x) => x.system === system));
}

// [[bucket, count], ...] or {value: [[bucket, count], ...]}: a time series answer
function isSeries(v) {
  const pairs = (x) => Array.isArray(x) && x.length > 0 && Array.isArray(x[0]) && x[0].length === 2;
  return pairs(v) || (v !== null && typeof v === "object" && !Array.isArray(v) && Object.values(v).some(pairs));
}

function formatAnswerValue(v, type = "") {
  if (v === null || v === undefined) return "—";
  if (type === "series" && v && !Array.isArray(v) && typeof v === "object") {  // {value: series}, most lines first
    const keys = Object.keys(v);
    return `${keys.length} series · most: ${keys[0] ?? "—"}`;
  }
  if (type === "series" && Array.isArray(v) && v.length) {  // [[bucket, count], ...]: the chart shows it all
    const peak = v.reduce((a, b) => (b[1] > a[1] ? b : a));
    const total = v.reduce((a, b) => a + Number(b[1] || 0), 0);
    return `${total.toLocaleString("en-US")} in ${v.length} buckets · peak ${peak[1]} at ${peak[0]}`;
  }
  if (Array.isArray(v)) return v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(", ");
  if (typeof v === "object") return JSON.stringify(v);
  if (typeof v === "number") return v.toLocaleString("en-US", { maximumFractionDigits: 6 });
  return String(v);
}

function queryLink(a) {
  const main = (a.queries || []).find((q) => q.role === "main") || (a.queries || [])[0];
  const p = new URLSearchParams({ query: a.logql });
  const span = systemSpan(a.system);
  if (main && main.kind === "instant" && main.time_ns) {
    p.set("type", "instant");
    p.set("time", String(main.time_ns));
  } else if (main && main.start_ns && main.end_ns) {
    p.set("start", String(main.start_ns));
    p.set("end", String(main.end_ns));
    if (main.step_ns) p.set("step", `${Math.round(main.step_ns / 1e9)}s`);
  } else if (span) {
    p.set("start", String(span[0]));
    p.set("end", String(span[1]));
  }
  return `/query?${p.toString()}`;
}

function renderAttempts(attempts) {
  const ol = clear($("#attempts"));
  $("#attempts-count").textContent = String(attempts.length);
  for (const at of attempts) {
    const li = el("li", { class: "attempt" + (at.ok ? "" : " failed") },
      el("div", { class: "attempt-head", text: `#${at.number} ${at.ok ? "ok" : "failed"}${at.seconds !== undefined ? ` · ${(at.seconds * 1000).toFixed(0)} ms` : ""}` }),
      (at.queries || []).map((q) => el("pre", { class: "logql-block small" }, highlight(q.logql || ""))),
      at.feedback ? el("div", { class: "feedback", text: at.feedback }) : null);
    ol.appendChild(li);
  }
  // open the details when a repair happened: that is the interesting part
  $("#attempts-box").open = attempts.length > 1 || attempts.some((x) => !x.ok);
}

async function renderCharts(a) {
  const box = clear($("#answer-chart"));
  const width = widthOf(box);
  const r = a.result;
  if (r && r.resultType === "matrix" && r.result?.length) {
    box.appendChild(matrixChart(r, { title: "result", width, kind: a.intent === "timeseries" ? "bars" : "lines" }));
  }
  else if (r && r.resultType === "vector" && r.result?.length > 1) box.appendChild(vectorChart(r, { title: "result", width }));
  const span = systemSpan(a.system);
  if (a.logql && span && r?.resultType !== "matrix") {  // a matrix already is the lines over time
    try {
      const vol = await volumeChart(a.logql, span[0], span[1], { title: "lines the query reads, over the log's span", width });
      if (vol && current === a) box.appendChild(vol);
    } catch (e) {
      box.appendChild(el("p", { class: "muted", text: `volume chart unavailable: ${e.message}` }));
    }
  }
}

function render(a) {
  current = a;
  show($("#answer"), true);
  show($("#ask-error"), !a.ok);
  $("#ask-error").textContent = a.ok ? "" : (a.error || "could not answer");
  $("#answer-value").textContent = a.ok ? formatAnswerValue(a.value, a.answer_type) : "No answer";
  $("#answer-value").classList.toggle("failed", !a.ok);
  $("#answer-value").classList.toggle("long", $("#answer-value").textContent.length > 28);
  $("#answer-type").textContent = [a.answer_type, a.intent, a.planner && `planner ${a.planner}`].filter(Boolean).join(" · ");
  $("#answer-text").textContent = a.answer || "";
  const notes = clear($("#answer-notes"));
  for (const n of a.notes || []) notes.appendChild(el("li", { text: n }));
  $("#notes-count").textContent = String((a.notes || []).length);
  show($("#notes-box"), (a.notes || []).length > 0);
  const pre = clear($("#answer-logql"));
  pre.appendChild(highlight(a.logql || "(no query)"));
  const link = $("#open-in-query");
  link.href = a.logql ? queryLink(a) : "/query";
  link.classList.toggle("disabled", !a.logql);
  renderAttempts(a.attempts || []);
  const ev = clear($("#evidence"));
  for (const line of a.evidence || []) ev.appendChild(logLine(line));
  if (!(a.evidence || []).length) ev.appendChild(el("li", { class: "muted", text: "no evidence lines" }));
  const c = a.cost || {};
  const tokens = (c.prompt_tokens || 0) + (c.completion_tokens || 0);
  $("#cost").textContent = `Cost: ${c.llm_calls || 0} LLM call${c.llm_calls === 1 ? "" : "s"} · ${tokens} tokens` +
    ` (${c.prompt_tokens || 0} prompt + ${c.completion_tokens || 0} completion) · ${(c.seconds ?? 0).toFixed(2)} s` +
    (a.asked_at ? ` · asked ${a.asked_at}` : "");
  renderCharts(a);
}

async function refreshHistory() {
  const ol = $("#history");
  try {
    const items = (await getJSON("/api/v1/history", { limit: 40 })).history || [];
    clear(ol);
    if (!items.length) ol.appendChild(el("li", { class: "muted", text: "No questions asked yet." }));
    for (const h of items) {
      const li = el("li", { class: "history-item" + (h.ok ? "" : " failed"), dataset: { id: String(h.id) }, tabindex: "0" },
        el("div", { class: "q", text: h.question }),
        el("div", { class: "meta muted", text: `${h.system} · ${h.ok ? formatAnswerValue(h.value, isSeries(h.value) ? "series" : "") : "no answer"} · ${h.asked_at?.slice(0, 16).replace("T", " ") ?? ""}` }));
      const open = () => loadHistory(h.id);
      li.addEventListener("click", open);
      li.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
      ol.appendChild(li);
    }
  } catch (e) {
    clear(ol).appendChild(el("li", { class: "error", text: `history unavailable: ${e.message}` }));
  }
}

async function loadHistory(id) {
  try {
    const a = await getJSON(`/api/v1/history/${encodeURIComponent(id)}`);
    $("#question").value = a.question;
    if (SYSTEMS.some((s) => s.system === a.system)) $("#system").value = a.system;
    render(a);
  } catch (e) {
    showError(e.message);
  }
}

function showError(msg) {
  const box = $("#ask-error");
  box.textContent = msg;
  show(box, true);
}

async function submit(ev) {
  ev?.preventDefault();
  const question = $("#question").value.trim();
  const system = $("#system").value;
  if (!question) { showError("Type a question first."); return; }
  if (!system) { showError("No system to ask about: ingest logs first (logcopilot ingest FILE --system NAME)."); return; }
  const button = $("#ask-button");
  const status = $("#ask-status");
  button.disabled = true;
  show($("#ask-error"), false);
  const t0 = performance.now();
  const llm = $("#llm").value;
  const timer = setInterval(() => {
    status.textContent = `Asking${llm !== "none" ? ` (${llm} model)` : ""}… ${((performance.now() - t0) / 1000).toFixed(0)} s`;
  }, 250);
  status.textContent = "Asking…";
  try {
    const a = await postJSON("/api/v1/ask", { question, system, planner: $("#planner").value, llm });
    const url = new URL(location.href);
    url.search = new URLSearchParams({ system, q: question }).toString();
    history.replaceState(null, "", url);
    render(a);
    status.textContent = a.ok ? "" : "Could not answer.";
    refreshHistory();
  } catch (e) {
    showError(e.message);
    status.textContent = "";
  } finally {
    clearInterval(timer);
    button.disabled = false;
  }
}

// A phrase for a template: its words before the first variable part ("Failed password for"),
// or the whole template with its variables folded when that is too short to recognise.
function phrase(template) {
  const head = template.split("<*>")[0].replace(/[\s:=,;([{-]+$/, "").trim();
  const text = head.split(/\s+/).length >= 2 ? head : template.replace(/<\*>/g, "…");
  return text.length > 48 ? text.slice(0, 47).replace(/\s+\S*$/, "") + "…" : text;
}

const CATEGORICAL = new Set(["ip", "ip:port", "host", "url", "path", "string"]);

// Questions built from the system's own knowledge base, so they fit logs never seen before.
async function suggest(system) {
  const box = $("#suggestions");
  for (const b of box.querySelectorAll("button")) b.remove();
  show(box, false);
  if (!system) return;
  let kb;
  try {
    kb = await getJSON(`/api/v1/knowledge/${encodeURIComponent(system)}`);
  } catch {
    return;  // not indexed: no suggestions, asking still works
  }
  if ($("#system").value !== system) return;
  const top = kb.templates.filter((t) => t.template.replace(/<\*>/g, "").trim().length > 6);
  const questions = [];
  if (top[0]) questions.push(`How many '${phrase(top[0].template)}' lines per hour?`);
  // a "which X most" question needs a categorical slot with a few values: an address, a host,
  // a user name -- not a number, a timestamp or a one-off id
  for (const cand of top.filter((t) => t.params > 0).slice(0, 4)) {
    let t;
    try {
      t = await getJSON(`/api/v1/knowledge/${encodeURIComponent(system)}/templates/${encodeURIComponent(cand.template_id)}`);
    } catch {
      break;  // the first suggestion is enough
    }
    const p = (t.params || []).find((x) => CATEGORICAL.has(x.type) && x.distinct_count >= 3 && x.distinct_count < x.total
      && /^[a-z][a-z_]*[a-z]$/.test(x.name) && !/time|date|value/.test(x.name));
    if (p) {
      questions.push(`Which ${p.name} appears most often in '${phrase(t.template)}' lines?`);
      break;
    }
  }
  const wf = kb.workflow;
  const start = wf && Object.keys(wf.start_events || {})[0];
  const startT = start && kb.templates.find((t) => t.template_id === start);
  if (startT) questions.push(`What usually happens after '${phrase(startT.template)}'?`);
  if ($("#system").value !== system) return;
  for (const q of questions) {
    box.appendChild(el("button", { type: "button", class: "small suggestion", text: q,
      onclick: () => { $("#question").value = q; submit(); } }));
  }
  show(box, questions.length > 0);
}

async function init() {
  markNav();
  $("#ask-form").addEventListener("submit", submit);
  $("#question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); submit(); }
  });
  wireCopy($("#copy-logql"), () => current?.logql || "", $("#answer-logql"));
  const params = new URLSearchParams(location.search);
  try {
    SYSTEMS = await loadSystems();
  } catch (e) {
    showError(e.message);
  }
  fillSystems($("#system"), SYSTEMS, params.get("system"));
  if (!SYSTEMS.length) showError("The store is empty: ingest logs first (logcopilot ingest FILE --system NAME).");
  try {
    const cfg = await getJSON("/api/v1/config");
    const llm = $("#llm");
    clear(llm);
    for (const m of cfg.llms || []) {
      llm.appendChild(el("option", { value: m.name, disabled: !m.available, title: m.detail || "",
        text: m.available ? m.name : `${m.name} (unavailable)` }));
    }
    const preferred = (cfg.llms || []).find((m) => m.name !== "none" && m.available);
    llm.value = params.get("llm") || (preferred ? preferred.name : "none");
  } catch (e) {
    // the config endpoint is optional for asking: keep "none"
  }
  if (params.get("planner")) $("#planner").value = params.get("planner");
  $("#system").addEventListener("change", () => suggest($("#system").value));
  suggest($("#system").value);
  if (params.get("q")) $("#question").value = params.get("q");
  refreshHistory();
  if (params.get("q") && params.get("run") === "1") submit();
}

init();
