"""The JSON API of the web UI (scripts can use it too), under ``/api/v1``.

In: HTTP requests (query strings; ``POST /ask`` takes a JSON body). Out: JSON bodies, UTF-8;
errors as ``{"status": "error", "error": "<one line>"}`` with 400 (bad input), 404 (unknown
system, template or history id, or path), 405 (wrong method) or 500 (a bug), never a
traceback (``http_error`` answers Starlette's own 404/405 in JSON under ``/api/``).

=====================================================  =====================================
``GET /api/v1/systems``                                what the store holds, per system, and
                                                       how far it is indexed
``POST /api/v1/ask``                                   answer a question (recorded in history)
``GET /api/v1/history?system=&limit=50``               asked questions, newest first
``GET /api/v1/history/{id}``                           one asked question as ``/ask`` answered
``GET /api/v1/logql/parse?query=&step=60s``            canonical text, kind and volume query,
                                                       or the error with line and column
``GET /api/v1/knowledge/{system}``                     templates and workflow
``GET /api/v1/knowledge/{system}/templates/{id}``      one template in full
``GET /api/v1/knowledge/{system}/search?q=&k=10``      BM25 search of the knowledge base
``GET /api/v1/config``                                 version, planners, which LLMs can run
=====================================================  =====================================

This module only reads requests and writes responses; the work is done by
``engine.stats``, ``answering.service``/``answering.history``, ``logql.volume`` and
``indexing.catalog``. Blocking work runs in Starlette's thread pool. The API reads the whole
store (it does not split by tenant).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from logcopilot.engine.store import Store
from logcopilot.errors import InputError, LogCopilotError
from logcopilot.server.params import int_param
from logcopilot.server.responses import json_response

__all__ = ["API_PREFIX", "api_error", "api_routes", "http_error"]

API_PREFIX = "/api/v1"
_DEFAULT_STEP_NS = 60 * 10**9
_MAX_STEP_NS = 3650 * 86400 * 10**9
_MAX_ID = 2**63 - 1

Handler = Callable[[Request], Awaitable[Any]]


def api_error(exc: Exception) -> Response:
    """The API's one error body, with the error's status (500 for anything unexpected)."""
    if isinstance(exc, LogCopilotError):
        status, text = exc.status, str(exc)
    else:
        status, text = 500, f"internal error: {type(exc).__name__}: {exc}"
    return json_response({"status": "error", "error": " ".join(text.split()) or "error"}, status=status)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown path 404, wrong method 405): JSON under ``/api/``,
    Starlette's plain text elsewhere (Loki's shape)."""
    from starlette.exceptions import HTTPException
    from starlette.responses import PlainTextResponse

    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "internal error"
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else None
    if status in (204, 304):
        return Response(status_code=status, headers=headers)
    if request.url.path.startswith("/api/"):
        text = f"{detail}: {request.method} {request.url.path}"
        response = json_response({"status": "error", "error": text}, status=status)
        response.headers.update(headers or {})
        return response
    return PlainTextResponse(detail, status_code=status, headers=headers)


def _endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        from logcopilot.answering.history import jsonable

        try:
            return json_response(jsonable(await handler(request)))
        except Exception as exc:  # every error becomes the JSON error body
            return api_error(exc)

    return endpoint


def _step_ns(raw: str) -> int:
    """``60s``, ``1m``, ``1h30m`` or plain seconds (``60``, ``0.5``)."""
    from logcopilot.server.params import seconds_or_duration

    ns = seconds_or_duration(raw, "step") if raw else _DEFAULT_STEP_NS
    if not 10**6 <= ns <= _MAX_STEP_NS:
        raise InputError(f"invalid step {raw!r}: must be between 1ms and 3650d")
    return ns


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        doc = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise InputError("the request body is not JSON: send {\"question\": \"...\", \"system\": \"...\"}") from None
    if not isinstance(doc, dict):
        raise InputError("the request body must be a JSON object")
    return doc


def api_routes(store: Store) -> list[Route]:
    """The ``/api/v1`` routes over ``store``."""
    from logcopilot.answering.service import PLANNERS, Asker, llm_options

    asker = Asker(store)

    async def systems(request: Request) -> Any:
        from logcopilot.engine.stats import system_stats
        from logcopilot.indexing.catalog import index_overview

        def run() -> dict[str, Any]:
            return {"systems": [{**s, **index_overview(store, s["system"])} for s in system_stats(store)]}

        return await run_in_threadpool(run)

    async def ask(request: Request) -> Any:
        body = await _json_body(request)
        return await run_in_threadpool(
            asker.ask, body.get("question"), body.get("system"), planner=body.get("planner", "auto"),
            llm=body.get("llm", "none"), evidence=body.get("evidence", 5))

    async def history(request: Request) -> Any:
        from logcopilot.answering.history import MAX_LIMIT, list_history

        limit = int_param(request.query_params, "limit", 50, MAX_LIMIT)
        system = (request.query_params.get("system") or "").strip().lower() or None
        return {"history": await run_in_threadpool(list_history, store, system=system, limit=limit)}

    async def history_item(request: Request) -> Any:
        from logcopilot.answering.history import get_history

        raw = request.path_params["id"]
        if not raw.isdigit() or int(raw) > _MAX_ID:
            raise InputError(f"no question {raw!r} in the history", status=404)
        return await run_in_threadpool(get_history, store, int(raw))

    async def parse(request: Request) -> Any:
        from logcopilot.logql.volume import check_query

        return check_query(request.query_params.get("query", ""), _step_ns(request.query_params.get("step", "")))

    async def knowledge(request: Request) -> Any:
        from logcopilot.indexing.catalog import knowledge_overview

        return await run_in_threadpool(knowledge_overview, store, request.path_params["system"])

    async def template(request: Request) -> Any:
        from logcopilot.indexing.catalog import template_detail

        p = request.path_params
        return await run_in_threadpool(template_detail, store, p["system"], p["template_id"])

    async def search(request: Request) -> Any:
        from logcopilot.indexing.catalog import search_knowledge

        k = int_param(request.query_params, "k", 10, 100)
        q = request.query_params.get("q", "")
        return await run_in_threadpool(lambda: search_knowledge(store, request.path_params["system"], q, k=k))

    async def config(request: Request) -> Any:
        from logcopilot import __version__

        return {"version": __version__, "planners": list(PLANNERS),
                "llms": await run_in_threadpool(llm_options, asker.settings)}

    table: list[tuple[str, Handler, str]] = [
        ("/systems", systems, "GET"),
        ("/ask", ask, "POST"),
        ("/history", history, "GET"),
        ("/history/{id}", history_item, "GET"),
        ("/logql/parse", parse, "GET"),
        ("/knowledge/{system}", knowledge, "GET"),
        ("/knowledge/{system}/templates/{template_id}", template, "GET"),
        ("/knowledge/{system}/search", search, "GET"),
        ("/config", config, "GET"),
    ]
    return [Route(API_PREFIX + path, _endpoint(handler), methods=[method]) for path, handler, method in table]
