"""Unit tests of the pipeline stages: Go value parsing, matchers, hoisting, parsers,
templates, label filters, label hints and unwrap."""

from __future__ import annotations

import pytest

from logcopilot.engine import pipeline as pipeline_mod
from logcopilot.engine.matchers import compile_matcher
from logcopilot.engine.pipeline import (
    Pipeline,
    SampleExtractionError,
    hoist_line_filters,
    line_filter_matcher,
    unwrap_value,
)
from logcopilot.errors import SemanticError
from logcopilot.logql.ast import (
    BinaryLabelFilter,
    Decolorize,
    DropLabels,
    ExtractionParam,
    JsonParser,
    KeepLabels,
    LabelFilterStage,
    LabelItem,
    LineFilter,
    LineFilterArg,
    LineFormat,
    LogfmtParser,
    NumericLabelFilter,
    PatternParser,
    StringLabelFilter,
    UnpackParser,
    Unwrap,
)
from logcopilot.logql.gotext import go_format_float
from logcopilot.logql.govalues import ValueParseError, parse_bytes, parse_float, parse_go_duration

WEB = {"job": "web"}


def lf(op: str, *vals: str) -> LineFilter:
    return LineFilter(op, tuple(LineFilterArg(v) for v in vals))  # type: ignore[arg-type]


def run(stages, line, labels=WEB, meta=None, **kw):
    return Pipeline(stages, **kw).process(1_700_000_000_000_000_000, line, labels, meta)


# ----------------------------------------------------------------------------- values
@pytest.mark.parametrize(
    ("text", "ns"),
    [("1h2m", 3_720_000_000_000), ("1.5s", 1_500_000_000), ("750us", 750_000), ("750µs", 750_000),
     ("-2m3s", -123_000_000_000), ("0", 0), (".5ms", 500_000)],
)
def test_parse_duration(text: str, ns: int) -> None:
    assert parse_go_duration(text) == ns


@pytest.mark.parametrize(
    ("text", "message"),
    [("200", 'time: missing unit in duration "200"'),
     ("1d", 'time: unknown unit "d" in duration "1d"'),
     ("café", 'time: invalid duration "caf\\xc3\\xa9"'),
     ("", 'time: invalid duration ""')],
)
def test_parse_duration_errors(text: str, message: str) -> None:
    with pytest.raises(ValueParseError) as exc:
        parse_go_duration(text)
    assert str(exc.value) == message


def test_parse_bytes_units() -> None:
    assert parse_bytes("3KiB") == 3072
    assert parse_bytes("3kB") == parse_bytes("3KB") == 3000
    assert parse_bytes("1.5MB") == 1_500_000
    assert parse_bytes("1.5B") == 1  # humanize truncates to an unsigned integer
    with pytest.raises(ValueParseError, match='parsing "": invalid syntax'):
        parse_bytes("/api/users")


def test_parse_float_matches_go() -> None:
    assert parse_float("1e3") == 1000.0
    assert parse_float("-Inf") == float("-inf")
    assert parse_float("0x1p-2") == 0.25
    for bad in (" 1", "1_000", "bob", ""):
        with pytest.raises(ValueParseError, match="invalid syntax"):
            parse_float(bad)
    with pytest.raises(ValueParseError, match="value out of range"):
        parse_float("1e400")


def test_go_format_float() -> None:
    assert [go_format_float(v) for v in (2046.0, 1e6, 123456.0, 1e-7, 0.00075, -3.5)] == [
        "2046", "1e+06", "123456", "1e-07", "0.00075", "-3.5"]


# ----------------------------------------------------------------------------- matchers
def test_matchers_are_anchored_and_cached() -> None:
    assert compile_matcher("=~", "web")("web") and not compile_matcher("=~", "web")("web-1")
    assert compile_matcher("=~", "(?i)HDFS")("hdfs")
    assert compile_matcher("=~", "a.b")("a\nb")  # Prometheus wraps in (?s:...)
    assert compile_matcher("!~", "a.*")("b") and not compile_matcher("!~", "a.*")("abc")
    assert compile_matcher("=~", "x|y") is compile_matcher("=~", "x|y")
    with pytest.raises(SemanticError):
        compile_matcher("=~", "(")


