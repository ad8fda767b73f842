"""Loki's JSON encoding of results: Go float formatting, timestamps, label strings."""

from __future__ import annotations

import math

from logcopilot.engine.executor import _bogus_scalar_ms, step_times
from logcopilot.engine.results import (
    MatrixResult,
    ScalarResult,
    Series,
    format_value,
    labels_string,
    prom_labels_less_key,
    seconds_json,
)


def test_format_value_like_go() -> None:
    assert format_value(2.0) == "2"
    assert format_value(0.1 + 0.2) == "0.30000000000000004"
    assert format_value(1e21) == "1000000000000000000000"
    assert format_value(1.5e-7) == "0.00000015"
    assert format_value(math.nan) == "NaN"
    assert format_value(math.inf) == "+Inf"
    assert format_value(-math.inf) == "-Inf"
    assert format_value(0.023333333333333334) == "0.023333333333333334"


def test_seconds_json() -> None:
    assert seconds_json(1704067500000) == 1704067500
    assert seconds_json(1704070800123) == 1704070800.123


def test_label_string_and_order() -> None:
    assert labels_string({"b": "y", "a": 'x"q'}) == '{a="x\\"q", b="y"}'
    # Loki stream order is by label string: a longer set can sort first
    assert labels_string({"a": "x", "b": "y"}) < labels_string({"a": "x"})
    # Prometheus labels.Compare: a prefix sorts first
    assert prom_labels_less_key({"a": "x"}) < prom_labels_less_key({"a": "x", "b": "y"})
    assert prom_labels_less_key({}) < prom_labels_less_key({"a": "x"})


def test_matrix_and_scalar_json() -> None:
    m = MatrixResult([Series({"a": "b"}, [(1704067200000, 3.0)])]).to_loki()
    assert m == {"resultType": "matrix", "result": [{"metric": {"a": "b"}, "values": [[1704067200, "3"]]}]}
    # corpus note 6: Loki 3.7.6's scalar timestamp for 2024-01-01T01:00:00Z
    s = ScalarResult(_bogus_scalar_ms(1704070800 * 10**9), 5.0).to_loki()
    assert s["result"] == [6970345218721, "5"]


def test_step_alignment() -> None:
    # start=00:05, end=01:05, step=420s -> 00:01 ... 01:11 (corpus api-042)
    t0 = 1704067200 * 10**9
    steps = step_times(t0 + 300 * 10**9, t0 + 3900 * 10**9, 420 * 10**9)
    assert int(steps[0]) == t0 + 60 * 10**9
    assert int(steps[-1]) == t0 + 4260 * 10**9
