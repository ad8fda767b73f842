"""The rules planner: question analysis + retrieved knowledge -> ``QueryPlan``, no LLM.

In: the ``SystemContext``, an analysed ``Question``, ``Retrieved`` knowledge and the time
window. Out: a ``QueryPlan`` whose ``notes`` say why each choice was made.

Per intent: the lines come from ``select.choose_templates`` (quotes, then ranking), the
severity and named services from stream labels, the value to group or aggregate from the
parameter matching the question's target noun. Ratios split the question at "of ..." into
the whole and the part; workflows take the event after which the successor is asked.
"""

from __future__ import annotations

import re
from dataclasses import replace

from logcopilot.answering.plan import Filter, QueryPlan, Selection
from logcopilot.answering.planners.select import (
    choose_group,
    choose_levels,
    choose_templates,
    content_words,
    entity_labels,
    named_labels,
    phrase_pieces,
)
from logcopilot.answering.planners.values import field_value_filters, slot_filter, unmatched_words, value_filters
from logcopilot.answering.question import Question, analyze, words
from logcopilot.answering.retrieval import Retrieved, SystemContext, retrieve_for, stem
from logcopilot.answering.timeexpr import TimeWindow

__all__ = ["answer_type_for", "plan_rules"]


def answer_type_for(q: Question) -> str:
    return {
        "count": "number", "distinct_count": "number", "numeric_agg": "number", "ratio": "number",
        "existence": "bool", "first_last": "time", "argmax_time": "time", "workflow": "template",
        "timeseries": "series",
        "topk": "string" if q.k == 1 else "list", "lookup": "list", "knowledge": "text",
    }.get(q.intent, "number")


def _selection(ctx: SystemContext, q: Question, r: Retrieved, notes: list[str], group_hint: bool = False) -> Selection:
    labels, lfilters = choose_levels(ctx, q, notes)
    labels.update(named_labels(ctx, q, notes))
    tids = choose_templates(ctx, q, r, notes, labels=labels)
    ent_labels, rest = entity_labels(ctx, q, tids, notes)
    labels.update(ent_labels)
    filters = list(lfilters) + value_filters(ctx, q, rest, tids, "", notes)
    ffilters = field_value_filters(ctx, q, notes)
    if ffilters:
        filters.extend(ffilters)
        if tids and not q.quoted and not any(
                (t := ctx.template(tid)) is not None and {stem(w) for w in words(t.template)} & content_words(ctx, q) - _field_words(ctx, q)
                for tid in tids):
            notes.append("the chosen templates matched only the field value's words: all its lines")
            tids = []
    # plain words of the question stored as values of the chosen templates' slots
    seen = {e.text for e in q.entities}
    for tid, _pos, value, e in r.values:
        if e.kind == "word" and tid in tids and value == e.text and value not in seen:
            seen.add(value)
            slot = slot_filter(ctx, e, tids)
            if slot is not None:  # filter the parameter that holds it, not any mention
                filters.append(slot)
                notes.append(f"'{value}' is a stored value of {tid} -> parameter filter {slot.value!r}")
                continue
            filters.append(Filter("|~", rf"\b{re.escape(value)}\b"))
            notes.append(f"'{value}' is a stored value of {tid} -> line filter")
    if q.intent == "existence":
        for w in unmatched_words(ctx, q, r, tids):
            filters.append(Filter("|~", rf"(?i)\b{re.escape(w)}"))
            notes.append(f"'{w}' is in no template of the system: lines must contain it")
    # a quote that selected no template still selects lines by its text
    if not tids:
        for phrase in q.quoted:
            pieces = phrase_pieces(phrase)
            if pieces and not re.fullmatch(r"[\sA-Z:-]*(?:MM|HH|DD)[\sA-Z:-]*", phrase):
                filters.extend(_piece_filters(pieces))
                notes.append(f"quote '{phrase}' matches no template; used as line filter")
                break
    return Selection(tids, filters, labels)


def _field_words(ctx: SystemContext, q: Question) -> set[str]:
    from logcopilot.answering.fields import field_values

    vals = {v for vs in field_values(ctx).values() for v in vs}
    return {stem(w) for m in re.finditer(r"[\w.$()-]+", q.text) if m.group(0) in vals for w in words(m.group(0))} | {
        stem(w) for w in ("write", "wrote", "written", "log", "logged", "line")}


def _piece_filters(pieces: list[str]) -> list[Filter]:
    return [Filter("|=", p) for p in pieces]


