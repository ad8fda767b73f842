"""The typed query plan every planner produces and the compiler turns into LogQL.

In: a planner's decisions (rules, or an LLM's JSON under ``PLAN_SCHEMA``). Out: a
``QueryPlan``: the intent, the templates and line filters that select the lines, stream
label matchers, the value to group or aggregate (a template parameter or a stream label),
filters on parameter values, the time window, k, the time bucket, and for ratios the
subset (``part``) of the selected lines whose share is asked.

``plan_from_json`` validates untrusted JSON (from a model) into a plan and raises
``LLMResponseError`` with a concrete reason when it does not fit.

Example::

    >>> p = QueryPlan(intent="count", templates=["E5"])
    >>> plan_from_json(p.to_json()).templates
    ['E5']
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from logcopilot.answering.timeexpr import TimeWindow
from logcopilot.errors import LLMResponseError

__all__ = [
    "ANSWER_TYPES",
    "PLAN_INTENTS",
    "PLAN_SCHEMA",
    "Filter",
    "QueryPlan",
    "Selection",
    "plan_from_json",
]

PLAN_INTENTS = (
    "count", "distinct_count", "topk", "argmax_time", "timeseries", "first_last", "existence", "lookup",
    "numeric_agg", "ratio", "workflow", "knowledge",
)
ANSWER_TYPES = ("number", "string", "list", "time", "bool", "template", "text", "series")
_LINE_OPS = ("|=", "!=", "|~", "!~")


@dataclass(frozen=True)
class Filter:
    """A line filter (``op`` in ``|= != |~ !~``) or, with ``label``, a filter on an extracted
    parameter / stream label (``op`` in ``= != =~ !~``)."""

    op: str
    value: str
    label: str = ""


@dataclass
class Selection:
    """Which lines: templates (by id), extra line/label filters and stream label matchers."""

    templates: list[str] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # stream label matchers (level, service...)

    def is_empty(self) -> bool:
        return not (self.templates or self.filters or self.labels)


@dataclass
class QueryPlan:
    intent: str = "count"
    select: Selection = field(default_factory=Selection)
    group_by: str = ""  # parameter name or stream label the answer is about
    group_source: str = ""  # "param" | "label" | ""
    value_type: str = ""  # what the answer's values are (ip, port, int...): shapes extraction
    agg: str = ""  # numeric_agg: avg | max | min | sum
    k: int = 1
    first: bool = True
    bucket: str = ""  # argmax_time, timeseries: second | minute | hour | day
    window: TimeWindow | None = None
    part: Selection | None = None  # ratio: the subset whose share is asked (denominator = select)
    after: Selection | None = None  # workflow: the event whose successor is asked
    session_key: str = ""
    answer_type: str = "number"
    time_format: str = ""
    notes: list[str] = field(default_factory=list)  # why each choice was made (for the trace)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["window"] = None if self.window is None else {
            "start_ns": self.window.start_ns, "end_ns": self.window.end_ns, "text": self.window.text}
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


_SEL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "templates": {"type": "array", "items": {"type": "string"}, "maxItems": 8},
        "filters": {
            "type": "array",
            "maxItems": 6,
            "items": {
                "type": "object",
                "properties": {
                    "op": {"type": "string", "enum": list(_LINE_OPS) + ["=", "=~", "!~"]},
                    "value": {"type": "string"},
                    "label": {"type": "string"},
                },
                "required": ["op", "value"],
            },
        },
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["templates"],
}

# The schema a structured planner's model fills. Time windows are resolved by code from the
# question (models are bad at timestamps), so the model only says whether one applies.
PLAN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": list(PLAN_INTENTS)},
        "select": _SEL_SCHEMA,
        "group_by": {"type": "string"},
        "agg": {"type": "string", "enum": ["", "avg", "max", "min", "sum"]},
        "k": {"type": "integer", "minimum": 1, "maximum": 20},
        "first": {"type": "boolean"},
        "bucket": {"type": "string", "enum": ["", "second", "minute", "hour", "day"]},
        "part": _SEL_SCHEMA,
        "after": _SEL_SCHEMA,
    },
    "required": ["intent", "select"],
}


def _selection(d: Any, where: str) -> Selection:
    if d is None:
        return Selection()
    if not isinstance(d, dict):
        raise LLMResponseError(f"plan: {where} must be an object")
    tids = d.get("templates") or []
    if not isinstance(tids, list) or not all(isinstance(t, (str, int)) for t in tids):
        raise LLMResponseError(f"plan: {where}.templates must be a list of template ids")
    filters: list[Filter] = []
    for f in d.get("filters") or []:
        if not isinstance(f, dict) or not isinstance(f.get("value"), str) or f.get("op") not in _LINE_OPS + ("=", "=~", "!~"):
            raise LLMResponseError(f"plan: bad filter in {where}: {json.dumps(f)[:80]}")
        label = str(f.get("label") or "")
        op = str(f["op"])
        if not label and op in ("=", "=~"):
            op = "|=" if op == "=" else "|~"
        filters.append(Filter(op, f["value"], label))
    labels = d.get("labels") or {}
    if not isinstance(labels, dict):
        raise LLMResponseError(f"plan: {where}.labels must be an object")
    return Selection([str(t) for t in tids], filters, {str(k): str(v) for k, v in labels.items()})


def plan_from_json(text: str | dict[str, Any]) -> QueryPlan:
    """Validate a model's JSON into a ``QueryPlan`` (no window: code resolves time)."""
    try:
        d = json.loads(text) if isinstance(text, str) else text
    except ValueError as exc:
        raise LLMResponseError(f"plan is not JSON: {exc}") from None
    if not isinstance(d, dict):
        raise LLMResponseError("plan must be a JSON object")
    intent = d.get("intent")
    if intent not in PLAN_INTENTS:
        raise LLMResponseError(f"plan: unknown intent {intent!r}")
    p = QueryPlan(intent=str(intent), select=_selection(d.get("select"), "select"))
    p.group_by = str(d.get("group_by") or "")
    p.group_source = str(d.get("group_source") or "")
    agg = d.get("agg") or ""
    if agg not in ("", "avg", "max", "min", "sum"):
        raise LLMResponseError(f"plan: unknown agg {agg!r}")
    p.agg = agg
    try:
        p.k = max(1, min(int(d.get("k") or 1), 100))
    except (TypeError, ValueError):
        raise LLMResponseError("plan: k must be an integer") from None
    p.first = bool(d.get("first", True))
    bucket = d.get("bucket") or ""
    if bucket not in ("", "second", "minute", "hour", "day"):
        raise LLMResponseError(f"plan: unknown bucket {bucket!r}")
    p.bucket = bucket
    if d.get("part"):
        p.part = _selection(d["part"], "part")
    if d.get("after"):
        p.after = _selection(d["after"], "after")
    if d.get("window"):
        w = d["window"]
        try:
            p.window = TimeWindow(int(w["start_ns"]), int(w["end_ns"]), str(w.get("text", "")))
        except (KeyError, TypeError, ValueError):
            raise LLMResponseError("plan: bad window") from None
    for key in ("session_key", "answer_type", "time_format", "value_type"):
        if d.get(key):
            setattr(p, key, str(d[key]))
    return p
