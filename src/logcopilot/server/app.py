"""The Loki-compatible HTTP API over the embedded store (Starlette), with the web UI beside it.

In: HTTP requests as Loki's API defines them (GET query strings or POST forms). Out: Loki's
JSON bodies, status codes and plain-text error bodies. Endpoints: ``/loki/api/v1/query``,
``/query_range``, ``/labels``, ``/label/{name}/values``, ``/series``, ``/index/stats``,
``/index/volume``, ``POST /push``, ``/ready`` and the live ``/tail`` over a WebSocket
(``server/tail.py``); the Loki extras (``server/extras.py``), ``/openapi.json``, the web UI's
JSON API under ``/api/v1`` (``server/api.py``, JSON error bodies) and its pages and ``/static``
files (``server/ui.py``).

DuckDB connections are not thread-safe, so every request takes its own ``store.cursor()``;
queries run in Starlette's thread pool.
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from logcopilot.engine.executor import execute_instant, execute_range
from logcopilot.engine.push import push_json
from logcopilot.engine.results import loki_envelope
from logcopilot.engine.store import Store
from logcopilot.errors import InputError
from logcopilot.server import extras, meta
from logcopilot.server.params import (
    parse_instant_params,
    parse_range_params,
    parse_time_ns,
)
from logcopilot.server.responses import error_response, json_response, request_tenant

__all__ = ["create_app"]


class Params(Mapping[str, str]):
    """Request parameters from the query string and a url-encoded POST body.

    As a mapping it gives each name's first value; ``getlist`` gives them all (``match[]``).
    """

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        self.first: dict[str, str] = {}
        for k, v in pairs:
            self.first.setdefault(k, v)

    def __getitem__(self, key: str) -> str:
        return self.first[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.first)

    def __len__(self) -> int:
        return len(self.first)

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]


async def _params(request: Request) -> Params:
    pairs = list(request.query_params.multi_items())
    if request.method == "POST":
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            body = (await request.body()).decode("utf-8", "replace")
            pairs += urllib.parse.parse_qsl(body, keep_blank_values=True)
    return Params(pairs)


def create_app(store: Store, *, auth_enabled: bool | None = None, token: str | None = None) -> Starlette:
    """The ASGI app serving ``store``.

    ``auth_enabled``/``token`` (default: ``LOGCOPILOT_AUTH_ENABLED``/``LOGCOPILOT_TOKEN``) as in
    ``server/tenancy.py``; extra endpoints come from ``server/extras.py`` and ``/openapi.json``.
    """
    from logcopilot.logql import parse as parse_query

    # The AST is immutable (frozen dataclasses of tuples), so one parse serves every repeat of
    # a query text; a text that fails to parse is not cached and raises the same error again.
    parse = functools.lru_cache(maxsize=512)(parse_query)

    def run_range(p: Params, tenant: str) -> dict[str, Any]:
        rp = parse_range_params(p)
        expr = parse(rp.query)
        cur = store.cursor()
        try:
            res = execute_range(
                cur,
                expr,
                rp.start_ns,
                rp.end_ns,
                step_ns=rp.step_ns,
                limit=rp.limit,
                direction=rp.direction,
                interval_ns=rp.interval_ns,
                tenant=tenant,
            )
        finally:
            cur.close()
        return loki_envelope(res)

    def run_instant(p: Params, tenant: str) -> dict[str, Any]:
        ip = parse_instant_params(p)
        expr = parse(ip.query)
        cur = store.cursor()
        try:
            res = execute_instant(cur, expr, ip.time_ns, tenant=tenant)
        finally:
            cur.close()
        return loki_envelope(res)

    async def query_range(request: Request) -> Response:
        try:
            p = await _params(request)
            return json_response(await run_in_threadpool(run_range, p, request_tenant(request)))
        except Exception as exc:  # every error becomes Loki's plain-text body
            return error_response(exc)

    async def query(request: Request) -> Response:
        try:
            p = await _params(request)
            return json_response(await run_in_threadpool(run_instant, p, request_tenant(request)))
        except Exception as exc:
            return error_response(exc)

    async def labels(request: Request) -> Response:
        try:
            p = await _params(request)
            names = await run_in_threadpool(meta.label_names, store, p.get("query"), request_tenant(request))
            return json_response({"status": "success", "data": names} if names else {"status": "success"})
        except Exception as exc:
            return error_response(exc)

    async def label_values(request: Request) -> Response:
        try:
            p = await _params(request)
            name = request.path_params["name"]
            values = await run_in_threadpool(meta.label_values, store, name, p.get("query"), request_tenant(request))
            return json_response({"status": "success", "data": values} if values else {"status": "success"})
        except Exception as exc:
            return error_response(exc)

    def _bounds(p: Params) -> tuple[int, int]:
        import time

        end = parse_time_ns(p["end"], "end") if p.get("end") else time.time_ns()
        if p.get("start"):
            start = parse_time_ns(p["start"], "start")
        else:
            start = end - 6 * 3600 * 10**9
        return start, end

    async def series(request: Request) -> Response:
        try:
            p = await _params(request)
            start, end = _bounds(p)
            data = await run_in_threadpool(meta.series, store, p.getlist("match[]"), start, end, request_tenant(request))
            return json_response({"status": "success", "data": data})
        except Exception as exc:
            return error_response(exc)

    async def index_stats(request: Request) -> Response:
        try:
            p = await _params(request)
            start, end = _bounds(p)
            doc = await run_in_threadpool(meta.index_stats, store, p.get("query") or "", start, end, request_tenant(request))
            return json_response(doc)
        except Exception as exc:
            return error_response(exc)

    async def index_volume(request: Request) -> Response:
        try:
            p = await _params(request)
            start, end = _bounds(p)
            doc = await run_in_threadpool(
                meta.volume, store, p.get("query") or "", start, end, extras.volume_limit(p.get("limit")), request_tenant(request)
            )
            return json_response(doc)
        except Exception as exc:
            return error_response(exc)

    async def push(request: Request) -> Response:
        try:
            ctype = request.headers.get("content-type", "")
            if ctype.startswith("application/x-protobuf"):  # Promtail/Alloy: snappy protobuf
                from logcopilot.engine.push import push_payload
                from logcopilot.server.push_proto import decode_push

                doc = await run_in_threadpool(decode_push, await request.body())
                await run_in_threadpool(push_payload, store, doc, request_tenant(request))
                return Response(status_code=204)
            if ctype and not ctype.startswith("application/json"):
                raise InputError(f"unsupported Content-Type {ctype!r}: send Loki's JSON push format")
            body = await request.body()
            await run_in_threadpool(push_json, store, body, request_tenant(request))
            return Response(status_code=204)
        except Exception as exc:
            return error_response(exc)

    async def ready(request: Request) -> Response:
        return PlainTextResponse("ready")

    routes: list[BaseRoute] = [
        Route("/loki/api/v1/query", query, methods=["GET", "POST"]),
        Route("/loki/api/v1/query_range", query_range, methods=["GET", "POST"]),
        Route("/loki/api/v1/labels", labels, methods=["GET", "POST"]),
        Route("/loki/api/v1/label", labels, methods=["GET", "POST"]),
        Route("/loki/api/v1/label/{name}/values", label_values, methods=["GET", "POST"]),
        Route("/loki/api/v1/series", series, methods=["GET", "POST"]),
        Route("/loki/api/v1/index/stats", index_stats, methods=["GET", "POST"]),
        Route("/loki/api/v1/index/volume", index_volume, methods=["GET", "POST"]),
        Route("/loki/api/v1/push", push, methods=["POST"]),
        Route("/ready", ready, methods=["GET"]),
    ]
    from starlette.middleware import Middleware

    from logcopilot.server import openapi, tenancy
    from logcopilot.server.api import api_routes, http_error
    from logcopilot.server.tail import TailHub, tail_routes
    from logcopilot.server.ui import ui_routes

    tails = TailHub()
    routes += [*tail_routes(store, tails), *extras.extra_routes(store), openapi.openapi_route(), *api_routes(store),
               *ui_routes()]
    env_auth, env_token = tenancy.auth_from_env()
    guard = Middleware(tenancy.TenancyMiddleware, auth_enabled=env_auth if auth_enabled is None else auth_enabled,
                       token=env_token if token is None else token)
    from starlette.exceptions import HTTPException

    app = Starlette(routes=routes, middleware=[guard], exception_handlers={HTTPException: http_error})
    app.state.tails = tails  # the live tails running now (server/tail.py)
    return app