# ----------------------------------------------------------------------------- line filters
def test_hoisting_stops_at_label_filter_line_format_unpack() -> None:
    stages = (Decolorize(), lf("|=", "a"), JsonParser(), lf("!=", "b"),
              LabelFilterStage(StringLabelFilter("x", "=", "1")), LogfmtParser(), lf("|=", "c"),
              LineFormat("{{.x}}"), lf("|=", "d"), UnpackParser(), lf("|=", "e"))
    leading, rest = hoist_line_filters(stages)
    assert leading == (lf("|=", "a"), lf("!=", "b"))
    assert rest == (Decolorize(), JsonParser(), LabelFilterStage(StringLabelFilter("x", "=", "1")),
                    lf("|=", "c"), LogfmtParser(), LineFormat("{{.x}}"), lf("|=", "d"), UnpackParser(),
                    lf("|=", "e"))


def test_decolorize_does_not_help_a_hoisted_filter() -> None:
    line = "\x1b[31mERROR\x1b[0m [io] x"
    assert run((Decolorize(), lf("|=", "ERROR [")), line) is None
    res = run((Decolorize(), LineFormat("{{__line__}}"), lf("|=", "ERROR [")), line)
    assert res is not None and res.line == "ERROR [io] x"


def test_contains_empty_and_alternatives() -> None:
    assert line_filter_matcher(lf("|=", ""))("x")
    assert not line_filter_matcher(lf("!=", ""))("x")
    assert line_filter_matcher(lf("|=", "a", "b"))("xb")
    assert not line_filter_matcher(lf("!=", "a", "b"))("xb")
    assert line_filter_matcher(lf("!=", "a", "b"))("xc")


def test_regex_filter_is_unanchored_re2() -> None:
    assert line_filter_matcher(lf("|~", "a.c"))("xabc d")
    assert not line_filter_matcher(lf("|~", "panic.*goroutine"))("panic: x\ngoroutine 1")
    assert line_filter_matcher(lf("|~", "(?s)panic.*goroutine"))("panic: x\ngoroutine 1")


def test_pattern_filter_searches_leading_literal_and_anchors_trailing() -> None:
    f = line_filter_matcher(lf("|>", "level=error <_>"))
    assert f("ts=1 level=error msg=x")
    g = line_filter_matcher(lf("|>", "<_> [preauth]"))
    assert g("a b [preauth]") and not g("a [preauth] b")
    assert not line_filter_matcher(lf("|>", "<_"))("anything")


def test_ip_line_filter() -> None:
    f = line_filter_matcher(LineFilter("|=", (LineFilterArg("10.0.0.0/8", is_ip=True),)))
    assert f("from 10.1.2.3 port 22") and f("ended at 10.1.2.3.")
    assert not f("from 11.1.2.3") and not f("version 10.1.2")
    r = line_filter_matcher(LineFilter("|=", (LineFilterArg("192.168.0.1-192.168.0.9", is_ip=True),)))
    assert r("x 192.168.0.5 y") and not r("x 192.168.0.10 y")
    v6 = line_filter_matcher(LineFilter("|=", (LineFilterArg("2001:db8::/32", is_ip=True),)))
    assert v6("client_ip=2001:db8::1 user=x") and not v6("client_ip=::1")


# ----------------------------------------------------------------------------- parsers
def test_json_flatten_rules() -> None:
    res = run((JsonParser(),), '{"a":{"b-c":1,"d":[1,2],"e":null,"f":true},"g":"x","g":"y","h.i":"j"}')
    assert res is not None
    assert res.labels == {"job": "web", "a_b_c": "1", "a_f": "true", "g": "x", "h_i": "j"}


def test_json_lenient_like_jsonparser() -> None:
    res = run((JsonParser(),), '{"a":"1"} trailing')
    assert res is not None and res.labels == {"job": "web", "a": "1"}
    res = run((JsonParser(),), '{"a":"1", "b": tru}')
    assert res is not None
    assert res.labels == {"job": "web", "a": "1", "__error__": "JSONParserErr",
                          "__error_details__": "Unknown value type"}


