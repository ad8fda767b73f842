"""Where queries run: the ``Backend`` protocol and Loki-JSON decoding.

In: LogQL text and Loki's query parameters (an instant ``time``, or ``start``/``end``/``step``,
``limit``, ``direction``; all times in ns). Out: a ``QueryResult`` from
``logcopilot.engine.results`` (streams / matrix / vector / scalar), whichever backend ran it.

The embedded engine returns those objects directly; an HTTP backend (a real Loki, or our own
``serve``) gets Loki's JSON and turns it into the same objects with ``from_loki_json``, so the
answering pipeline never knows where a query ran.

Example::

    >>> from_loki_json({"resultType": "vector", "result": [{"metric": {}, "value": [1, "2"]}]}).samples[0].value
    2.0
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from logcopilot.engine.results import (
    MatrixResult,
    QueryResult,
    ScalarResult,
    Series,
    Stream,
    StreamsResult,
    VectorResult,
    VectorSample,
)
from logcopilot.errors import BackendError

__all__ = ["Backend", "from_loki_json"]


@runtime_checkable
class Backend(Protocol):
    """Runs read-only LogQL. ``time`` makes an instant query; ``start``/``end`` a range query."""

    name: str

    def query(
        self,
        logql: str,
        *,
        time: int | None = None,
        start: int | None = None,
        end: int | None = None,
        step: int | None = None,
        limit: int | None = None,
        direction: str = "backward",
    ) -> QueryResult: ...


def _ms(t: Any) -> int:
    return int(round(float(t) * 1000))


def from_loki_json(data: dict[str, Any]) -> QueryResult:
    """Loki's ``data`` object (``resultType`` + ``result``) -> a ``QueryResult``."""
    try:
        kind = data["resultType"]
        result = data["result"]
        if kind == "streams":
            return StreamsResult([Stream(dict(s.get("stream") or {}), [(int(ts), str(line)) for ts, line, *_ in s.get("values", [])])
                                  for s in result])
        if kind == "matrix":
            return MatrixResult([Series(dict(s.get("metric") or {}), [(_ms(t), float(v)) for t, v in s.get("values", [])])
                                 for s in result])
        if kind == "vector":
            return VectorResult([VectorSample(dict(s.get("metric") or {}), _ms(s["value"][0]), float(s["value"][1]))
                                 for s in result])
        if kind == "scalar":
            return ScalarResult(_ms(result[0]), float(result[1]))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise BackendError(f"malformed Loki response: {exc}") from None
    raise BackendError(f"unknown resultType {data.get('resultType')!r}")
