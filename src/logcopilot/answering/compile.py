"""QueryPlan -> LogQL, using the knowledge base's verified recipes.

In: a ``QueryPlan`` and the ``SystemContext``. Out: a ``Compiled`` record: the queries to run
(``QuerySpec``: LogQL text, instant/range/log, evaluation time or range, step, limit,
direction) and the role of each (``main``, ``part``/``whole`` for ratios).

Line selection: one template uses its recipe's line filter (checked on the engine when the
knowledge base was built); several templates share a literal phrase, and templates that the
phrase also selects are excluded by their own distinctive literal, checked against the store
(``coverage``) so the filter selects exactly the chosen templates' lines.

Extraction: a parameter is pulled out with ``| regexp`` built from the literal text around
its slot in the template (``from (?P<ip>...) port``), typed by what the question asks
(an IP out of ``/10.0.0.1:50010`` when it asks for IPs).

Example::

    c = compile_plan(ctx, QueryPlan(intent="count", select=Selection(templates=["E9"])))
    c.queries[0].logql   # 'sum(count_over_time({system="openssh"} |= "Accepted password for" [5h]))'
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Any

from logcopilot.answering.plan import Filter, QueryPlan, Selection
from logcopilot.answering.retrieval import SystemContext, coverage, literal_chunks
from logcopilot.errors import AnswerError

__all__ = [
    "Compiled", "QuerySpec", "bucket_range", "compile_plan", "fmt_duration", "instant_span", "quote", "selection_filters",
    "slot_regex",
]

_NS = {"d": 86_400_000_000_000, "h": 3_600_000_000_000, "m": 60_000_000_000, "s": 1_000_000_000, "ms": 1_000_000}
_BUCKET_NS = {"day": _NS["d"], "hour": _NS["h"], "minute": _NS["m"], "second": _NS["s"]}
_FILTER_RE = re.compile(r'(\|=|!=|\|~|!~)\s*("(?:[^"\\]|\\.)*"|`[^`]*`)')
_VALUE_RE = {
    "ip": r"\d+\.\d+\.\d+\.\d+",
    "ip:port": r"\d+\.\d+\.\d+\.\d+:\d+",
    "int": r"-?\d+",
    "float": r"-?\d+(?:\.\d+)?",
    "number": r"-?\d+(?:\.\d+)?",
    "port": r"\d+",
    "uuid": r"[0-9a-fA-F-]{36}",
}


@dataclass
class QuerySpec:
    logql: str
    kind: str  # instant | range | log
    time_ns: int | None = None
    start_ns: int | None = None
    end_ns: int | None = None
    step_ns: int | None = None
    limit: int | None = None
    direction: str = "backward"
    role: str = "main"

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Compiled:
    queries: list[QuerySpec]
    notes: list[str] = field(default_factory=list)
    group_label: str = ""  # label whose values are the answer (topk/lookup/distinct)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def main(self) -> QuerySpec:
        return self.queries[0]


def quote(s: str) -> str:
    """A LogQL double-quoted string literal."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _raw(s: str) -> str:
    return f"`{s}`" if "`" not in s else quote(s)


def _unquote(lit: str) -> str:
    if lit.startswith("`"):
        return lit[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), lit[1:-1])


def fmt_duration(ns: int) -> str:
    """Nanoseconds as a LogQL duration, exact where possible (``90m``, ``2d``, ``1500ms``)."""
    ns = max(int(ns), 1_000_000)
    for unit in ("d", "h", "m", "s", "ms"):
        if ns % _NS[unit] == 0:
            return f"{ns // _NS[unit]}{unit}"
    return f"{math.ceil(ns / _NS['ms'])}ms"


def parse_filters(fragment: str) -> list[tuple[str, str]]:
    return [(m.group(1), _unquote(m.group(2))) for m in _FILTER_RE.finditer(fragment or "")]


def _render_filters(pairs: list[tuple[str, str]]) -> str:
    out = []
    for op, v in pairs:
        out.append(f"{op} {_raw(v) if op in ('|~', '!~') else quote(v)}")
    return " ".join(out)