def test_json_clash_and_metadata_clash() -> None:
    res = run((JsonParser(),), '{"job":"x","trace_id":"t"}', meta={"trace_id": "m"})
    assert res is not None
    assert res.labels == {"job": "web", "trace_id": "m", "job_extracted": "x", "trace_id_extracted": "t"}


def test_json_params_raw_text_and_missing() -> None:
    node = JsonParser((ExtractionParam("o", "obj"), ExtractionParam("s0", "arr[1]"), ExtractionParam("m", "no.pe")))
    res = run((node,), '{"obj": {"k": 1}, "arr": ["a", "b"]}')
    assert res is not None and res.labels == {"job": "web", "o": '{"k": 1}', "s0": "b", "m": ""}
    bad = run((node,), "not json")
    assert bad is not None and bad.labels == {"job": "web", "__error__": "JSONParserErr"}


def test_logfmt_modes() -> None:
    line = 'a=1 b= c d="x y" a=2 e="unterminated'
    res = run((LogfmtParser(),), line)
    assert res is not None and res.labels == {"job": "web", "a": "1", "d": "x y"}
    res = run((LogfmtParser(keep_empty=True),), line)
    assert res is not None and res.labels == {"job": "web", "a": "1", "b": "", "c": "", "d": "x y"}
    res = run((LogfmtParser(strict=True),), line)
    assert res is not None
    assert res.labels["__error_details__"] == f"logfmt syntax error at pos {len(line) + 1} : unterminated quoted value"


def test_logfmt_hints_stop_before_the_error() -> None:
    line = 'level=info msg="unterminated quote status=400'
    res = run((LogfmtParser(strict=True),), line, label_hints=frozenset({"level"}))
    assert res is not None and res.labels == {"job": "web", "level": "info"}
    res = run((LogfmtParser(strict=True),), line, label_hints=frozenset())
    assert res is not None and res.labels == {"job": "web"}
    res = run((LogfmtParser(strict=True),), line, label_hints=frozenset({"__error__"}))
    assert res is not None and res.labels["__error__"] == "LogfmtParserErr"


def test_hints_widen_with_later_label_filters() -> None:
    stages = (LogfmtParser(), LabelFilterStage(NumericLabelFilter("status", ">=", 400.0)))
    assert run(stages, "status=500 a=1", label_hints=frozenset()) is not None
    res = run(stages, "status=500 a=1", label_hints=frozenset({"a"}))
    assert res is not None and res.labels == {"job": "web", "status": "500", "a": "1"}


def test_pattern_parser() -> None:
    p = PatternParser("<_> status=<status> <rest>")
    res = run((p,), "x status=404 tail")
    assert res is not None and res.labels == {"job": "web", "status": "404", "rest": "tail"}
    res = run((p,), "x status=404")  # missing literal: capture takes the rest
    assert res is not None and res.labels == {"job": "web", "status": "404"}
    res = run((PatternParser("ts=<ts> <_>"),), "level=x ts=1 y")
    assert res is not None and res.labels == WEB


def test_unpack() -> None:
    res = run((UnpackParser(),), '{"container":"c","_entry":"GET / 200","n":1}')
    assert res is not None and res.line == "GET / 200" and res.labels == {"job": "web", "container": "c"}
    res = run((UnpackParser(),), '{"container":"c"}')
    assert res is not None and res.line == '{"container":"c"}' and res.labels == WEB
    res = run((UnpackParser(),), "plain")
    assert res is not None and res.labels["__error__"] == "JSONParserErr"


# ----------------------------------------------------------------------------- label filters
def test_numeric_filter_errors_keep_the_line() -> None:
    stages = (LogfmtParser(), LabelFilterStage(NumericLabelFilter("user", ">", 5.0)))
    res = run(stages, "user=bob")
    assert res is not None and res.labels["__error_details__"] == 'strconv.ParseFloat: parsing "bob": invalid syntax'
    assert run(stages, "other=1") is None  # missing label fails silently


