"""The Loki API extras on a real server on 127.0.0.1: tenancy (auth_enabled, bearer token),
protobuf+snappy push, patterns from mined templates, detected labels/fields, build info, and
the OpenAPI description covering every served route."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from logcopilot.backends.loki import LokiBackend
from logcopilot.engine.push import push_json
from logcopilot.engine.results import StreamsResult
from logcopilot.engine.store import Store
from logcopilot.server.app import create_app
from logcopilot.server.openapi import openapi_document
from logcopilot.server.push_proto import decode_push, encode_push

T0 = 1704067200
DATA = Path(__file__).resolve().parents[2] / "src" / "logcopilot" / "data"


def _doc(job: str, lines: list[str], t0: int = T0) -> dict:
    return {"streams": [{"stream": {"job": job}, "values": [[str((t0 + i) * 10**9), ln] for i, ln in enumerate(lines)]}]}


def test_auth_enabled_isolates_tenants(tmp_path, serve_factory) -> None:
    store = Store(tmp_path / "t.duckdb")
    srv = serve_factory(store, auth_enabled=True)
    a, b = httpx.Client(base_url=srv.url, headers={"X-Scope-OrgID": "team-a"}), httpx.Client(base_url=srv.url, headers={"X-Scope-OrgID": "team-b"})
    assert a.post("/loki/api/v1/push", content=json.dumps(_doc("web", ["a1", "a2"])), headers={"Content-Type": "application/json"}).status_code == 204
    assert b.post("/loki/api/v1/push", content=json.dumps(_doc("db", ["b1"])), headers={"Content-Type": "application/json"}).status_code == 204
    assert a.get("/loki/api/v1/labels").json()["data"] == ["job"]
    assert a.get("/loki/api/v1/label/job/values").json()["data"] == ["web"]
    assert b.get("/loki/api/v1/label/job/values").json()["data"] == ["db"]
    qa = LokiBackend(srv.url, tenant="team-a", retries=0).query('{job=~".+"}', start=T0 * 10**9, end=(T0 + 60) * 10**9)
    assert isinstance(qa, StreamsResult) and [ln for s in qa.streams for _, ln in s.entries] == ["a2", "a1"]
    qb = LokiBackend(srv.url, tenant="team-b", retries=0).query('{job=~".+"}', start=T0 * 10**9, end=(T0 + 60) * 10**9)
    assert [ln for s in qb.streams for _, ln in s.entries] == ["b1"]
    none = httpx.get(srv.url + "/loki/api/v1/labels")
    assert none.status_code == 401 and none.text == "no org id" and none.headers["content-type"].startswith("text/plain")
    assert httpx.get(srv.url + "/loki/api/v1/labels", headers={"X-Scope-OrgID": "a|b"}).status_code == 401
    assert httpx.get(srv.url + "/ready").status_code == 200  # probes need no tenant
    store.close()


def test_auth_disabled_puts_everyone_in_tenant_fake(tmp_path, serve_factory) -> None:
    store = Store(tmp_path / "f.duckdb")
    srv = serve_factory(store, auth_enabled=False)
    r = httpx.post(srv.url + "/loki/api/v1/push", content=json.dumps(_doc("web", ["x"])),
                   headers={"Content-Type": "application/json", "X-Scope-OrgID": "someone"})
    assert r.status_code == 204
    assert [s.tenant for s in store.streams(None)] == ["fake"]
    assert httpx.get(srv.url + "/loki/api/v1/labels", headers={"X-Scope-OrgID": "other"}).json()["data"] == ["job"]
    store.close()


def test_bearer_token(tmp_path, serve_factory) -> None:
    store = Store(tmp_path / "b.duckdb")
    srv = serve_factory(store, token="s3cret")
    assert httpx.get(srv.url + "/loki/api/v1/labels").status_code == 401
    bad = httpx.get(srv.url + "/loki/api/v1/labels", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "bearer token" in bad.text
    assert httpx.get(srv.url + "/loki/api/v1/labels", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    assert httpx.get(srv.url + "/ready").status_code == 200
    backend = LokiBackend(srv.url, token="s3cret", retries=0)
    assert backend.labels() == []
    store.close()


def test_protobuf_snappy_push_equals_json_push(tmp_path, serve_factory) -> None:
    doc = {"streams": [
        {"stream": {"job": "web", "env": "prod"}, "values": [[str(T0 * 10**9 + 5), "hello"], [str(T0 * 10**9 + 9), "with md", {"trace_id": "abc"}]]},
        {"stream": {"job": "api", "note": 'quote " and \\ slash'}, "values": [[str((T0 + 1) * 10**9), "ünïcode line"]]},
    ]}
    body = encode_push(doc)
    assert decode_push(body) == doc
    s_proto, s_json = Store(tmp_path / "p.duckdb"), Store(tmp_path / "j.duckdb")
    srv = serve_factory(s_proto)
    r = httpx.post(srv.url + "/loki/api/v1/push", content=body, headers={"Content-Type": "application/x-protobuf"})
    assert r.status_code == 204, r.text
    push_json(s_json, json.dumps(doc).encode())
    rows = "SELECT s.labels_key, e.ts, e.line, e.metadata::VARCHAR FROM entries e JOIN streams s USING (stream_id) ORDER BY 1, 2"
    assert s_proto.cursor().execute(rows).fetchall() == s_json.cursor().execute(rows).fetchall()
    for bad in (b"", b"\x05garbage", encode_push(doc)[:-3], encode_push(doc, compress=False)):
        r = httpx.post(srv.url + "/loki/api/v1/push", content=bad, headers={"Content-Type": "application/x-protobuf"})
        assert r.status_code == 400 and r.text and r.headers["content-type"].startswith("text/plain"), (bad, r.text)
    bomb = b"\xff\xff\xff\xff\x0f" + b"\x00" * 10  # claims to inflate to 4 GiB
    r = httpx.post(srv.url + "/loki/api/v1/push", content=bomb, headers={"Content-Type": "application/x-protobuf"})
    assert r.status_code == 413
    assert s_proto.cursor().execute("SELECT count(*) FROM entries").fetchone()[0] == 3
    s_proto.close()
    s_json.close()


def test_patterns_detected_labels_fields_buildinfo(tmp_path, serve_factory) -> None:
    from logcopilot.indexing.templates import assign_templates
    from logcopilot.ingest.pipeline import ingest_files

    store = Store(tmp_path / "x.duckdb")
    ingest_files(store, [str(DATA / "OpenSSH_2k.log")], system="openssh", fmt="OpenSSH", year=2015)
    assign_templates(store, "openssh")
    push_json(store, json.dumps(_doc("web", ['level=info status=200 took=5ms', 'level=error status=500 took=1.5s'])).encode())
    srv = serve_factory(store)
    c = httpx.Client(base_url=srv.url)
    r = c.get("/loki/api/v1/patterns", params={"query": '{system="openssh"}', "start": "2015-01-01T00:00:00Z", "end": "2016-01-01T00:00:00Z", "step": "24h"})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data and all("<*>" not in p["pattern"] for p in data)
    assert sum(n for p in data for _, n in p["samples"]) == 2000
    n_templates = store.cursor().execute("SELECT count(*) FROM templates WHERE system = 'openssh' AND count > 0").fetchone()[0]
    assert len(data) == n_templates
    assert any("<_>" in p["pattern"] for p in data)
    labels = c.get("/loki/api/v1/detected_labels", params={"query": '{system="openssh"}', "start": "0", "end": str(2**62)}).json()
    assert {"label": "system", "cardinality": 1} in labels["detectedLabels"]
    fields = c.get("/loki/api/v1/detected_fields", params={"query": '{job="web"}', "start": str(T0), "end": str(T0 + 60)}).json()
    by = {f["label"]: f for f in fields["fields"]}
    assert by["status"]["type"] == "int" and by["status"]["cardinality"] == 2 and by["took"]["type"] == "duration"
    assert by["level"]["parsers"] == ["logfmt"]
    info = c.get("/loki/api/v1/status/buildinfo").json()
    assert info["version"].count(".") == 2 and info["branch"] == "logcopilot"
    err = c.get("/loki/api/v1/patterns", params={"query": "{", "start": "0", "end": "10"})
    assert err.status_code == 400 and err.headers["content-type"].startswith("text/plain") and "parse error" in err.text
    store.close()


def test_openapi_describes_every_route(tmp_path) -> None:
    from starlette.routing import Mount, Route

    with Store(":memory:") as store:
        app = create_app(store)
        served = {r.path for r in app.routes if isinstance(r, Route)}
        mounts = {r.path for r in app.routes if isinstance(r, Mount)}
    assert mounts == {"/static"}  # the UI's files: served, not described
    doc = openapi_document()
    assert served == set(doc["paths"])
    pages = {"/", "/ask", "/query", "/knowledge", "/status"}
    for path, ops in doc["paths"].items():
        for op in ops.values():
            if path in pages:  # HTML (or the redirect to /ask)
                assert op["responses"].get("200", {}).get("content", {}).get("text/html") or "307" in op["responses"]
            elif path.startswith("/api/v1/"):  # the web UI's JSON API answers errors in JSON
                assert op["responses"]["400"]["content"]["application/json"]
            else:  # Loki's plain-text error body
                assert "400" in op["responses"] and op["responses"]["400"]["content"]["text/plain"]


def test_settings_turn_auth_on(tmp_path, monkeypatch, serve_factory) -> None:
    monkeypatch.setenv("LOGCOPILOT_AUTH_ENABLED", "true")
    monkeypatch.setenv("LOGCOPILOT_TOKEN", "tok")
    monkeypatch.setenv("LOGCOPILOT_HOME", str(tmp_path))
    store = Store(tmp_path / "e.duckdb")
    srv = serve_factory(store)  # no arguments: the settings decide
    assert httpx.get(srv.url + "/loki/api/v1/labels", headers={"X-Scope-OrgID": "a"}).status_code == 401
    assert httpx.get(srv.url + "/loki/api/v1/labels", headers={"Authorization": "Bearer tok"}).text == "no org id"
    ok = httpx.get(srv.url + "/loki/api/v1/labels", headers={"Authorization": "Bearer tok", "X-Scope-OrgID": "a"})
    assert ok.status_code == 200
    store.close()


def test_logcopilot_serve_command_binds_loopback_with_auth(tmp_path) -> None:
    import subprocess
    import sys
    import time

    from backends_support import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from logcopilot.cli import main; main()", "serve", "--port", str(port),
         "--db", str(tmp_path / "s.duckdb"), "--auth-enabled", "--token", "t0k"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**__import__("os").environ, "LOGCOPILOT_HOME": str(tmp_path)},
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.time() < deadline and proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.1)
        url = f"http://127.0.0.1:{port}"
        assert httpx.get(url + "/loki/api/v1/labels", headers={"X-Scope-OrgID": "a"}).status_code == 401
        backend = LokiBackend(url, token="t0k", tenant="a", retries=0)
        assert backend.labels() == []
        assert httpx.get(url + "/openapi.json").status_code == 401  # the token guards the description too
        assert httpx.get(url + "/openapi.json", headers={"Authorization": "Bearer t0k"}).json()["openapi"].startswith("3.")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_one_error_body_shape_everywhere(tmp_path, serve_factory) -> None:
    store = Store(tmp_path / "eb.duckdb")
    srv = serve_factory(store)
    answers = [
        httpx.get(srv.url + "/loki/api/v1/nope"),
        httpx.delete(srv.url + "/loki/api/v1/query"),
        httpx.get(srv.url + "/loki/api/v1/query", params={"query": "{"}),
        httpx.get(srv.url + "/loki/api/v1/index/volume", params={"query": '{a="b"}', "limit": "x"}),
        httpx.get(srv.url + "/loki/api/v1/detected_fields"),
    ]
    assert [r.status_code for r in answers] == [404, 405, 400, 400, 400]
    for r in answers:
        assert r.headers["content-type"].startswith("text/plain") and r.text.strip()
    store.close()


def test_public_names_are_sorted_and_exist() -> None:
    import importlib

    for name in ("logcopilot.backends", "logcopilot.backends.loki", "logcopilot.ingest.loki_target",
                 "logcopilot.server.extras", "logcopilot.server.tenancy", "logcopilot.server.openapi",
                 "logcopilot.server.push_proto", "logcopilot.server.tail", "logcopilot.server.api",
                 "logcopilot.server.ui", "logcopilot.logql.volume", "logcopilot.answering.history",
                 "logcopilot.answering.service", "logcopilot.indexing.catalog", "logcopilot.engine.stats"):
        mod = importlib.import_module(name)
        assert list(mod.__all__) == sorted(mod.__all__), name
        assert all(getattr(mod, n, None) is not None for n in mod.__all__), name


def test_volume_range_adds_up_to_volume(corpus_store, serve_factory) -> None:
    srv = serve_factory(corpus_store)
    params = {"query": '{system=~".+"}', "start": "2008-01-01T00:00:00Z", "end": "2018-01-01T00:00:00Z"}
    total = httpx.get(srv.url + "/loki/api/v1/index/volume", params=params).json()["data"]["result"]
    ranged = httpx.get(srv.url + "/loki/api/v1/index/volume_range", params={**params, "step": "30d"})
    assert ranged.status_code == 200, ranged.text
    result = ranged.json()["data"]["result"]
    assert {json.dumps(r["metric"], sort_keys=True): sum(int(v) for _, v in r["values"]) for r in result} == {
        json.dumps(r["metric"], sort_keys=True): int(r["value"][1]) for r in total}
    assert len(total) == 3 and all(len(r["values"]) >= 1 for r in result)
    too_fine = httpx.get(srv.url + "/loki/api/v1/index/volume_range", params={**params, "step": "1s"})
    assert too_fine.status_code == 400 and "11,000 points" in too_fine.text
