"""Helpers shared by the backend tests: free ports, a live ``logcopilot serve`` app on
127.0.0.1 (uvicorn in a thread), a scripted tiny HTTP server for retry tests, and Loki answers."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from live_server import LiveServer, free_port
from shared_data import SHARED

__all__ = ["CORPUS", "LiveServer", "Scripted", "free_port", "ok_vector"]

CORPUS = SHARED / "loki-corpus"


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


def ok_vector(value: str = "7") -> bytes:
    return json.dumps(
        {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {"a": "b"}, "value": [1704067200, value]}]}}
    ).encode()
