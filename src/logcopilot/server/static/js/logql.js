// LogQL syntax highlighting: a small tokenizer that wraps tokens in <span class="tok-*">.
// Text only: the query is user input and may quote log content.

import { el } from "./dom.js";

const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
  "unless", "offset", "unwrap"]);
// aggregation operators take "by (...)" before their parenthesis: known by name, not by "("
const AGGREGATIONS = new Set(["sum", "avg", "min", "max", "count", "topk", "bottomk", "stddev", "stdvar", "sort",
  "sort_desc", "group", "approx_topk"]);
const STAGES = new Set(["json", "logfmt", "regexp", "pattern", "unpack", "line_format", "label_format", "drop",
  "keep", "decolorize", "ip", "distinct"]);

const RULES = [
  ["string", /^"(?:[^"\\]|\\.)*"?/],
  ["string", /^`[^`]*`?/],
  ["comment", /^#[^\n]*/],
  ["duration", /^\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w|y)(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w|y))*/],
  ["number", /^(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/],
  ["op", /^(?:\|=|!=|\|~|!~|=~|==|>=|<=|\|>|!>|[|=<>+\-*/%^,])/],
  ["paren", /^[(){}[\]]/],
  ["ident", /^[A-Za-z_][A-Za-z0-9_.]*/],
  ["space", /^\s+/],
];

export function tokenize(text) {
  const out = [];
  let rest = text;
  let prevSignificant = null;
  while (rest.length) {
    let kind = "other", m = null;
    for (const [k, re] of RULES) {
      m = re.exec(rest);
      if (m && m[0].length) { kind = k; break; }
    }
    const tok = m && m[0].length ? m[0] : rest[0];
    if (kind === "ident") {
      const after = rest.slice(tok.length).trimStart();
      if (KEYWORDS.has(tok)) kind = "keyword";
      else if (after.startsWith("(")) kind = "func";
      else if (prevSignificant === "|" && STAGES.has(tok)) kind = "stage";
      else if (/^(=~|!~|!=|=|>|<)/.test(after)) kind = "label";
      else if (AGGREGATIONS.has(tok)) kind = "func";
    }
    out.push([kind, tok]);
    if (kind !== "space") prevSignificant = tok;
    rest = rest.slice(tok.length);
  }
  return out;
}

// A <code> element with the highlighted query.
export function highlight(text) {
  const code = el("code", { class: "logql" });
  for (const [kind, tok] of tokenize(text || "")) {
    code.appendChild(kind === "space" || kind === "other" ? document.createTextNode(tok)
      : el("span", { class: `tok-${kind}`, text: tok }));
  }
  return code;
}
