"""The executor over a real DuckDB store: log queries, windows, aggregations, binary ops.

Queries are built as ASTs, so these tests do not depend on the parser.
"""

from __future__ import annotations

import json
import math

import pytest

from logcopilot.engine.executor import execute_instant, execute_range
from logcopilot.engine.push import push_payload
from logcopilot.engine.results import MatrixResult, ScalarResult, StreamsResult, VectorResult
from logcopilot.engine.store import Store
from logcopilot.errors import QueryError
from logcopilot.logql import ast

S = 10**9
T0 = 1704067200 * S  # 2024-01-01T00:00:00Z


@pytest.fixture()
def store():
    st = Store(":memory:")
    push_payload(
        st,
        {
            "streams": [
                {
                    "stream": {"job": "web", "host": "a"},
                    "values": [
                        [str(T0 + 10 * S), "level=info msg=ok"],
                        [str(T0 + 60 * S), "level=error msg=boom"],
                        [str(T0 + 60 * S), "level=info msg=twin"],
                        [str(T0 + 120 * S), "level=error msg=again", {"trace_id": "t1"}],
                    ],
                },
                {
                    "stream": {"job": "web", "host": "b"},
                    "values": [[str(T0 + 30 * S), "level=info msg=b1"], [str(T0 + 90 * S), "not logfmt \"x"]],
                },
                {"stream": {"job": "db"}, "values": [[str(T0 + 45 * S), "{\"a\": 1}"]]},
            ]
        },
    )
    yield st
    st.close()


def sel(**labels: str) -> ast.StreamSelector:
    return ast.StreamSelector(tuple(ast.Matcher(k, "=", v) for k, v in labels.items()))


def logq(*stages: ast.Stage, **labels: str) -> ast.LogQuery:
    return ast.LogQuery(sel(**labels), tuple(stages))


def count(q: ast.LogQuery, rng: int, op: str = "count_over_time", offset: int = 0) -> ast.RangeAggregation:
    return ast.RangeAggregation(op, ast.LogRange(q, rng, offset))  # type: ignore[arg-type]


def test_push_dedupes_exact_repeats(store: Store) -> None:
    n_before = store.cursor().execute("SELECT count(*) FROM entries").fetchone()[0]
    push_payload(store, {"streams": [{"stream": {"job": "db"}, "values": [[str(T0 + 45 * S), "{\"a\": 1}"]]}]})
    assert store.cursor().execute("SELECT count(*) FROM entries").fetchone()[0] == n_before
    md = store.cursor().execute("SELECT metadata FROM entries WHERE metadata IS NOT NULL").fetchone()[0]
    assert json.loads(md) == {"trace_id": "t1"}


def test_log_query_order_limit_and_bounds(store: Store) -> None:
    res = execute_range(store.cursor(), logq(job="web"), T0 + 10 * S, T0 + 120 * S, limit=3, direction="forward")
    assert isinstance(res, StreamsResult)
    # [start, end): the entry at end (120s, with metadata) is excluded; limit is global
    got = {json.dumps(s.labels, sort_keys=True): s.entries for s in res.streams}
    assert got == {
        '{"host": "a", "job": "web"}': [(T0 + 10 * S, "level=info msg=ok"), (T0 + 60 * S, "level=error msg=boom")],
        '{"host": "b", "job": "web"}': [(T0 + 30 * S, "level=info msg=b1")],
    }
    back = execute_range(store.cursor(), logq(job="web"), T0, T0 + 200 * S, limit=100, direction="backward")
    assert isinstance(back, StreamsResult)
    # streams sorted by label string: metadata makes {host="a", job="web", trace_id="t1"} its own stream
    keys = [tuple(sorted(s.labels.items())) for s in back.streams]
    assert keys == sorted(keys, key=lambda k: "{" + ", ".join(f'{a}="{b}"' for a, b in k) + "}")
    host_a = next(s for s in back.streams if s.labels == {"job": "web", "host": "a"})
    # equal timestamps: reverse push order when backward
    assert [line for _, line in host_a.entries] == ["level=info msg=twin", "level=error msg=boom", "level=info msg=ok"]


def test_line_filter_pushdown(store: Store) -> None:
    q = logq(ast.LineFilter("|=", (ast.LineFilterArg("error"),)), job="web")
    res = execute_range(store.cursor(), q, T0, T0 + 200 * S, limit=100, direction="forward")
    lines = [line for s in res.streams for _, line in s.entries]  # type: ignore[union-attr]
    assert sorted(lines) == ["level=error msg=again", "level=error msg=boom"]
    q2 = logq(ast.LineFilter("!~", (ast.LineFilterArg("^level=info"), ast.LineFilterArg("boom"))), job="web")
    res2 = execute_range(store.cursor(), q2, T0, T0 + 200 * S, limit=100, direction="forward")
    lines2 = [line for s in res2.streams for _, line in s.entries]  # type: ignore[union-attr]
    assert sorted(lines2) == ["level=error msg=again", 'not logfmt "x']


def test_window_is_left_open_right_closed(store: Store) -> None:
    q = count(logq(job="web", host="a"), 50 * S)
    res = execute_instant(store.cursor(), q, T0 + 60 * S)
    assert isinstance(res, VectorResult)
    # (10s, 60s]: the entry at 10s is out, both at 60s are in
    assert [(s.labels, s.value) for s in res.samples] == [({"host": "a", "job": "web"}, 2.0)]
    off = count(logq(job="web", host="a"), 50 * S, offset=50 * S)
    res2 = execute_instant(store.cursor(), off, T0 + 110 * S)
    assert [s.value for s in res2.samples] == [2.0]  # type: ignore[union-attr]


