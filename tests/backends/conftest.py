"""Fixtures for the backend tests: a real ``logcopilot serve`` app on 127.0.0.1 (uvicorn in a
thread, free port) over a temporary store, and a scripted tiny HTTP server for retry tests."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from logcopilot.engine.store import Store
from shared_data import SHARED

CORPUS = SHARED / "loki-corpus"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``create_app(store)`` served by uvicorn on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture()
def serve_factory() -> Iterator[Callable[..., LiveServer]]:
    """Start ``create_app(store, **kw)`` servers; all stopped at teardown."""
    from logcopilot.server.app import create_app

    started: list[LiveServer] = []

    def start(store: Store, **kw: Any) -> LiveServer:
        srv = LiveServer(create_app(store, **kw))
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """All four Loki-corpus payloads pushed into one store, as the corpus assumes."""
    from logcopilot.engine.push import push_json

    if not (CORPUS / "data").exists():
        pytest.skip("Loki corpus not available")
    store = Store(tmp_path_factory.mktemp("corpus") / "c.duckdb")
    for f in sorted((CORPUS / "data").glob("*.json")):
        push_json(store, f.read_bytes())
    yield store
    store.close()


class Scripted:
    """A tiny HTTP server on 127.0.0.1 answering from a script of (status, headers, body)."""

    def __init__(self, script: list[tuple[int, dict[str, str], bytes]]) -> None:
        self.script = list(script)
        self.requests: list[tuple[str, str, dict[str, str], bytes, float]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                outer.requests.append((self.command, self.path, dict(self.headers), body, time.monotonic()))
                status, headers, payload = outer.script.pop(0) if len(outer.script) > 1 else outer.script[0]
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def scripted() -> Iterator[Callable[[list[tuple[int, dict[str, str], bytes]]], Scripted]]:
    made: list[Scripted] = []

    def make(script: list[tuple[int, dict[str, str], bytes]]) -> Scripted:
        s = Scripted(script)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def ok_vector(value: str = "7") -> bytes:
    return json.dumps(
        {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {"a": "b"}, "value": [1704067200, value]}]}}
    ).encode()
