// The knowledge page: browse and search a system's templates (counts, examples, parameters,
// the verified LogQL recipe), and its workflow as a graph and as the most common sessions.

import { $, clear, debounce, el, logLine, markNav, show, wireCopy } from "./dom.js";
import { fillSystems, getJSON, spanOf, systems as loadSystems } from "./api.js";
import { highlight } from "./logql.js";
import { workflowGraph } from "./graph.js";
import { widthOf } from "./results.js";

let SYSTEMS = [];
let KB = null;
let recipeText = "";
let loadSeq = 0;  // a slow earlier system load must not overwrite a newer one

const enc = encodeURIComponent;

function showError(msg) {
  $("#kb-error").textContent = msg;
  show($("#kb-error"), Boolean(msg));
}

function templateName(tid) {
  if (tid === "<start>" || tid === "<end>") return tid;
  const t = KB?.templates.find((x) => x.template_id === tid);
  return t ? t.template : tid;
}

function renderList(filter = "") {
  const ul = clear($("#template-list"));
  const f = filter.trim().toLowerCase();
  const items = (KB?.templates || []).filter((t) => !f || t.template.toLowerCase().includes(f) || t.template_id.toLowerCase() === f);
  for (const t of items) {
    const li = el("li", { class: "template-item", dataset: { id: t.template_id }, tabindex: "0", title: t.template },
      el("span", { class: "count", text: t.count.toLocaleString("en-US") }),
      el("span", { class: "share", title: `${(t.share * 100).toFixed(1)}% of lines` },
        el("span", { class: "share-bar", style: `width:${Math.max(2, Math.round(t.share * 100))}%` })),
      el("span", { class: "verified " + (t.verified ? "yes" : "no"), text: t.verified ? "✓" : "·",
        title: t.verified ? "recipe verified on the engine" : "recipe not verified" }),
      el("span", { class: "text", text: t.template }));
    li.addEventListener("click", () => openTemplate(t.template_id));
    li.addEventListener("keydown", (e) => { if (e.key === "Enter") openTemplate(t.template_id); });
    ul.appendChild(li);
  }
  $("#kb-meta").textContent = KB
    ? `${items.length} of ${KB.templates.length} templates · ${KB.total_lines.toLocaleString("en-US")} lines · ${KB.verified_recipes} verified recipes`
    : "";
}

function spanQuery(system) {
  const span = spanOf(SYSTEMS.filter((x) => x.system === system));
  return span ? `&start=${span[0]}&end=${span[1]}` : "";
}

function neighbourList(title, edges, key) {
  if (!edges?.length) return null;
  return el("div", {}, el("h4", { text: title }), el("ul", {}, edges.slice(0, 5).map((e) => {
    const tid = e[key];
    const li = el("li", {}, el("span", { class: "badge", text: `${e.count}×` }), " ",
      tid.startsWith("<") ? el("span", { class: "muted", text: tid === "<end>" ? "session ends" : "session starts" })
        : el("a", { href: `#${tid}`, text: templateName(tid), onclick: (ev) => { ev.preventDefault(); openTemplate(tid); } }));
    return li;
  })));
}

async function openTemplate(tid) {
  const system = $("#kb-system").value;
  for (const li of document.querySelectorAll(".template-item")) li.classList.toggle("selected", li.dataset.id === tid);
  let t;
  try {
    t = await getJSON(`/api/v1/knowledge/${enc(system)}/templates/${enc(tid)}`);
  } catch (e) {
    showError(e.message);
    return;
  }
  showError("");
  show($("#template-detail"), true);
  history.replaceState(null, "", `?system=${enc(system)}&template=${enc(tid)}`);
  $("#template-id").textContent = t.template_id;
  $("#template-count").textContent = `${t.count.toLocaleString("en-US")} lines · ${(t.share * 100).toFixed(1)}%`;
  $("#template-text").textContent = t.template;
  $("#template-summary").textContent = t.summary || "";
  const r = t.recipe;
  const status = $("#template-recipe-status");
  status.textContent = !r ? "no recipe" : r.verified ? "verified" : `not verified: ${r.reason}`;
  status.className = "badge " + (r && r.verified ? "ok" : "warn");
  status.title = r ? `${r.reason} (expected ${r.expected_count}, matched ${r.matched_count ?? "?"})` : "";
  recipeText = r ? r.logql : "";
  clear($("#template-recipe")).appendChild(highlight(recipeText || "(none)"));
  $("#open-recipe").href = r ? `/query?query=${enc(r.logql)}${spanQuery(system)}&direction=forward` : "/query";
  const table = clear($("#template-params"));
  if (t.params?.length) {
    table.appendChild(el("thead", {}, el("tr", {}, ["slot", "name", "type", "distinct", "range", "examples"].map((h) => el("th", { text: h })))));
    table.appendChild(el("tbody", {}, t.params.map((p) => el("tr", { title: p.summary || "" },
      el("td", { class: "num", text: String(p.position) }),
      el("td", { class: "mono", text: p.name }),
      el("td", { text: p.type }),
      el("td", { class: "num", text: String(p.distinct_count) }),
      el("td", { text: p.min_value !== null && p.min_value !== undefined ? `${p.min_value} .. ${p.max_value}` : "" }),
      el("td", { class: "mono examples", text: (p.examples || []).slice(0, 5).join(", ") })))));
  } else {
    table.appendChild(el("tbody", {}, el("tr", {}, el("td", { class: "muted", text: "no parameters: the template is constant" }))));
  }
  const ex = clear($("#template-examples"));
  for (const line of t.examples || []) ex.appendChild(logLine(line));
  const nb = clear($("#template-neighbours"));
  const parts = [neighbourList("Comes after", t.predecessors, "src"), neighbourList("Followed by", t.successors, "dst")].filter(Boolean);
  if (parts.length) nb.append(...parts);
  else nb.appendChild(el("p", { class: "muted", text: "not part of the mined workflow" }));
}

