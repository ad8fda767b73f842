// The HTTP API the pages use: LogCopilot's /api/v1 (JSON errors) and Loki's /loki/api/v1
// (plain-text errors). Every call resolves to data or throws an Error with a one-line message.

import { NS } from "./time.js";

// A server started with --token (or --auth-enabled) needs credentials on API calls. Open any
// page once as /ask#token=SECRET (and/or #tenant=ORG): the fragment never reaches the server
// or its logs; it is kept for this browser tab only and removed from the address bar.
function credentials() {
  const frag = new URLSearchParams(location.hash.slice(1));
  for (const k of ["token", "tenant"]) {
    if (frag.has(k)) sessionStorage.setItem(`logcopilot.${k}`, frag.get(k));
  }
  if (frag.has("token") || frag.has("tenant")) history.replaceState(null, "", location.pathname + location.search);
  const h = {};
  const token = sessionStorage.getItem("logcopilot.token");
  const tenant = sessionStorage.getItem("logcopilot.tenant");
  if (token) h.Authorization = `Bearer ${token}`;
  if (tenant) h["X-Scope-OrgID"] = tenant;
  return h;
}
const CREDENTIALS = credentials();

async function request(url, options = {}) {
  let resp;
  try {
    resp = await fetch(url, { ...options, headers: { Accept: "application/json", ...CREDENTIALS, ...(options.headers || {}) } });
  } catch (e) {
    throw new Error(`server unreachable: ${e.message}`);
  }
  const text = await resp.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!resp.ok) {
    const msg = (body && (body.error || body.message)) || text.trim() || `HTTP ${resp.status}`;
    let text1 = typeof msg === "string" ? msg : JSON.stringify(msg);
    if (resp.status === 401) text1 += ` (open this page as ${location.pathname}#token=YOUR_TOKEN or #tenant=ORG_ID)`;
    const err = new Error(text1);
    err.status = resp.status;
    throw err;
  }
  return body;
}

export function getJSON(path, params = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") qs.set(k, v);
  const q = qs.toString();
  return request(q ? `${path}?${q}` : path);
}

export function postJSON(path, body) {
  return request(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

export async function systems() {
  return (await getJSON("/api/v1/systems")).systems || [];
}

export function parseLogQL(query, step) {
  return getJSON("/api/v1/logql/parse", { query, step });
}

// Loki query_range / query; returns data ({resultType, result, stats}).
export async function lokiRange({ query, start, end, step, limit, direction }) {
  const body = await getJSON("/loki/api/v1/query_range", { query, start, end, step, limit, direction });
  return body.data;
}

export async function lokiInstant({ query, time, limit, direction }) {
  const body = await getJSON("/loki/api/v1/query", { query, time, limit, direction });
  return body.data;
}

// The time span of `list` (systems as /api/v1/systems gives them) in whole seconds around it,
// as BigInt ns [start, end), or null when none has entries. Whole seconds: ns numbers above
// 2^53 arrive a few ns off in JSON, and the span must still hold the first and last line.
export function spanOf(list) {
  const held = list.filter((s) => s.ts_min !== null && s.ts_min !== undefined);
  if (!held.length) return null;
  const lo = held.map((s) => BigInt(s.ts_min)).reduce((a, b) => (a < b ? a : b));
  const hi = held.map((s) => BigInt(s.ts_max)).reduce((a, b) => (a > b ? a : b));
  return [(lo / NS) * NS, (hi / NS + 1n) * NS];
}

// Fill a <select> with the stored systems; keep `preferred` selected when present.
export function fillSystems(select, list, preferred) {
  while (select.firstChild) select.removeChild(select.firstChild);
  for (const s of list) {
    const o = document.createElement("option");
    o.value = s.system;
    o.textContent = s.indexed === false ? `${s.system} (not indexed)` : s.system;
    select.appendChild(o);
  }
  if (preferred && list.some((s) => s.system === preferred)) select.value = preferred;
}
