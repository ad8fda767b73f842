"""What the parser builds: tree shapes, values and positions, checked field by field."""

from __future__ import annotations

import pytest

from logcopilot import errors, logql
from logcopilot.logql import ast as A
from logcopilot.logql import durations, is_log_query, parse, to_logql, walk
from logcopilot.logql.lexer import tokenize
from logcopilot.logql.re2check import named_groups, regex_error
from logcopilot.logql.tmplcheck import template_error


def _filter(query: str) -> A.LabelFilter:
    tree = parse('{a="b"} | ' + query)
    assert isinstance(tree, A.LogQuery)
    stage = tree.pipeline[0]
    assert isinstance(stage, A.LabelFilterStage)
    return stage.filter


def test_public_api_is_sorted_and_complete() -> None:
    assert list(logql.__all__) == sorted(logql.__all__)
    for name in ("parse", "to_logql", "walk", "is_log_query", "parse_log_query", "ParseError"):
        assert hasattr(logql, name)


def test_selector_and_line_filters() -> None:
    tree = parse('{app="api", env!~`dev|test`} |= "a" or "b" != "c" or ip("10.0.0.0/8") |> "<_> x"')
    assert tree == A.LogQuery(
        A.StreamSelector((A.Matcher("app", "=", "api"), A.Matcher("env", "!~", "dev|test"))),
        (
            A.LineFilter("|=", (A.LineFilterArg("a"), A.LineFilterArg("b"))),
            A.LineFilter("!=", (A.LineFilterArg("c"), A.LineFilterArg("10.0.0.0/8", is_ip=True))),
            A.LineFilter("|>", (A.LineFilterArg("<_> x"),)),
        ),
    )


def test_string_escapes_are_decoded() -> None:
    tree = parse('{a="b"} |= "x\\ty\\"z\\u00e9\\x41" |~ `\\d+`')
    assert isinstance(tree, A.LogQuery)
    assert tree.pipeline[0] == A.LineFilter("|=", (A.LineFilterArg('x\ty"z\u00e9A'),))
    assert tree.pipeline[1] == A.LineFilter("|~", (A.LineFilterArg("\\d+"),))


def test_parsers_and_formats() -> None:
    tree = parse(
        '{a="b"} | json x="y.z", w | logfmt --keep-empty --strict h | regexp "(?P<m>\\\\w+)"'
        ' | pattern "<ip> <_>" | unpack | decolorize | line_format "{{.m}}"'
        ' | label_format d=s, t="{{.x}}" | drop p, q="1" | keep r'
    )
    assert isinstance(tree, A.LogQuery)
    assert tree.pipeline == (
        A.JsonParser((A.ExtractionParam("x", "y.z"), A.ExtractionParam("w"))),
        A.LogfmtParser((A.ExtractionParam("h"),), strict=True, keep_empty=True),
        A.RegexpParser("(?P<m>\\w+)"),
        A.PatternParser("<ip> <_>"),
        A.UnpackParser(),
        A.Decolorize(),
        A.LineFormat("{{.m}}"),
        A.LabelFormat((A.LabelFormatItem("d", "s", False), A.LabelFormatItem("t", "{{.x}}", True))),
        A.DropLabels((A.LabelItem("p"), A.LabelItem("q", A.Matcher("q", "=", "1")))),
        A.KeepLabels((A.LabelItem("r"),)),
    )


def test_label_filter_values() -> None:
    assert _filter("status = 500") == A.NumericLabelFilter("status", "==", 500.0, "500")
    assert _filter("status == -1.5e3") == A.NumericLabelFilter("status", "==", -1500.0, "-1.5e3")
    assert _filter('status = "500"') == A.StringLabelFilter("status", "=", "500")
    assert _filter("d > 1h30m") == A.DurationLabelFilter("d", ">", 5400 * 10**9, "1h30m")
    assert _filter("d <= 1.5ms") == A.DurationLabelFilter("d", "<=", 1_500_000, "1.5ms")
    assert _filter('ip != ip("::1")') == A.IpLabelFilter("ip", "!=", "::1")