def plan_rules(ctx: SystemContext, q: Question, r: Retrieved, window: TimeWindow | None) -> QueryPlan:
    """Plan a question with rules only."""
    notes: list[str] = []
    plan = QueryPlan(intent=q.intent, k=q.k, first=q.first, bucket=q.bucket, agg=q.agg or "avg",
                     window=window, answer_type=answer_type_for(q), time_format=q.time_format, notes=notes)
    if q.intent == "ratio":
        return _plan_ratio(ctx, q, plan)
    if q.intent == "workflow":
        return _plan_workflow(ctx, q, r, plan)
    plan.select = _selection(ctx, q, r, notes)
    if q.intent == "timeseries" and q.series_by:  # one series per value: choose it as a top-k would
        name, source, vtype = choose_group(ctx, replace(q, target=q.series_by, intent="topk"), plan.select.templates, notes)
        plan.group_by, plan.group_source, plan.value_type = name, source, vtype
        if not name:
            notes.append(f"no parameter or label named {q.series_by!r}: one series for all lines")
        elif source == "label":
            plan.select.labels.pop(name, None)
    if q.intent in ("distinct_count", "topk", "lookup", "numeric_agg"):
        name, source, vtype = choose_group(ctx, q, plan.select.templates, notes, numeric=q.intent == "numeric_agg")
        if not name and q.intent in ("topk", "lookup") and not plan.select.templates:
            name, source, vtype = _label_fallback(ctx, q)
        if not name and q.shapes and q.intent != "numeric_agg":
            name, source, vtype = _shape_group(ctx, q, plan)
        if source in ("label", "") and q.intent != "numeric_agg":
            qg = _quote_group(q, notes)
            if qg is not None:
                name, source, vtype = qg
                if name in ctx.labels:  # an extracted label must not shadow a stream label
                    vtype = vtype.replace(f"(?P<{name}>", f"(?P<{name}_value>")
                    name = f"{name}_value"
        plan.group_by, plan.group_source, plan.value_type = name, source, vtype
        # a value the question names is not also the thing grouped by
        if source == "label":
            plan.select.labels.pop(name, None)
    if window is not None:
        notes.append(f"time window {window.label}")
    return plan


def _quote_group(q: Question, notes: list[str]) -> tuple[str, str, str] | None:
    """A quoted message with a named placeholder ('No route to <host>') names the value asked
    for when the target noun is that placeholder: extract what stands there."""
    from logcopilot.answering.retrieval import stem
    from logcopilot.answering.question import words

    target = {stem(w) for w in words(q.target)}
    for phrase in q.quoted:
        m = re.search(r"<([A-Za-z_][\w-]{0,20})>", phrase)
        if not m or m.group(1) in ("id",) and not target:
            continue
        pname = re.sub(r"\W", "_", m.group(1).lower())
        if target and stem(pname) not in target and not any(stem(p) in target for p in pname.split("_")):
            continue
        before = phrase[: m.start()].split("...")[-1]
        if not before.strip():
            continue
        rx = re.escape(before[-30:].lstrip()).replace(r"\ ", r"\s+") + rf"(?P<{pname}>[^\s\]\[,;\"')(]+)"
        notes.append(f"group by the value at <{m.group(1)}> in the quoted message")
        return pname, "regex", rx
    return None


def _shape_group(ctx: SystemContext, q: Question, plan: QueryPlan) -> tuple[str, str, str]:
    """Group by values written in the question as a prefix + '...' (``req-...``), wherever
    they are in the line; templates whose lines never carry the prefix are dropped."""
    prefix = q.shapes[0]
    name = "_".join(re.findall(r"[a-z]+", q.target.lower())[:2]) or "value"
    keep = [tid for tid in plan.select.templates
            if (t := ctx.template(tid)) is not None
            and (prefix in t.template or any(prefix in str(x) for p in t.params for x in p.examples[:5]))]
    if len(keep) < len(plan.select.templates):
        plan.notes.append(f"values shaped '{prefix}...' are not in the chosen templates' lines: all lines")
        plan.select.templates = keep
    plan.notes.append(f"group by values shaped '{prefix}...'")
    return name, "shape", prefix


def _label_fallback(ctx: SystemContext, q: Question) -> tuple[str, str, str]:
    for name in ("service", "component", "host"):
        if name in ctx.labels and name in q.text.lower():
            return name, "label", ""
    return "", "", ""


_RATIO_SPLIT = (
    r"^(?P<pre>.*?)\bwhat (?:fraction|share|percentage|proportion|percent|part)\b(?: of)?(?P<whole>.*?)\b(?:are|is|were|was|had|have|ended|came|end|come)\b(?P<part>.*)$",
    r"^(?P<pre>.*?)\b(?:fraction|share|percentage|proportion|ratio)\b(?: of)?(?P<whole>.*?)\b(?:are|is|were|was|had|have|ended|came|end|come)\b(?P<part>.*)$",
)


