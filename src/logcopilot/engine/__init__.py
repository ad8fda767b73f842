"""Embedded log store and LogQL executor over DuckDB."""

from logcopilot.engine.store import DEFAULT_TENANT, Store, Stream, labels_key

__all__ = ["DEFAULT_TENANT", "Store", "Stream", "labels_key"]