@pytest.mark.parametrize(
    ("literal", "value"),
    [("3KiB", 3100), ("64MiB", 67_000_000), ("1.5MB", 1_500_000), ("12KB", 12_000),
     ("1GB", 1_000_000_000), ("1KiB", 1000), ("50MiB", 52_000_000), ("5B", 5)],
)
def test_byte_literals_are_rounded_like_loki(literal: str, value: int) -> None:
    assert _filter(f"size < {literal}") == A.BytesLabelFilter("size", "<", float(value), literal)


def test_label_filter_precedence() -> None:
    a, b, c, d = (A.StringLabelFilter(n, "=", "1") for n in "abcd")
    assert _filter('a="1" or b="2"'.replace('"2"', '"1"')) == A.BinaryLabelFilter("or", a, b)
    # and binds tighter than or
    assert _filter('a="1" or b="1" and c="1"') == A.BinaryLabelFilter(
        "or", a, A.BinaryLabelFilter("and", b, c)
    )
    assert _filter('a="1" and b="1" or c="1"') == A.BinaryLabelFilter(
        "or", A.BinaryLabelFilter("and", a, b), c
    )
    # ',' and a space are 'and' that take everything to their right (goyacc shifts)
    assert _filter('a="1", b="1" or c="1"') == A.BinaryLabelFilter(
        "and", a, A.BinaryLabelFilter("or", b, c)
    )
    assert _filter('a="1" b="1" or c="1" d="1"') == A.BinaryLabelFilter(
        "and", a, A.BinaryLabelFilter("or", b, A.BinaryLabelFilter("and", c, d))
    )
    assert _filter('(a="1" or b="1") and c="1"') == A.BinaryLabelFilter(
        "and", A.BinaryLabelFilter("or", a, b), c
    )


def test_log_range_forms_are_equivalent() -> None:
    forms = [
        'rate({a="b"} | json | unwrap x | __error__="" [5m] offset 1m)',
        'rate(({a="b"} | json | unwrap x | __error__="")[5m] offset 1m)',
        'rate({a="b"}[5m] offset 1m | json | unwrap x | __error__="")',
        'rate(({a="b"} | json | unwrap x | __error__="" [5m] offset 1m))',
    ]
    trees = [parse(f) for f in forms]
    assert all(t == trees[0] for t in trees)
    tree = trees[0]
    assert isinstance(tree, A.RangeAggregation)
    assert tree.range.range_ns == 300 * 10**9
    assert tree.range.offset_ns == 60 * 10**9
    assert tree.range.query.pipeline == (A.JsonParser(),)
    assert tree.range.unwrap == A.Unwrap("x", "", (A.StringLabelFilter("__error__", "=", ""),))


def test_unwrap_conversions_and_params() -> None:
    tree = parse('quantile_over_time(0.99, {a="b"} | unwrap duration_seconds(d) [1m]) by (h)')
    assert isinstance(tree, A.RangeAggregation)
    assert tree.param == 0.99
    assert tree.grouping == A.Grouping(False, ("h",))
    assert tree.range.unwrap == A.Unwrap("d", "duration_seconds")


def test_vector_aggregations_and_binops() -> None:
    tree = parse(
        'topk(3, sum(rate({a="b"}[1m])) by (h)) / ignoring(x) group_left(y, z) vector(2) ^ 2 ^ 3'
    )
    assert isinstance(tree, A.BinaryOp)
    assert tree.op == "/"
    assert tree.matching == A.VectorMatching(False, ("x",), "many-to-one", ("y", "z"))
    lhs = tree.lhs
    assert isinstance(lhs, A.VectorAggregation) and lhs.op == "topk" and lhs.param == 3
    inner = lhs.expr
    assert isinstance(inner, A.VectorAggregation) and inner.grouping == A.Grouping(False, ("h",))
    # ^ is right-associative and binds tighter than /
    assert tree.rhs == A.BinaryOp(
        "^", A.Vector(2.0), A.BinaryOp("^", A.NumberLiteral(2.0), A.NumberLiteral(3.0))
    )


