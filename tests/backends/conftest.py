"""Fixtures for the backend tests: a real ``logcopilot serve`` app on 127.0.0.1 (uvicorn in a
thread, free port) over a temporary store, and a scripted tiny HTTP server for retry tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from logcopilot.engine.store import Store
from backends_support import CORPUS, LiveServer, Scripted


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
