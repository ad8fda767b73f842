"""Synthesis: results -> the structured value, a short answer text and evidence lines.

In: the ``QueryPlan``, the executed results per query role, the ``SystemContext``. Out: the
answer value in one of the benchmark's types (number, string, list, time, bool, template),
a one-sentence text built from the plan and the value (no LLM; the phrases come from
``wording``), and helpers that turn log lines into their templates for workflow answers.

The text leads with the value, then the count it rests on and a compact description of
what was counted, e.g. ``183.62.140.253 is the top ip, with 286 'Failed password for …
from … port … ssh2' lines.``

Example::

    value, text = synthesize(ctx, plan, {"main": VectorResult([...])})
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import duckdb

from logcopilot.answering.plan import QueryPlan
from logcopilot.answering.retrieval import SystemContext
from logcopilot.answering.timeexpr import from_ns
from logcopilot.answering.wording import (
    describe_templates,
    filter_text,
    fmt_number,
    lines_phrase,
    name_of,
    plural,
    predicate,
    window_phrase,
)
from logcopilot.engine.results import MatrixResult, QueryResult, ScalarResult, StreamsResult, VectorResult
from logcopilot.errors import AnswerError, LogCopilotError

__all__ = ["format_time", "number_of", "successor_template", "synthesize", "template_of_line"]


def number_of(result: QueryResult | None) -> float | None:
    """The single number of an instant result (sum over samples); None when empty."""
    if isinstance(result, ScalarResult):
        return result.value
    if isinstance(result, VectorResult):
        if not result.samples:
            return None
        return float(sum(s.value for s in result.samples))
    if isinstance(result, MatrixResult):
        pts = [p[1] for s in result.series for p in s.points[-1:]]
        return float(sum(pts)) if pts else None
    return None


def _clean(v: float) -> int | float:
    if v != v:  # NaN
        return v
    if abs(v - round(v)) < 1e-9:
        return int(round(v))
    return round(v, 6)


def format_time(ns: int, unit: str = "second", time_format: str = "") -> str:
    dt = from_ns(ns)
    if time_format:
        f = time_format.upper()
        if f.endswith("HH:00"):
            unit = "hour"
        elif f.endswith("HH:MM"):
            unit = "minute"
        elif f.endswith("SS"):
            unit = "second"
        elif f.strip() == "MM-DD":
            unit = "day"
    fmt = {"day": "%m-%d", "hour": "%m-%d %H:00", "minute": "%m-%d %H:%M"}.get(unit, "%m-%d %H:%M:%S")
    return dt.strftime(fmt)


def _group_values(result: QueryResult | None, label: str) -> list[tuple[str, float]]:
    if not isinstance(result, VectorResult):
        return []
    out: defaultdict[str, float] = defaultdict(float)
    for s in result.samples:
        v = s.labels.get(label)
        if v is None or v == "":
            continue
        out[v] += s.value
    return sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))


def template_of_line(ctx: SystemContext, line: str) -> str:
    """The template text of a stored line (the line itself when it is not indexed)."""
    row = ctx.store.cursor().execute(
        "SELECT template_id FROM entries WHERE line = ? AND template_id IS NOT NULL LIMIT 1", [line]).fetchone()
    if row is not None:
        t = ctx.template(str(row[0]))
        if t is not None and t.template:
            return str(t.template)
    return line


_NAMED_SESSION = "next line of the named session"


def _series(plan: QueryPlan, main: QueryResult | None, extra: dict[str, Any] | None, lines: Any,
            when: str, top: int = 10) -> tuple[Any, str]:
    """A count per time bucket: [[bucket start, count], ...] with the empty buckets between
    the first and the last as 0 (Loki leaves them out), and a sentence naming the busiest.
    Grouped (``plan.group_by``): {value: that series} for the ``top`` values with most lines."""
    series = main.series if isinstance(main, MatrixResult) else []
    totals: defaultdict[int, float] = defaultdict(float)
    for s in series:
        for t, v in s.points:
            totals[t] += v
    if not totals:
        raise AnswerError(f"no {lines()}{when}")
    step_ms = int((extra or {}).get("step_ms") or 3_600_000)
    unit = plan.bucket or "hour"
    first, last = min(totals), max(totals)

    def filled(points: dict[int, float]) -> list[list[Any]]:
        return [[format_time((t - step_ms) * 1_000_000, unit), _clean(points.get(t, 0.0))]
                for t in range(first, last + step_ms, step_ms)]

    n = len(range(first, last + step_ms, step_ms))
    total = sum(totals.values())
    if plan.group_by:
        by_value: dict[str, dict[int, float]] = {}
        for s in series:
            name = s.labels.get(_label(plan.group_by), "") or "(none)"
            pts = by_value.setdefault(name, {})
            for t, v in s.points:
                pts[t] = pts.get(t, 0.0) + v
        ranked = sorted(by_value.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        lead, lead_pts = ranked[0]
        what = name_of(plan.group_by)
        text = (f"{fmt_number(_clean(total))} {lines(total)}{when} over {n} {plural(n, unit)} from "
                f"{len(ranked)} {plural(len(ranked), what)}; {lead} has the most ({fmt_number(_clean(sum(lead_pts.values())))}).")
        return {name: filled(pts) for name, pts in ranked[:top]}, text
    best_t, best_v = max(totals.items(), key=lambda kv: (kv[1], -kv[0]))
    busiest = format_time((best_t - step_ms) * 1_000_000, unit)
    return filled(totals), (f"{fmt_number(_clean(total))} {lines(total)}{when} over {n} {plural(n, unit)}; "
                            f"the busiest {unit} was {busiest} with {fmt_number(_clean(best_v))}.")


def successor_template(ctx: SystemContext, plan: QueryPlan, result: QueryResult | None,
                       after_filters: list[tuple[str, str]], after_tids: list[str]) -> tuple[str, str]:
    """(template, how) of what follows the 'after' event in the same session."""
    lines: list[tuple[int, str]] = []
    if isinstance(result, StreamsResult):
        for s in result.streams:
            lines.extend(s.entries)
    lines.sort()
    if plan.select.filters and lines:
        # one named session: its lines in time order, the line after the event
        def hit(line: str) -> bool:
            return all((v in line) == (op == "|=") for op, v in after_filters if op in ("|=", "!="))
        for i, (_, line) in enumerate(lines[:-1]):
            if after_filters and hit(line):
                return template_of_line(ctx, lines[i + 1][1]), _NAMED_SESSION
    wf = ctx.workflow
    if wf is not None and after_tids:
        succ: Counter[str] = Counter()
        for tid in after_tids:
            for e in wf.successors(tid):
                if e["dst"] not in ("<end>", "<start>"):
                    succ[e["dst"]] += int(e["count"])
        if succ:
            dst = succ.most_common(1)[0][0]
            t = ctx.template(dst)
            if t is not None:
                return str(t.template), f"{succ[dst]} times in {wf.session_key} sessions"
    got = _successor_by_sessions(ctx, after_filters, plan.after.labels if plan.after else {})
    if got is not None:
        return got
    raise AnswerError("no successor event found for the event the question names")


def _message_of(preset: Any, line: str) -> str:
    if preset is not None:
        try:
            parsed = preset.parse(line)
        except LogCopilotError:  # a line the format does not parse: use it whole
            parsed = None
        if parsed and parsed.get("Content"):
            return str(parsed["Content"])
    return line


def _successor_by_sessions(ctx: SystemContext, after_filters: list[tuple[str, str]],
                           labels: dict[str, str]) -> tuple[str, str] | None:
    """Without a mined workflow: group lines by a session header field (trace id, pid...),
    find the lines of the event, and count what the same session logs next."""
    from logcopilot.answering.fields import header_fields
    from logcopilot.answering.fallback import _mask

    fields = header_fields(ctx)
    key = next((n for n in fields if re.search(r"trace|session|pid|request|txn|job", n)), None)
    if key is None or not after_filters:
        return None
    rx = re.compile(fields[key])
    try:
        from logcopilot.ingest.formats import format_for_system

        preset = format_for_system(ctx.store, ctx.system)
    except (LogCopilotError, duckdb.Error):
        preset = None
    rows = ctx.store.cursor().execute(
        "SELECT line FROM entries WHERE stream_id IN (SELECT stream_id FROM streams WHERE "
        "json_extract_string(labels, '$.system') = ?) ORDER BY ts, seq", [ctx.system]).fetchall()
    last: dict[str, bool] = {}
    succ: Counter[str] = Counter()
    example: dict[str, str] = {}

    def is_event(line: str) -> bool:
        for op, v in after_filters:
            if op == "|=" and v not in line or op == "!=" and v in line:
                return False
            if op == "|~" and not re.search(v, line) or op == "!~" and re.search(v, line):
                return False
        return True

    for (line,) in rows:
        m = rx.search(line)
        if not m:
            continue
        k = m.group(key)
        if last.get(k):
            msg = _message_of(preset, line)
            shape = _mask(msg)[0]
            succ[shape] += 1
            example.setdefault(shape, msg)
        last[k] = is_event(line)
    if not succ:
        return None
    shape, n = succ.most_common(1)[0]
    return example[shape], f"{n} times in the same {key}, sessions grouped from the lines"


def synthesize(ctx: SystemContext, plan: QueryPlan, results: dict[str, QueryResult],
               extra: dict[str, Any] | None = None) -> tuple[Any, str]:
    """(value, text) for the plan's intent; the text is one short sentence, value first."""
    intent = plan.intent
    main = results.get("main")
    tpls = _templates(ctx, plan.select.templates)
    when = window_phrase(plan.window)
    name = name_of(plan.group_by, plan.value_type)

    def lines(n: float | None = None) -> str:
        return lines_phrase(plan.select, tpls, n)

    if intent == "count":
        n = _clean(number_of(main) or 0.0)
        return n, f"{fmt_number(n)} {lines(n)}{when}."
    if intent == "existence":
        n = number_of(main) or 0.0
        return n > 0, (f"Yes: {fmt_number(_clean(n))} {lines(n)}{when}." if n > 0 else f"No: no {lines()}{when}.")
    if intent == "distinct_count":
        n = _clean(number_of(main) or 0.0)
        return n, f"{fmt_number(n)} distinct {name} {plural(n, 'value')}{_in(plan, lines())}{when}."
    if intent in ("topk", "lookup"):
        vals = _group_values(main, _label(plan.group_by))
        if not vals:
            raise AnswerError(f"no {name} values found{_in(plan, lines())}{when}")
        if intent == "topk":
            top = [v for v, _ in vals[: plan.k]]
            value: Any = top[0] if plan.k == 1 else top
            return value, _topk_text(vals[: plan.k], plan.k, name, lines(vals[0][1]), when, plan.select.is_empty())
        names = [v for v, _ in vals]
        return names, _lookup_text(names, name, _in(plan, lines()), when)
    if intent == "numeric_agg":
        got = number_of(main)
        if got is None:
            raise AnswerError(f"no numeric values of {name} found{_in(plan, lines())}")
        v = _clean(got)
        agg = _AGG_WORDS.get(plan.agg, plan.agg)
        return v, f"{fmt_number(v)} is the {agg} {name}{_in(plan, lines())}{when}."
    if intent == "ratio":
        whole = number_of(results.get("whole"))
        part = number_of(results.get("part")) or 0.0
        share_of = number_of(main)
        if share_of is None:
            if not whole:
                raise AnswerError("the ratio's denominator selects no lines")
            share_of = part / whole
        v = round(float(share_of), 6)
        pred = predicate(plan.part, _templates(ctx, plan.part.templates if plan.part else []))
        share = f"{fmt_number(v)} ({fmt_number(round(v * 100, 1))}%)"
        if whole:
            return v, f"{share}: {fmt_number(_clean(part))} of {fmt_number(_clean(whole))} {lines(whole)}{when} {pred}."
        return v, f"{share} of {lines()}{when} {pred}."
    if intent == "timeseries":
        return _series(plan, main, extra, lines, when)
    if intent == "argmax_time":
        if not isinstance(main, MatrixResult):
            raise AnswerError("the busiest-bucket query returned no series")
        totals: defaultdict[int, float] = defaultdict(float)
        for s in main.series:
            for t, v in s.points:
                totals[t] += v
        if not totals:
            raise AnswerError("no lines in any time bucket")
        best_t, best_v = max(totals.items(), key=lambda kv: (kv[1], -kv[0]))
        step_ms = (extra or {}).get("step_ms") or 3_600_000
        start_ns = (best_t - step_ms) * 1_000_000
        unit = plan.bucket or "hour"
        value = format_time(start_ns, unit)
        return value, f"{value} is the busiest {unit}, with {fmt_number(_clean(best_v))} {lines(best_v)}{when}."
    if intent == "first_last":
        if not isinstance(main, StreamsResult) or not any(s.entries for s in main.streams):
            raise AnswerError(f"no {lines()}{when}")
        entries = [e for s in main.streams for e in s.entries]
        ts = min(e[0] for e in entries) if plan.first else max(e[0] for e in entries)
        value = format_time(ts, "second", plan.time_format)
        return value, f"The {'first' if plan.first else 'last'} {lines(1)}{when} was logged at {value}."
    if intent == "workflow":
        ex = extra or {}
        tpl, how = successor_template(ctx, plan, main, ex.get("after_filters", []), ex.get("after_templates", []))
        after = lines_phrase(plan.after, _templates(ctx, plan.after.templates if plan.after else []), 1, 40)
        after = "the event asked about" if after == "line" else f"the {after}"
        shown = describe_templates([tpl], 56)
        if how == _NAMED_SESSION:
            session = " and ".join(filter_text(f) for f in plan.select.filters[:2])
            return tpl, f"{shown} follows {after} in the session {session}.".replace(" in the session .", ".")
        return tpl, f"{shown} usually follows {after} ({how})."
    raise AnswerError(f"cannot synthesize an answer for intent {intent!r}")