def test_binop_precedence_and_bool() -> None:
    tree = parse("vector(1) + 2 * 3 > bool 4 or vector(1) and vector(2) unless vector(3)")
    assert isinstance(tree, A.BinaryOp) and tree.op == "or"
    cmp = tree.lhs
    assert isinstance(cmp, A.BinaryOp) and cmp.op == ">" and cmp.return_bool
    assert cmp.lhs == A.BinaryOp(
        "+", A.Vector(1.0), A.BinaryOp("*", A.NumberLiteral(2.0), A.NumberLiteral(3.0))
    )
    # Loki folds literal-only arithmetic, so a folded literal cannot be a set operand
    with pytest.raises(errors.SemanticError, match=r"left leg of logical/set .*\(or\): 1.000000"):
        parse("1 + 2 * 3 > bool 4 or vector(1)")
    with pytest.raises(errors.SemanticError, match=r"right leg of logical/set .*\(and\): NaN"):
        parse("vector(1) and 1 / 0")
    rhs = tree.rhs
    assert isinstance(rhs, A.BinaryOp) and rhs.op == "unless"
    assert isinstance(rhs.lhs, A.BinaryOp) and rhs.lhs.op == "and"


def test_semantic_errors_are_reported_after_parsing_outermost_first() -> None:
    # a syntax error anywhere wins over node errors, as in Loki
    with pytest.raises(errors.ParseError, match="unexpected \\$end"):
        parse('topk(1.5, rate({a="b"}[1m])) +')
    with pytest.raises(errors.SemanticError, match=r"invalid parameter topk\(1.5,"):
        parse('topk(1.5, sum_over_time({a="b"}[1m]))')
    with pytest.raises(errors.SemanticError, match="empty-compatible"):
        parse('topk(1, rate({a=""}[1m])) + topk(1.5, rate({a="b"}[1m]))')


def test_bad_number_in_label_filter_is_zero_like_loki() -> None:
    assert _filter("x > 0x10") == A.NumericLabelFilter("x", ">", 0.0, "0x10")


def test_number_literals() -> None:
    assert parse("1.5e3") == A.NumberLiteral(1500.0)
    assert parse("-2") == A.NumberLiteral(-2.0)
    assert parse(".5") == A.NumberLiteral(0.5)
    with pytest.raises(errors.SemanticError, match="0x10"):
        parse("0x10")
    with pytest.raises(errors.ParseError, match="unexpected SUM, expecting NUMBER"):
        parse('-sum(rate({a="b"}[1m]))')


def test_keywords_are_case_insensitive_and_functions_need_parens() -> None:
    assert parse('SUM(Rate({a="b"}[1m]))') == parse('sum(rate({a="b"}[1m]))')
    tree = parse('{a="b"} | logfmt | rate > 1 | bytes="x" | count=1')
    assert isinstance(tree, A.LogQuery)
    names = [s.filter.name for s in tree.pipeline[1:]]  # type: ignore[union-attr]
    assert names == ["rate", "bytes", "count"]


def test_walk_and_is_log_query() -> None:
    tree = parse('sum by (h) (rate({a="b"} |= "x" | json | unwrap y [1m])) > 1')
    kinds = [type(n).__name__ for n in walk(tree)]
    assert kinds[0] == "BinaryOp"
    for name in ("VectorAggregation", "Grouping", "RangeAggregation", "LogRange", "LogQuery",
                 "StreamSelector", "Matcher", "LineFilter", "LineFilterArg", "JsonParser",
                 "Unwrap", "NumberLiteral"):
        assert name in kinds
    assert kinds.index("VectorAggregation") < kinds.index("RangeAggregation") < kinds.index("Matcher")
    assert not is_log_query(tree)
    assert is_log_query(parse('{a="b"}'))
    assert logql.parse_log_query('{a="b"}') == parse('{a="b"}')
    with pytest.raises(errors.SemanticError):
        logql.parse_log_query("vector(1)")
    with pytest.raises(errors.SemanticError):
        logql.parse_sample_expr('{a="b"}')


def test_error_fields_and_excerpt() -> None:
    with pytest.raises(errors.ParseError) as info:
        parse('{job="web"} |= error')
    err = info.value
    assert (err.line, err.col) == (1, 16)
    assert err.reason == "syntax error: unexpected IDENTIFIER, expecting STRING or ip"
    assert err.excerpt == '{job="web"} |= error\n               ^'
    with pytest.raises(errors.ParseError) as info:
        parse('{a="b"}\n  | json\n  | x >')
    assert (info.value.line, info.value.col) == (3, 8)


