// Time helpers: nanosecond strings, RFC3339 text, Go-style durations, an automatic step.

export const NS = 1000000000n;

export function nsToIso(ns) {
  const n = BigInt(ns);
  const ms = Number(n / 1000000n);
  const iso = new Date(ms).toISOString();
  const frac = n % NS;
  if (frac === 0n) return iso.replace(".000Z", "Z");
  if (frac % 1000000n === 0n) return iso;  // millisecond precision is exact
  return iso.slice(0, 19) + "." + frac.toString().padStart(9, "0") + "Z";
}

export function isoShort(ns) {
  return nsToIso(ns).replace("T", " ");
}

// RFC3339 / unix seconds / ns -> ns as a BigInt; null when empty; throws on garbage.
export function parseTime(text) {
  const t = String(text ?? "").trim();
  if (!t) return null;
  if (/^\d{19}$/.test(t)) return BigInt(t);
  if (/^\d+(\.\d+)?$/.test(t)) return BigInt(Math.round(parseFloat(t) * 1000)) * 1000000n;
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new Error(`cannot parse time ${JSON.stringify(t)}: use RFC3339, e.g. 2015-12-10T06:55:46Z`);
  return BigInt(ms) * 1000000n;
}

const UNITS = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

export function parseDuration(text) {
  const t = String(text ?? "").trim();
  if (!t) return null;
  if (/^\d+(\.\d+)?$/.test(t)) return parseFloat(t);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)/g;
  let total = 0, used = 0, m;
  while ((m = re.exec(t)) !== null) { total += parseFloat(m[1]) * UNITS[m[2]]; used += m[0].length; }
  if (used !== t.length || used === 0) throw new Error(`cannot parse duration ${JSON.stringify(t)}: use e.g. 30s, 5m, 1h`);
  return total;
}

export function formatDuration(seconds) {
  const parts = [];
  let s = Math.round(seconds);
  for (const [u, n] of [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]]) {
    if (s >= n) { parts.push(Math.floor(s / n) + u); s %= n; }
  }
  return parts.join("") || "1s";
}

const NICE = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

// A round step giving about `points` buckets over [startNs, endNs].
export function autoStep(startNs, endNs, points = 120) {
  const span = Number(BigInt(endNs) - BigInt(startNs)) / 1e9;
  const raw = Math.max(1, span / points);
  return NICE.find((n) => n >= raw) ?? Math.ceil(raw / 86400) * 86400;
}