# ----------------------------------------------------------------------------- selection
def _template_filter(ctx: SystemContext, tids: list[str], notes: list[str]) -> list[tuple[str, str]]:
    """Line filters selecting exactly the lines of templates ``tids`` (checked on the store)."""
    temps = [t for t in (ctx.template(x) for x in tids) if t is not None]
    if not temps:
        return []
    if len(temps) == 1 and temps[0].recipe is not None and temps[0].recipe.verified:
        return parse_filters(temps[0].recipe.line_filter)
    want = {t.template_id: t.count for t in temps}
    best: tuple[int, list[tuple[str, str]]] | None = None
    for cand in _common_literals(temps):
        pairs = [("|=", cand)]
        got = coverage(ctx, pairs)
        if any(got.get(tid, 0) < n for tid, n in want.items()):
            continue
        extras = [tid for tid in got if tid not in want]
        for tid in extras:
            other = ctx.template(tid)
            excl = _distinctive(other, temps) if other is not None else None
            if excl is not None:
                pairs.append(("!=", excl))
        got = coverage(ctx, pairs)
        if set(got) == set(want) and all(got[t] == n for t, n in want.items()):
            return pairs
        if all(got.get(t, 0) >= n for t, n in want.items()):
            extra_lines = sum(n for t, n in got.items() if t not in want)
            if best is None or extra_lines < best[0]:
                best = (extra_lines, pairs)
    if best is not None:
        notes.append(f"no exact filter for {sorted(want)}: {best[0]} extra line(s) from other templates")
        return best[1]
    # no shared literal: one filter per template, OR-ed as a regex over their best literals
    lits = [max(literal_chunks(t.template), key=len, default="").strip() for t in temps]
    if all(lits):
        notes.append("templates share no literal; selected with a regex alternation")
        return [("|~", "|".join(re.escape(x) for x in lits))]
    return []


def _common_literals(temps: list[Any]) -> list[str]:
    """Literal substrings every template contains, longest first (word-trimmed)."""
    if len(temps) == 1:
        chunks = sorted((c.strip() for c in literal_chunks(temps[0].template)), key=len, reverse=True)
        return [c for c in chunks if len(c) >= 3][:4]
    base = literal_chunks(temps[0].template)
    found: list[str] = []
    for chunk in base:
        cand = chunk
        for other in temps[1:]:
            best = ""
            for oc in literal_chunks(other.template):
                m = difflib.SequenceMatcher(None, cand, oc, autojunk=False).find_longest_match(0, len(cand), 0, len(oc))
                if m.size > len(best):
                    best = cand[m.a: m.a + m.size]
            cand = best
        cand = cand.strip()
        if len(cand) >= 4:
            found.append(cand)
    return sorted(dict.fromkeys(found), key=len, reverse=True)[:4]


def _distinctive(other: Any, temps: list[Any]) -> str | None:
    """A literal of ``other`` that none of ``temps`` contains."""
    for chunk in sorted(literal_chunks(other.template), key=len, reverse=True):
        for piece in (chunk.strip(), *chunk.split()):
            if len(piece) >= 3 and not any(piece in t.template for t in temps):
                return piece
    return None


def selection_filters(ctx: SystemContext, sel: Selection, notes: list[str]) -> tuple[str, list[tuple[str, str]], list[Filter]]:
    """(stream selector, line filters, label filters needing extraction) for a selection."""
    matchers = [f'system="{ctx.system}"'] + [
        f"{k}=~{quote('|'.join(re.escape(x) for x in v.split('|')))}" if "|" in v else f"{k}={quote(v)}"
        for k, v in sorted(sel.labels.items())]
    selector = "{" + ", ".join(matchers) + "}"
    pairs = _template_filter(ctx, sel.templates, notes) if sel.templates else []
    label_filters: list[Filter] = []
    for f in sel.filters:
        if f.label:
            label_filters.append(f)
        elif f.op in ("|=", "!=", "|~", "!~") and f.value:
            pairs.append((f.op, f.value))
    return selector, pairs, label_filters


