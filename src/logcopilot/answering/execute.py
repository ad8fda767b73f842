"""Execution and repair: every query is parsed, run, checked; failures become feedback.

In: compiled queries (``Compiled``), a ``Backend``, and a ``repair`` callback that gets
concrete feedback and returns new queries (or None to give up). Out: an ``Execution``: the
results per query role, the attempts made (each with its LogQL, parameters, outcome and
feedback, for the trace), and whether it succeeded.

Checks, in order: our parser accepts the query (a syntax error never reaches a backend);
the backend runs it; the result has no ``__error__`` labels; a result the intent cannot be
empty for (top-k, distinct values, first/last, ...) is not empty; the line filters select
lines the knowledge base knows (``contradiction``).

Example::

    ex = run_with_repair(compiled, backend, repair=None, max_attempts=3)
    ex.ok, ex.results["main"]
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from logcopilot.answering.compile import Compiled, QuerySpec
from logcopilot.backends.base import Backend
from logcopilot.engine.results import MatrixResult, QueryResult, StreamsResult, VectorResult
from logcopilot.errors import LogCopilotError

__all__ = ["Attempt", "Execution", "check_result", "result_summary", "run_with_repair", "validate"]

Repair = Callable[[str, int], "Compiled | None"]
_MUST_HAVE_DATA = ("distinct_count", "topk", "lookup", "numeric_agg", "first_last", "argmax_time", "workflow")


@dataclass
class Attempt:
    number: int
    queries: list[dict[str, Any]]
    ok: bool
    feedback: str = ""
    seconds: float = 0.0
    results: dict[str, Any] = field(default_factory=dict)


@dataclass
class Execution:
    ok: bool
    compiled: Compiled | None
    results: dict[str, QueryResult]
    attempts: list[Attempt]
    error: str = ""


def validate(logql: str) -> str:
    """'' when our parser accepts the query, else the parse error text.

    The parser reports every problem with its input as a ``LogQLError`` (too-deep nesting
    included); anything else it raises is a bug in it and propagates."""
    from logcopilot.logql import parse

    try:
        parse(logql)
    except LogCopilotError as exc:
        return str(exc)
    return ""


def _labels_of(result: QueryResult) -> list[dict[str, str]]:
    if isinstance(result, VectorResult):
        return [s.labels for s in result.samples]
    if isinstance(result, MatrixResult):
        return [s.labels for s in result.series]
    if isinstance(result, StreamsResult):
        return [s.labels for s in result.streams]
    return []


def is_empty(result: QueryResult) -> bool:
    if isinstance(result, VectorResult):
        return not result.samples
    if isinstance(result, MatrixResult):
        return not any(s.points for s in result.series)
    if isinstance(result, StreamsResult):
        return not any(s.entries for s in result.streams)
    return False


def check_result(spec: QuerySpec, result: QueryResult, intent: str) -> str:
    """Feedback for a result that cannot be right, '' when it looks usable."""
    errs = [lab.get("__error__") for lab in _labels_of(result) if lab.get("__error__")]
    if errs:
        return (f"{len(errs)} result series carry __error__={errs[0]!r} "
                f"(details: {next((lab.get('__error_details__', '') for lab in _labels_of(result) if lab.get('__error__')), '')}); "
                "the extraction or unwrap does not fit every selected line")
    if spec.role == "main" and intent in _MUST_HAVE_DATA and is_empty(result):
        return "the query returned no data: the line filters or the extraction select nothing"
    return ""


def result_summary(result: QueryResult, n: int = 10) -> Any:
    data = result.to_loki()
    res = data.get("result")
    if isinstance(res, list) and len(res) > n:
        if data.get("resultType") == "matrix":  # the largest series are the ones worth showing
            res = sorted(res, key=lambda s: -sum(float(v) for _, v in s["values"]))
        data = {**data, "result": res[:n], "truncated": len(res)}
    if data.get("resultType") == "streams":
        data["result"] = [{"stream": s["stream"], "values": s["values"][:3], "lines": len(s["values"])} for s in data["result"]]
    return data


def _run(backend: Backend, spec: QuerySpec) -> QueryResult:
    if spec.kind == "instant":
        return backend.query(spec.logql, time=spec.time_ns)
    if spec.kind == "range":
        return backend.query(spec.logql, start=spec.start_ns, end=spec.end_ns, step=spec.step_ns)
    return backend.query(spec.logql, start=spec.start_ns, end=spec.end_ns, limit=spec.limit, direction=spec.direction)


def run_with_repair(compiled: Compiled | None, backend: Backend, repair: Repair | None, *,
                    intent: str, max_attempts: int = 3) -> Execution:
    """Run ``compiled``; on a problem ask ``repair(feedback, attempt)`` for new queries."""
    attempts: list[Attempt] = []
    current = compiled
    last_error = ""
    for number in range(1, max(1, max_attempts) + 1):
        if current is None:
            break
        t0 = time.perf_counter()
        results: dict[str, QueryResult] = {}
        feedback = ""
        for spec in current.queries:
            err = validate(spec.logql)
            if err:
                feedback = f"query {spec.role} does not parse: {err}"
                break
            try:
                results[spec.role] = _run(backend, spec)
            except LogCopilotError as exc:
                feedback = f"query {spec.role} failed on the {getattr(backend, 'name', 'backend')}: {exc}"
                break
            except duckdb.Error as exc:  # the engine wraps its SQL errors; one it missed is still feedback
                feedback = f"query {spec.role} failed in DuckDB: {type(exc).__name__}: {exc}"
                break
            feedback = check_result(spec, results[spec.role], intent)
            if feedback:
                break
        att = Attempt(number, [q.to_dict() for q in current.queries], not feedback, feedback,
                      round(time.perf_counter() - t0, 4),
                      {k: result_summary(v) for k, v in results.items()})
        attempts.append(att)
        if not feedback:
            return Execution(True, current, results, attempts)
        last_error = feedback
        if repair is None or number == max_attempts:
            # keep what ran: an empty answer with its query is better than none
            return Execution(False, current, results, attempts, feedback)
        try:
            current = repair(feedback, number)
        except LogCopilotError as exc:
            last_error = f"{feedback}; repair failed: {exc}"
            current = None
    return Execution(False, current, {}, attempts, last_error or "no query to run")