def test_deep_nesting_and_long_input_fail_cleanly() -> None:
    with pytest.raises(errors.ParseError, match="nested deeper"):
        parse("(" * 1000 + "1" + ")" * 1000)
    with pytest.raises(errors.ParseError, match="nested deeper"):
        parse('{a="b"} | ' + "(" * 1000 + 'x="1"' + ")" * 1000)
    with pytest.raises(errors.ParseError, match="nested deeper"):
        parse("rate(" + "(" * 1000 + '{a="b"}[1m]' + ")" * 1001)
    with pytest.raises(errors.ParseError, match=r"input size too long \(131072 > 131072\)"):
        parse("1" + " " * 131071)


def test_lexer_tokens_and_positions() -> None:
    toks = tokenize('rate({a="b"}[5m]) > 1s\n| x')
    kinds = [t.kind for t in toks]
    assert kinds == ["RATE", "(", "{", "IDENTIFIER", "=", "STRING", "}", "RANGE", ")", ">",
                     "DURATION", "|", "IDENTIFIER", "$end"]
    rng = toks[7]
    assert (rng.value, rng.line, rng.col) == (300 * 10**9, 0, 13)
    assert (toks[11].line, toks[11].col) == (2, 1)
    assert [t.kind for t in tokenize("size > 5KiB 5 5x")][2:5] == ["BYTES", "NUMBER", "NUMBER"]


def test_durations_module() -> None:
    assert durations.parse_range_duration("1h30m") == 5400 * 10**9
    assert durations.parse_range_duration("1d") == 86400 * 10**9
    for bad, msg in [("", "empty duration string"), ("-5m", 'not a valid duration string: "-5m"'),
                     ("5minutes", 'unknown unit "minutes" in duration "5minutes"'),
                     ("5m1h", 'not a valid duration string: "5m1h"')]:
        with pytest.raises(ValueError) as info:
            durations.parse_range_duration(bad)
        assert str(info.value) == msg
    assert durations.parse_duration("1.5s") == 1_500_000_000
    assert durations.parse_duration("-5m") == -300 * 10**9
    assert durations.parse_duration("250us") == 250_000
    assert durations.format_duration(5400 * 10**9) == "1h30m"
    assert durations.format_duration(90 * 86400 * 10**9) == "90d"
    assert durations.format_duration(1_500_000) == "1ms500us"
    assert durations.parse_bytes("3KiB") == 3072
    assert durations.parse_bytes("2.5kb") == 2500
    assert durations.round_bytes_like_loki(3072) == 3100


def test_re2_checker() -> None:
    for ok in ["a|b", "(?i)x", "(?P<n>\\d+)", "[a-z]+", "\\[x\\]", "x{2,3}", "(?s:.)", "\\p{L}+",
               "[^]]", "a.*?b", "\\Qa.b\\E"]:
        assert regex_error(ok) is None, ok
    assert regex_error("(a") == "error parsing regexp: missing closing ): `(a`"
    assert regex_error("a)") == "error parsing regexp: unexpected ): `a)`"
    assert regex_error("[a-") == "error parsing regexp: missing closing ]: `[a-`"
    assert regex_error("*a") == "error parsing regexp: missing argument to repetition operator: `*`"
    assert regex_error("[z-a]") == "error parsing regexp: invalid character class range: `z-a`"
    assert named_groups("(?P<a>x)(b)(?<c>y)") == ["a", "c"]


def test_template_checker() -> None:
    assert template_error('{{ .a | replace "}}" "x" }} {{ $x := fromJson __line__ }}', "line") is None
    assert template_error("{{ .x", "line") == "template: line:1: unclosed action"
    assert template_error("a\n{{ nope .x }}", "label") == 'template: label:2: function "nope" not defined'


def test_printer_is_stable_on_tricky_trees() -> None:
    tree = A.BinaryOp("-", A.NumberLiteral(1.0), A.BinaryOp("-", A.NumberLiteral(2.0), A.NumberLiteral(-3.0)))
    assert to_logql(tree) == "1 - (2 - -3)"
    assert parse(to_logql(tree)) == tree
    f = A.BinaryLabelFilter("and", A.StringLabelFilter("a", "=", "x"),
                            A.BinaryLabelFilter("and", A.StringLabelFilter("b", "=", "y"),
                                                A.StringLabelFilter("c", "=", "z")))
    q = A.LogQuery(A.StreamSelector((A.Matcher("a", "=", "b"),)), (A.LabelFilterStage(f),))
    assert parse(to_logql(q)) == q
