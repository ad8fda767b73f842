"""The Loki HTTP API on a real uvicorn server on 127.0.0.1 over a temporary store."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from live_server import LiveServer

T0 = 1704067200  # 2024-01-01T00:00:00Z


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory):
    from logcopilot.engine.store import Store
    from logcopilot.server.app import create_app

    store = Store(tmp_path_factory.mktemp("http") / "s.duckdb")
    live = LiveServer(create_app(store))
    url = live.url
    payload = {
        "streams": [
            {
                "stream": {"job": "web", "host": "a"},
                "values": [
                    [str((T0 + 10) * 10**9), "level=info status=200"],
                    [str((T0 + 70) * 10**9), "level=error status=500", {"trace_id": "abc"}],
                ],
            },
            {"stream": {"job": "api"}, "values": [[str((T0 + 30) * 10**9), '{"status": 404}']]},
        ]
    }
    status, _ = _req(url + "/loki/api/v1/push", json.dumps(payload).encode(), {"Content-Type": "application/json"})
    assert status == 204
    yield url
    live.stop()
    store.close()


def _req(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _get(base: str, path: str, **params: str) -> tuple[int, bytes]:
    return _req(base + path + "?" + urllib.parse.urlencode(params))


def test_ready(base: str) -> None:
    assert _get(base, "/ready")[0] == 200


def test_query_range_streams(base: str) -> None:
    status, body = _get(
        base, "/loki/api/v1/query_range", query='{job="web"}', start=str(T0), end=str(T0 + 3600), direction="forward"
    )
    assert status == 200
    doc = json.loads(body)
    assert doc["status"] == "success" and doc["data"]["resultType"] == "streams"
    streams = doc["data"]["result"]
    # structured metadata splits the stream; in label-string byte order ", " sorts before "}"
    assert [s["stream"] for s in streams] == [{"host": "a", "job": "web", "trace_id": "abc"}, {"host": "a", "job": "web"}]
    assert streams[1]["values"] == [[str((T0 + 10) * 10**9), "level=info status=200"]]


def test_query_range_matrix_via_post_form(base: str) -> None:
    form = urllib.parse.urlencode(
        {"query": 'sum by (job) (count_over_time({job=~".+"}[1m]))', "start": str(T0), "end": str(T0 + 120), "step": "60"}
    ).encode()
    status, body = _req(
        base + "/loki/api/v1/query_range", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200, body
    result = json.loads(body)["data"]["result"]
    got = {r["metric"]["job"]: r["values"] for r in result}
    assert got == {"api": [[T0 + 60, "1"]], "web": [[T0 + 60, "1"], [T0 + 120, "1"]]}


def test_instant_vector_and_scalar(base: str) -> None:
    status, body = _get(base, "/loki/api/v1/query", query='count_over_time({job="api"} | json | status >= 400 [5m])',
                        time=str(T0 + 60))
    assert status == 200, body
    data = json.loads(body)["data"]
    assert data["resultType"] == "vector"
    assert data["result"] == [{"metric": {"job": "api", "status": "404"}, "value": [T0 + 60, "1"]}]
    status, body = _get(base, "/loki/api/v1/query", query="2 * 3", time=str(T0 + 3600))
    assert json.loads(body)["data"]["resultType"] == "scalar"


def test_plain_text_errors(base: str) -> None:
    status, body = _get(base, "/loki/api/v1/query_range", query='{job="web"', start=str(T0), end=str(T0 + 60))
    assert status == 400
    assert body.decode().startswith("parse error at line 1, col")
    status, body = _get(base, "/loki/api/v1/query", query='{job="web"}', time=str(T0))
    assert status == 400 and body.decode().startswith("log queries are not supported as an instant query type")
    status, body = _get(base, "/loki/api/v1/query_range", query='{job="web"}', limit="0")
    assert (status, body.decode()) == (400, "limit must be a positive value")
    status, body = _get(base, "/loki/api/v1/query", query='count_over_time({job="web"} | json [5m])', time=str(T0 + 60))
    assert status == 400 and body.decode().startswith("pipeline error: 'JSONParserErr' for series: '{__error__=")
    # under sum() nothing needs parsing, so the line is counted (corpus note 23)
    status, body = _get(base, "/loki/api/v1/query", query='sum(count_over_time({job="web"} | json [5m]))', time=str(T0 + 60))
    assert status == 200 and json.loads(body)["data"]["result"][0]["value"][1] == "1"


def test_metadata_endpoints(base: str) -> None:
    status, body = _get(base, "/loki/api/v1/labels")
    assert json.loads(body) == {"status": "success", "data": ["host", "job"]}
    status, body = _get(base, "/loki/api/v1/label/job/values", query='{host="a"}')
    assert json.loads(body) == {"status": "success", "data": ["web"]}
    # structured metadata is not a label here; an unknown name answers without data
    assert json.loads(_get(base, "/loki/api/v1/label/trace_id/values")[1]) == {"status": "success"}
    status, body = _get(base, "/loki/api/v1/series", **{"match[]": '{job="web"}', "start": str(T0), "end": str(T0 + 60)})
    assert json.loads(body) == {"status": "success", "data": [{"host": "a", "job": "web"}]}
