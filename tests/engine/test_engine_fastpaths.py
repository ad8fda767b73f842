"""The query fast paths give the same answers as the paths they shortcut.

- ``fastcount``'s small-scan path (rows grouped in numpy/Python) equals DuckDB's GROUP BY,
  with and without structured metadata and regexp-extracted group labels.
- ``resolve_streams`` through a Store's cached stream index equals the SQL lookup, and sees
  streams added after the index was built.
"""

from __future__ import annotations

import numpy as np
import pytest

from logcopilot.engine import fastcount
from logcopilot.engine.executor import execute_instant, execute_range
from logcopilot.engine.push import push_payload
from logcopilot.engine.results import loki_envelope
from logcopilot.engine.selectors import resolve_streams
from logcopilot.engine.store import Store
from logcopilot.logql import parse

S = 10**9
T0 = 1704067200 * S


@pytest.fixture(scope="module")
def store():
    st = Store(":memory:")
    lines = ["level=info took 12ms", "level=error took 7ms", "level=warn oops", "no level here"]
    a = [[str(T0 + i * 13 * S + i % 5), lines[i % 4]] for i in range(300)]
    b = [[str(T0 + i * 29 * S), lines[(i + 1) % 4], {"trace": f"t{i % 3}"}] if i % 2 else
         [str(T0 + i * 29 * S), lines[(i + 1) % 4]] for i in range(150)]
    push_payload(st, {"streams": [{"stream": {"app": "a", "env": "prod"}, "values": a},
                                  {"stream": {"app": "b", "env": "prod"}, "values": b}]})
    yield st
    st.close()


QUERIES = [
    'count_over_time({app="a"}[5m])',  # no metadata, no extracted labels: numpy grouping
    'sum by (env) (bytes_over_time({app="a"} |= "level" [10m]))',
    'count_over_time({env="prod"}[5m])',
    'sum by (app) (bytes_over_time({env="prod"} |= "level" [10m]))',
    'sum by (level) (count_over_time({env="prod"} | regexp "level=(?P<level>\\\\w+)" [15m]))',
    'rate({app="b"} !~ "oops" [1m])',
    'sum by (trace) (count_over_time({app="b"}[30m]))',
]


@pytest.mark.parametrize("query", QUERIES)
def test_small_scan_equals_sql_grouping(store: Store, query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def run() -> tuple[object, object]:
        fastcount._LARGE.clear()
        rng = execute_range(store.cursor(), parse(query), T0, T0 + 3600 * S, step_ns=60 * S)
        inst = execute_instant(store.cursor(), parse(query), T0 + 1800 * S)
        return loki_envelope(rng), loki_envelope(inst)

    small = run()
    monkeypatch.setattr(fastcount, "SMALL_ROWS", 0)  # every non-empty scan is "large"
    grouped = run()
    assert small == grouped
    assert small[0]["data"]["result"]  # type: ignore[index]


def test_small_scan_gives_up_above_the_limit(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastcount, "SMALL_ROWS", 10)
    fastcount._LARGE.clear()
    inner = "SELECT stream_id, metadata, (ts - ? + ? - 1) // ? AS k, strlen(line) AS b FROM entries"
    assert fastcount._small_scan(store.cursor(), inner, [T0, S, S]) is None
    rows = fastcount._small_scan(store.cursor(), inner + " WHERE stream_id = 1 LIMIT 4", [T0, S, S])
    assert rows is not None and sum(r[3] for r in rows) == 4


def test_stream_index_matches_sql_and_follows_new_streams() -> None:
    with Store(":memory:") as st:
        push_payload(st, {"streams": [{"stream": {"app": "a"}, "values": [[str(T0), "x"]]}]})
        sel = parse('{app=~"a|c"}').selector  # type: ignore[attr-defined]
        cached = resolve_streams(st.cursor(), sel)
        assert cached == resolve_streams(st.con.cursor(), sel)  # an unregistered cursor reads SQL
        gen = st.generation
        push_payload(st, {"streams": [{"stream": {"app": "c", "x": "1"}, "values": [[str(T0), "y"]]}]})
        assert st.generation > gen
        again = resolve_streams(st.cursor(), sel)
        assert [labels for _, labels in again] == [{"app": "a"}, {"app": "c", "x": "1"}]
        assert again == resolve_streams(st.con.cursor(), sel)
        again[0][1]["app"] = "changed"  # callers get copies
        assert resolve_streams(st.cursor(), sel)[0][1] == {"app": "a"}
        assert np.array_equal([s for s, _ in again], sorted(s for s, _ in again))