def test_and_evaluates_both_sides() -> None:
    f = BinaryLabelFilter("and", StringLabelFilter("a", "=", "no"), NumericLabelFilter("b", ">", 1.0))
    assert run((LogfmtParser(), LabelFilterStage(f)), "a=1 b=x") is None
    g = BinaryLabelFilter("or", StringLabelFilter("a", "=", "1"), NumericLabelFilter("b", ">", 1.0))
    res = run((LogfmtParser(), LabelFilterStage(g)), "a=1 b=x")
    assert res is not None and "__error__" not in res.labels


def test_drop_and_keep() -> None:
    res = run((JsonParser(), DropLabels((LabelItem("__error__"),))), "oops")
    assert res is not None and res.labels == WEB
    res = run((JsonParser(), KeepLabels((LabelItem("nosuch"),))), "oops")
    assert res is not None and set(res.labels) == {"__error__", "__error_details__"}


# ----------------------------------------------------------------------------- templates
@pytest.mark.parametrize(
    ("template", "line", "expected"),
    [
        ("{{ .a | upper }}-{{ .nosuch }}", "a=x", "X-"),
        ("{{ if eq .a \"x\" }}yes{{ else if .b }}b{{ else }}no{{ end }}", "a=y b=1", "b"),
        ("{{- .a -}} | {{- .a }}", "a=x", "x|x"),
        ("{{ $v := .a }}{{ with .a }}[{{ . }}{{ $v }}]{{ end }}", "a=x", "[xx]"),
        ("{{ range $k, $v := fromJson `{\"b\":1,\"a\":2}` }}{{ $k }}={{ $v }};{{ end }}", "a=x", "a=2;b=1;"),
        ('{{ regexReplaceAll "(\\\\w)(\\\\d)" .a "${2}$1" }}', "a=a1b2", "1a2b"),
        ('{{ printf "%05d|%.2f|%v|%s" 42 3.14159 true .a }}', "a=x", "00042|3.14|true|x"),
        ("{{ .a | trunc 3 }}|{{ len .a }}", "a=zoë-x", "zo\ufffd|6"),
        ("{{ addf 0.1 0.2 }} {{ round 2.345 2 }} {{ 7 | div 2 }}", "a=x", "0.3 2.35 0"),
        ("{{ alignRight 4 .a }}|{{ alignLeft 2 .a }}", "a=x", "   x|x "),
        ("{{ __line__ | count \"=\" }}", "a=x", "1"),
    ],
)
def test_templates(template: str, line: str, expected: str) -> None:
    res = run((LogfmtParser(), LineFormat(template)), line)
    assert res is not None and "__error__" not in res.labels and res.line == expected


@pytest.mark.parametrize(
    ("template", "details"),
    [
        ("{{ div 1 0 }}", 'template: line:1:3: executing "line" at <div 1 0>: error calling div: '
                          "runtime error: integer divide by zero"),
        ("x\n {{ .a | duration }}", 'template: line:2:9: executing "line" at <duration>: error calling '
                                    'duration: time: invalid duration "x"'),
        ("{{ substr 1 4 .nosuch }}", 'template: line:1:3: executing "line" at <substr 1 4 .nosuch>: error '
                                     "calling substr: runtime error: slice bounds out of range [1:0]"),
        ('{{ trunc "a" .a }}', 'template: line:1:9: executing "line" at <"a">: expected integer; found "a"'),
        ("{{ trunc .a .a }}", 'template: line:1:9: executing "line" at <.a>: wrong type for value; '
                              "expected int; got string"),
        ("{{ .a | trunc 2 | repeat .a }}", 'template: line:1:25: executing "line" at <.a>: wrong type for '
                                           "value; expected int; got string"),
        ("{{ 3 | upper }}", 'template: line:1:7: executing "line" at <upper>: wrong type for value; '
                            "expected string; got int"),
        ("{{ $x := 1 }}{{ upper $x.y }}", 'template: line:1:22: executing "line" at <$x.y>: can\'t '
                                          "evaluate field y in type int"),
    ],
)
def test_template_errors(template: str, details: str) -> None:
    res = run((LogfmtParser(), LineFormat(template)), "a=x")
    assert res is not None
    assert res.line == "a=x"
    assert res.labels["__error__"] == "TemplateFormatErr"
    assert res.labels["__error_details__"] == details


def test_unknown_template_function_is_a_query_error() -> None:
    with pytest.raises(SemanticError):
        Pipeline((LineFormat("{{ nosuchfunc .a }}"),))


