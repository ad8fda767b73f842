"""The DuckDB store: migrations, stream registry, persistence."""

from __future__ import annotations

from pathlib import Path

import pytest

from logcopilot.engine.store import Store, labels_key, migrations
from logcopilot.errors import StoreError


def test_labels_key_is_sorted_and_quoted_like_loki() -> None:
    assert labels_key({"system": "hdfs", "level": "info"}) == '{level="info", system="hdfs"}'
    assert labels_key({"a": 'say "hi"'}) == '{a="say \\"hi\\""}'
    assert labels_key({}) == "{}"


def test_migrations_are_numbered_and_applied_once(tmp_path: Path) -> None:
    numbers = [n for n, _, _ in migrations()]
    assert numbers == sorted(numbers) and numbers[0] == 1
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        assert store.schema_version() == numbers[-1]
    with Store(db) as store:  # reopening applies nothing new
        assert store.migrate() == []


def test_stream_ids_are_stable_per_label_set_and_tenant(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        a = store.stream_id({"system": "x", "level": "info"})
        assert store.stream_id({"level": "info", "system": "x"}) == a
        b = store.stream_id({"system": "x", "level": "warn"})
        c = store.stream_id({"system": "x", "level": "info"}, tenant="team-b")
        assert len({a, b, c}) == 3
    with Store(db) as store:  # persisted
        assert store.stream_id({"system": "x", "level": "info"}) == a
        assert [s.labels for s in store.streams()] == [
            {"level": "info", "system": "x"},
            {"level": "warn", "system": "x"},
        ]
        assert [s.key for s in store.streams(tenant="team-b")] == ['{level="info", system="x"}']


def test_unknown_stream_and_unopenable_store_raise_store_error(tmp_path: Path) -> None:
    with Store(":memory:") as store, pytest.raises(StoreError):
        store.labels_of(42)
    bad = tmp_path / "not-a-db.duckdb"
    bad.write_bytes(b"this is not a duckdb file at all" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        Store(bad)