# ----------------------------------------------------------------------------- extraction
def slot_regex(template: str, position: int, name: str, value_type: str = "", with_post: bool = True,
               param_type: str = "") -> str | None:
    """A regex with one named group for slot ``position`` of ``template``, anchored on the
    literal text around the slot; None when the slot has no literal neighbour."""
    parts = re.split(r"<\*>", template)
    if position + 1 >= len(parts):
        return None
    before, after = parts[position], parts[position + 1]
    if value_type == "ip:port" and after == ":" and position + 2 < len(parts):
        after = parts[position + 2]  # the port is the next slot: take both
    if not with_post:
        after = ""
    # keep the last words before the slot (at most 3 tokens, at most ~30 chars)
    pre = before[-30:]
    pre_toks = re.split(r"(\s+)", pre)
    if len(pre_toks) > 6 and before[-30:] != before:
        pre = "".join(pre_toks[-6:])
    nxt = re.match(r"\s*\S{1,12}", after) if after else None
    post = nxt.group(0) if nxt else ""
    if not pre.strip() and not post.strip():
        return None
    if not value_type and param_type in _VALUE_RE and param_type not in ("int", "float"):
        value_type = param_type  # a typed slot (ip, ip:port, uuid) needs no neighbour to stop it
    vre = _VALUE_RE.get(value_type)
    if vre is None:
        if post and not post[0].isspace():
            vre = r"[^" + re.escape(post[0]) + r"]*?" if post[0] not in "\\]^-" else r".*?"
        else:
            vre = r"\S+" if not post else r".*?"
    lead = ""
    if value_type in ("ip", "ip:port", "int", "float", "number", "port"):
        lead = r"[^\d\s]*"  # a '/' or '[' glued to the value in the log
    elif value_type == "uuid":
        lead = r"\S*?"  # an id glued inside a longer token ('[OrderId:<uuid>,')
    body = re.escape(pre) + lead + f"(?P<{name}>{vre})"
    if post:
        if vre in (r"\S+",):
            body += re.escape(post) if post[0].isspace() else ""
        else:
            if lead:
                body += r"\S*" + re.escape(post) if post[0].isspace() else r"[^\s\d]*" + re.escape(post)
            else:
                body += re.escape(post)
    elif vre == r".*?":
        body = body[: -len(f"(?P<{name}>.*?)")] + f"(?P<{name}>.*)$"
    elif vre == r"\S+":
        body += r"\s*$"
    # Loghub templates collapse runs of spaces; match any whitespace run
    return re.sub(r"(?:\\ )+", r"\\s+", body)


def extraction_for(ctx: SystemContext, tids: list[str], name: str, value_type: str, notes: list[str]) -> str | None:
    """``| regexp`` text extracting parameter ``name`` from every chosen template's lines."""
    temps = [t for t in (ctx.template(x) for x in tids) if t is not None]
    if not temps:
        if value_type in _VALUE_RE:
            notes.append(f"no template: first {value_type} in each line")
            return f"| regexp `(?P<{_label_name(name)}>{_VALUE_RE[value_type]})`"
        return None
    label = _label_name(name)
    for with_post in (True, False):
        regexes: list[str] = []
        ref = next(((t, p) for t in temps for p in t.params if p.name == name), None)
        for t in temps:
            p = next((p for p in t.params if p.name == name), None)
            if p is None and ref is not None and len(t.params) == len(ref[0].params):
                p = t.params[ref[1].position]  # a sibling template names the same slot differently
            if p is None:
                continue
            rx = slot_regex(t.template, p.position, label, value_type, with_post, p.type)
            if rx is None and t.recipe is not None and t.recipe.extraction and len(temps) == 1:
                return t.recipe.extraction
            if rx is not None:
                regexes.append(rx)
        for rx in dict.fromkeys(regexes):
            # one regex must pull a value out of every chosen template's example lines
            if all(any(re.search(rx, ex) for ex in t.examples[:3]) or not t.examples for t in temps):
                if len(temps) > 1:
                    notes.append(f"one regexp for {len(temps)} templates")
                return f"| regexp {_raw(rx)}"
    return None