def test_line_needed_false_drops_unread_line_format() -> None:
    stages = (LineFormat("{{ div 1 0 }}"),)
    res = run(stages, "x", line_needed=False)
    assert res is not None and res.labels == WEB
    kept = (LineFormat("{{ div 1 0 }}"), lf("|=", "x"))  # a later filter reads the line
    res = run(kept, "x", line_needed=False)
    assert res is not None and res.labels["__error__"] == "TemplateFormatErr"


# ----------------------------------------------------------------------------- unwrap
def test_unwrap_value() -> None:
    assert unwrap_value({"x": "1.5"}, Unwrap("x")) == 1.5
    assert unwrap_value({}, Unwrap("x")) is None
    assert unwrap_value({"d": "1m30s"}, Unwrap("d", "duration")) == 90.0
    assert unwrap_value({"s": "3KiB"}, Unwrap("s", "bytes")) == 3072.0
    with pytest.raises(SampleExtractionError) as exc:
        unwrap_value({"x": "eve"}, Unwrap("x"))
    assert exc.value.kind == "SampleExtractionErr"
    assert exc.value.labels["__error_details__"] == 'strconv.ParseFloat: parsing "eve": invalid syntax'
    assert unwrap_value({"x": "eve"}, Unwrap("x", post_filters=(StringLabelFilter("__error__", "=", ""),))) is None
    post = (NumericLabelFilter("x", ">", 1.0),)
    assert unwrap_value({"x": "0.5"}, Unwrap("x", post_filters=post)) is None
    assert unwrap_value({"x": "2"}, Unwrap("x", post_filters=post)) == 2.0


def test_public_api_is_sorted() -> None:
    assert pipeline_mod.__all__ == sorted(pipeline_mod.__all__)


# ----------------------------------------------------------------------------- logfmt fast path
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from logcopilot.engine.stages.logfmt import _scan_exact, _split_fast  # noqa: E402


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='ab=" \\\t\x01é\xa0', max_size=24))
def test_logfmt_fast_path_agrees_with_exact_scanner(line: str) -> None:
    fast = _split_fast(line)
    if fast is not None:
        assert (fast, None) == _scan_exact(line, None)


@pytest.mark.parametrize(
    ("pattern", "line", "hit"),
    [("Invalid", "an Invalid user", True), ("Invalid", "an invalid user", False),
     ("(?i)BREAK-in", "POSSIBLE break-in attempt", True), ("(?i)kelvin", "\u212aelvin", True),
     ("(?i)ab", "xAB", True), ("a b", "a  b", False)],
)
def test_literal_regex_fast_path_matches_re2(pattern: str, line: str, hit: bool) -> None:
    assert line_filter_matcher(lf("|~", pattern))(line) is hit


def test_json_lone_surrogate_becomes_replacement_char() -> None:
    res = run((JsonParser(),), '{"a":"x\\ud800y","b":"\\u00e9"}')
    assert res is not None and res.labels == {"job": "web", "a": "x\ufffdy", "b": "é"}


def test_pattern_filter_captures_are_not_empty() -> None:
    f = line_filter_matcher(lf("|>", "<_> Failed <_>"))
    assert f("x Failed y")
    assert not f(" Failed y")  # the leading capture would be empty
    assert not f("x Failed ")  # so would the trailing one


def test_ip_label_filter() -> None:
    from logcopilot.logql.ast import IpLabelFilter

    stage = LabelFilterStage(IpLabelFilter("ip", "=", "10.0.0.0/8"))
    assert run((LogfmtParser(), stage), "ip=10.2.3.4") is not None
    assert run((LogfmtParser(), stage), "ip=11.2.3.4") is None
    assert run((LogfmtParser(), stage), "other=1") is None
    not_stage = LabelFilterStage(IpLabelFilter("ip", "!=", "10.0.0.0/8"))
    assert run((LogfmtParser(), not_stage), "ip=11.2.3.4") is not None
    errored = run((JsonParser(), stage), "not json")  # errored lines pass an ip filter
    assert errored is not None and errored.labels["__error__"] == "JSONParserErr"
