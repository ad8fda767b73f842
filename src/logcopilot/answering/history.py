"""The history of asked questions, kept in the store (table ``history``, migration m006).

In: an ``Answer`` from ``answering.pipeline.ask`` and where it was asked (``cli`` or ``api``).
Out: records -- ``{"id", "asked_at", **Answer.to_dict()}`` as JSON-able dicts (NaN and
infinities become null, tuples lists) -- and the newest-first listing the web UI shows:
``id``, ``asked_at`` (RFC3339 UTC), ``system``, ``question``, ``planner``, ``ok``, ``answer``,
``value``, ``logql``, ``seconds``, ``llm_calls``.

Unknown ids raise ``InputError`` with status 404; a store that cannot be written raises
``StoreError``.

Example::

    rec = record_answer(store, ask(store, "openssh", "How many lines?"), source="cli")
    list_history(store, system="openssh")[0]["id"] == rec["id"]
    get_history(store, rec["id"])["logql"]
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from logcopilot.engine.store import Store
from logcopilot.errors import InputError, StoreError

if TYPE_CHECKING:
    from logcopilot.answering.pipeline import Answer

__all__ = ["LIST_FIELDS", "MAX_LIMIT", "get_history", "jsonable", "list_history", "record_answer"]

LIST_FIELDS = ("id", "asked_at", "system", "question", "planner", "ok", "answer", "value", "logql", "seconds", "llm_calls")
MAX_LIMIT = 1000
SOURCES = ("cli", "api")


def jsonable(value: Any) -> Any:
    """``value`` with only JSON types: non-finite floats -> None, tuples -> lists, numpy
    scalars -> Python numbers, anything else unknown -> its ``str``."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return jsonable(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def _rfc3339(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def record_answer(store: Store, answer: Answer, *, source: str, llm: str = "none", planner: str = "auto",
                  asked_at: datetime | None = None) -> dict[str, Any]:
    """Store one asked question with its answer; return the full record (with ``id``).

    ``planner``/``llm`` are what was asked for; the record's ``planner`` is the one that
    answered when there was one.
    """
    if source not in SOURCES:
        raise InputError(f"unknown history source {source!r} ({', '.join(SOURCES)})")
    when = (asked_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    doc = jsonable(answer.to_dict())
    cost = doc.get("cost") or {}
    cur = store.cursor()
    try:
        row = cur.execute("SELECT nextval('history_ids')").fetchone()
        history_id = int(row[0]) if row else 0
        record = {"id": history_id, "asked_at": _rfc3339(when), **doc}
        cur.execute(
            "INSERT INTO history (id, asked_at, source, system, question, planner, llm, ok, answer, value, logql, "
            "seconds, llm_calls, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [history_id, when, source, doc.get("system") or "", doc.get("question") or "", doc.get("planner") or planner,
             llm, bool(doc.get("ok")), doc.get("answer") or "", json.dumps(doc.get("value")), doc.get("logql") or "",
             cost.get("seconds"), cost.get("llm_calls"), json.dumps(record, ensure_ascii=False)],
        )
    except duckdb.Error as exc:
        raise StoreError(f"cannot record the question in the history: {exc}") from None
    finally:
        cur.close()
    return record


def list_history(store: Store, *, system: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The newest ``limit`` questions (of one system, or all), newest first."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"invalid limit {limit}: must be between 1 and {MAX_LIMIT}")
    where, params = ("WHERE system = ?", [system]) if system else ("", [])
    cur = store.cursor()
    try:
        rows = cur.execute(
            "SELECT id, asked_at, system, question, planner, ok, answer, value, logql, seconds, llm_calls "
            f"FROM history {where} ORDER BY id DESC LIMIT ?", [*params, limit]).fetchall()
    finally:
        cur.close()
    out = []
    for row in rows:
        item = dict(zip(LIST_FIELDS, row))
        item["id"] = int(item["id"])
        item["asked_at"] = _rfc3339(item["asked_at"])
        item["value"] = json.loads(item["value"]) if item["value"] is not None else None
        out.append(item)
    return out


def get_history(store: Store, history_id: int) -> dict[str, Any]:
    """The full record of one asked question; ``InputError`` (404) when there is none."""
    cur = store.cursor()
    try:
        row = cur.execute("SELECT record FROM history WHERE id = ?", [history_id]).fetchone()
    finally:
        cur.close()
    if row is None:
        raise InputError(f"no question {history_id} in the history", status=404)
    record: dict[str, Any] = json.loads(row[0])
    return record
