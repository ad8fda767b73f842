"""An OpenAPI 3 description of every endpoint ``logcopilot serve`` answers, at ``/openapi.json``.

In: nothing (the API is fixed); ``openapi_document()`` builds the description from the
endpoint tables below. Out: a JSON-able dict (OpenAPI 3.0.3): parameters, the push request
body, Loki's success shapes and its one error body (``text/plain`` with the status); the web
UI's JSON API (``API_ENDPOINTS``, ``/api/v1``: JSON bodies and JSON errors); the HTML pages
(``/``, ``/ask``, ...; the ``/static`` files are not described). The WebSocket live tail is
described as the ``GET`` it starts with: ``101`` on upgrade (its frames' schema in
``x-websocket-frames``), ``400`` for a plain ``GET`` or bad parameters.

The tables are data, not code: adding an endpoint is adding a row. A test checks that every
route the app serves is described here, and a schemathesis run fuzzes the server from it.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["API_ENDPOINTS", "ENDPOINTS", "openapi_document", "openapi_route"]

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
    "delay_for": ({"type": "integer", "minimum": 0, "maximum": 5, "default": 0,
                   "description": "seconds to hold new lines so late ones can be put in order"}, False),
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
_TAIL_FRAME = {"type": "object", "required": ["streams"], "properties": {
    "streams": {"type": "array", "items": {"type": "object", "properties": {
        "stream": {"type": "object", "additionalProperties": {"type": "string"}},
        "values": {"type": "array", "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}}}}},
    "dropped_entries": {"type": "array", "nullable": True, "items": {"type": "object"}}}}
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
    ("/loki/api/v1/tail", "Live tail of a log query over a WebSocket: the last `limit` lines since `start`, then new "
     "lines as they are pushed, as JSON text frames", ("GET",), ("query", "start", "limit", "delay_for"), _TAIL_FRAME),
    ("/ready", "Readiness probe", ("GET",), (), None),
    ("/openapi.json", "This description", ("GET",), (), {"type": "object"}),
)

_ERROR = {"description": "Loki's error body: one plain-text message", "content": {"text/plain": {"schema": {"type": "string"}}}}

# -- the web UI's JSON API (server/api.py): JSON error bodies, path parameters of its own
_OBJ: dict[str, Any] = {"type": "object"}
_ARR: dict[str, Any] = {"type": "array", "items": _OBJ}
_API_ERROR = {"description": "the API's error body", "content": {"application/json": {"schema": {
    "type": "object", "required": ["status", "error"],
    "properties": {"status": {"type": "string", "enum": ["error"]}, "error": {"type": "string"}}}}}}
_ANSWER = {"type": "object", "required": ["id", "asked_at", "question", "system", "ok"], "properties": {
    "id": {"type": "integer"}, "asked_at": {"type": "string", "format": "date-time"}, "question": {"type": "string"},
    "system": {"type": "string"}, "ok": {"type": "boolean"}, "value": {}, "answer": {"type": "string"},
    "answer_type": {"type": "string"}, "logql": {"type": "string"}, "queries": _ARR, "result": {},
    "evidence": {"type": "array", "items": {"type": "string"}}, "planner": {"type": "string"},
    "error": {"type": "string"}, "notes": {"type": "array", "items": {"type": "string"}}, "cost": _OBJ,
    "attempts": _ARR}}
_ASK = {"type": "object", "required": ["question", "system"], "properties": {
    "question": {"type": "string", "example": "Which IP address had the most failed password attempts?"},
    "system": {"type": "string", "example": "openssh"},
    "planner": {"type": "string", "enum": ["auto", "rules", "structured", "free"], "default": "auto"},
    "llm": {"type": "string", "enum": ["none", "local", "openai", "auto"], "default": "none"},
    "evidence": {"type": "integer", "minimum": 0, "maximum": 100, "default": 5}}}
_PARSE = {"type": "object", "required": ["ok"], "properties": {
    "ok": {"type": "boolean"}, "formatted": {"type": "string"}, "kind": {"type": "string", "enum": ["log", "metric"]},
    "volume_query": {"type": "string", "nullable": True},
    "error": {"type": "object", "properties": {"message": {"type": "string"}, "reason": {"type": "string"},
                                              "line": {"type": "integer"}, "col": {"type": "integer"}}}}}
_KNOWLEDGE = {"type": "object", "properties": {
    "system": {"type": "string"}, "total_lines": {"type": "integer"}, "verified_recipes": {"type": "integer"},
    "templates": _ARR, "workflow": {"type": "object", "nullable": True}}}
_TEMPLATE = {"type": "object", "properties": {
    "template_id": {"type": "string"}, "template": {"type": "string"}, "count": {"type": "integer"},
    "share": {"type": "number"}, "summary": {"type": "string"}, "examples": {"type": "array", "items": {"type": "string"}},
    "params": _ARR, "recipe": {"type": "object", "nullable": True}, "successors": _ARR, "predecessors": _ARR}}
_SYSTEM = {"type": "string", "description": "a system name (as ingested)", "example": "openssh"}
AP: dict[str, tuple[dict[str, Any], bool, str]] = {  # API parameter -> (schema, required, where)
    "system": (_SYSTEM, True, "path"),
    "template_id": ({"type": "string", "example": "E27"}, True, "path"),
    "id": ({"type": "integer", "minimum": 1}, True, "path"),
    "history_system": (_SYSTEM, False, "query"),
    "limit": ({"type": "integer", "minimum": 1, "maximum": 1000, "default": 50}, False, "query"),
    "query": (_QUERY, True, "query"),
    "step": ({"type": "string", "description": "the volume query's step: a duration or seconds", "default": "60s"},
             False, "query"),
    "q": ({"type": "string", "example": "failed password"}, True, "query"),
    "k": ({"type": "integer", "minimum": 1, "maximum": 100, "default": 10}, False, "query"),
}
# path -> (summary, method, parameter names, request body schema, 200 schema)
API_ENDPOINTS: tuple[tuple[str, str, str, tuple[str, ...], dict[str, Any] | None, dict[str, Any]], ...] = (
    ("/api/v1/systems", "Systems in the store: streams, counts, time span, index state", "GET", (), None,
     {"type": "object", "properties": {"systems": _ARR}}),
    ("/api/v1/ask", "Answer a question (value, LogQL, attempts, evidence); recorded in the history", "POST", (), _ASK,
     _ANSWER),
    ("/api/v1/history", "Asked questions, newest first", "GET", ("history_system", "limit"), None,
     {"type": "object", "properties": {"history": _ARR}}),
    ("/api/v1/history/{id}", "One asked question, as /api/v1/ask answered it", "GET", ("id",), None, _ANSWER),
    ("/api/v1/logql/parse", "Check a LogQL query: canonical text, kind and volume query, or the error position",
     "GET", ("query", "step"), None, _PARSE),
    ("/api/v1/knowledge/{system}", "Templates (most frequent first) and workflow of an indexed system", "GET",
     ("system",), None, _KNOWLEDGE),
    ("/api/v1/knowledge/{system}/templates/{template_id}", "One template: examples, parameters, recipe, neighbours",
     "GET", ("system", "template_id"), None, _TEMPLATE),
    ("/api/v1/knowledge/{system}/search", "Search the knowledge base (BM25)", "GET", ("system", "q", "k"), None,
     {"type": "object", "properties": {"hits": _ARR}}),
    ("/api/v1/config", "Version, planners and which LLMs can run", "GET", (), None,
     {"type": "object", "properties": {"version": {"type": "string"}, "planners": {"type": "array"}, "llms": _ARR}}),
)
_HTML = {"description": "the page", "content": {"text/html": {"schema": {"type": "string"}}}}


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
    elif path == "/loki/api/v1/tail":
        responses["101"] = {"description": "WebSocket upgrade; then JSON text frames (x-websocket-frames) until either "
                                           "side closes; a bad query closes with 1011 and the error as reason"}
        responses["400"] = {**_ERROR, "description": "bad parameters, or a plain GET without a WebSocket upgrade"}
        op["x-websocket-frames"] = ok
    elif ok is None:
        responses["200"] = {"description": "ready", "content": {"text/plain": {"schema": {"type": "string"}}}}
    else:
        responses["200"] = {"description": "success", "content": {"application/json": {"schema": ok}}}
    op["responses"] = responses
    return op


def _api_operation(path: str, summary: str, method: str, params: tuple[str, ...], body: dict[str, Any] | None,
                   ok: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "operationId": (method.lower() + path).replace("/", "_").replace("{", "").replace("}", ""),
                          "tags": ["web UI API"]}
    parameters = []
    for name in params:
        schema, required, where = AP[name]
        parameters.append({"name": name.removeprefix("history_"), "in": where, "required": required, "schema": schema})
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    op["responses"] = {"200": {"description": "success", "content": {"application/json": {"schema": ok}}},
                       "400": _API_ERROR, "401": _ERROR, "404": _API_ERROR, "500": _API_ERROR}
    return op


def _pages() -> dict[str, Any]:
    from logcopilot.server.ui import PAGES

    paths: dict[str, Any] = {"/": {"get": {"summary": "The web UI (redirects to /ask)", "operationId": "get_home",
                                           "tags": ["web UI"], "responses": {"307": {"description": "to /ask"}}}}}
    for name, title in PAGES.items():
        paths[f"/{name}"] = {"get": {"summary": f"Web UI page: {title}", "operationId": f"get_page_{name}",
                                     "tags": ["web UI"], "responses": {"200": _HTML, "401": _ERROR}}}
    return paths


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.0.3 description of the served API."""
    paths: dict[str, Any] = {}
    for path, summary, methods, params, ok in ENDPOINTS:
        paths[path] = {m.lower(): _operation(path, summary, m, params, ok) for m in methods}
    for path, summary, method, params, body, api_ok in API_ENDPOINTS:
        paths[path] = {method.lower(): _api_operation(path, summary, method, params, body, api_ok)}
    paths.update(_pages())
    return {
        "openapi": "3.0.3",
        "info": {"title": "LogCopilot Loki-compatible API", "version": "1",
                 "description": "Grafana Loki's HTTP API over the embedded LogCopilot store (errors: plain text "
                                "with the status code), the web UI's JSON API under /api/v1 (errors: "
                                "{\"status\": \"error\", \"error\": \"...\"}) and the web UI pages."},
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
