"""The live tail (``/loki/api/v1/tail``) on a real uvicorn server on 127.0.0.1, read with the
``websockets`` sync client: backfill, live pushes (filtered, once each, in order, out-of-order
timestamps), ``delay_for`` ordering, errors, tenancy, disconnect and shutdown."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from live_server import LiveServer
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from logcopilot.engine.store import Store
from logcopilot.server.app import create_app

NOW_S = int(time.time())
NS = 10**9


class Live(LiveServer):
    """The served app with a WebSocket client and a push helper."""

    def ws(self, query: str, headers: dict[str, str] | None = None, **params: Any) -> ClientConnection:
        qs = urllib.parse.urlencode({"query": query, **{k: str(v) for k, v in params.items()}})
        return connect(f"ws://{self.url.removeprefix('http://')}/loki/api/v1/tail?{qs}", additional_headers=headers,
                       open_timeout=5)

    def push(self, streams: list[tuple[dict[str, str], list[tuple[int, str]]]], headers: dict[str, str] | None = None) -> None:
        doc = {"streams": [{"stream": labels, "values": [[str(ts), line] for ts, line in values]}
                           for labels, values in streams]}
        r = httpx.post(self.url + "/loki/api/v1/push", json=doc, headers=headers or {})
        assert r.status_code == 204, r.text


@pytest.fixture()
def serve(tmp_path) -> Iterator[Callable[..., Live]]:
    started: list[tuple[Live, Store]] = []

    def start(**kw: Any) -> Live:
        store = Store(tmp_path / f"t{len(started)}.duckdb")
        live = Live(create_app(store, **kw))
        started.append((live, store))
        return live

    yield start
    for live, store in started:
        live.stop()
        store.close()


def _frames(ws: ClientConnection, want: int, timeout: float = 6.0) -> list[dict[str, Any]]:
    """Frames until ``want`` entries arrived (or the timeout)."""
    out: list[dict[str, Any]] = []
    deadline = time.time() + timeout
    while sum(len(s["values"]) for f in out for s in f["streams"]) < want and time.time() < deadline:
        try:
            out.append(json.loads(ws.recv(timeout=max(deadline - time.time(), 0.01))))
        except TimeoutError:
            break
    return out


def _entries(frames: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
    """(stream's job/host, ts, line) in arrival order."""
    return [(s["stream"].get("host", s["stream"].get("job", "")), int(ts), line)
            for f in frames for s in f["streams"] for ts, line in s["values"]]


def _quiet(ws: ClientConnection, seconds: float = 1.2) -> None:
    """Nothing more arrives (no duplicates)."""
    with pytest.raises(TimeoutError):
        ws.recv(timeout=seconds)


def _wait(cond: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_backfill_then_live_lines_once_each_in_order(serve) -> None:
    live = serve()
    t = NOW_S - 600
    web_a, web_b, api = {"job": "web", "host": "a"}, {"job": "web", "host": "b"}, {"job": "api"}
    live.push([(web_a, [((NOW_S - 7200) * NS, "error too old"), (t * NS, "error one"), ((t + 1) * NS, "info x"),
                        ((t + 2) * NS, "error two")]),
               (web_b, [((t + 3) * NS, "error three")]), (api, [((t + 4) * NS, "error api")])])
    with live.ws('{job="web"} |= "error"', limit=2) as ws:
        first = _frames(ws, 2)
        # the last `limit` matching lines since start (default: one hour ago), oldest first
        assert first[0]["dropped_entries"] is None
        assert _entries(first) == [("a", (t + 2) * NS, "error two"), ("b", (t + 3) * NS, "error three")]
        n = NOW_S * NS
        live.push([(web_a, [(n + 1, "error live 1"), (n + 2, "info live 2"), (n + 5, "error live 5")]),
                   (api, [(n + 3, "error not web")])])
        # another stream pushes later with an older timestamp than what was already sent
        got = _frames(ws, 2)
        live.push([(web_b, [(n + 4, "error late b")]), (web_a, [(t * NS + 7, "error replayed old")])])
        got += _frames(ws, 2)
        assert _entries(got) == [("a", n + 1, "error live 1"), ("a", n + 5, "error live 5"),
                                 ("a", t * NS + 7, "error replayed old"), ("b", n + 4, "error late b")]
        _quiet(ws)


def test_every_pipeline_stage_works_in_tail(serve) -> None:
    live = serve()
    with live.ws('{job="web"} | logfmt | level="error" | line_format "{{.msg}} ({{.code}})"') as ws:
        _quiet(ws, 0.3)  # nothing to backfill: no frame at all
        n = NOW_S * NS
        live.push([({"job": "web"}, [(n, 'level=info msg=ok code=200'), (n + 1, 'level=error msg="disk full" code=507')])])
        frame = _frames(ws, 1)[0]
        assert frame["streams"] == [{"stream": {"job": "web", "level": "error", "msg": "disk full", "code": "507"},
                                     "values": [[str(n + 1), "disk full (507)"]]}]


def test_delay_for_puts_late_pushes_in_timestamp_order(serve) -> None:
    live = serve()
    with live.ws('{job="web"}', delay_for=2) as ws:
        n = time.time_ns()
        live.push([({"job": "web"}, [(n + 3, "third")])])
        time.sleep(0.6)  # a poll has seen "third" by now; delay_for holds it
        live.push([({"job": "web"}, [(n + 1, "first"), (n + 2, "second")])])
        frames = _frames(ws, 3, timeout=5)
        assert [line for _, _, line in _entries(frames)] == ["first", "second", "third"]


@pytest.mark.parametrize(
    "params,needle",
    [
        ({"query": '{job="web"}', "delay_for": "9"}, "delay_for can't be greater than 5"),
        ({"query": '{job="web"}', "limit": "0"}, "limit must be a positive value"),
        ({"query": '{job="web"}', "start": "yesterday"}, "could not parse 'start'"),
    ],
)
def test_bad_parameters_are_400_before_the_upgrade(serve, params, needle) -> None:
    live = serve()
    q = params.pop("query")
    with pytest.raises(InvalidStatus) as err:
        live.ws(q, **params)
    assert err.value.response.status_code == 400 and needle in err.value.response.body.decode()
    r = httpx.get(live.url + "/loki/api/v1/tail", params={"query": q, **params})
    assert r.status_code == 400 and needle in r.text and r.headers["content-type"].startswith("text/plain")


def test_bad_and_metric_queries_close_with_the_error(serve) -> None:
    live = serve()
    for query, needle in [('sum(rate({job="web"}[1m]))', "only log queries can be tailed"),
                          ('{job="web"', "parse error"), ('{job="web"} |~ "(("', "error parsing regexp")]:
        with live.ws(query) as ws:
            with pytest.raises(ConnectionClosed) as err:
                ws.recv(timeout=5)
        assert err.value.rcvd is not None and err.value.rcvd.code == 1011
        assert needle in err.value.rcvd.reason, (query, err.value.rcvd.reason)
    r = httpx.get(live.url + "/loki/api/v1/tail", params={"query": '{job="web"}'})
    assert r.status_code == 400 and "WebSocket" in r.text


def test_tenants_see_only_their_own_pushes(serve) -> None:
    live = serve(auth_enabled=True)
    with pytest.raises(InvalidStatus) as err:
        live.ws('{job="web"}')
    assert err.value.response.status_code == 401 and b"no org id" in err.value.response.body
    n = NOW_S * NS
    with live.ws('{job="web"}', headers={"X-Scope-OrgID": "alpha"}) as ws:
        live.push([({"job": "web"}, [(n, "beta's line")])], headers={"X-Scope-OrgID": "beta"})
        live.push([({"job": "web"}, [(n + 1, "alpha's line")])], headers={"X-Scope-OrgID": "alpha"})
        assert [line for _, _, line in _entries(_frames(ws, 1))] == ["alpha's line"]
        _quiet(ws, 0.8)


def test_bearer_token_guards_the_tail(serve) -> None:
    live = serve(token="s3cret")
    with pytest.raises(InvalidStatus) as err:
        live.ws('{job="web"}')
    assert err.value.response.status_code == 401 and b"bearer token" in err.value.response.body
    with live.ws('{job="web"}', headers={"Authorization": "Bearer s3cret"}) as ws:
        live.push([({"job": "web"}, [(NOW_S * NS, "hello")])], headers={"Authorization": "Bearer s3cret"})
        assert [line for _, _, line in _entries(_frames(ws, 1))] == ["hello"]


def test_disconnect_and_shutdown_stop_the_tail(serve) -> None:
    live = serve()
    hub = live.app.state.tails
    with live.ws('{job="web"}'):
        assert _wait(lambda: hub.active == 1)
    assert _wait(lambda: hub.active == 0), "the tail kept running after the client left"
    with live.ws('{job="web"}') as ws:
        assert _wait(lambda: hub.active == 1)
        t0 = time.time()
        live.stop()
        assert not live.thread.is_alive() and time.time() - t0 < 5, "an open tail held up shutdown"
        assert hub.active == 0 and hub.started == 2
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=2)


def test_frames_and_public_names() -> None:
    from logcopilot.server import tail

    assert list(tail.__all__) == sorted(tail.__all__) and all(hasattr(tail, n) for n in tail.__all__)
    a, b = (("job", "a"),), (("job", "b"),)
    entries = [(1, 1, a, "x"), (2, 2, b, "y"), (3, 3, a, "z")]
    assert [json.loads(f) for f in tail.frames(entries)] == [{"streams": [
        {"stream": {"job": "a"}, "values": [["1", "x"], ["3", "z"]]},
        {"stream": {"job": "b"}, "values": [["2", "y"]]}], "dropped_entries": None}]
    many = [(i, i, a, "l") for i in range(2500)]
    assert [len(json.loads(f)["streams"][0]["values"]) for f in tail.frames(many)] == [1000, 1000, 500]


def test_refused_handshake_without_denial_extension_closes_with_policy_violation() -> None:
    import asyncio

    from logcopilot.server.tenancy import TenancyMiddleware

    reached: list[Any] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope)

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "websocket", "path": "/loki/api/v1/tail", "headers": [], "query_string": b""}
    asyncio.run(TenancyMiddleware(inner, auth_enabled=True)(scope, receive, send))
    assert not reached and sent == [{"type": "websocket.close", "code": 1008, "reason": "no org id"}]
    asyncio.run(TenancyMiddleware(inner, auth_enabled=True)({**scope, "headers": [(b"x-scope-orgid", b"alpha")]},
                                                            receive, send))
    assert dict(reached[0]["headers"])[b"x-scope-orgid"] == b"alpha"