def borrowed_regex(ctx: SystemContext, tids: list[str], name: str) -> str | None:
    r"""A regex for a value the chosen templates hold as *literal text* (mined from few lines),
    borrowed from another template that has a parameter ``name`` in the same words:
    ``Failed password for <*> from`` names ``user``, so ``Accepted password for fztu from``
    yields ``password\s+for\s+(?P<user>\S+)\s+from``."""
    temps = [t for t in (ctx.template(x) for x in tids) if t is not None]
    if not temps:
        return None
    for other in ctx.templates:
        if other.template_id in tids:
            continue
        for p in other.params:
            if p.name != name:
                continue
            parts = re.split(r"<\*>", other.template)
            before = " ".join(parts[p.position].split()[-2:]) if p.position < len(parts) else ""
            after = (parts[p.position + 1].split() or [""])[0] if p.position + 1 < len(parts) else ""
            if not before or not after or "<*>" in before:
                continue
            rx = (re.escape(before) + r"\s+(?P<" + _label_name(name) + r">\S+)\s+" + re.escape(after)).replace("\\ ", r"\s+")
            if all(any(re.search(rx, ex) for ex in t.examples[:3]) and _literal_at(rx, t.template) for t in temps):
                return f"| regexp {_raw(rx)}"
    return None


def _literal_at(rx: str, text: str) -> bool:
    """``rx`` matches ``text`` and its group holds literal text there, not a ``<*>`` slot."""
    m = re.search(rx, text)
    return m is not None and "<*>" not in m.group(1)


def _label_name(name: str) -> str:
    n = re.sub(r"[^A-Za-z0-9_]", "_", name) or "value"
    return n if not n[0].isdigit() else f"v{n}"


# ----------------------------------------------------------------------------- queries
def _pipeline(selector: str, pairs: list[tuple[str, str]], extract: str | None, label_filters: list[Filter]) -> str:
    q = selector
    if pairs:
        q += " " + _render_filters(pairs)
    if extract:
        q += " " + extract
    for f in label_filters:
        op = {"|=": "=", "|~": "=~"}.get(f.op, f.op)
        q += f" | {_label_name(f.label)}{op}{quote(f.value)}"
    return q


def instant_span(ctx: SystemContext, plan: QueryPlan) -> tuple[int, int, int]:
    """(range ns, evaluation time ns, start ns) for an instant query over the plan's window."""
    if plan.window is not None:
        rng = max(plan.window.end_ns - plan.window.start_ns, 1_000_000)
        return rng, plan.window.end_ns, plan.window.start_ns
    lo, hi = ctx.span
    end = hi + 1_000_000  # just after the last line, so it is inside (end - range, end]
    days = max(1, math.ceil((end - lo) / _NS["d"]) + (1 if (end - lo) % _NS["d"] == 0 else 0))
    rng = days * _NS["d"] if (end - lo) > _NS["h"] else _NS["h"] * max(1, math.ceil((end - lo) / _NS["h"]))
    return rng, end, end - rng


def _narrow_to_extractable(ctx: SystemContext, plan: QueryPlan, notes: list[str]) -> None:
    """When one regex cannot pull the grouped parameter out of every chosen template (the
    slot sits in different contexts), keep the templates that share one extraction, the
    group with the most lines, rather than failing the whole question."""
    tids = plan.select.templates
    if plan.group_source != "param" or not plan.group_by or len(tids) < 2:
        return
    if extraction_for(ctx, tids, plan.group_by, plan.value_type, []) is not None:
        return
    groups: dict[str, list[str]] = {}
    for tid in tids:
        ex = extraction_for(ctx, [tid], plan.group_by, plan.value_type, [])
        if ex is not None:
            groups.setdefault(ex, []).append(tid)
    if not groups:
        return

    def lines(g: list[str]) -> int:
        return sum(int(getattr(ctx.template(t), "count", 0) or 0) for t in g)

    best = max(groups.values(), key=lines)
    plan.select.templates = best
    msg = f"{plan.group_by} is extractable with one regex from {best} only: narrowed to them"
    notes.append(msg)
    plan.notes.append(msg)