def _plan_ratio(ctx: SystemContext, q: Question, plan: QueryPlan) -> QueryPlan:
    notes = plan.notes
    text = q.text
    whole_txt, part_txt = text, ""
    for pat in _RATIO_SPLIT:
        m = re.search(pat, text, flags=re.IGNORECASE | re.DOTALL)
        if m:
            pre = re.sub(r"^\s*of (?:all )?", "", m.group("pre").strip(" ,"), flags=re.IGNORECASE)
            whole_txt = (pre + " " + m.group("whole")).strip()
            part_txt = m.group("part")
            break
    part_txt = re.sub(r"(?:answer|give)\b.*$", "", part_txt, flags=re.IGNORECASE)
    wq = analyze(whole_txt)
    wq.intent = "count"
    pq = analyze(part_txt)
    notes.append(f"ratio: whole = '{whole_txt.strip()}', part = '{part_txt.strip()}'")
    all_lines = re.fullmatch(r"\s*(?:all\s+)?(?:the\s+)?(?:log\s+)?(?:lines|messages|entries|log lines)?\s*", re.sub(r"\b(?:all|of|the)\b", " ", whole_txt.lower())) is not None
    wr = retrieve_for(ctx, wq)
    part_values = {tid for tid, _pos, _v, _e in retrieve_for(ctx, pq).values}
    if part_values and not wq.quoted:
        kept = [h for h in wr.hits if h.template.template_id in part_values]
        if kept:
            notes.append("ratio: whole restricted to templates that carry the part's value")
            wr = Retrieved(kept, wr.values, wr.label_values)
    whole = Selection() if all_lines and not wq.quoted else _selection(ctx, wq, wr, notes)
    whole.labels.update(entity_labels(ctx, wq, whole.templates, notes)[0])
    # the part: severities/values/labels of its own, or the whole's templates matching its words
    labels, lfilters = choose_levels(ctx, pq, notes)
    labels.update(named_labels(ctx, pq, notes))
    plabels, rest = entity_labels(ctx, pq, whole.templates, notes)
    labels.update(plabels)
    filters = list(lfilters) + value_filters(ctx, pq, rest, whole.templates, "", notes)
    filters += field_value_filters(ctx, pq, notes)
    ptids: list[str] = []
    if len(whole.templates) > 1:
        pw = {w for w in pq.keywords}
        scored = []
        for tid in whole.templates:
            t = ctx.template(tid)
            tw = set(re.findall(r"[a-z]+", t.template.lower())) if t is not None else set()
            scored.append((len(pw & tw), tid))
        best = max(s for s, _ in scored)
        if best > 0 and sum(1 for s, _ in scored if s == best) < len(scored):
            ptids = [tid for s, tid in scored if s == best]
            notes.append(f"ratio part: templates {ptids}")
    if pq.quoted and not ptids:
        sub = choose_templates(ctx, pq, retrieve_for(ctx, pq), notes)
        if sub:
            ptids = sub
    if not ptids and not filters and not labels and not whole.templates:
        # "what fraction of all lines are errors": the part is a message of its own
        sub = choose_templates(ctx, pq, retrieve_for(ctx, pq), notes)
        if sub:
            ptids = sub
            notes.append(f"ratio part: its own templates {sub}")
    plan.select = whole
    plan.part = Selection(ptids, filters, labels)
    if plan.part.is_empty():
        notes.append("ratio: the part names nothing that selects lines")
    return plan


def _plan_workflow(ctx: SystemContext, q: Question, r: Retrieved, plan: QueryPlan) -> QueryPlan:
    notes = plan.notes
    low = q.text
    m = re.search(r"\b(?:right after|directly after|immediately after|after|follows?|following)\b(?P<rest>.*)$", low, flags=re.IGNORECASE)
    after_txt = m.group("rest") if m else low
    aq = analyze(after_txt)
    if not aq.quoted:
        aq.quoted = [p for p in q.quoted if p in after_txt] or q.quoted
    aq.entities = []
    after_tids = choose_templates(ctx, aq, retrieve_for(ctx, aq), notes)
    plan.after = Selection(after_tids)
    sel_filters = []
    labels: dict[str, str] = {}
    for e in q.entities:
        if e.kind in ("id", "uuid", "hex", "ip:port", "ip"):
            from logcopilot.answering.plan import Filter

            sel_filters.append(Filter("|=", e.text))
            notes.append(f"session named in the question: {e.text}")
    ent_labels, _ = entity_labels(ctx, q, after_tids, notes)
    labels.update(ent_labels)
    plan.select = Selection([], sel_filters, {})
    plan.after.labels = labels
    if ctx.workflow is not None:
        plan.session_key = ctx.workflow.session_key
    return plan
