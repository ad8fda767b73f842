"""Helpers for the LLM tests: a real OpenAI-protocol HTTP server on 127.0.0.1.

``FakeOpenAI`` speaks the two endpoints LogCopilot uses (``/v1/chat/completions``,
``/v1/embeddings``), records every request, and plays scripted replies (status, body,
delay, headers) queued per path; with nothing queued it answers by default: chat echoes the
last user message, embeddings are deterministic 8-dimension vectors derived from the text.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from logcopilot.config import Settings, load_settings


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict -> JSON, bytes -> raw
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def chat_body(content: str, *, prompt_tokens: int = 11, completion_tokens: int = 5, finish: str = "stop") -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "fake-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def fake_vector(text: str, dim: int = 8) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [round(b / 255.0, 6) for b in digest[:dim]]


class FakeOpenAI:
    """A threaded HTTP server on 127.0.0.1 that speaks the OpenAI chat/embeddings protocol."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.queues: dict[str, deque[Reply]] = {}
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    body = raw.decode("utf-8", "replace")
                path = self.path.split("?")[0]
                with outer._lock:
                    outer.requests.append({"path": path, "body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
                    queue = outer.queues.get(path)
                    reply = queue.popleft() if queue else None
                if reply is None:
                    reply = outer.default_reply(path, body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def enqueue(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self.queues.setdefault(path, deque()).extend(replies)

    def calls(self, path: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if r["path"] == path]

    def default_reply(self, path: str, body: Any) -> Reply:
        if path.endswith("/chat/completions") and isinstance(body, dict):
            users = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"]
            return Reply(body=chat_body(f"echo: {users[-1] if users else ''}"))
        if path.endswith("/embeddings") and isinstance(body, dict):
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [{"object": "embedding", "index": i, "embedding": fake_vector(t)} for i, t in enumerate(texts)]
            data.reverse()  # the protocol orders by "index", not by position: make clients honour it
            return Reply(body={"object": "list", "data": data, "model": body.get("model"),
                               "usage": {"prompt_tokens": 3 * len(texts), "total_tokens": 3 * len(texts)}})
        return Reply(status=404, body={"error": {"message": f"no route {path}"}})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def make_settings(tmp_path: Path, **env: str) -> Settings:
    """Settings isolated from the developer's environment, home and .env."""
    base = {"LOGCOPILOT_HOME": str(tmp_path / "home")}
    base.update(env)
    return load_settings(env=base, dotenv=tmp_path / "no.env")


def model_home() -> Path:
    """Where the verified default GGUF is cached: $LOGCOPILOT_HOME or ~/.logcopilot, as in use."""
    return Path(os.environ.get("LOGCOPILOT_HOME") or "~/.logcopilot").expanduser()


from shared_data import SHARED  # noqa: E402  (re-exported for the llm tests)
