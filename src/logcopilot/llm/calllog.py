"""The call log: one row per model call (or cache hit) in the store's ``llm_calls`` table.

In: a migrated ``Store`` and the facts of a call. Out: rows that ``logcopilot llm log`` prints
and that answer traces point to by ``call_id``.

Every chat and embedding call made through ``ChatClient`` / an ``Embedder`` with a store is
recorded, failures included (``error`` holds the one-line message, ``response`` is NULL).

Example::

    >>> from logcopilot.engine.store import Store
    >>> log = CallLog(Store(":memory:"))
    >>> cid = log.record(stage="plan", kind="chat", provider="local", model="m",
    ...                  prompt=[{"role": "user", "content": "hi"}], response="hello")
    >>> log.get(cid).response
    'hello'
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass
from typing import Any

from logcopilot.engine.store import Store

__all__ = ["CallLog", "CallRecord"]

_WRITE_LOCK = threading.Lock()  # call ids are max+1; one writer at a time per process

_COLUMNS = (
    "call_id, ts, stage, kind, provider, model, prompt, params, response, prompt_tokens, "
    "completion_tokens, latency_s, cache_hit, attempts, error"
)


@dataclass(frozen=True)
class CallRecord:
    """One row of ``llm_calls``; ``prompt`` and ``params`` are decoded JSON."""

    call_id: int
    ts: str
    stage: str
    kind: str
    provider: str
    model: str
    prompt: Any
    params: Any
    response: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_s: float | None
    cache_hit: bool
    attempts: int
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class CallLog:
    """Append and read call-log rows in a store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def record(
        self,
        *,
        stage: str,
        kind: str,
        provider: str,
        model: str,
        prompt: Any,
        params: Any = None,
        response: str | None = None,
        prompt_tokens: int | None = None,
        completion_tokens: int | None = None,
        latency_s: float | None = None,
        cache_hit: bool = False,
        attempts: int = 1,
        error: str | None = None,
    ) -> int:
        """Append one row; return its ``call_id``."""
        with _WRITE_LOCK:
            cur = self.store.cursor()
            row = cur.execute("SELECT coalesce(max(call_id), 0) + 1 FROM llm_calls").fetchone()
            call_id = int(row[0]) if row else 1
            cur.execute(
                "INSERT INTO llm_calls (call_id, stage, kind, provider, model, prompt, params, response, "
                "prompt_tokens, completion_tokens, latency_s, cache_hit, attempts, error) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    call_id,
                    stage,
                    kind,
                    provider,
                    model,
                    json.dumps(prompt, ensure_ascii=False),
                    json.dumps(params, ensure_ascii=False, sort_keys=True) if params is not None else None,
                    response,
                    prompt_tokens,
                    completion_tokens,
                    latency_s,
                    cache_hit,
                    attempts,
                    error,
                ],
            )
        return call_id

    def get(self, call_id: int) -> CallRecord | None:
        rows = self._select("WHERE call_id = ?", [call_id], limit=1)
        return rows[0] if rows else None

    def recent(self, limit: int = 20, *, stage: str | None = None, errors_only: bool = False) -> list[CallRecord]:
        """The newest ``limit`` rows (newest first), optionally of one stage or only failures."""
        clauses: list[str] = []
        params: list[Any] = []
        if stage:
            clauses.append("stage = ?")
            params.append(stage)
        if errors_only:
            clauses.append("error IS NOT NULL")
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._select(where, params, limit=limit)

    def stats(self) -> dict[str, Any]:
        """Totals over the whole log: calls, cache hits, errors, tokens, model time."""
        row = (
            self.store.cursor()
            .execute(
                "SELECT count(*), count(*) FILTER (WHERE cache_hit), count(error), "
                "coalesce(sum(prompt_tokens) FILTER (WHERE NOT cache_hit), 0), "
                "coalesce(sum(completion_tokens) FILTER (WHERE NOT cache_hit), 0), "
                "coalesce(sum(latency_s) FILTER (WHERE NOT cache_hit), 0) FROM llm_calls"
            )
            .fetchone()
        )
        assert row is not None
        return {
            "calls": int(row[0]),
            "cache_hits": int(row[1]),
            "errors": int(row[2]),
            "prompt_tokens": int(row[3]),
            "completion_tokens": int(row[4]),
            "model_seconds": round(float(row[5]), 3),
        }

    def _select(self, where: str, params: list[Any], *, limit: int) -> list[CallRecord]:
        sql = f"SELECT {_COLUMNS} FROM llm_calls {where} ORDER BY call_id DESC LIMIT ?"
        rows = self.store.cursor().execute(sql, [*params, max(0, int(limit))]).fetchall()
        return [
            CallRecord(
                call_id=int(r[0]),
                ts=str(r[1]),
                stage=r[2],
                kind=r[3],
                provider=r[4],
                model=r[5],
                prompt=json.loads(r[6]),
                params=json.loads(r[7]) if r[7] is not None else None,
                response=r[8],
                prompt_tokens=r[9],
                completion_tokens=r[10],
                latency_s=r[11],
                cache_hit=bool(r[12]),
                attempts=int(r[13]),
                error=r[14],
            )
            for r in rows
        ]
