"""LokiBackend against a real scripted HTTP server on 127.0.0.1: retries with backoff on
429/503, Retry-After, headers (tenant, token, basic auth), clear errors when unreachable."""

from __future__ import annotations

import base64
import time

import pytest
from backends_support import free_port, ok_vector

from logcopilot.backends import EmbeddedBackend, get_backend
from logcopilot.backends.loki import LokiBackend, format_loki_time, normalize_base_url
from logcopilot.config import load_settings
from logcopilot.engine.results import VectorResult
from logcopilot.engine.store import Store
from logcopilot.errors import BackendError, ConfigError, QueryError

T = 1704067200 * 10**9


def test_retries_429_and_503_then_success(scripted) -> None:
    srv = scripted([(429, {}, b"too many outstanding requests"), (503, {}, b"ingester unavailable"), (200, {"Content-Type": "application/json"}, ok_vector("7"))])
    sleeps: list[float] = []
    backend = LokiBackend(srv.url, retries=3, backoff=0.1, sleep=lambda s: (sleeps.append(s), time.sleep(s)))
    res = backend.query('count_over_time({a="b"}[1m])', time=T)
    assert isinstance(res, VectorResult) and res.samples[0].value == 7.0 and res.samples[0].labels == {"a": "b"}
    assert len(srv.requests) == 3
    assert sleeps == [0.1, 0.2]  # exponential backoff
    gaps = [b[4] - a[4] for a, b in zip(srv.requests, srv.requests[1:])]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2


def test_retry_after_header_is_honoured_and_capped(scripted) -> None:
    srv = scripted([(429, {"Retry-After": "30"}, b"slow down"), (200, {}, ok_vector())])
    sleeps: list[float] = []
    backend = LokiBackend(srv.url, retries=2, backoff=0.01, max_backoff=0.05, sleep=sleeps.append)
    backend.query("vector(1)", time=T)
    assert sleeps == [0.05]


def test_retries_exhausted_gives_one_line_backend_error(scripted) -> None:
    srv = scripted([(503, {}, b"ingester not ready")])
    backend = LokiBackend(srv.url, retries=2, backoff=0.001)
    with pytest.raises(BackendError) as info:
        backend.query("vector(1)", time=T)
    msg = str(info.value)
    assert "\n" not in msg and srv.url in msg and "3 attempts" in msg and "HTTP 503" in msg and "ingester not ready" in msg
    assert "LOKI_BASE_URL" in msg
    assert len(srv.requests) == 3


def test_unreachable_url_is_a_clear_error() -> None:
    port = free_port()  # nothing listens here
    backend = LokiBackend(f"http://127.0.0.1:{port}", retries=1, backoff=0.001, timeout=2)
    with pytest.raises(BackendError) as info:
        backend.query("vector(1)", time=T)
    msg = str(info.value)
    assert f"127.0.0.1:{port}" in msg and "connection failed" in msg and "check that Loki is running" in msg and "LOKI_BASE_URL" in msg
    assert info.value.status == 502


def test_400_is_a_query_error_with_lokis_text_and_not_retried(scripted) -> None:
    srv = scripted([(400, {"Content-Type": "text/plain"}, b"parse error at line 1, col 2: syntax error: unexpected IDENTIFIER")])
    backend = LokiBackend(srv.url, retries=3, backoff=0.001)
    with pytest.raises(QueryError) as info:
        backend.query("{a", time=T)
    assert str(info.value).startswith("parse error at line 1, col 2") and info.value.status == 400
    assert len(srv.requests) == 1


def test_401_and_404_name_the_setting_to_check(scripted) -> None:
    srv = scripted([(401, {}, b"no org id")])
    with pytest.raises(BackendError, match="LOKI_TOKEN"):
        LokiBackend(srv.url, retries=0).query("vector(1)", time=T)
    srv2 = scripted([(404, {}, b"404 page not found")])
    with pytest.raises(BackendError, match="without /loki/api/v1"):
        LokiBackend(srv2.url, retries=0).query("vector(1)", time=T)


def test_headers_tenant_token_and_basic_auth(scripted) -> None:
    srv = scripted([(200, {}, ok_vector())])
    LokiBackend(srv.url, tenant="team-a", token="s3cret").query('{a="b"}', start=T, end=T + 10**9, step=1_500_000_000, limit=5)
    method, path, headers, _, _ = srv.requests[-1]
    assert method == "GET" and path.startswith("/loki/api/v1/query_range?")
    assert headers["X-Scope-OrgID"] == "team-a" and headers["Authorization"] == "Bearer s3cret"
    assert "step=1.5" in path and f"start={T}" in path and "limit=5" in path
    LokiBackend(srv.url, user="u", password="p").query("vector(1)", time=T)
    auth = srv.requests[-1][2]["Authorization"]
    assert auth == "Basic " + base64.b64encode(b"u:p").decode()
    with pytest.raises(ConfigError):
        LokiBackend(srv.url, user="u", token="t")


def test_url_and_time_forms() -> None:
    assert normalize_base_url("loki://h:3100") == "http://h:3100"
    assert normalize_base_url("https://loki.example/loki/api/v1/") == "https://loki.example"
    assert normalize_base_url("h:3100") == "http://h:3100"
    with pytest.raises(ConfigError):
        normalize_base_url("")
    with pytest.raises(ConfigError):
        normalize_base_url("ftp://h")
    assert format_loki_time(T) == str(T)
    assert format_loki_time(1_500_000_000) == "1970-01-01T00:00:01.500000000Z"


def test_get_backend_factory(tmp_path) -> None:
    with Store(":memory:") as store:
        assert isinstance(get_backend(load_settings(env={"LOGCOPILOT_HOME": str(tmp_path)}), store), EmbeddedBackend)
        s = load_settings(env={"LOGCOPILOT_HOME": str(tmp_path), "LOKI_BASE_URL": "loki://127.0.0.1:9", "LOKI_TENANT": "x"})
        b = get_backend(s, store)
        assert isinstance(b, LokiBackend) and b.base_url == "http://127.0.0.1:9" and b.tenant == "x"
        assert isinstance(get_backend("http://127.0.0.1:9"), LokiBackend)
    with pytest.raises(ConfigError):
        get_backend(None, None)