function renderWorkflow() {
  const wf = KB?.workflow;
  const box = clear($("#workflow-graph-box"));
  const list = clear($("#workflow-list"));
  if (!wf) {
    $("#workflow-meta").textContent = "No workflow mined: no session key (request id, pid, block id...) was found.";
    $("#workflow-summary").textContent = "";
    return;
  }
  const d = wf.duration_stats || {};
  $("#workflow-meta").textContent = `session key ${wf.session_key} (${wf.key_source}) · ${wf.sessions.toLocaleString("en-US")} sessions · ` +
    `${wf.lines.toLocaleString("en-US")} lines` + (d.median !== undefined ? ` · median session ${d.median} s, p95 ${d.p95} s` : "");
  $("#workflow-summary").textContent = wf.summary || "";
  box.appendChild(workflowGraph(wf.edges || [], templateName, (tid) => openTemplate(tid), { width: widthOf(box) - 20 }));
  for (const seq of (wf.sequences || []).slice(0, 10)) {
    list.appendChild(el("li", {}, el("span", { class: "badge", text: `${seq.sessions} sessions` }),
      el("ol", { class: "sequence" }, (seq.events || []).map((tid) =>
        el("li", {}, el("a", { href: `#${tid}`, text: templateName(tid), onclick: (ev) => { ev.preventDefault(); openTemplate(tid); } }))))));
  }
}

async function loadSystem(system, template) {
  const seq = ++loadSeq;
  KB = null;
  renderList();
  show($("#template-detail"), false);
  let kb;
  try {
    kb = await getJSON(`/api/v1/knowledge/${enc(system)}`);
  } catch (e) {
    if (seq !== loadSeq) return;
    showError(e.message);
    show($("#workflow"), false);  // nothing is known about this system yet: no empty workflow either
    return;
  }
  if (seq !== loadSeq) return;
  KB = kb;
  showError("");
  show($("#workflow"), true);
  renderList($("#kb-search").value);
  renderWorkflow();
  if (template) openTemplate(template);
  else history.replaceState(null, "", `?system=${enc(system)}`);
}

async function search() {
  const q = $("#kb-search").value.trim();
  renderList(q);
  const out = $("#search-results");
  if (q.length < 3) { show(out, false); return; }
  try {
    const hits = (await getJSON(`/api/v1/knowledge/${enc($("#kb-system").value)}/search`, { q, k: 8 })).hits || [];
    if (q !== $("#kb-search").value.trim()) return;
    clear(out);
    for (const h of hits) {
      const li = el("li", { class: "search-hit", tabindex: "0" }, el("span", { class: "badge", text: h.kind }), " ",
        el("span", { text: h.text.length > 160 ? h.text.slice(0, 159) + "…" : h.text, title: h.text }));
      const tid = h.template_id || (h.kind === "template" ? h.ref : null);
      li.addEventListener("click", () => (tid ? openTemplate(tid) : $("#workflow").scrollIntoView()));
      out.appendChild(li);
    }
    if (!hits.length) out.appendChild(el("li", { class: "muted", text: "no matches" }));
    show(out, true);
  } catch (e) {
    showError(e.message);
  }
}

async function init() {
  markNav();
  const params = new URLSearchParams(location.search);
  try {
    SYSTEMS = await loadSystems();
  } catch (e) {
    showError(e.message);
    return;
  }
  const indexed = SYSTEMS.filter((s) => s.indexed !== false);
  fillSystems($("#kb-system"), SYSTEMS, params.get("system") || indexed[0]?.system);
  if (!SYSTEMS.length) { showError("The store is empty: ingest and index logs first."); return; }
  $("#kb-system").addEventListener("change", () => loadSystem($("#kb-system").value));
  $("#kb-search").addEventListener("input", debounce(search, 250));
  wireCopy($("#copy-recipe"), () => recipeText, $("#template-recipe"));
  await loadSystem($("#kb-system").value, params.get("template"));
}

init();
