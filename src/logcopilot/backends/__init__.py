"""Where queries run: the embedded DuckDB engine (``EmbeddedBackend``) or, through the same
``Backend`` protocol, a Loki-compatible HTTP endpoint."""

from __future__ import annotations

from logcopilot.backends.base import Backend, from_loki_json
from logcopilot.backends.embedded import EmbeddedBackend

__all__ = ["Backend", "EmbeddedBackend", "from_loki_json"]
