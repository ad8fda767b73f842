"""Query results and their exact Loki JSON encoding.

In: what the executor computed (log streams, metric series, vectors, scalars).
Out: ``StreamsResult``/``MatrixResult``/``VectorResult``/``ScalarResult`` objects whose
``to_loki()`` gives the ``data`` object of Loki's ``{"status":"success","data":...}``
envelope: metric values as strings formatted like Go's ``strconv.FormatFloat(v,'f',-1,64)``,
sample timestamps as float seconds (millisecond precision), log timestamps as ns strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from logcopilot.logql.gotext import format_go_float as format_value
from logcopilot.logql.gotext import go_quote

__all__ = [
    "MatrixResult",
    "QueryResult",
    "ScalarResult",
    "Series",
    "Stream",
    "StreamsResult",
    "VectorResult",
    "VectorSample",
    "format_value",
    "labels_string",
    "loki_envelope",
    "prom_labels_less_key",
    "seconds_json",
]


def seconds_json(ts_ms: int) -> int | float:
    """A sample timestamp (ms) as the JSON number Loki writes (seconds, ms precision)."""
    if ts_ms % 1000 == 0:
        return ts_ms // 1000
    return ts_ms / 1000.0


def labels_string(labels: dict[str, str]) -> str:
    """Loki's ``{a="x", b="y"}`` form (keys sorted), the sort key of streams (byte order)."""
    inner = ", ".join(f"{k}={go_quote(v)}" for k, v in sorted(labels.items()))
    return "{" + inner + "}"


def prom_labels_less_key(labels: dict[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    """Sort key for Prometheus ``labels.Compare``: pairwise name then value; prefix first."""
    return tuple((k.encode(), v.encode()) for k, v in sorted(labels.items()))


@dataclass
class Stream:
    labels: dict[str, str]
    entries: list[tuple[int, str]] = field(default_factory=list)  # (ts_ns, line)


@dataclass
class Series:
    labels: dict[str, str]
    points: list[tuple[int, float]] = field(default_factory=list)  # (ts_ms, value)


@dataclass
class VectorSample:
    labels: dict[str, str]
    ts_ms: int
    value: float


@dataclass
class StreamsResult:
    streams: list[Stream]
    result_type: str = "streams"

    def to_loki(self) -> dict[str, Any]:
        return {
            "resultType": "streams",
            "result": [
                {"stream": dict(s.labels), "values": [[str(ts), line] for ts, line in s.entries]}
                for s in self.streams
            ],
        }


@dataclass
class MatrixResult:
    series: list[Series]
    result_type: str = "matrix"

    def to_loki(self) -> dict[str, Any]:
        return {
            "resultType": "matrix",
            "result": [
                {
                    "metric": dict(s.labels),
                    "values": [[seconds_json(t), format_value(v)] for t, v in s.points],
                }
                for s in self.series
            ],
        }


@dataclass
class VectorResult:
    samples: list[VectorSample]
    result_type: str = "vector"

    def to_loki(self) -> dict[str, Any]:
        return {
            "resultType": "vector",
            "result": [
                {"metric": dict(s.labels), "value": [seconds_json(s.ts_ms), format_value(s.value)]}
                for s in self.samples
            ],
        }


@dataclass
class ScalarResult:
    ts_ms: int
    value: float
    result_type: str = "scalar"

    def to_loki(self) -> dict[str, Any]:
        return {"resultType": "scalar", "result": [seconds_json(self.ts_ms), format_value(self.value)]}


QueryResult = StreamsResult | MatrixResult | VectorResult | ScalarResult


def loki_envelope(result: QueryResult) -> dict[str, Any]:
    """The full success body, with an empty ``stats`` object as Loki always sends one."""
    data = result.to_loki()
    data["stats"] = {}
    return {"status": "success", "data": data}
