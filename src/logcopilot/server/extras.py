"""Loki API extras that Grafana and logcli call besides queries: build info, patterns,
detected labels and fields.

In: HTTP requests (GET query strings, as Loki takes them) and the store. Out: Loki's JSON
shapes:

- ``/loki/api/v1/status/buildinfo``: ``{"version", "revision", "branch", ...}``. The version is
  the Loki release whose API we follow (the conformance corpus' 3.7.6): Grafana switches
  features on by version, so it must read as a Loki version; ``revision``/``branch`` say what
  really answers.
- ``/loki/api/v1/patterns``: ``{"status":"success","data":[{"pattern","samples":[[s,n],..]}]}``
  from our own mined templates (``entries.template_id``), ``<*>`` written as Loki's ``<_>``;
  samples count entries per ``step`` bucket.
- ``/loki/api/v1/index/volume_range``: Loki's matrix of bytes per label value set and
  ``step`` (Grafana's logs-volume histogram).
- ``/loki/api/v1/detected_labels``: ``{"detectedLabels":[{"label","cardinality"}]}``.
- ``/loki/api/v1/detected_fields``: ``{"fields":[{"label","type","cardinality","parsers"}],
  "limit"}`` from the latest ``line_limit`` lines, parsed as JSON or logfmt.

Errors use the same body as every other endpoint: Loki's plain text with the error's status.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from logcopilot.engine.selectors import resolve_streams
from logcopilot.engine.store import Store
from logcopilot.errors import InputError
from logcopilot.server.params import int_param, parse_duration_ns, parse_time_ns
from logcopilot.server.responses import error_response, json_response, request_tenant

__all__ = ["LOKI_API_VERSION", "error_response", "extra_routes", "json_response", "volume_limit"]

LOKI_API_VERSION = "3.7.6"
_HOUR_NS = 3600 * 10**9
_LOGFMT = re.compile(r'([A-Za-z_][\w.\-]*)=("(?:[^"\\]|\\.)*"|\S*)')
_DURATION = re.compile(r"^(\d+(?:\.\d+)?(ns|us|µs|ms|s|m|h))+$")
_BYTES = re.compile(r"^\d+(?:\.\d+)?\s?(B|kB|KB|KiB|MB|MiB|GB|GiB|TB|TiB)$")


def _bounds(request: Request) -> tuple[int, int]:
    q = request.query_params
    end = parse_time_ns(q["end"], "end") if q.get("end") else time.time_ns()
    start = parse_time_ns(q["start"], "start") if q.get("start") else end - _HOUR_NS
    if end < start:
        raise InputError("end timestamp must not be before or equal to start time")
    return start, end


def volume_limit(raw: str | None) -> int:
    """``/index/volume``'s ``limit`` (default 100), a 400 when it is not a positive integer."""
    if not raw:
        return 100
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"invalid limit {raw!r}: must be a positive integer") from None
    if value <= 0:
        raise InputError(f"invalid limit {value}: must be a positive integer")
    return value


def _streams(store: Store, query: str | None, tenant: str) -> list[tuple[int, dict[str, str]]]:
    """(stream id, labels) of the tenant's streams matching a selector (all when none)."""
    if not query:
        return [(s.stream_id, s.labels) for s in store.streams(tenant)]
    from logcopilot.logql import ast, parse

    expr = parse(query)
    if not isinstance(expr, ast.LogQuery):
        raise InputError("only stream selectors are accepted here")
    cur = store.cursor()
    try:
        return resolve_streams(cur, expr.selector, tenant)
    finally:
        cur.close()


def _sids(store: Store, request: Request, tenant: str) -> list[int]:
    query = request.query_params.get("query")
    if not query:
        raise InputError("missing query parameter: a stream selector such as {system=\"hdfs\"}")
    return [sid for sid, _ in _streams(store, query, tenant)]


