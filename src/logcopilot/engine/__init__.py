"""Embedded log store and LogQL executor over DuckDB.

Public API (what other packages call)::

    Store(path), DEFAULT_TENANT, Stream, labels_key     the DuckDB store (engine.store)
    push_json(store, body) / push_payload(store, doc)   Loki push API bodies -> rows
    execute_instant(cursor, expr, time_ns, ...)         a query at one instant
    execute_range(cursor, expr, start_ns, end_ns, step_ns, ...)   a range query
    QueryResult and its kinds (StreamsResult, MatrixResult, VectorResult, ScalarResult),
    loki_envelope(result), labels_string(labels), format_value(v)   Loki's JSON encoding

The store names load eagerly; the executor and its numpy/RE2 stack load on first use,
so importing the store (ingest, CLI start-up) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from logcopilot.engine.store import DEFAULT_TENANT, Store, Stream, labels_key

if TYPE_CHECKING:
    from logcopilot.engine.executor import execute_instant, execute_range
    from logcopilot.engine.push import push_json, push_payload
    from logcopilot.engine.results import (
        MatrixResult,
        QueryResult,
        ScalarResult,
        StreamsResult,
        VectorResult,
        format_value,
        labels_string,
        loki_envelope,
    )

__all__ = [
    "DEFAULT_TENANT",
    "MatrixResult",
    "QueryResult",
    "ScalarResult",
    "Store",
    "Stream",
    "StreamsResult",
    "VectorResult",
    "execute_instant",
    "execute_range",
    "format_value",
    "labels_key",
    "labels_string",
    "loki_envelope",
    "push_json",
    "push_payload",
]

# name -> module that defines it, for the names loaded on first use
_LAZY = {
    "MatrixResult": "results",
    "QueryResult": "results",
    "ScalarResult": "results",
    "StreamsResult": "results",
    "VectorResult": "results",
    "execute_instant": "executor",
    "execute_range": "executor",
    "format_value": "results",
    "labels_string": "results",
    "loki_envelope": "results",
    "push_json": "push",
    "push_payload": "push",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this hook
    return value