_AGG_WORDS = {"avg": "average", "max": "maximum", "min": "minimum", "sum": "total"}
_LIST_SHOWN = 5
_LIST_CHARS = 72  # a lookup's text lists values up to about this many characters


def _templates(ctx: SystemContext, tids: list[str]) -> list[str]:
    out = []
    for tid in tids:
        t = ctx.template(tid)
        if t is not None and t.template:
            out.append(str(t.template))
    return out


def _in(plan: QueryPlan, phrase: str) -> str:
    """`` in <phrase>`` unless the selection is every line."""
    return "" if plan.select.is_empty() else f" in {phrase}"


def _topk_text(vals: list[tuple[str, float]], k: int, name: str, what: str, when: str, every: bool) -> str:
    if k == 1 or len(vals) == 1:
        v, c = vals[0]
        return f"{v} is the top {name}, with {fmt_number(_clean(c))} {what}{when}."
    shown = [f"{v} ({fmt_number(_clean(c))})" for v, c in vals]
    listed = ", ".join(shown[:-1]) + " and " + shown[-1]
    by = "line count" if every else what
    return f"{listed} are the top {len(vals)} {name} values by {by}{when}."


def _lookup_text(names: list[str], name: str, where: str, when: str) -> str:
    if len(names) == 1:
        return f"{names[0]} is the only {name}{where}{when}."
    shown = names[:1]
    for v in names[1:_LIST_SHOWN]:
        if sum(len(x) + 2 for x in shown) + len(v) > _LIST_CHARS:
            break
        shown.append(v)
    more = len(names) - len(shown)
    listed = ", ".join(shown) + (f" and {more} more" if more else "")
    return f"{len(names)} {name} values{where}{when}: {listed}."


def _label(name: str) -> str:
    n = re.sub(r"[^A-Za-z0-9_]", "_", name) or "value"
    return n if not n[0].isdigit() else f"v{n}"