def test_range_query_steps_and_sum(store: Store) -> None:
    q = ast.VectorAggregation("sum", count(logq(job="web"), 60 * S))
    res = execute_range(store.cursor(), q, T0, T0 + 120 * S, step_ns=60 * S)
    assert isinstance(res, MatrixResult)
    # the step at T0 has an empty window and is left out
    assert [(s.labels, s.points) for s in res.series] == [({}, [(1704067260000, 4.0), (1704067320000, 2.0)])]


def test_binary_ops_and_scalars(store: Store) -> None:
    res = execute_instant(store.cursor(), ast.BinaryOp("/", ast.NumberLiteral(1), ast.NumberLiteral(0)), T0)
    assert isinstance(res, ScalarResult) and math.isnan(res.value)
    lhs = ast.VectorAggregation("sum", count(logq(job="web"), 200 * S), ast.Grouping(False, ("host",)))
    rhs = ast.VectorAggregation("sum", count(logq(job="web"), 200 * S))
    ratio = ast.BinaryOp("/", lhs, rhs, matching=ast.VectorMatching(True, (), "many-to-one"))
    got = execute_instant(store.cursor(), ratio, T0 + 200 * S)
    assert isinstance(got, VectorResult)
    assert [(s.labels, s.value) for s in got.samples] == [({"host": "a"}, 4 / 6), ({"host": "b"}, 2 / 6)]
    bad = ast.BinaryOp("/", lhs, rhs, matching=ast.VectorMatching(True, ()))
    with pytest.raises(QueryError) as e:
        execute_instant(store.cursor(), bad, T0 + 200 * S)
    assert e.value.status == 500


def test_absent_over_time_labels(store: Store) -> None:
    q = ast.RangeAggregation(
        "absent_over_time",
        ast.LogRange(
            ast.LogQuery(ast.StreamSelector((ast.Matcher("job", "=", "nope"), ast.Matcher("host", "=~", "x.*")))),
            60 * S,
        ),
    )
    res = execute_instant(store.cursor(), q, T0 + 60 * S)
    assert [(s.labels, s.value) for s in res.samples] == [({"job": "nope"}, 1.0)]  # type: ignore[union-attr]


def test_log_query_refused_as_instant(store: Store) -> None:
    with pytest.raises(QueryError) as e:
        execute_instant(store.cursor(), logq(job="web"), T0)
    assert "log queries are not supported as an instant query type" in str(e.value)


def test_instant_min_over_long_range_adds_hour_splits(store: Store) -> None:
    """Loki's frontend splits a >1h instant range into 1h pieces, applies min/max to each
    and adds them up (recorded as vagg-006); the engine reproduces it for these shapes."""
    base = T0 + 4 * 3600 * S
    push_payload(
        store,
        {
            "streams": [
                {"stream": {"job": "split", "c": "x"}, "values": [[str(base + 600 * S), "a"]]},
                {"stream": {"job": "split", "c": "y"}, "values": [[str(base + 4300 * S), "e"]]},
            ]
        },
    )
    by_job = ast.Grouping(False, ("job",))
    # each series counts 1 over 2h, but each hour's min (1) is added: 2
    q = ast.VectorAggregation("min", count(logq(job="split"), 2 * 3600 * S), by_job)
    assert [s.value for s in execute_instant(store.cursor(), q, base + 7200 * S).samples] == [2.0]  # type: ignore[union-attr]
    qmax = ast.VectorAggregation("max", count(logq(job="split"), 2 * 3600 * S), by_job)
    assert [s.value for s in execute_instant(store.cursor(), qmax, base + 7200 * S).samples] == [2.0]  # type: ignore[union-attr]
    # a range query is not split: the plain minimum
    res = execute_range(store.cursor(), q, base + 7200 * S, base + 7200 * S, step_ns=60 * S)
    assert [p[1] for s in res.series for p in s.points] == [1.0]  # type: ignore[union-attr]
    # up to 1h nothing is split either
    q1h = ast.VectorAggregation("min", count(logq(job="split"), 3600 * S), by_job)
    assert [s.value for s in execute_instant(store.cursor(), q1h, base + 7200 * S).samples] == [1.0]  # type: ignore[union-attr]


def test_label_replace_collision_is_an_error_not_a_lost_series(store: Store) -> None:
    inner = count(logq(job="web"), 200 * S)
    # both web streams map to the same label set when "host" is overwritten with a constant
    q = ast.LabelReplace(ast.VectorAggregation("sum", inner, ast.Grouping(False, ("host",))), "host", "same", "host", ".*")
    with pytest.raises(QueryError) as e:
        execute_instant(store.cursor(), q, T0 + 200 * S)
    assert "same labelset" in str(e.value)


def test_approx_topk_is_instant_only(store: Store) -> None:
    from logcopilot.errors import UnsupportedError

    q = ast.VectorAggregation("approx_topk", count(logq(job="web"), 200 * S), None, 1)
    assert len(execute_instant(store.cursor(), q, T0 + 200 * S).samples) == 1  # type: ignore[union-attr]
    with pytest.raises(UnsupportedError):
        execute_range(store.cursor(), q, T0, T0 + 200 * S, step_ns=60 * S)
