"""Every answer's LogQL runs on both backends: the embedded engine and the Loki HTTP API
(``logcopilot serve`` on a real uvicorn server on 127.0.0.1) give the same values."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from logcopilot.answering.pipeline import ask

QUESTIONS = [
    "How many 'Invalid user' lines were logged?",
    "How many failed password attempts came from 10.1.1.1?",
    "Which IP address had the most failed password attempts?",
    "How many distinct users were tried in 'Invalid user' lines?",
    "What is the highest port number in the failed password lines?",
    "When was the first accepted password login?",
    "Which hour had the most 'Bye Bye' disconnects? Answer as MM-DD HH:00.",
    "Did anyone log in successfully?",
]


@pytest.fixture(scope="module")
def loki_url(sshd):
    import uvicorn

    from logcopilot.server.app import create_app

    store = sshd[0]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(store, auth_enabled=False, token=None), host="127.0.0.1",
                                           port=port, log_level="warning"))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    th.join(timeout=10)


def test_same_answers_on_embedded_and_loki_http(sshd, loki_url) -> None:
    from logcopilot.backends.loki import LokiBackend

    store = sshd[0]
    http = LokiBackend(loki_url)
    for q in QUESTIONS:
        local = ask(store, "sshd", q, planner="rules")
        remote = ask(store, "sshd", q, planner="rules", backend=http)
        assert local.ok and remote.ok, (q, local.error, remote.error)
        assert local.logql == remote.logql
        assert local.value == remote.value, q
