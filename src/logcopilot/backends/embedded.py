"""The embedded backend: LogQL parsed by our parser, run by the DuckDB executor.

In: a ``Store``. Out: ``EmbeddedBackend.query(...)`` -> ``QueryResult``. Only queries go
through here (the executor has no write path), so the answering pipeline can hand it text
that an LLM wrote.

Example::

    backend = EmbeddedBackend(store)
    backend.query('sum(count_over_time({system="openssh"} [1d]))', time=t_ns)
"""

from __future__ import annotations

from logcopilot.engine.results import QueryResult
from logcopilot.engine.store import Store

__all__ = ["EmbeddedBackend"]


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, store: Store) -> None:
        self.store = store

    def query(
        self,
        logql: str,
        *,
        time: int | None = None,
        start: int | None = None,
        end: int | None = None,
        step: int | None = None,
        limit: int | None = None,
        direction: str = "backward",
    ) -> QueryResult:
        from logcopilot.engine.executor import execute_instant, execute_range
        from logcopilot.logql import parse

        expr = parse(logql)
        cur = self.store.cursor()
        if time is not None and start is None:
            return execute_instant(cur, expr, int(time))
        if start is None or end is None:
            raise ValueError("a range query needs start and end")
        return execute_range(cur, expr, int(start), int(end), step_ns=int(step or 1_000_000_000),
                             limit=int(limit if limit is not None else 100), direction=direction)
