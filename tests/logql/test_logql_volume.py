"""The log volume behind a query (``logql.volume``), built from the syntax tree."""

from __future__ import annotations

import pytest

from logcopilot.errors import InputError
from logcopilot.logql import ast as A
from logcopilot.logql import parse, to_logql
from logcopilot.logql.volume import check_query, first_log_query, volume_expr

MIN = 60 * 10**9


@pytest.mark.parametrize("query,volume", [
    ('{app="a"}', 'sum(count_over_time({app="a"}[1m]))'),
    ('{app="a"} |= "x" | logfmt | level="error" | line_format "{{.msg}}"',
     'sum(count_over_time({app="a"} |= "x" | logfmt | level="error" | line_format "{{.msg}}" [1m]))'),
    # the lines the range aggregation reads: offset, unwrap, grouping and outer operators dropped
    ('sum by (host) (rate({app="a"} | json [5m] offset 1h))', 'sum(count_over_time({app="a"} | json [1m]))'),
    ('quantile_over_time(0.99, {app="a"} | logfmt | unwrap latency | __error__="" [5m]) by (host)',
     'sum(count_over_time({app="a"} | logfmt [1m]))'),
    # the first (leftmost) selection of a binary operation
    ('sum(count_over_time({app="a"} |= "err" [5m])) / sum(count_over_time({app="b"}[5m]))',
     'sum(count_over_time({app="a"} |= "err" [1m]))'),
    ('label_replace(rate({app="a"}[1m]), "x", "$1", "app", "(.*)")', 'sum(count_over_time({app="a"}[1m]))'),
    ('2 * sum(rate({app="c"}[1m]))', 'sum(count_over_time({app="c"}[1m]))'),
])
def test_volume_query_from_the_tree(query: str, volume: str) -> None:
    expr = volume_expr(parse(query), MIN)
    assert expr is not None and to_logql(expr) == volume
    assert parse(volume) == expr  # it is a query the parser accepts, unchanged


def test_queries_that_read_no_lines_have_no_volume() -> None:
    for query in ("vector(1)", "2 * 3", "vector(0) + 1"):
        assert first_log_query(parse(query)) is None and volume_expr(parse(query), MIN) is None


def test_first_log_query_is_the_query_itself_for_a_log_query() -> None:
    expr = parse('{a="b"} |= "x"')
    assert first_log_query(expr) is expr


def test_step_is_the_range() -> None:
    expr = volume_expr(parse('{a="b"}'), 90 * 10**9)
    assert isinstance(expr, A.VectorAggregation) and isinstance(expr.expr, A.RangeAggregation)
    assert expr.expr.range.range_ns == 90 * 10**9 and to_logql(expr) == 'sum(count_over_time({a="b"}[1m30s]))'
    for bad in (0, -MIN, 1500):  # not positive, or not whole milliseconds
        with pytest.raises(InputError):
            volume_expr(parse('{a="b"}'), bad)
        with pytest.raises(InputError):
            check_query('{a="b"}', bad)


def test_check_query_ok() -> None:
    assert check_query('sum(rate({a="b"}|="x"[5m]))by(h)', MIN) == {
        "ok": True, "formatted": 'sum by (h) (rate({a="b"} |= "x" [5m]))', "kind": "metric",
        "volume_query": 'sum(count_over_time({a="b"} |= "x" [1m]))'}
    assert check_query('{a="b"}', MIN)["kind"] == "log"


@pytest.mark.parametrize("query,line,col", [
    ('{system="openssh"} |= ', 1, 23),
    ('sum(rate({a="b"}[5m])', 1, 22),
    ('{a="b"}\n  |= "x" | json |', 2, 18),
])
def test_check_query_syntax_error_position(query: str, line: int, col: int) -> None:
    out = check_query(query, MIN)
    assert out["ok"] is False
    err = out["error"]
    assert (err["line"], err["col"]) == (line, col)
    assert err["message"] == f"parse error at line {line}, col {col}: {err['reason']}"


def test_check_query_semantic_error_has_no_position() -> None:
    err = check_query('count_over_time({a="b"}[5m]) and {a="b"}', MIN)["error"]
    assert (err["line"], err["col"]) == (0, 0)
    assert err["message"] == "parse error : " + err["reason"]
