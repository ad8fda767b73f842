"""Replay recorded Loki log-query answers through :class:`Pipeline` (test helper).

In: a corpus case id and the pipeline stages as AST nodes. Out: the streams our pipeline
produces, shaped like Loki's ``data.result`` (streams sorted by label string, entries in
direction order, global ``limit``), for comparison with the recorded answer.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from typing import Any

from logcopilot.engine.matchers import compile_matcher
from logcopilot.engine.pipeline import Pipeline
from logcopilot.engine.results import labels_string
from logcopilot.logql.ast import Stage
from shared_data import SHARED

CORPUS = SHARED / "loki-corpus"
_MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`)')


@lru_cache(maxsize=1)
def cases() -> dict[str, dict[str, Any]]:
    out = {}
    with open(CORPUS / "cases.jsonl", encoding="utf-8") as fh:
        for line in fh:
            c = json.loads(line)
            out[c["id"]] = c
    return out


@lru_cache(maxsize=1)
def streams() -> list[tuple[dict[str, str], list[tuple[int, str, dict[str, str] | None]]]]:
    out = []
    for path in sorted((CORPUS / "data").glob("*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        for s in payload["streams"]:
            values = [(int(v[0]), v[1], v[2] if len(v) > 2 else None) for v in s["values"]]
            out.append((dict(s["stream"]), values))
    return out


def _time_ns(text: str) -> int:
    if text.isdigit():
        return int(text) * (1 if len(text) > 10 else 1_000_000_000)
    d = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(d.timestamp()) * 1_000_000_000 + d.microsecond * 1000


def selector_of(query: str) -> list[tuple[str, str, str]]:
    body = query[query.index("{") + 1 : query.index("}")]
    out = []
    for m in _MATCHER.finditer(body):
        value = m.group(3)
        if value is not None:
            value = json.loads('"' + value + '"')
        else:
            value = m.group(4)
        out.append((m.group(1), m.group(2), value))
    return out


def replay(case_id: str, stages: tuple[Stage, ...]) -> list[dict[str, Any]]:
    case = cases()[case_id]
    params = case["params"]
    start, end = _time_ns(params["start"]), _time_ns(params["end"])
    limit = int(params.get("limit", "100"))
    forward = params.get("direction", "backward").lower() == "forward"
    matchers = [(n, compile_matcher(op, v)) for n, op, v in selector_of(params["query"])]
    pipe = Pipeline(stages)
    rows: list[tuple[int, int, str, dict[str, str], str]] = []
    order = 0
    for labels, values in streams():
        if not all(m(labels.get(n, "")) for n, m in matchers):
            continue
        for ts, line, meta in values:
            order += 1
            if not (start <= ts < end):
                continue
            res = pipe.process(ts, line, labels, meta)
            if res is None:
                continue
            rows.append((ts, order, labels_string(res.labels), dict(res.labels), res.line))
    rows.sort(key=lambda r: (r[0], r[1]), reverse=not forward)
    # Loki drops an entry equal (same time and line) to one already in its stream.
    seen: set[tuple[str, int, str]] = set()
    unique = []
    for row in rows:
        if (row[2], row[0], row[4]) not in seen:
            seen.add((row[2], row[0], row[4]))
            unique.append(row)
    grouped: dict[str, dict[str, Any]] = {}
    for ts, _, key, labels, line in unique[:limit]:
        g = grouped.setdefault(key, {"stream": labels, "values": []})
        g["values"].append([str(ts), line])
    return [grouped[k] for k in sorted(grouped)]


def expected(case_id: str) -> list[dict[str, Any]]:
    return cases()[case_id]["response"]["data"]["result"]
