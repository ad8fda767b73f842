"""Loki's live tail, ``GET /loki/api/v1/tail`` over a WebSocket, on the embedded store.

In: a WebSocket upgrade with Loki's parameters ``query`` (a log query), ``delay_for`` (whole
seconds, 0-5, default 0), ``limit`` (default 100) and ``start`` (default one hour ago; ns,
seconds or RFC3339), and the tenant the middleware put in ``X-Scope-OrgID``. Out: JSON text
frames ``{"streams": [{"stream": {labels}, "values": [["<ns>", "<line>"], ...]}],
"dropped_entries": null}`` (nothing is ever dropped) until the client goes or the server stops.

What is sent:

1. **backfill**: the last ``limit`` entries in ``[start, now)``, oldest first: the engine's own
   ``execute_range`` (direction backward, then each stream reversed);
2. **live**: every ``POLL_S`` seconds, the entries pushed since the last poll that pass the
   query (the same SQL pushdown and ``Pipeline`` as ``query_range``, via ``log_scan_plan``),
   held ``delay_for`` seconds so late pushes can be put in timestamp order, then sent sorted by
   ``(ts, seq)`` and grouped per output stream.

"Pushed since" is the push-order number ``seq``, not the timestamp: a push with an older
timestamp than what was already sent (another stream's clock behind, a replay) is still sent,
once, as Loki's ingesters forward every push. Backfill and each poll read one DuckDB snapshot
(a transaction) together with ``max(seq)``, so an entry is in exactly one of them.

Errors: bad ``start``/``limit``/``delay_for`` are Loki's 400 plain-text body before the
upgrade; a query that does not parse, a metric query, or a failure while tailing closes the
socket with code 1011 and the message as the close reason (Loki's behaviour; the reason is cut
to the 123 bytes a close frame can carry). A plain HTTP ``GET`` (no upgrade) is a 400 saying so.
Blocking DuckDB work runs in Starlette's thread pool, each poll on its own ``store.cursor()``.

Example (``websockets``)::

    with connect("ws://127.0.0.1:3100/loki/api/v1/tail?query=%7Bjob%3D%22web%22%7D") as ws:
        frame = json.loads(ws.recv())
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from logcopilot.engine.store import DEFAULT_TENANT, Store
from logcopilot.errors import InputError, LogCopilotError
from logcopilot.logql import ast

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "MAX_DELAY_S",
    "POLL_S",
    "TAIL_PATH",
    "TailHub",
    "TailParams",
    "frames",
    "parse_tail_params",
    "parse_tail_query",
    "tail_routes",
]

TAIL_PATH = "/loki/api/v1/tail"
POLL_S = 0.5
MAX_DELAY_S = 5  # Loki's limit on delay_for
_HOUR_NS = 3600 * 10**9
_POLL_ROWS = 10_000  # rows read per poll at most; a bigger backlog is read by the next polls at once
_FRAME_ENTRIES = 1_000  # entries per frame at most
_CLOSE_ERROR = 1011
_MAX_REASON = 123  # bytes a close frame's reason can hold
_NOT_WEBSOCKET = ("the tail endpoint streams over a WebSocket: connect with ws://<host>" + TAIL_PATH
                  + "?query=... (an HTTP Upgrade), as Grafana and logcli --tail do")

Entry = tuple[int, int, tuple[tuple[str, str], ...], str]  # ts, seq, output labels, line


@dataclass(frozen=True)
class TailParams:
    query: str
    start_ns: int
    limit: int
    delay_ns: int


def parse_tail_params(params: Mapping[str, str], now_ns: int | None = None) -> TailParams:
    """The tail parameters (not the query's syntax); raises ``InputError`` with Loki's text."""
    from logcopilot.logql.gotext import go_quote
    from logcopilot.server.params import parse_range_params, parse_time_ns

    now = time.time_ns() if now_ns is None else now_ns
    start = parse_time_ns(params["start"], "start") if params.get("start") else now - _HOUR_NS
    limit = parse_range_params({"limit": params.get("limit") or ""}).limit
    raw = params.get("delay_for") or "0"
    try:
        delay = int(raw)
    except ValueError:
        raise InputError(f"strconv.Atoi: parsing {go_quote(raw)}: invalid syntax") from None
    if delay < 0:
        raise InputError("delay_for must not be negative")
    if delay > MAX_DELAY_S:
        raise InputError(f"delay_for can't be greater than {MAX_DELAY_S}")
    return TailParams(params.get("query", ""), start, limit, delay * 10**9)


def parse_tail_query(text: str) -> ast.LogQuery:
    """The query as a log query; a metric query is refused (only log lines can be tailed)."""
    from logcopilot.logql import parse

    expr = parse(text)
    if not isinstance(expr, ast.LogQuery):
        raise InputError("only log queries can be tailed: this is a metric query (use /loki/api/v1/query_range)")
    return expr


class TailHub:
    """The live tails of one app: how many run now (``app.state.tails``; tests watch it)."""

    def __init__(self) -> None:
        self.active = 0
        self.started = 0


class _Tailer:
    """One tail's state: the push-order watermark and the entries held for ``delay_for``."""

    def __init__(self, store: Store, expr: ast.LogQuery, p: TailParams, tenant: str) -> None:
        self.store, self.expr, self.p, self.tenant = store, expr, p, tenant
        self.watermark = 0  # every entry with seq <= watermark was sent or filtered out
        self.held: list[tuple[Entry, float]] = []  # (entry, monotonic time first seen)

    def backfill(self) -> list[Entry]:
        """The last ``limit`` entries in ``[start, now)`` oldest first; sets the watermark."""
        from logcopilot.engine.executor import execute_range
        from logcopilot.engine.results import StreamsResult

        cur = self.store.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            self.watermark = _max_seq(cur)
            end = time.time_ns()
            res = execute_range(cur, self.expr, self.p.start_ns, max(end, self.p.start_ns), limit=self.p.limit,
                                direction="backward", tenant=self.tenant)
            cur.execute("COMMIT")
        finally:
            cur.close()
        out: list[Entry] = []
        for s in res.streams if isinstance(res, StreamsResult) else []:
            key = tuple(sorted(s.labels.items()))
            out.extend((ts, 0, key, line) for ts, line in reversed(s.entries))
        out.sort(key=lambda e: e[0])  # stable: equal timestamps keep push order
        return out

    def poll(self) -> tuple[list[Entry], bool]:
        """Entries pushed since the last poll that pass the query, and whether more are waiting."""
        from logcopilot.engine.logquery import log_scan_plan
        from logcopilot.engine.scan import scan_sql

        cur = self.store.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
            top = _max_seq(cur)
            if top <= self.watermark:
                cur.execute("COMMIT")
                return [], False
            plan, pipeline, by_sid = log_scan_plan(cur, self.expr, -(2**63), 2**63 - 1, "forward", self.tenant)
            rows: list[Any] = []
            if plan.stream_ids:
                sql, params = scan_sql(plan)
                cur.execute(f"SELECT * FROM ({sql}) WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                            params + [self.watermark, top, _POLL_ROWS])
                rows = cur.fetchall()
            cur.execute("COMMIT")
        finally:
            cur.close()
        more = len(rows) == _POLL_ROWS
        self.watermark = int(rows[-1][2]) if more else top
        found: list[Entry] = []
        for sid, ts, seq, line, md in rows:
            res = pipeline.process(ts, line, by_sid[sid], json.loads(md) if md else None)
            if res is not None:
                found.append((int(ts), int(seq), tuple(sorted(res.labels.items())), res.line))
        return found, more

    def release(self, found: list[Entry]) -> list[Entry]:
        """Hold new entries ``delay_for``; give back those due, sorted by (ts, seq)."""
        now = time.monotonic()
        self.held.extend((e, now) for e in found)
        due: list[tuple[Entry, float]] = []
        kept: list[tuple[Entry, float]] = []
        # due: no delay_for, or its timestamp is delay_for old, or it waited delay_for (a future timestamp)
        delay_s, cutoff_ns = self.p.delay_ns / 1e9, time.time_ns() - self.p.delay_ns
        for h in self.held:
            (due if self.p.delay_ns == 0 or h[0][0] <= cutoff_ns or now - h[1] >= delay_s else kept).append(h)
        self.held = kept
        return sorted((e for e, _ in due), key=lambda e: (e[0], e[1]))


def _max_seq(cur: duckdb.DuckDBPyConnection) -> int:
    row = cur.execute("SELECT coalesce(max(seq), 0) FROM entries").fetchone()
    return int(row[0]) if row else 0


def frames(entries: list[Entry]) -> list[str]:
    """Loki's tail frames for entries in send order: grouped per stream, at most
    ``_FRAME_ENTRIES`` entries each."""
    out: list[str] = []
    for i in range(0, len(entries), _FRAME_ENTRIES):
        streams: dict[tuple[tuple[str, str], ...], list[list[str]]] = {}
        for ts, _seq, key, line in entries[i:i + _FRAME_ENTRIES]:
            streams.setdefault(key, []).append([str(ts), line])
        doc = {"streams": [{"stream": dict(k), "values": v} for k, v in streams.items()], "dropped_entries": None}
        out.append(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
    return out


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) if isinstance(exc, LogCopilotError) else f"internal error: {exc}"
    raw = (text or "error").encode("utf-8")
    return raw[:_MAX_REASON].decode("utf-8", "ignore")


async def _send_all(ws: WebSocket, entries: list[Entry]) -> None:
    for frame in frames(entries):
        await ws.send_text(frame)


def tail_routes(store: Store, hub: TailHub, poll_s: float = POLL_S) -> list[BaseRoute]:
    """The WebSocket route of the tail, and an HTTP ``GET`` at the same path that says how to
    connect (or what is wrong with the parameters), always 400."""

    async def tail(ws: WebSocket) -> None:
        params: Mapping[str, str] = ws.query_params
        try:
            p = parse_tail_params(params)
        except LogCopilotError as exc:
            await ws.send_denial_response(PlainTextResponse(str(exc), status_code=exc.status))
            return
        tenant = ws.headers.get("x-scope-orgid") or DEFAULT_TENANT
        await ws.accept()
        hub.active += 1
        hub.started += 1
        watcher = asyncio.create_task(_until_disconnect(ws))
        try:
            await _run(ws, store, p, tenant, watcher, poll_s)
        except (WebSocketDisconnect, OSError, RuntimeError):
            pass  # the client went while a frame was being sent
        finally:
            watcher.cancel()
            hub.active -= 1

    async def plain_get(request: Request) -> Response:
        try:
            p = parse_tail_params(request.query_params)
            parse_tail_query(p.query)
        except LogCopilotError as exc:
            return PlainTextResponse(str(exc), status_code=exc.status)
        return PlainTextResponse(_NOT_WEBSOCKET, status_code=400)

    return [WebSocketRoute(TAIL_PATH, tail), Route(TAIL_PATH, plain_get, methods=["GET"])]


async def _until_disconnect(ws: WebSocket) -> None:
    """Read (and ignore) what the client sends until it disconnects."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _run(ws: WebSocket, store: Store, p: TailParams, tenant: str, watcher: asyncio.Task[None],
               poll_s: float) -> None:
    try:
        tailer = _Tailer(store, parse_tail_query(p.query), p, tenant)
        backfill = await run_in_threadpool(tailer.backfill)
    except Exception as exc:  # a bad query (or a failing store) ends the tail with its message
        await _close(ws, exc)
        return
    await _send_all(ws, backfill)
    while not watcher.done():
        try:
            found, more = await run_in_threadpool(tailer.poll)
        except Exception as exc:  # a failure while tailing ends the tail with its message
            await _close(ws, exc)
            return
        due = tailer.release(found)
        if watcher.done():
            return
        await _send_all(ws, due)
        if not more:
            await asyncio.wait([watcher], timeout=poll_s)


async def _close(ws: WebSocket, exc: BaseException) -> None:
    if ws.application_state == WebSocketState.CONNECTED:
        await ws.close(code=_CLOSE_ERROR, reason=_reason(exc))
