"""Summaries stage: a natural-language description of each template, parameter and workflow.

In: templates with counts, named parameters with their statistics, and the workflow graph.
Out: rows of the ``summaries`` table (``kind`` template/parameter/workflow, ``ref``, ``text``).

Without an LLM the text is deterministic, built from the template words, the parameter
statistics and the workflow graph, so it says only what the index knows. With an LLM (any
client with ``.chat(messages, stage=..., json_schema=...)``) the deterministic facts are sent
in batches and the model rewrites them as plain descriptions; each summary is cached by the
hash of its facts and the model, so re-indexing unchanged knowledge costs no call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from logcopilot.engine.store import Store
from logcopilot.indexing.knowledge import TemplateRow
from logcopilot.indexing.parameters import Parameter
from logcopilot.indexing.workflows import END, Workflow

__all__ = ["Summary", "deterministic_summaries", "run_summaries", "write_summaries"]

_BATCH = 12
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"summaries": {"type": "array", "items": {
        "type": "object", "properties": {"ref": {"type": "string"}, "text": {"type": "string"}},
        "required": ["ref", "text"]}}},
    "required": ["summaries"],
}


@dataclass
class Summary:
    kind: str  # 'template' | 'parameter' | 'workflow'
    ref: str
    text: str
    source: str = "deterministic"
    facts: str = ""

    @property
    def input_hash(self) -> str:
        return hashlib.sha256(f"{self.kind}\x00{self.ref}\x00{self.facts}".encode()).hexdigest()[:32]


_EXAMPLE_CHARS = 60  # a value longer than this (a whole record list) is shown by its start


def _values(p: Parameter) -> str:
    ex = ", ".join(v if len(v) <= _EXAMPLE_CHARS else v[:_EXAMPLE_CHARS - 3] + "..." for v in p.examples[:3])
    rng = ""
    if p.min_value is not None and p.max_value is not None:
        rng = f", ranging {p.min_value:g} to {p.max_value:g}"
    return f"{p.distinct_count} distinct value{'s' if p.distinct_count != 1 else ''}{rng}" + (f", e.g. {ex}" if ex else "")


def _quote(template: str, limit: int = 120) -> str:
    t = template if len(template) <= limit else template[: limit - 3] + "..."
    return f'"{t}"'


def deterministic_summaries(templates: Sequence[TemplateRow], params: Sequence[Parameter],
                            wf: Workflow | None) -> list[Summary]:
    """One summary per template, parameter and the workflow, from the index alone."""
    total = sum(t.count for t in templates) or 1
    by_t: dict[str, list[Parameter]] = {}
    for p in params:
        by_t.setdefault(p.template_id, []).append(p)
    text_of = {t.template_id: t.template for t in templates}
    out: list[Summary] = []
    for t in templates:
        ps = sorted(by_t.get(t.template_id, []), key=lambda p: p.position)
        parts = [f"Log message {_quote(t.template)} (template {t.template_id}), logged {t.count} "
                 f"time{'s' if t.count != 1 else ''} ({100 * t.count / total:.1f}% of the lines)."]
        if ps:
            parts.append("Parameters: " + "; ".join(f"{p.name} ({p.type}, {_values(p)})" for p in ps) + ".")
        else:
            parts.append("It has no variable parts.")
        if wf is not None:
            parts.extend(_flow_sentences(t.template_id, wf, text_of))
        text = " ".join(parts)
        out.append(Summary("template", t.template_id, text, facts=text))
        for p in ps:
            ptext = (f"Parameter {p.name} of {_quote(t.template)} (template {t.template_id}, slot {p.position + 1}): "
                     f"{p.type}, {_values(p)}, over {p.total} lines.")
            out.append(Summary("parameter", f"{t.template_id}:{p.position}", ptext, facts=ptext))
    if wf is not None:
        text = _workflow_text(wf, text_of)
        out.append(Summary("workflow", wf.session_key, text, facts=text))
    return out


def _flow_sentences(tid: str, wf: Workflow, text_of: dict[str, str]) -> list[str]:
    succ = [(d, n) for d, n in wf.successors(tid)]
    total = sum(n for _, n in succ)
    if not total:
        return []
    out = []
    nxt = [(d, n) for d, n in succ if d != END][:2]
    if nxt:
        out.append(f"Within a {wf.session_key} session it is followed by " + ", ".join(
            f"{d} {_quote(text_of.get(d, ''), 60)} ({100 * n / total:.0f}%)" for d, n in nxt) + ".")
    ends = dict(succ).get(END, 0)
    if ends and round(100 * ends / total):
        out.append(f"It ends {100 * ends / total:.0f}% of the {wf.session_key} sessions it appears in.")
    if wf.start_events.get(tid):
        out.append(f"It starts {wf.start_events[tid]} of {wf.sessions} sessions.")
    return out


def _workflow_text(wf: Workflow, text_of: dict[str, str]) -> str:
    parts = [f"Lines are grouped into sessions by {wf.session_key} ({wf.key_source}): {wf.sessions} sessions "
             f"covering {wf.lines} lines."]
    if wf.start_events:
        parts.append("Sessions usually start with " + ", ".join(
            f"{t} {_quote(text_of.get(t, ''), 60)} ({n})" for t, n in wf.start_events.most_common(2)) + ".")
    if wf.end_events:
        parts.append("They usually end with " + ", ".join(
            f"{t} {_quote(text_of.get(t, ''), 60)} ({n})" for t, n in wf.end_events.most_common(2)) + ".")
    if wf.sequences:
        seq, n = wf.sequences[0]
        parts.append(f"The most common sequence ({n} sessions) is " + " -> ".join(seq[:12])
                     + (" -> ..." if len(seq) > 12 else "") + ".")
    if wf.duration_stats:
        d = wf.duration_stats
        parts.append(f"Sessions last {d['median']:g} s at the median and {d['max']:g} s at most.")
    return " ".join(parts)


def _llm_rewrite(llm: Any, items: list[Summary], progress: Callable[[int, int], None] | None) -> None:
    """Ask the model to describe each item from its facts; keep the facts on failure."""
    model = str(getattr(llm, "model", "") or "llm")
    for start in range(0, len(items), _BATCH):
        batch = items[start:start + _BATCH]
        facts = "\n".join(f"- ref {s.ref} ({s.kind}): {s.facts}" for s in batch)
        messages = [
            {"role": "system", "content": "You document log messages for engineers. For each item, write one or two "
             "plain sentences saying what the event means and what its parameters are. Use only the facts given."},
            {"role": "user", "content": f"Items:\n{facts}\nAnswer as JSON: {{\"summaries\": [{{\"ref\", \"text\"}}]}}."},
        ]
        try:
            resp = llm.chat(messages, stage="index.summaries", json_schema=_SCHEMA)
            data = getattr(resp, "parsed_json", None) or {}
            got = {str(x.get("ref")): str(x.get("text", "")).strip() for x in data.get("summaries", [])
                   if isinstance(x, dict)}
            model = str(getattr(resp, "model", "") or model)
        except Exception:  # noqa: BLE001 - an LLM failure leaves the deterministic text in place
            got = {}
        for s in batch:
            if got.get(s.ref):
                s.text, s.source = got[s.ref], f"llm:{model}"
        if progress:
            progress(min(start + _BATCH, len(items)), len(items))


def write_summaries(store: Store, system: str, summaries: Sequence[Summary]) -> None:
    con = store.cursor()
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM summaries WHERE system = ?", [system])
    con.executemany("INSERT INTO summaries VALUES (?, ?, ?, ?, ?, ?)",
                    [[system, s.kind, s.ref, s.text, s.source, s.input_hash] for s in summaries])
    con.execute("COMMIT")


def run_summaries(store: Store, system: str, templates: Sequence[TemplateRow], params: Sequence[Parameter],
                  wf: Workflow | None, *, llm: Any = None,
                  progress: Callable[[int, int], None] | None = None) -> list[Summary]:
    """Build, (LLM-rewrite the changed ones,) and store all summaries of ``system``."""
    summaries = deterministic_summaries(templates, params, wf)
    if llm is not None:
        cached = {(k, r): (t, src, h) for k, r, t, src, h in store.cursor().execute(
            "SELECT kind, ref, text, source, input_hash FROM summaries WHERE system = ?", [system]).fetchall()}
        todo = []
        # Parameters stay deterministic: their facts are complete, and a log with wide
        # templates has tens of thousands of slots -- too many calls for little gain.
        for s in (x for x in summaries if x.kind != "parameter"):
            hit = cached.get((s.kind, s.ref))
            if hit and hit[2] == s.input_hash and hit[1].startswith("llm:"):
                s.text, s.source = hit[0], hit[1]
            else:
                todo.append(s)
        _llm_rewrite(llm, todo, progress)
    elif progress:
        progress(len(summaries), len(summaries))
    write_summaries(store, system, summaries)
    return summaries

