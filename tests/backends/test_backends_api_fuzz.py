"""Schema-based fuzzing (schemathesis, pinned) of a real ``logcopilot serve`` on 127.0.0.1.

Every operation of ``/openapi.json`` gets a bounded, derandomised set of generated requests
(12 each; ``LOGCOPILOT_FUZZ_EXAMPLES=200`` for a longer run).
No answer may be a 5xx; a 4xx must carry a message (plain text; JSON under ``/api/v1``); a push that is refused must
leave the store unchanged. Hand-made cases then cover malformed push bodies, a huge body and
bad time parameters.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from backends_support import LiveServer
from hypothesis import HealthCheck, settings

from logcopilot.engine.push import push_json
from logcopilot.engine.store import Store
from logcopilot.server.app import create_app
from logcopilot.server.openapi import openapi_document
from shared_data import SHARED

SYNTHETIC = SHARED / "loki-corpus/data/synthetic.json"
T0 = 1704067200

schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    store = Store(tmp_path_factory.mktemp("fuzz") / "f.duckdb")
    if SYNTHETIC.exists():
        push_json(store, SYNTHETIC.read_bytes())
    else:
        push_json(store, json.dumps({"streams": [{"stream": {"job": "web"}, "values": [[str(T0 * 10**9), "level=info x=1"]]}]}).encode())
    srv = LiveServer(create_app(store, auth_enabled=False, token=None))
    yield srv.url, store
    srv.stop()
    store.close()


def _snapshot(store: Store) -> tuple[int, int]:
    cur = store.cursor()
    streams = cur.execute("SELECT count(*) FROM streams").fetchone()[0]
    entries = cur.execute("SELECT count(*) FROM entries").fetchone()[0]
    return int(streams), int(entries)


@schema.parametrize()
@settings(max_examples=int(os.environ.get("LOGCOPILOT_FUZZ_EXAMPLES", "12")), deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_fuzz_no_server_errors(case, live) -> None:
    url, store = live
    before = _snapshot(store)
    response = case.call(base_url=url, timeout=30)
    assert response.status_code < 500, f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        assert response.text.strip(), "a 4xx must say why"
        ctype = response.headers.get("content-type") or [""]  # schemathesis keeps header lists
        ctype = ctype[0] if isinstance(ctype, list) else ctype
        if case.path.startswith("/api/v1/"):  # the web UI's JSON API: {"status": "error", "error": "..."}
            assert ctype.startswith("application/json") and response.json()["error"], (response.status_code, response.text)
        else:
            assert ctype.startswith("text/plain")
        if case.path.endswith("/push"):
            assert _snapshot(store) == before, "a refused push changed the store"


@pytest.mark.parametrize(
    "body,ctype",
    [
        (b"{not json", "application/json"),
        (b'{"streams": 5}', "application/json"),
        (b'{"streams":[{"stream":{},"values":[]}]}', "application/json"),
        (b'{"streams":[{"stream":{"a":"b"},"values":[["1","ok"]]},{"stream":{"c":"d"},"values":[["x","bad ts"]]}]}', "application/json"),
        (b'{"streams":[{"stream":{"a":"b"},"values":[["99999999999999999999999","too big"]]}]}', "application/json"),
        (b'{"streams":[{"stream":{"a":"b"},"values":[["1", 5]]}]}', "application/json"),
        (b'{"streams":[{"stream":{"1bad":"b"},"values":[["1","l"]]}]}', "application/json"),
        (b"\x00\x01\x02", "application/x-protobuf"),
        (b"<xml/>", "application/xml"),
    ],
)
def test_malformed_push_is_4xx_and_changes_nothing(live, body: bytes, ctype: str) -> None:
    url, store = live
    before = _snapshot(store)
    r = httpx.post(url + "/loki/api/v1/push", content=body, headers={"Content-Type": ctype})
    assert 400 <= r.status_code < 500 and r.text.strip(), (r.status_code, r.text)
    assert _snapshot(store) == before


def test_huge_body_is_413_before_reading(live, monkeypatch) -> None:
    url, store = live
    before = _snapshot(store)
    line = "x" * 1024
    big = json.dumps({"streams": [{"stream": {"a": "b"}, "values": [[str(T0 * 10**9 + i), line] for i in range(70_000)]}]}).encode()
    assert len(big) > 64 << 20
    r = httpx.post(url + "/loki/api/v1/push", content=big, headers={"Content-Type": "application/json"}, timeout=60)
    assert r.status_code == 413 and "byte limit" in r.text
    # no Content-Length (chunked): cut off while streaming, still 413
    def chunks() -> Iterator[bytes]:
        for i in range(0, len(big), 1 << 20):
            yield big[i:i + (1 << 20)]
    r = httpx.post(url + "/loki/api/v1/push", content=chunks(), headers={"Content-Type": "application/json"}, timeout=60)
    assert r.status_code == 413
    assert _snapshot(store) == before


@pytest.mark.parametrize(
    "path,params,needle",
    [
        ("/loki/api/v1/query_range", {"query": '{job="web"}', "start": "yesterday"}, "could not parse 'start'"),
        ("/loki/api/v1/query_range", {"query": '{job="web"}', "start": "10", "end": "5"}, "end timestamp"),
        ("/loki/api/v1/query_range", {"query": 'rate({job="web"}[1m])', "start": "0", "end": "100000000", "step": "1"}, "11,000 points"),
        ("/loki/api/v1/query_range", {"query": '{job="web"}', "step": "-5s"}, "valid duration"),
        ("/loki/api/v1/query", {"query": '{job="web"}', "time": "NaN"}, "could not parse 'time'"),
        ("/loki/api/v1/query", {"query": '{job="web"}', "time": "9" * 40}, "out of range"),
        ("/loki/api/v1/series", {"match[]": '{job="web"}', "start": "soon"}, "could not parse 'start'"),
        ("/loki/api/v1/patterns", {"query": '{job="web"}', "start": "5", "end": "1"}, "end timestamp"),
        ("/loki/api/v1/detected_fields", {"query": '{job="web"}', "line_limit": "-1"}, "line_limit"),
        ("/loki/api/v1/query_range", {"query": "{" * 20_000}, "parse error"),
    ],
)
def test_bad_parameters_are_4xx_with_a_message(live, path: str, params: dict[str, str], needle: str) -> None:
    url, _ = live
    if sum(len(v) for v in params.values()) > 4096:
        # a 60 kB request line is refused by the HTTP layer itself (h11's limit on an incomplete
        # request line, hit or not depending on how TCP splits it): long queries go as a form body
        r = httpx.post(url + path, data=params)
    else:
        r = httpx.get(url + path, params=params)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
    assert needle in r.text


def test_huge_form_query_is_4xx(live) -> None:
    url, _ = live
    r = httpx.post(url + "/loki/api/v1/query_range", data={"query": '{job="web"} |= "' + "x" * 2_000_000})
    assert 400 <= r.status_code < 500 and "parse error" in r.text
