"""Fuzzing the LogQL front end: any text either parses or raises one of our own errors.

Two sources of input: arbitrary text (mostly LogQL-looking characters), and valid queries
with random edits. A query that parses must also print and re-parse to the same tree.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logcopilot.errors import LogQLError
from logcopilot.logql import parse, to_logql

SEEDS = [
    json.loads(line)["query"]
    for line in (Path(__file__).resolve().parents[1] / "fixtures" / "logql" / "roundtrip.jsonl")
    .read_text(encoding="utf-8")
    .splitlines()
    if line.strip()
]

ALPHABET = st.sampled_from(
    list('{}()[],.=!~|><+-*/%^"`\'#\\ \n\t_:@$?;0123456789abcdefxyzKMiBsmhdwy')
    + ["sum", "rate(", "by", "without", "or", "and", "unless", "bool", "on", "ignoring",
       "group_left", "json", "logfmt", "--strict", "unwrap", "offset", "ip(", "[5m]",
       "count_over_time(", "topk(", "vector(", "label_replace(", "|=", "!=", "|~", "=~",
       "line_format", "label_format", "drop", "keep", "pattern", "regexp", '"x"', "5m",
       "1KiB", "duration(", "\u00e9", "\u2615"]
)


def _check(query: str) -> None:
    try:
        tree = parse(query)
    except LogQLError as err:
        assert str(err)
        assert err.status == 400
        return
    text = to_logql(tree)
    assert parse(text) == tree
    assert to_logql(parse(text)) == text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_logql_like_text(query: str) -> None:
    _check(query)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text(query: str) -> None:
    _check(query)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    query = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(query)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        piece = draw(ALPHABET)
        if action == "insert":
            query = query[:pos] + piece + query[pos:]
        elif action == "delete":
            query = query[:pos] + query[pos + draw(st.integers(1, 5)) :]
        elif action == "replace":
            query = query[:pos] + piece + query[pos + 1 :]
        else:
            query = query[:pos] + query[pos : pos + 8] + query[pos:]
    return query


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_valid_queries(query: str) -> None:
    _check(query)
