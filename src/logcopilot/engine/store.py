"""The embedded log store: one DuckDB file with streams, entries and the knowledge base.

In: a database path (or ``:memory:``). Out: a ``Store`` with a migrated schema, stream
registration, and cursors for readers and writers.

Schema changes are numbered SQL files in ``engine/migrations`` (``m001_core.sql``, ...),
applied once each and recorded in ``schema_migrations``.

Example::

    >>> with Store(":memory:") as store:
    ...     sid = store.stream_id({"system": "openssh", "component": "sshd"})
    ...     store.labels_of(sid)
    {'component': 'sshd', 'system': 'openssh'}
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import TracebackType

import duckdb

from logcopilot.errors import StoreError

__all__ = ["DEFAULT_TENANT", "Store", "Stream", "StreamIndex", "labels_key", "migrations", "store_of"]

DEFAULT_TENANT = "fake"  # Loki's tenant name when auth is disabled
_MIGRATION_RE = re.compile(r"^m(\d{3})_[a-z0-9_]+\.sql$")


def labels_key(labels: Mapping[str, str]) -> str:
    """Loki's string form of a label set, keys sorted: ``{a="x", b="y"}``."""
    inner = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in sorted(labels.items()))
    return "{" + inner + "}"


def migrations() -> list[tuple[int, str, str]]:
    """All migrations as (number, file name, SQL), in order."""
    found: list[tuple[int, str, str]] = []
    for item in resources.files("logcopilot.engine.migrations").iterdir():
        m = _MIGRATION_RE.match(item.name)
        if m:
            found.append((int(m.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if len(set(numbers)) != len(numbers):
        raise StoreError(f"duplicate migration numbers in {sorted(numbers)}")
    return found


# Which Store a cursor came from, so code that is handed only a cursor (the selector resolver)
# can use the Store's in-memory stream index. Weak: a closed, dropped cursor leaves no entry.
_OWNERS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, Store] = weakref.WeakKeyDictionary()


def store_of(cur: duckdb.DuckDBPyConnection) -> Store | None:
    """The ``Store`` whose ``con``/``cursor()`` gave ``cur``, or None for a foreign connection."""
    return _OWNERS.get(cur)


@dataclass(frozen=True)
class StreamIndex:
    """One tenant's streams at one store generation: rows in stream-id order, and the rows
    holding each ``(label, value)`` pair (for equality matchers)."""

    generation: int
    rows: tuple[tuple[int, dict[str, str]], ...]
    by_pair: dict[tuple[str, str], tuple[tuple[int, dict[str, str]], ...]]


@dataclass(frozen=True)
class Stream:
    stream_id: int
    tenant: str
    labels: dict[str, str]

    @property
    def key(self) -> str:
        return labels_key(self.labels)


def _open_error(path: str, exc: Exception) -> str:
    """One line saying why the store would not open, and what to do about a held lock."""
    text = " ".join(str(exc).split())
    held = re.search(r"Conflicting lock is held in (.*?) \(PID (\d+)\)", text)
    if held:
        return (f"the store {path} is in use by another process (PID {held.group(2)}, {held.group(1)}), "
                "e.g. a running `logcopilot serve`: stop it, use its HTTP API or web UI, or pass --db another file")
    return f"cannot open store {path}: {text}"


class Store:
    """A migrated DuckDB store. Thread-safe for readers via ``cursor()``."""

    def __init__(self, path: str | Path = ":memory:", *, read_only: bool = False) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.path = str(Path(self.path).expanduser())
        try:
            self.con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(_open_error(self.path, exc)) from None
        self._lock = threading.RLock()
        self._stream_cache: dict[tuple[str, str], int] = {}
        # Bumped whenever streams (or entries) may have changed; caches key on it.
        self.generation = 0
        self._index: dict[str, StreamIndex] = {}
        _OWNERS[self.con] = self
        if not read_only:
            self.migrate()

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on the same database, for use from another thread."""
        cur = self.con.cursor()
        _OWNERS[cur] = self
        return cur

    def touch(self) -> None:
        """Note that streams or entries changed (call after a write commits or rolls back)."""
        with self._lock:
            self.generation += 1

    def stream_index(self, tenant: str = DEFAULT_TENANT) -> StreamIndex:
        """The tenant's streams, read from DuckDB once per generation.

        The generation is read before the table, so a write that lands during the read
        leaves an index stamped with the old generation, which the next call replaces.
        """
        gen = self.generation
        idx = self._index.get(tenant)
        if idx is not None and idx.generation == gen:
            return idx
        cur = self.cursor()
        try:
            raw = cur.execute(
                "SELECT stream_id, labels FROM streams WHERE tenant = ? ORDER BY stream_id", [tenant]
            ).fetchall()
        finally:
            cur.close()
        rows = tuple((int(sid), json.loads(labels)) for sid, labels in raw)
        pairs: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = {}
        for row in rows:
            for item in row[1].items():
                pairs.setdefault(item, []).append(row)
        idx = StreamIndex(gen, rows, {k: tuple(v) for k, v in pairs.items()})
        self._index[tenant] = idx
        return idx

    # -- schema ----------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply pending migrations; return the names applied."""
        with self._lock:
            self.con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP DEFAULT current_timestamp)"
            )
            done = {r[0] for r in self.con.execute("SELECT version FROM schema_migrations").fetchall()}
            applied: list[str] = []
            for number, name, sql in migrations():
                if number in done:
                    continue
                try:
                    self.con.execute("BEGIN TRANSACTION")
                    self.con.execute(sql)
                    self.con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, name])
                    self.con.execute("COMMIT")
                except duckdb.Error as exc:
                    self.con.execute("ROLLBACK")
                    raise StoreError(f"migration {name} failed: {exc}") from None
                applied.append(name)
            return applied

    def schema_version(self) -> int:
        row = self.con.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # -- streams ---------------------------------------------------------------------
    def stream_id(self, labels: Mapping[str, str], tenant: str = DEFAULT_TENANT) -> int:
        """The id of the stream with exactly these labels, created if new."""
        key = labels_key(labels)
        cached = self._stream_cache.get((tenant, key))
        if cached is not None:
            return cached
        with self._lock:
            row = self.con.execute(
                "SELECT stream_id FROM streams WHERE tenant = ? AND labels_key = ?", [tenant, key]
            ).fetchone()
            if row is None:
                nxt = self.con.execute("SELECT coalesce(max(stream_id), 0) + 1 FROM streams").fetchone()
                sid = int(nxt[0]) if nxt else 1
                self.con.execute(
                    "INSERT INTO streams (stream_id, tenant, labels_key, labels) VALUES (?, ?, ?, ?)",
                    [sid, tenant, key, json.dumps(dict(sorted(labels.items())), ensure_ascii=False)],
                )
                self.generation += 1
            else:
                sid = int(row[0])
        self._stream_cache[(tenant, key)] = sid
        return sid

    def streams(self, tenant: str | None = DEFAULT_TENANT) -> list[Stream]:
        """Every stream (of one tenant, or of all when ``tenant`` is None)."""
        sql = "SELECT stream_id, tenant, labels FROM streams"
        params: list[object] = []
        if tenant is not None:
            sql += " WHERE tenant = ?"
            params.append(tenant)
        rows = self.cursor().execute(sql + " ORDER BY stream_id", params).fetchall()
        return [Stream(int(r[0]), str(r[1]), json.loads(r[2])) for r in rows]

    def labels_of(self, stream_id: int) -> dict[str, str]:
        row = self.cursor().execute("SELECT labels FROM streams WHERE stream_id = ?", [stream_id]).fetchone()
        if row is None:
            raise StoreError(f"no stream {stream_id}")
        return dict(json.loads(row[0]))

    def next_seq(self) -> int:
        """The first unused push-order number."""
        row = self.cursor().execute("SELECT coalesce(max(seq), 0) + 1 FROM entries").fetchone()
        return int(row[0]) if row else 1
