"""Loki's HTTP parameter rules: time forms, steps, limits, directions and their error texts."""

from __future__ import annotations

import pytest

from logcopilot.errors import InputError
from logcopilot.server.params import parse_instant_params, parse_range_params, parse_time_ns

T0 = 1704067200 * 10**9  # 2024-01-01T00:00:00Z


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("1704067200", T0),
        ("1704067200000000000", T0),
        ("1704067200.5", T0 + 500_000_000),
        ("1704067200.1234", T0 + 123_000_000),
        ("2024-01-01T00:00:00Z", T0),
        ("2024-01-01T01:00:00+01:00", T0),
        ("2024-01-01T00:00:00.000000123Z", T0 + 123),
    ],
)
def test_time_forms(text: str, ns: int) -> None:
    assert parse_time_ns(text, "start") == ns


def test_bad_time_has_loki_text() -> None:
    with pytest.raises(InputError) as e:
        parse_time_ns("yesterday", "start")
    assert str(e.value) == "could not parse 'start' parameter: strconv.ParseInt: parsing \"yesterday\": invalid syntax"


def _range(**kw: str) -> dict[str, str]:
    base = {"query": "{a=\"b\"}", "start": "2024-01-01T00:00:00Z", "end": "2024-01-01T00:30:00Z"}
    base.update(kw)
    return base


def test_default_step_and_forms() -> None:
    assert parse_range_params(_range()).step_ns == 7 * 10**9
    assert parse_range_params(_range(step="1m30s")).step_ns == 90 * 10**9
    assert parse_range_params(_range(step="600.0")).step_ns == 600 * 10**9


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"step": "-60"}, "zero or negative query resolution step widths are not accepted. Try a positive integer"),
        (
            {"step": "0.1"},
            "exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter",
        ),
        ({"limit": "0"}, "limit must be a positive value"),
        ({"direction": "sideways"}, "invalid direction 'sideways'"),
        ({"end": "2023-12-31T00:00:00Z"}, "end timestamp must not be before or equal to start time"),
    ],
)
def test_range_errors(kw: dict[str, str], message: str) -> None:
    with pytest.raises(InputError) as e:
        parse_range_params(_range(**kw))
    assert str(e.value) == message


def test_direction_case_insensitive_and_instant_defaults() -> None:
    assert parse_range_params(_range(direction="FORWARD")).direction == "forward"
    p = parse_instant_params({"query": "1", "time": "1704070800.123"})
    assert p.time_ns == T0 + 3600 * 10**9 + 123_000_000
    assert p.limit == 100 and p.direction == "backward"
