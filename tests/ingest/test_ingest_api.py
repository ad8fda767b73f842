"""The public surface of the ingest package and the writer."""

from __future__ import annotations

import logcopilot.ingest as ingest
from logcopilot.engine.writer import loki_timestamps
from logcopilot.ingest.pipeline import STAGES


def test_public_api_is_sorted_and_importable() -> None:
    assert ingest.__all__ == sorted(ingest.__all__)
    for name in ingest.__all__:
        assert getattr(ingest, name) is not None


def test_stages_are_listed_in_order() -> None:
    assert STAGES == ("read", "detect", "parse", "lines", "write")


def test_loki_timestamps_keep_identical_entries_apart() -> None:
    assert loki_timestamps([(5, "a"), (5, "a"), (5, "b"), (5, "a")]) == [5, 6, 5, 7]
    # a bumped timestamp never collides with a later real one
    assert loki_timestamps([(5, "a"), (5, "a"), (6, "a")]) == [5, 6, 7]
