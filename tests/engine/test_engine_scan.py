"""SQL pushdown: which line filters go to SQL, and that literals only ever travel as parameters."""

from __future__ import annotations

import pytest

from logcopilot.engine.scan import ScanPlan, filter_sql, is_pushable, scan_sql, split_pushable
from logcopilot.errors import SemanticError
from logcopilot.logql.ast import LineFilter, LineFilterArg


def lf(op: str, *values: str, ip: bool = False) -> LineFilter:
    return LineFilter(op, tuple(LineFilterArg(v, is_ip=ip) for v in values))  # type: ignore[arg-type]


def test_pushable_ops() -> None:
    assert is_pushable(lf("|=", "a")) and is_pushable(lf("!~", "b+"))
    assert not is_pushable(lf("|>", "<_> x")) and not is_pushable(lf("|=", "10.0.0.0/8", ip=True))
    pushed, rest = split_pushable([lf("|=", "a"), lf("!>", "<_>"), lf("|~", "x")])
    assert [f.op for f in pushed] == ["|=", "|~"] and [f.op for f in rest] == ["!>"]


def test_or_chains_and_empty_literals() -> None:
    assert filter_sql(lf("|=", "a", "b")) == ("(strpos(line, ?) > 0 OR strpos(line, ?) > 0)", ["a", "b"])
    # != a or b means neither
    assert filter_sql(lf("!=", "a", "b")) == ("(NOT (strpos(line, ?) > 0 OR strpos(line, ?) > 0))", ["a", "b"])
    assert filter_sql(lf("|=", "")) == ("TRUE", [])
    assert filter_sql(lf("!=", "x", "")) == ("FALSE", [])


def test_bad_regex_is_a_user_error() -> None:
    with pytest.raises(SemanticError):
        filter_sql(lf("|~", "(unclosed"))


def test_literals_never_in_sql_text() -> None:
    evil = "x'); DROP TABLE entries; --"
    evil_re = "a' OR '1'='1"
    sql, params = scan_sql(ScanPlan([1, 2], 0, 10, [lf("|=", evil), lf("!~", evil_re)], order="forward"))
    assert evil not in sql and "DROP" not in sql and "'1'" not in sql
    assert params == [[1, 2], 0, 10, evil, evil_re]
    assert sql.endswith("ORDER BY ts, seq")
