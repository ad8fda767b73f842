"""An OpenAPI 3 description of every endpoint ``logcopilot serve`` answers, at ``/openapi.json``.

In: nothing (the API is fixed); ``openapi_document()`` builds the description from the
endpoint table below. Out: a JSON-able dict (OpenAPI 3.0.3): parameters, the push request
body, Loki's success shapes, and the one error body (``text/plain`` with the status).

The table is data, not code: adding an endpoint is adding a row. A test checks that every
route the app serves is described here, and a schemathesis run fuzzes the server from it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["ENDPOINTS", "openapi_document", "openapi_route"]

_TIME = {"type": "string", "description": "unix seconds (int or float), ns since the epoch, or RFC3339", "example": "1704067200"}
_DURATION = {"type": "string", "description": "a duration (5m, 1h30m) or float seconds", "example": "60"}
_SELECTOR = {"type": "string", "description": "a LogQL stream selector", "example": '{system="openssh"}'}
_QUERY = {"type": "string", "description": "a LogQL query", "example": 'sum(count_over_time({system="openssh"}[5m]))'}

P: dict[str, tuple[dict[str, Any], bool]] = {  # name -> (schema, required)
    "query": (_QUERY, True),
    "selector": (_SELECTOR, False),
    "time": (_TIME, False),
    "start": (_TIME, False),
    "end": (_TIME, False),
    "since": (_DURATION, False),
    "step": (_DURATION, False),
    "interval": (_DURATION, False),
    "limit": ({"type": "integer", "minimum": 1, "maximum": 100000, "example": 100}, False),
    "direction": ({"type": "string", "enum": ["forward", "backward"]}, False),
    "match[]": ({"type": "array", "items": _SELECTOR}, False),
    "line_limit": ({"type": "integer", "minimum": 1, "maximum": 100000}, False),
    "field_limit": ({"type": "integer", "minimum": 1, "maximum": 100000}, False),
}

_STREAMS_OR_METRIC = {
    "type": "object",
    "required": ["status", "data"],
    "properties": {
        "status": {"type": "string", "enum": ["success"]},
        "data": {
            "type": "object",
            "required": ["resultType", "result"],
            "properties": {"resultType": {"type": "string", "enum": ["streams", "matrix", "vector", "scalar"]},
                           "result": {}},
        },
    },
}
_STRINGS = {"type": "object", "properties": {"status": {"type": "string"}, "data": {"type": "array", "items": {"type": "string"}}}}
_SERIES = {"type": "object", "properties": {"status": {"type": "string"},
                                            "data": {"type": "array", "items": {"type": "object", "additionalProperties": {"type": "string"}}}}}
_STATS = {"type": "object", "properties": {k: {"type": "integer"} for k in ("streams", "chunks", "bytes", "entries")}}
_PATTERNS = {"type": "object", "properties": {"status": {"type": "string"}, "data": {"type": "array", "items": {
    "type": "object", "properties": {"pattern": {"type": "string"}, "samples": {"type": "array", "items": {"type": "array"}}}}}}}
_DETECTED_LABELS = {"type": "object", "properties": {"detectedLabels": {"type": "array", "items": {
    "type": "object", "properties": {"label": {"type": "string"}, "cardinality": {"type": "integer"}}}}}}
_DETECTED_FIELDS = {"type": "object", "properties": {"limit": {"type": "integer"}, "fields": {"type": "array", "items": {
    "type": "object", "properties": {"label": {"type": "string"}, "type": {"type": "string"},
                                     "cardinality": {"type": "integer"}, "parsers": {"type": "array"}}}}}}
_BUILDINFO = {"type": "object", "properties": {k: {"type": "string"} for k in ("version", "revision", "branch", "buildUser", "buildDate", "goVersion")}}
_PUSH = {
    "type": "object",
    "required": ["streams"],
    "properties": {"streams": {"type": "array", "items": {
        "type": "object",
        "required": ["stream", "values"],
        "properties": {
            "stream": {"type": "object", "additionalProperties": {"type": "string"}},
            "values": {"type": "array", "items": {"type": "array", "minItems": 2, "maxItems": 3,
                                                  "items": {"oneOf": [{"type": "string"}, {"type": "object"}]}}},
        },
    }}},
}

# path -> (summary, methods, parameter names, 200 schema or None for text / 204)
ENDPOINTS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], dict[str, Any] | None], ...] = (
    ("/loki/api/v1/query", "Instant LogQL query", ("GET", "POST"), ("query", "time", "limit", "direction"), _STREAMS_OR_METRIC),
    ("/loki/api/v1/query_range", "Range LogQL query", ("GET", "POST"),
     ("query", "start", "end", "since", "step", "interval", "limit", "direction"), _STREAMS_OR_METRIC),
    ("/loki/api/v1/labels", "Label names", ("GET", "POST"), ("start", "end", "since", "selector"), _STRINGS),
    ("/loki/api/v1/label", "Label names (old path)", ("GET", "POST"), ("start", "end", "since", "selector"), _STRINGS),
    ("/loki/api/v1/label/{name}/values", "Values of one label", ("GET", "POST"), ("start", "end", "since", "selector"), _STRINGS),
    ("/loki/api/v1/series", "Streams matching selectors", ("GET", "POST"), ("match[]", "start", "end", "since"), _SERIES),
    ("/loki/api/v1/index/stats", "Streams, chunks, entries and bytes of a selector", ("GET", "POST"), ("selector", "start", "end"), _STATS),
    ("/loki/api/v1/index/volume", "Bytes per label value set", ("GET", "POST"), ("selector", "start", "end", "limit"), _STREAMS_OR_METRIC),
    ("/loki/api/v1/index/volume_range", "Bytes per label value set and step", ("GET",),
     ("selector", "start", "end", "step", "limit"), _STREAMS_OR_METRIC),
    ("/loki/api/v1/patterns", "Log patterns (mined templates) with counts per step", ("GET",), ("selector", "start", "end", "step"), _PATTERNS),
    ("/loki/api/v1/detected_labels", "Labels and their cardinality", ("GET",), ("selector", "start", "end"), _DETECTED_LABELS),
    ("/loki/api/v1/detected_fields", "Fields parsed from recent lines (JSON, logfmt)", ("GET",),
     ("selector", "start", "end", "line_limit", "limit", "field_limit"), _DETECTED_FIELDS),
    ("/loki/api/v1/status/buildinfo", "Build information (the Loki API version followed)", ("GET",), (), _BUILDINFO),
    ("/loki/api/v1/push", "Push log entries (JSON, or protobuf + snappy)", ("POST",), (), None),
    ("/ready", "Readiness probe", ("GET",), (), None),
    ("/openapi.json", "This description", ("GET",), (), {"type": "object"}),
)

_ERROR = {"description": "Loki's error body: one plain-text message", "content": {"text/plain": {"schema": {"type": "string"}}}}


def _parameter(name: str, in_path: bool = False) -> dict[str, Any]:
    if in_path:
        return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}}
    schema, required = P[name]
    wire = "query" if name == "selector" else name
    out: dict[str, Any] = {"name": wire, "in": "query", "required": required, "schema": schema}
    if name == "match[]":
        out.update(style="form", explode=True)
    return out


def _operation(path: str, summary: str, method: str, params: tuple[str, ...], ok: dict[str, Any] | None) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "operationId": (method.lower() + path).replace("/", "_").replace("{", "").replace("}", "")}
    parameters = [_parameter(n) for n in params]
    if "{name}" in path:
        parameters.insert(0, _parameter("name", in_path=True))
    if parameters:
        op["parameters"] = parameters
    responses: dict[str, Any] = {"400": _ERROR, "401": _ERROR}
    if path == "/loki/api/v1/push":
        op["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _PUSH},
            "application/x-protobuf": {"schema": {"type": "string", "format": "binary"},
                                       "description": "a snappy-compressed logproto.PushRequest"},
        }}
        responses["204"] = {"description": "stored"}
        responses["413"] = _ERROR
    elif ok is None:
        responses["200"] = {"description": "ready", "content": {"text/plain": {"schema": {"type": "string"}}}}
    else:
        responses["200"] = {"description": "success", "content": {"application/json": {"schema": ok}}}
    op["responses"] = responses
    return op


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.0.3 description of the served API."""
    paths: dict[str, Any] = {}
    for path, summary, methods, params, ok in ENDPOINTS:
        paths[path] = {m.lower(): _operation(path, summary, m, params, ok) for m in methods}
    return {
        "openapi": "3.0.3",
        "info": {"title": "LogCopilot Loki-compatible API", "version": "1",
                 "description": "Grafana Loki's HTTP API over the embedded LogCopilot store. Errors are "
                                "plain text with the status code, on every endpoint."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                           "tenant": {"type": "apiKey", "in": "header", "name": "X-Scope-OrgID"}}},
        "paths": paths,
    }


def openapi_route() -> Route:
    import json

    body = json.dumps(openapi_document(), separators=(",", ":")).encode()

    async def serve(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return Route("/openapi.json", serve, methods=["GET"])