def _step(request: Request, start: int, end: int) -> int:
    step_raw = request.query_params.get("step")
    step = parse_duration_ns(step_raw) if step_raw else max((end - start) // 100, 10**9)
    if step_raw and step is None:
        try:
            step = round(float(step_raw) * 10**9)
        except (ValueError, OverflowError):
            raise InputError(f"invalid step {step_raw!r}") from None
    if not step or step <= 0:
        raise InputError("zero or negative query resolution step widths are not accepted. Try a positive integer")
    if (end - start) // step > 11_000:
        raise InputError(
            "exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter"
        )
    return step


def patterns(store: Store, request: Request, tenant: str) -> dict[str, Any]:
    start, end = _bounds(request)
    step = _step(request, start, end)
    sids = _sids(store, request, tenant)
    if not sids:
        return {"status": "success", "data": []}
    cur = store.cursor()
    try:
        rows = cur.execute(
            "SELECT t.template, (e.ts // ?) * ? AS bucket, count(*) FROM entries e "
            "JOIN streams s USING (stream_id) "
            "JOIN templates t ON t.system = s.labels->>'system' AND t.template_id = e.template_id "
            "WHERE list_contains(?::INTEGER[], e.stream_id) AND e.ts >= ? AND e.ts <= ? "
            "GROUP BY 1, 2 ORDER BY 1, 2",
            [step, step, sids, start, end],
        ).fetchall()
    finally:
        cur.close()
    by_pattern: dict[str, list[list[int]]] = defaultdict(list)
    for template, bucket, n in rows:
        by_pattern[str(template).replace("<*>", "<_>")].append([int(bucket) // 10**9, int(n)])
    ordered = sorted(by_pattern.items(), key=lambda kv: (-sum(n for _, n in kv[1]), kv[0]))
    return {"status": "success", "data": [{"pattern": p, "samples": s} for p, s in ordered]}


def detected_labels(store: Store, request: Request, tenant: str) -> dict[str, Any]:
    _bounds(request)  # validated like every endpoint; label sets are not time-indexed here
    query = request.query_params.get("query")
    streams = _streams(store, query or None, tenant)
    values: dict[str, set[str]] = defaultdict(set)
    for _sid, labels in streams:
        for k, v in labels.items():
            values[k].add(v)
    return {"detectedLabels": [{"label": k, "cardinality": len(v)} for k, v in sorted(values.items())]}


def _field_type(value: str) -> str:
    low = value.lower()
    if low in ("true", "false"):
        return "boolean"
    if re.fullmatch(r"[+-]?\d+", value):
        return "int"
    try:
        float(value)
        return "float"
    except ValueError:
        pass
    if _DURATION.match(value):
        return "duration"
    if _BYTES.match(value):
        return "bytes"
    return "string"


def _parse_fields(line: str) -> tuple[str, dict[str, str]] | None:
    text = line.strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            return None
        if isinstance(doc, dict):
            return "json", {k: v if isinstance(v, str) else json.dumps(v) for k, v in doc.items()
                            if not isinstance(v, (dict, list))}
        return None
    pairs = _LOGFMT.findall(text)
    if not pairs:
        return None
    return "logfmt", {k: v[1:-1] if v.startswith('"') else v for k, v in pairs}


def detected_fields(store: Store, request: Request, tenant: str) -> dict[str, Any]:
    start, end = _bounds(request)
    line_limit = int_param(request.query_params, "line_limit", 1000, 100_000)
    # Loki calls it ``limit``; Grafana sends ``field_limit``
    field_limit = (int_param(request.query_params, "field_limit", 0, 100_000)
                   or int_param(request.query_params, "limit", 1000, 100_000))
    sids = _sids(store, request, tenant)
    rows: list[tuple[str]] = []
    if sids:
        cur = store.cursor()
        try:
            rows = cur.execute(
                "SELECT line FROM entries WHERE list_contains(?::INTEGER[], stream_id) AND ts >= ? AND ts <= ? "
                "ORDER BY ts DESC LIMIT ?",
                [sids, start, end, line_limit],
            ).fetchall()
        finally:
            cur.close()
    seen: dict[str, dict[str, Any]] = {}
    for (line,) in rows:
        parsed = _parse_fields(str(line))
        if parsed is None:
            continue
        parser, fields = parsed
        for k, v in fields.items():
            item = seen.setdefault(k, {"values": set(), "types": set(), "parsers": set()})
            item["values"].add(v)
            item["types"].add(_field_type(v))
            item["parsers"].add(parser)
    out = []
    for k, item in sorted(seen.items())[:field_limit]:
        types = item["types"]
        kind = types.pop() if len(types) == 1 else ("float" if types <= {"int", "float"} else "string")
        out.append({"label": k, "type": kind, "cardinality": len(item["values"]), "parsers": sorted(item["parsers"])})
    return {"fields": out, "limit": field_limit}


def volume_range(store: Store, request: Request, tenant: str) -> dict[str, Any]:
    """Bytes per value set of the selector's label names, per ``step`` (Grafana's logs volume)."""
    start, end = _bounds(request)
    step = _step(request, start, end)
    limit = volume_limit(request.query_params.get("limit"))
    query = request.query_params.get("query") or ""
    from logcopilot.logql import ast, parse

    expr = parse(query) if query else None
    if not isinstance(expr, ast.LogQuery):
        raise InputError("only stream selectors are accepted here")
    names = sorted({m.name for m in expr.selector.matchers})
    streams = _streams(store, query, tenant)
    rows: list[tuple[Any, ...]] = []
    if streams:
        cur = store.cursor()
        try:
            rows = cur.execute(
                "SELECT stream_id, (ts // ?) * ? AS bucket, sum(strlen(line)) FROM entries "
                "WHERE list_contains(?::INTEGER[], stream_id) AND ts >= ? AND ts < ? GROUP BY 1, 2",
                [step, step, [sid for sid, _ in streams], start, end],
            ).fetchall()
        finally:
            cur.close()
    by_sid = dict(streams)
    series: dict[tuple[tuple[str, str], ...], dict[int, int]] = defaultdict(dict)
    for sid, bucket, nbytes in rows:
        labels = by_sid[int(sid)]
        key = tuple((n, labels[n]) for n in names if n in labels)
        points = series[key]
        points[int(bucket)] = points.get(int(bucket), 0) + int(nbytes)
    ordered = sorted(series.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:limit]
    result = [{"metric": dict(k), "values": [[b // 10**9, str(v)] for b, v in sorted(pts.items())]} for k, pts in ordered]
    return {"status": "success", "data": {"resultType": "matrix", "result": result}}


def buildinfo() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("logcopilot")
    except PackageNotFoundError:
        ours = "dev"
    return {"version": LOKI_API_VERSION, "revision": f"logcopilot-{ours}", "branch": "logcopilot",
            "buildUser": "logcopilot", "buildDate": "", "goVersion": ""}


def extra_routes(store: Store) -> list[Route]:
    """The extra endpoints as Starlette routes (appended to the app's route list)."""

    def handler(fn: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                return json_response(await run_in_threadpool(fn, store, request, request_tenant(request)))
            except Exception as exc:  # every error becomes Loki's plain-text body
                return error_response(exc)

        return endpoint

    async def build(request: Request) -> Response:
        return json_response(buildinfo())

    return [
        Route("/loki/api/v1/status/buildinfo", build, methods=["GET"]),
        Route("/loki/api/v1/patterns", handler(patterns), methods=["GET"]),
        Route("/loki/api/v1/detected_labels", handler(detected_labels), methods=["GET"]),
        Route("/loki/api/v1/detected_fields", handler(detected_fields), methods=["GET"]),
        Route("/loki/api/v1/index/volume_range", handler(volume_range), methods=["GET"]),
    ]
