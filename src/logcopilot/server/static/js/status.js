// The ingest status page: per system its entries, streams, time span, sources and rejected
// lines, and how far its knowledge base is built.

import { $, clear, el, markNav, show } from "./dom.js";
import { systems as loadSystems } from "./api.js";
import { labelsText } from "./results.js";
import { isoShort } from "./time.js";

const fmt = (n) => Number(n || 0).toLocaleString("en-US");

function row(s) {
  const enc = encodeURIComponent(s.system);
  const span = s.ts_min !== null && s.ts_min !== undefined ? `${isoShort(s.ts_min)} .. ${isoShort(s.ts_max)}` : "empty";
  const streams = (s.streams || []).map((st) => `${labelsText(st.labels)}: ${fmt(st.entries)}`).join("\n");
  const kb = s.indexed
    ? `${fmt(s.templates)} templates · ${fmt(s.verified_recipes)} verified recipes` + (s.workflow ? ` · workflow by ${s.workflow}` : "")
    : "not indexed";
  const selector = `{system="${s.system}"}`;
  return el("tr", { class: "system-row", dataset: { system: s.system } },
    el("td", { class: "mono" }, el("a", { href: `/knowledge?system=${enc}`, text: s.system })),
    el("td", { class: "num", text: fmt(s.entries) }),
    el("td", { title: streams, text: `${(s.streams || []).length} (${Object.keys(s.labels || {}).join(", ")})` }),
    el("td", { class: "nowrap", text: span }),
    el("td", { text: s.sources ? `${fmt(s.sources)} · ${s.formats}` : "pushed through the API" }),
    el("td", { class: "num", text: fmt(s.lines_read) }),
    el("td", { class: "num" + (s.lines_rejected ? " warn-text" : ""), text: fmt(s.lines_rejected) }),
    el("td", { class: s.indexed ? "" : "muted", text: kb }),
    el("td", { class: "nowrap" },
      el("a", { href: `/ask?system=${enc}`, text: "ask" }), " · ",
      el("a", { href: `/query?query=${encodeURIComponent(selector)}`, text: "query" }), " · ",
      el("a", { href: `/knowledge?system=${enc}`, text: "knowledge" })));
}

async function init() {
  markNav();
  const body = clear($("#systems-table tbody"));
  let list;
  try {
    list = await loadSystems();
  } catch (e) {
    $("#status-error").textContent = e.message;
    show($("#status-error"), true);
    return;
  }
  for (const s of list) body.appendChild(row(s));
  if (!list.length) body.appendChild(el("tr", {}, el("td", { colspan: "9", class: "muted", text: "The store is empty." })));
  const total = list.reduce((a, s) => a + (s.entries || 0), 0);
  const rejected = list.reduce((a, s) => a + (s.lines_rejected || 0), 0);
  $("#status-totals").textContent = `${list.length} systems · ${fmt(total)} entries · ${fmt(rejected)} rejected lines`;
}

init();
