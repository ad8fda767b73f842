"""Pure parts: plan validation, LogQL literals and durations, slot regexes, Loki JSON decoding."""

from __future__ import annotations

import re

import pytest

import logcopilot.answering as answering
from logcopilot.answering.compile import fmt_duration, parse_filters, quote, slot_regex
from logcopilot.answering.fields import _from_spec, field_name
from logcopilot.answering.plan import QueryPlan, Selection, plan_from_json
from logcopilot.answering.synthesis import format_time
from logcopilot.backends.base import from_loki_json
from logcopilot.engine.results import MatrixResult, ScalarResult, StreamsResult, VectorResult
from logcopilot.errors import BackendError, LLMResponseError
from logcopilot.logql import parse


def test_public_api_sorted() -> None:
    assert answering.__all__ == sorted(answering.__all__)


def test_plan_round_trip_and_validation() -> None:
    p = QueryPlan(intent="topk", select=Selection(["T1", "T2"]), group_by="ip", k=3)
    back = plan_from_json(p.to_json())
    assert back.select.templates == ["T1", "T2"] and back.k == 3 and back.group_by == "ip"
    with pytest.raises(LLMResponseError, match="not JSON"):
        plan_from_json("{oops")
    with pytest.raises(LLMResponseError, match="unknown intent"):
        plan_from_json({"intent": "delete_everything", "select": {"templates": []}})
    with pytest.raises(LLMResponseError, match="bad filter"):
        plan_from_json({"intent": "count", "select": {"templates": [], "filters": [{"op": "DROP", "value": "x"}]}})


@pytest.mark.parametrize(("ns", "text"), [(86_400 * 10**9, "1d"), (5_400 * 10**9, "90m"), (1_500_000_000, "1500ms"),
                                          (7_200 * 10**9, "2h"), (3 * 10**9, "3s")])
def test_durations(ns: int, text: str) -> None:
    assert fmt_duration(ns) == text


def test_quote_round_trips_through_the_parser() -> None:
    nasty = 'say "hi" \\ then'
    q = "{system=\"x\"} |= " + quote(nasty)
    assert parse(q).pipeline[0].args[0].value == nasty
    assert parse_filters(f'|= {quote(nasty)} != `a\\b`') == [("|=", nasty), ("!=", "a\\b")]


def test_slot_regex_uses_literal_context_and_type() -> None:
    t = "Receiving block <*> src: <*>:<*> dest: <*>:<*>"
    rx = slot_regex(t, 3, "dest", "ip")
    m = re.search(rx, "Receiving block blk_1 src: /10.0.0.1:500 dest: /10.0.0.2:50010")
    assert m and m.group("dest") == "10.0.0.2"
    rx = slot_regex(t, 3, "dest", "ip:port")
    assert re.search(rx, "Receiving block blk_1 src: /10.0.0.1:500 dest: /10.0.0.2:50010").group("dest") == "10.0.0.2:50010"
    rx = slot_regex("Invalid user <*> from <*>", 0, "user")
    assert re.search(rx, "Invalid user  admin from 1.2.3.4").group("user") == "admin"
    assert slot_regex("<*>", 0, "x") is None


def test_header_fields_from_a_format() -> None:
    assert field_name("TraceID") == "trace_id" and field_name("Pid") == "pid"
    got = _from_spec("<Clock> <Level> <Logger>#<LineNo> TraceID: <TraceID> SpanID: <SpanID> <Content>", False)
    m = re.search(got["trace_id"], '{"log":"16:42 INFO  a.B#1 TraceID: 6f3c SpanID: 57 [x]"}')
    assert m and m.group("trace_id") == "6f3c"


def test_time_formats() -> None:
    ns = 1449741140 * 10**9  # 2015-12-10 09:52:20
    assert format_time(ns) == "12-10 09:52:20"
    assert format_time(ns, "hour") == "12-10 09:00"
    assert format_time(ns, "second", "MM-DD HH:MM") == "12-10 09:52"


def test_loki_json_decoding() -> None:
    assert isinstance(from_loki_json({"resultType": "streams", "result": [{"stream": {"a": "b"}, "values": [["1", "x"]]}]}),
                      StreamsResult)
    m = from_loki_json({"resultType": "matrix", "result": [{"metric": {}, "values": [[1.5, "2"]]}]})
    assert isinstance(m, MatrixResult) and m.series[0].points == [(1500, 2.0)]
    v = from_loki_json({"resultType": "vector", "result": [{"metric": {"ip": "1"}, "value": [1, "3"]}]})
    assert isinstance(v, VectorResult) and v.samples[0].value == 3.0
    assert isinstance(from_loki_json({"resultType": "scalar", "result": [1, "4"]}), ScalarResult)
    with pytest.raises(BackendError):
        from_loki_json({"resultType": "matrix", "result": [{"values": [["x"]]}]})