def _series_bucket(span_ns: int) -> str:
    """The bucket of a time series with no unit asked for: at most a few hundred points."""
    for unit in ("second", "minute", "hour"):
        if span_ns // _BUCKET_NS[unit] <= 300:
            return unit
    return "day"


def bucket_range(plan: QueryPlan, lo: int, hi: int, notes: list[str] | None = None) -> tuple[int, int, int]:
    """(start, end, step) of a range query counting per ``plan.bucket`` over ``[lo, hi]``
    (argmax_time, timeseries). A time series with no bucket asked for gets one from the span,
    set on ``plan`` so the answer names the bucket its numbers are per (and said in ``notes``)."""
    if plan.intent == "timeseries" and not plan.bucket:
        plan.bucket = _series_bucket(hi - lo)
        if notes is not None:
            notes.append(f"time series per {plan.bucket} (from the span asked about)")
    step = _BUCKET_NS.get(plan.bucket or "hour", _NS["h"])
    return (lo // step) * step + step, (hi // step) * step + step, step


def compile_plan(ctx: SystemContext, plan: QueryPlan) -> Compiled:
    """Turn a plan into the queries that answer it."""
    notes: list[str] = []
    _narrow_to_extractable(ctx, plan, notes)
    selector, pairs, lfilters = selection_filters(ctx, plan.select, notes)
    rng, t_eval, t_start = instant_span(ctx, plan)
    R = fmt_duration(rng)
    group = _label_name(plan.group_by) if plan.group_by else ""
    extract = None
    if plan.group_source == "param" and plan.group_by:
        extract = extraction_for(ctx, plan.select.templates, plan.group_by, plan.value_type, notes)
    elif plan.group_source == "regex" and plan.group_by and plan.value_type:
        extract = f"| regexp {_raw(plan.value_type)}"
    elif plan.group_source == "field" and plan.group_by:
        from logcopilot.answering.fields import header_fields

        rx = header_fields(ctx).get(plan.group_by)
        extract = f"| regexp {_raw(rx)}" if rx else None
    elif plan.group_source == "shape" and plan.group_by:
        pairs = pairs + [("|=", plan.value_type)]
        extract = f"| regexp `(?P<{group}>{re.escape(plan.value_type)}[0-9A-Za-z_.:-]+)`"
    elif plan.group_source == "borrowed" and plan.group_by:
        extract = borrowed_regex(ctx, plan.select.templates, plan.group_by)
    for f in lfilters:
        if f.label != plan.group_by and not (plan.group_source == "label" and f.label == plan.group_by):
            ex = extraction_for(ctx, plan.select.templates, f.label, "", notes)
            if ex and ex != extract:
                extract = (extract + " " + ex) if extract else ex
    if plan.group_source in ("param", "borrowed", "field", "shape", "regex") and plan.group_by and not extract:
        raise AnswerError(f"cannot extract parameter {plan.group_by!r} from the chosen templates")
    log_q = _pipeline(selector, pairs, extract, lfilters)
    if not plan.select.templates and not pairs and not lfilters and not plan.select.labels and plan.intent not in (
            "argmax_time", "timeseries", "count", "topk", "lookup", "distinct_count", "existence", "ratio",
            "first_last", "workflow"):
        raise AnswerError("no log lines match what the question asks about")
    out = Compiled([], notes, group)
    intent = plan.intent
    if intent in ("count", "existence"):
        out.queries.append(QuerySpec(f"sum(count_over_time({log_q} [{R}]))", "instant", time_ns=t_eval))
    elif intent == "distinct_count":
        _need_group(plan)
        out.queries.append(QuerySpec(
            f"count(sum by ({group}) (count_over_time({_nonempty(log_q, group, plan)} [{R}])))", "instant", time_ns=t_eval))
    elif intent == "topk":
        _need_group(plan)
        out.queries.append(QuerySpec(
            f"topk({plan.k}, sum by ({group}) (count_over_time({_nonempty(log_q, group, plan)} [{R}])))", "instant", time_ns=t_eval))
    elif intent == "lookup":
        _need_group(plan)
        out.queries.append(QuerySpec(
            f"sum by ({group}) (count_over_time({_nonempty(log_q, group, plan)} [{R}]))", "instant", time_ns=t_eval))
    elif intent == "numeric_agg":
        _need_group(plan)
        vq = _nonempty(log_q, group, plan)
        if plan.agg in ("max", "min"):
            q = f"{plan.agg}({plan.agg}_over_time({vq} | unwrap {group} [{R}]))"
        elif plan.agg == "sum":
            q = f"sum(sum_over_time({vq} | unwrap {group} [{R}]))"
        else:
            q = f"sum(sum_over_time({vq} | unwrap {group} [{R}])) / sum(count_over_time({vq} [{R}]))"
        out.queries.append(QuerySpec(q, "instant", time_ns=t_eval))
    elif intent == "ratio":
        part = plan.part or Selection()
        psel, ppairs, plf = selection_filters(ctx, _merge(plan.select, part), notes)
        pextract = None
        for f in plf:
            ex = extraction_for(ctx, part.templates or plan.select.templates, f.label, "", notes)
            if ex:
                pextract = ex
        part_q = _pipeline(psel, ppairs, pextract, plf)
        q = f"sum(count_over_time({part_q} [{R}])) / sum(count_over_time({log_q} [{R}]))"
        out.queries.append(QuerySpec(q, "instant", time_ns=t_eval))
        out.queries.append(QuerySpec(f"sum(count_over_time({part_q} [{R}]))", "instant", time_ns=t_eval, role="part"))
        out.queries.append(QuerySpec(f"sum(count_over_time({log_q} [{R}]))", "instant", time_ns=t_eval, role="whole"))
    elif intent in ("argmax_time", "timeseries"):
        lo, hi = (plan.window.start_ns, plan.window.end_ns) if plan.window else ctx.span
        start, end, step = bucket_range(plan, lo, hi, notes)
        agg, sel = "sum", log_q
        if intent == "timeseries" and group:  # one series per value ("per hour by component")
            agg, sel = f"sum by ({group}) ", _nonempty(log_q, group, plan)
        out.queries.append(QuerySpec(f"{agg}(count_over_time({sel} [{fmt_duration(step)}]))", "range",
                                     start_ns=start, end_ns=end, step_ns=step))
    elif intent == "first_last":
        out.queries.append(QuerySpec(log_q, "log", start_ns=t_start, end_ns=t_eval, limit=1,
                                     direction="forward" if plan.first else "backward"))
    elif intent == "workflow":
        if plan.select.is_empty() and plan.after is not None and not plan.after.is_empty():
            asel, apairs, _ = selection_filters(ctx, plan.after, notes)
            log_q = _pipeline(asel, apairs, None, [])
        out.queries.append(QuerySpec(log_q, "log", start_ns=ctx.span[0], end_ns=ctx.span[1] + 1_000_000,
                                     limit=50_000, direction="forward"))
        if plan.after is not None:
            _, apairs, _ = selection_filters(ctx, plan.after, notes)
            out.extra["after_filters"] = apairs
            out.extra["after_templates"] = plan.after.templates
    else:
        raise AnswerError(f"intent {intent!r} has no query form")
    return out


def _merge(a: Selection, b: Selection) -> Selection:
    if b.templates:
        return Selection(list(b.templates), a.filters + b.filters, {**a.labels, **b.labels})
    return Selection(list(a.templates), a.filters + b.filters, {**a.labels, **b.labels})


def _need_group(plan: QueryPlan) -> None:
    if not plan.group_by:
        raise AnswerError(f"a {plan.intent} question needs a value to group by, and none was found")


def _nonempty(log_q: str, group: str, plan: QueryPlan) -> str:
    """Drop lines where the extraction found nothing (an empty label is not a value)."""
    if plan.group_source in ("param", "borrowed", "shape", "field", "regex"):
        return f'{log_q} | {group}!=""'
    return log_q
