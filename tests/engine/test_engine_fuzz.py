"""Property tests: SQL pushdown equals a Python oracle for any literal, and the SQL fast path
for counting equals the general per-line path for any steps, ranges and offsets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logcopilot.engine import metrics as metrics_mod
from logcopilot.engine.executor import execute_range
from logcopilot.engine.metrics import MetricEvaluator
from logcopilot.engine.push import push_payload
from logcopilot.engine.store import Store
from logcopilot.errors import LogCopilotError
from logcopilot.logql import ast

S = 10**9
T0 = 1704067200 * S
LINES = [
    "GET /a 200",
    "POST /b 500 error",
    "it's a \"quoted\" line; DROP TABLE entries; --",
    "ünïcödé ☕ 100%",
    "a_b%c\\d",
    "",
]


@pytest.fixture(scope="module")
def store():
    st_ = Store(":memory:")
    values = [[str(T0 + i * 7 * S + (i % 3)), LINES[i % len(LINES)]] for i in range(120)]
    push_payload(
        st_,
        {
            "streams": [
                {"stream": {"app": "x", "name": "it's"}, "values": values[::2]},
                {"stream": {"app": "y", "name": 'q"uote'}, "values": values[1::2]},
            ]
        },
    )
    yield st_
    st_.close()


text = st.lists(st.sampled_from(list("ab_%'\";-\\ ü☕0") + ["DROP", "error", "--"]), max_size=6).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=text, op=st.sampled_from(["|=", "!="]), label=text)
def test_literals_are_bound_not_spliced(store: Store, value: str, op: str, label: str) -> None:
    sel = ast.StreamSelector((ast.Matcher("app", "=~", "x|y"), ast.Matcher("name", "!=", label)))
    q = ast.LogQuery(sel, (ast.LineFilter(op, (ast.LineFilterArg(value),)),))  # type: ignore[arg-type]
    res = execute_range(store.cursor(), q, T0, T0 + 3600 * S, limit=1000, direction="forward")
    got = sorted(line for s in res.streams for _, line in s.entries)  # type: ignore[union-attr]
    rows = store.cursor().execute(
        "SELECT e.line, s.labels->>'name' FROM entries e JOIN streams s USING (stream_id)"
    ).fetchall()
    want = sorted(line for line, name in rows if name != label and ((value in line) == (op == "|=")))
    assert got == want
    assert store.cursor().execute("SELECT count(*) FROM entries").fetchone()[0] == 120


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    regex=st.text(alphabet=st.sampled_from(list("ab()[]*+?|^$.\\ü{}")), max_size=6),
)
def test_any_regex_gives_result_or_project_error(store: Store, regex: str) -> None:
    q = ast.LogQuery(
        ast.StreamSelector((ast.Matcher("app", "=", "x"),)), (ast.LineFilter("|~", (ast.LineFilterArg(regex),)),)
    )
    try:
        execute_range(store.cursor(), q, T0, T0 + 3600 * S, limit=10)
    except LogCopilotError:
        pass


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    op=st.sampled_from(["count_over_time", "rate", "bytes_over_time", "bytes_rate"]),
    step_s=st.integers(1, 400),
    range_s=st.integers(1, 900),
    offset_s=st.integers(0, 120),
    start_s=st.integers(-100, 800),
    span_s=st.integers(0, 1200),
    by=st.sampled_from([None, ("app",), (), ("w", "app"), ("name", "w", "z")]),
    regexp=st.sampled_from([None, "(?P<w>[a-z]+) (?P<z>/?\\w)", "(?P<name>\\d+)(?P<w>%)?"]),
)
def test_fast_count_equals_general_path(
    store: Store,
    op: str,
    step_s: int,
    range_s: int,
    offset_s: int,
    start_s: int,
    span_s: int,
    by: tuple[str, ...] | None,
    regexp: str | None,
) -> None:
    stages: tuple[ast.Stage, ...] = (ast.LineFilter("!=", (ast.LineFilterArg("zz"),)),)
    if regexp is not None:
        stages += (ast.RegexpParser(regexp),)
    ra = ast.RangeAggregation(
        op,  # type: ignore[arg-type]
        ast.LogRange(
            ast.LogQuery(ast.StreamSelector((ast.Matcher("app", "=~", ".+"),)), stages),
            range_s * S,
            offset_s * S,
        ),
    )
    grouping = None if by is None else ast.Grouping(False, by)
    if regexp is not None:
        assert metrics_mod.can_fast_count(ra, np.array([T0], dtype=np.int64), grouping) == (by is not None)
    steps = np.arange(T0 + start_s * S, T0 + (start_s + span_s) * S + 1, step_s * S, dtype=np.int64)
    fast = MetricEvaluator(store.cursor(), "fake", steps).range_aggregation(ra, grouping)
    original = metrics_mod.can_fast_count
    metrics_mod.can_fast_count = lambda *a: False  # type: ignore[assignment]
    try:
        slow = MetricEvaluator(store.cursor(), "fake", steps).range_aggregation(ra, grouping)
    finally:
        metrics_mod.can_fast_count = original
    assert set(fast.series) == set(slow.series)
    for key, s in slow.series.items():
        f = fast.series[key]
        assert f.labels == s.labels
        assert np.array_equal(f.present, s.present)
        assert np.allclose(f.values[s.present], s.values[s.present], rtol=1e-12)


_STAGES = [
    '|= "a"', '!~ "b+"', "| json", "| logfmt", '| regexp "(?P<w>\\\\w+)"', '| pattern "<m> <_>"',
    '| line_format "{{.w}}"', "| label_format x=app", "| drop name", "| keep app", '| w != ""',
    "| w > 5", "| decolorize", '|> "<_> /<_>"', "| unpack",
]
_WRAP = [
    "{q}",
    "count_over_time({q} [1m])",
    "sum by (app) (rate({q} [5m]))",
    "max_over_time({q} | unwrap w [2m])",
    "topk(1, sum by (name) (bytes_over_time({q} [10m])))",
    "sum(count_over_time({q} [1m])) / sum(count_over_time({q} [1m] offset 1m))",
    'label_replace(count_over_time({q} [1h]), "d", "$1", "app", "(.)")',
    "quantile_over_time(0.5, {q} | unwrap w [5m]) by (app)",
    "absent_over_time({q} [1m])",
]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stages=st.lists(st.sampled_from(_STAGES), max_size=4), wrap=st.sampled_from(_WRAP), step=st.integers(1, 600))
def test_generated_queries_raise_only_project_errors(store: Store, stages: list[str], wrap: str, step: int) -> None:
    from logcopilot.engine.executor import execute_instant
    from logcopilot.logql import parse

    text = wrap.replace("{q}", '{app=~"x|y"} ' + " ".join(stages))
    try:
        expr = parse(text)
        execute_range(store.cursor(), expr, T0, T0 + 1800 * S, step_ns=step * S, limit=50)
        if not isinstance(expr, ast.LogQuery):
            execute_instant(store.cursor(), expr, T0 + 600 * S)
    except LogCopilotError:
        pass
