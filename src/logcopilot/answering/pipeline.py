"""The online pipeline: question in, verified answer out.

In: a store, a system name, a question; optionally a planner (``auto`` | ``rules`` |
``structured`` | ``free``), a chat client, a backend (default: the embedded engine) and a
results directory for traces. Out: an ``Answer``: the structured value, a short text, the
final LogQL and every query run, the raw result, evidence lines, the plan, the cost, the
execution attempts of every planner tried (``attempts``: each ``{"planner", "number",
"queries", "ok", "feedback", "seconds"}``, so repairs show), and (when it could not answer)
a clear ``error``. ``ask`` never raises for a bad question, an unknown system or a failing
LLM: it answers with what it could not do.

Stages run in ``STAGES`` order; ``auto`` tries the free, then the structured LLM planner,
then rules, using only what is available (no LLM: rules only).

Example::

    a = ask(store, "openssh", "How many distinct IPs failed to log in as root?")
    a.value, a.logql, a.evidence[:1]
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from logcopilot.answering.compile import (
    Compiled,
    QuerySpec,
    bucket_range,
    compile_plan,
    fmt_duration,
    instant_span,
)
from logcopilot.answering.dispatch import dispatch
from logcopilot.answering.execute import Execution, result_summary, run_with_repair
from logcopilot.answering.plan import QueryPlan, Selection
from logcopilot.answering.planners.free import (
    check_logql,
    group_labels,
    kb_contradiction,
    write_logql,
)
from logcopilot.answering.planners.rules import plan_rules
from logcopilot.answering.planners.structured import plan_structured
from logcopilot.answering.question import Question, analyze
from logcopilot.answering.refine import refine_retrieval, wrong_parameter
from logcopilot.answering.retrieval import (
    Retrieved,
    SystemContext,
    load_context,
    retrieve_for,
)
from logcopilot.answering.synthesis import synthesize
from logcopilot.answering.wording import knowledge_text
from logcopilot.answering.timeexpr import resolve
from logcopilot.answering.trace import Trace
from logcopilot.backends.base import Backend
from logcopilot.engine.store import Store
from logcopilot.errors import AnswerError, LogCopilotError
from logcopilot.logql import ast as A
from logcopilot.logql import parse, to_logql, walk

__all__ = ["STAGES", "Answer", "ask", "planners_for"]

STAGES: tuple[str, ...] = ("analysis", "dispatch", "retrieval", "generation", "execution", "refinement", "synthesis", "trace")


@dataclass
class Answer:
    question: str
    system: str
    ok: bool
    value: Any = None
    answer: str = ""
    answer_type: str = ""
    logql: str = ""
    queries: list[dict[str, Any]] = field(default_factory=list)
    result: Any = None
    evidence: list[str] = field(default_factory=list)
    planner: str = ""
    intent: str = ""
    kind: str = "data"
    plan: dict[str, Any] | None = None
    error: str = ""
    notes: list[str] = field(default_factory=list)
    cost: dict[str, Any] = field(default_factory=dict)
    trace_dir: str = ""
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def planners_for(planner: str, llm: Any) -> list[str]:
    """The planners to try, in order, given what is available."""
    if planner == "auto":
        if llm is None:
            return ["rules"]
        provider = str(getattr(llm, "provider_name", "") or getattr(getattr(llm, "provider", None), "name", "") or "")
        # a small local model writes raw LogQL badly: it fills plans instead
        return ["structured", "rules"] if "local" in provider else ["free", "structured", "rules"]
    if planner in ("structured", "free") and llm is None:
        raise AnswerError(f"the {planner} planner needs an LLM (--llm openai|local)")
    if planner not in ("rules", "structured", "free"):
        raise AnswerError(f"unknown planner {planner!r} (auto, rules, structured, free)")
    return [planner]


def ask(
    store: Store,
    system: str,
    question: str,
    *,
    planner: str = "auto",
    llm: Any = None,
    backend: Backend | None = None,
    results_dir: str | Path | None = None,
    max_attempts: int = 3,
    evidence: int = 5,
) -> Answer:
    """Answer one question; never raises for user-level problems."""
    t0 = time.perf_counter()
    trace = Trace(question or "", system or "")
    ans = Answer(question or "", system or "", ok=False)
    calls_before = _llm_usage(llm)
    try:
        _ask(store, system, question, planner, llm, backend, max_attempts, evidence, trace, ans)
    except LogCopilotError as exc:
        ans.ok, ans.error = False, str(exc)
    except Exception as exc:  # the pipeline says what broke rather than crashing the caller
        ans.ok, ans.error = False, f"internal error: {type(exc).__name__}: {exc}"
    if not ans.ok and not ans.answer:
        ans.answer = f"Could not answer: {ans.error}"
    used = _llm_usage(llm)
    ans.cost = {
        "seconds": round(time.perf_counter() - t0, 3),
        "llm_calls": len(trace.llm_calls),
        "prompt_tokens": sum(int(c.get("prompt_tokens") or 0) for c in trace.llm_calls),
        "completion_tokens": sum(int(c.get("completion_tokens") or 0) for c in trace.llm_calls),
        "budget_tokens": (used - calls_before) if used is not None and calls_before is not None else None,
    }
    if results_dir is not None:
        try:
            ans.trace_dir = str(trace.write(results_dir, ans.to_dict()))
        except OSError as exc:
            ans.notes.append(f"trace not written: {exc}")
    return ans


def _llm_usage(llm: Any) -> int | None:
    b = getattr(llm, "budget", None)
    return getattr(b, "used", None) if b is not None else None


def _ask(store: Store, system: str, question: str, planner: str, llm: Any, backend: Backend | None,
         max_attempts: int, n_evidence: int, trace: Trace, ans: Answer) -> None:
    q = analyze(question or "")
    trace.add("analysis", {"intent": q.intent, "target": q.target, "quoted": q.quoted,
                           "entities": [e.__dict__ for e in q.entities], "levels": q.levels, "k": q.k})
    if q.empty:
        raise AnswerError("the question is empty")
    ctx = load_context(store, system)
    kind = dispatch(q)
    ans.kind, ans.intent = kind, q.intent
    trace.add("dispatch", {"kind": kind, "kb": ctx.kb_source})
    if backend is None:
        from logcopilot.backends.embedded import EmbeddedBackend

        backend = EmbeddedBackend(store)
    r = retrieve_for(ctx, q)
    trace.add("retrieval", r.to_dict())
    window = resolve(q.text, ctx.span, ctx.year)
    if window is not None:
        trace.add("time", {"window": window.label, "text": window.text})
    if kind == "knowledge" or q.intent == "knowledge":
        _knowledge_answer(ctx, q, r, backend, trace, ans)
        return
    errors: list[str] = []
    for name in planners_for(planner, llm):
        try:
            done = _try_planner(name, ctx, q, r, window, llm, backend, max_attempts, n_evidence, trace, ans)
        except LogCopilotError as exc:
            errors.append(f"{name}: {exc}")
            trace.add("generation", {"planner": name, "error": str(exc)})
            continue
        if done:
            if kind == "both":
                _add_explanation(ctx, ans)
            return
        errors.append(f"{name}: {ans.error}")
    if kind == "both":  # the data could not say; the knowledge base still can
        try:
            _knowledge_answer(ctx, q, r, backend, trace, ans)
            ans.notes.append("data query failed (" + "; ".join(errors) + "): answered from the knowledge base")
            return
        except LogCopilotError as exc:
            errors.append(f"knowledge: {exc}")
    ans.ok = False
    ans.error = "; ".join(errors) if errors else "no planner produced an answer"


def _try_planner(name: str, ctx: SystemContext, q: Question, r: Retrieved, window: Any, llm: Any,
                 backend: Backend, max_attempts: int, n_evidence: int, trace: Trace, ans: Answer) -> bool:
    draft = plan_rules(ctx, q, r, window)
    if name == "rules":
        plan = draft
    elif name == "structured":
        plan = plan_structured(ctx, q, r, draft, llm, trace)
    else:
        return _try_free(ctx, q, r, draft, llm, backend, max_attempts, n_evidence, trace, ans)
    trace.add("generation", {"planner": name, "plan": plan.to_dict()})
    cur_plan, cur_r = plan, r  # what the latest refinement planned from

    def repair(feedback: str, attempt: int) -> Compiled | None:
        nonlocal cur_plan, cur_r
        p = cur_plan
        trace.add("refinement", {"attempt": attempt, "feedback": feedback})
        if wrong_parameter(feedback, p):
            alt = _other_param(ctx, q, p)
            if alt is not None:
                p.group_by, p.group_source, p.value_type = alt
                p.notes.append(f"refined: grouping by {alt[0]} instead")
                return compile_plan(ctx, p)
        r2 = refine_retrieval(cur_r, p)
        if r2 is None:
            return None
        cur_r = r2
        p2 = plan_rules(ctx, q, r2, window) if name == "rules" else plan_structured(ctx, q, r2, plan_rules(ctx, q, r2, window), llm, trace, feedback)
        cur_plan = p2
        trace.add("generation", {"planner": name, "refined_plan": p2.to_dict()})
        return compile_plan(ctx, p2)

    compiled: Compiled | None
    try:
        compiled = compile_plan(ctx, plan)
    except AnswerError as exc:
        trace.add("compile", {"error": str(exc)})
        compiled = repair(str(exc), 0)
        if compiled is None:
            raise
    ex = run_with_repair(compiled, backend, repair, intent=cur_plan.intent, max_attempts=max_attempts)
    trace.add("execution", [a.__dict__ for a in ex.attempts])
    return _finish(name, ctx, cur_plan, ex, backend, n_evidence, trace, ans)


def _other_param(ctx: SystemContext, q: Question, p: QueryPlan) -> tuple[str, str, str] | None:
    for tid in p.select.templates:
        t = ctx.template(tid)
        for prm in getattr(t, "params", []) if t is not None else []:
            if prm.name != p.group_by and (p.intent != "numeric_agg" or prm.type in ("int", "float", "duration", "size")):
                return prm.name, "param", p.value_type if p.value_type != "ip" or prm.type.startswith("ip") else ""
    return None


def _finish(name: str, ctx: SystemContext, plan: QueryPlan, ex: Execution, backend: Backend, n_evidence: int,
            trace: Trace, ans: Answer) -> bool:
    ans.planner = name
    ans.attempts += [{"planner": name, "number": a.number, "queries": a.queries, "ok": a.ok,
                      "feedback": a.feedback, "seconds": a.seconds} for a in ex.attempts]  # no result payloads
    ans.plan = plan.to_dict()
    ans.answer_type = plan.answer_type
    ans.notes = list(plan.notes)
    if ex.compiled is not None:
        ans.queries = [qs.to_dict() for qs in ex.compiled.queries]
        ans.logql = ex.compiled.main.logql
    main = ex.results.get("main")
    ans.result = result_summary(main) if main is not None else None
    if not ex.ok and not _empty_is_answer(plan, ex):
        ans.error = ex.error or "the query could not be run"
        return False
    extra = dict(ex.compiled.extra) if ex.compiled else {}
    if ex.compiled and ex.compiled.main.step_ns:
        extra["step_ms"] = ex.compiled.main.step_ns // 1_000_000
    try:
        value, text = synthesize(ctx, plan, ex.results, extra)
    except AnswerError as exc:
        ans.error = str(exc)
        return False
    ans.ok, ans.value, ans.answer, ans.error = True, value, text, ""
    ans.evidence = _evidence(ctx, plan, ex.compiled, backend, n_evidence, value)
    trace.add("synthesis", {"value": value, "text": text, "evidence": ans.evidence})
    return True


def _empty_is_answer(plan: QueryPlan, ex: Execution) -> bool:
    return plan.intent in ("count", "existence", "ratio") and bool(ex.results)


def _evidence(ctx: SystemContext, plan: QueryPlan, compiled: Compiled | None, backend: Backend, n: int,
              value: Any = None) -> list[str]:
    """Up to ``n`` log lines the answer rests on.

    The log selection is taken from the final query's syntax tree (the inner log query of its
    range aggregation). When the answer is one group of a ``by (label)`` aggregation (top-k,
    per-entity), the lines are narrowed to that group, so the evidence shows the winner.
    """
    if n <= 0 or compiled is None:
        return []
    try:
        expr = parse(compiled.main.logql)
    except LogCopilotError:
        return []
    logq = expr if isinstance(expr, A.LogQuery) else next(
        (node.query for node in walk(expr) if isinstance(node, A.LogRange)), None)
    if logq is None:
        return []
    group = next((node.grouping.labels[0] for node in walk(expr)
                  if isinstance(node, (A.VectorAggregation, A.RangeAggregation)) and node.grouping
                  and not node.grouping.without and len(node.grouping.labels) == 1), None)
    if group and isinstance(value, str) and value:
        narrowed = A.LabelFilterStage(A.StringLabelFilter(group, "=", value))
        logq = A.LogQuery(logq.selector, logq.pipeline + (narrowed,))
    _, t_eval, t_start = instant_span(ctx, plan)
    direction = "forward" if plan.first or plan.intent != "first_last" else "backward"
    try:
        res = backend.query(to_logql(logq), start=t_start, end=t_eval, limit=n, direction=direction)
    except LogCopilotError:
        return []
    lines = sorted((e for s in getattr(res, "streams", []) for e in s.entries))[:n]
    return [line for _, line in lines]


def _try_free(ctx: SystemContext, q: Question, r: Retrieved, draft: QueryPlan, llm: Any, backend: Backend,
              max_attempts: int, n_evidence: int, trace: Trace, ans: Answer) -> bool:
    rng, t_eval, t_start = instant_span(ctx, draft)
    last_logql = ""  # the model's previous query, shown to it with the feedback

    def spec_for(logql: str) -> Compiled:
        plan = draft
        if plan.intent in ("first_last", "workflow"):
            s = QuerySpec(logql, "log", start_ns=t_start, end_ns=t_eval, limit=1 if plan.intent == "first_last" else 50_000,
                          direction="forward" if plan.first or plan.intent == "workflow" else "backward")
        elif plan.intent in ("argmax_time", "timeseries"):
            start, end, step = bucket_range(plan, *ctx.span)
            s = QuerySpec(logql, "range", start_ns=start, end_ns=end, step_ns=step)
        else:
            s = QuerySpec(logql, "instant", time_ns=t_eval)
        return Compiled([s], ["free: LogQL written by the model"])

    def generate(feedback: str = "") -> Compiled:
        nonlocal last_logql
        for i in range(max_attempts):
            text = write_logql(ctx, q, r, fmt_duration(rng), llm, trace, feedback, last_logql)
            last_logql = text
            problem = check_logql(ctx, text)
            if not problem and i < max_attempts - 1:
                problem = kb_contradiction(ctx, text, r)
            if not problem:
                return spec_for(text)
            feedback = problem
            trace.add("generation", {"planner": "free", "rejected": text, "why": problem})
        raise AnswerError(f"the model's LogQL was rejected: {feedback}")

    compiled = generate()

    def repair(feedback: str, attempt: int) -> Compiled | None:
        trace.add("refinement", {"attempt": attempt, "feedback": feedback})
        return generate(feedback)

    ex = run_with_repair(compiled, backend, repair, intent=draft.intent, max_attempts=max_attempts)
    trace.add("execution", [a.__dict__ for a in ex.attempts])
    plan = QueryPlan(**{**draft.__dict__})
    if ex.compiled is not None:
        labels = group_labels(ex.compiled.main.logql)
        if labels:
            plan.group_by, plan.group_source = labels[0], "label"
    return _finish("free", ctx, plan, ex, backend, n_evidence, trace, ans)


_SUCCESSOR_Q = re.compile(r"\b(?:happens?|comes?|follows?|following|next|after|afterwards|then|successor|subsequent)\b", re.I)


def _knowledge_template(ctx: SystemContext, q: Question, r: Retrieved) -> Any:
    """The template a knowledge question is about: the quoted/phrased event (the text after
    "after" for successor questions), else the best-ranked template."""
    from logcopilot.answering.planners.select import choose_templates

    sub = q
    m = re.search(r"\b(?:right after|directly after|immediately after|after|follows?|following)\b(?P<rest>.*)$", q.text, re.I)
    if m and q.intent == "workflow" and m.group("rest").strip(" ?."):
        sub = analyze(m.group("rest"))
        if not sub.quoted:
            sub.quoted = [p for p in q.quoted if p in m.group("rest")] or q.quoted
    tids = choose_templates(ctx, sub, retrieve_for(ctx, sub) if sub is not q else r, [])
    t = ctx.template(tids[0]) if tids else None
    if t is None:
        if not r.hits:
            raise AnswerError("no template in the knowledge base matches the question")
        t = r.hits[0].template
    return t


def _add_explanation(ctx: SystemContext, ans: Answer) -> None:
    """For 'both' questions: the data answer plus what the knowledge base says about it."""
    t = None
    if ans.answer_type == "template" and isinstance(ans.value, str):
        t = next((x for x in ctx.templates if x.template == ans.value), None)
    else:  # a count/time about one message: explain that message
        tids = ((ans.plan or {}).get("select") or {}).get("templates") or []
        t = ctx.template(tids[0]) if len(tids) == 1 else None
    summary = getattr(t, "summary", "") if t is not None else ""
    if summary:
        ans.answer = f"{ans.answer} {summary}".strip()


def _knowledge_answer(ctx: SystemContext, q: Question, r: Retrieved, backend: Backend, trace: Trace, ans: Answer) -> None:
    """Answer from the knowledge base: what a template means, what follows it."""
    t = _knowledge_template(ctx, q, r)
    value: Any = t.template
    shown = t
    wants_next = q.intent == "workflow" or bool(_SUCCESSOR_Q.search(q.text))
    nxt, edge = None, None
    if ctx.workflow is not None:
        edge = next((e for e in ctx.workflow.successors(t.template_id) if ctx.template(e["dst"]) is not None), None)
        nxt = ctx.template(edge["dst"]) if edge is not None else None
        if nxt is not None and wants_next:
            value, shown = nxt.template, nxt  # the question asks what comes next
    text = knowledge_text(t.template, t.template_id, t.count, getattr(t, "summary", ""),
                          nxt.template if nxt is not None else "", int(edge["count"]) if edge is not None else 0,
                          ctx.workflow.session_key if ctx.workflow is not None else "", wants_next)
    if wants_next and ctx.workflow is None:
        text += " No workflow graph is indexed for this system, so what follows is unknown."
    from logcopilot.answering.compile import _render_filters, selection_filters

    selector, pairs, _ = selection_filters(ctx, Selection([shown.template_id]), [])
    logql = (selector + " " + _render_filters(pairs)).strip()
    ans.ok, ans.value, ans.answer = True, value, text
    ans.answer_type, ans.logql, ans.planner, ans.kind = "template", logql, "knowledge", "knowledge"
    lo, hi = ctx.span
    try:
        res = backend.query(logql, start=lo, end=hi + 1_000_000, limit=3, direction="forward")
        ans.evidence = [line for s in getattr(res, "streams", []) for _, line in s.entries][:3]
    except (LogCopilotError, duckdb.Error) as exc:  # the answer stands without example lines
        ans.notes.append(f"evidence query failed: {exc}")
    trace.add("synthesis", {"knowledge": ans.answer})
