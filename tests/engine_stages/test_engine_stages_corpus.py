"""Log-query corpus cases replayed through the pipeline: (case id, hand-built AST) pairs.

Each case's recorded Loki answer (streams = final label sets, lines) must equal ours.
"""

from __future__ import annotations

import pytest
from stages_corpus_replay import cases, expected, replay

from logcopilot.logql.govalues import parse_go_duration
from logcopilot.logql.ast import (
    BinaryLabelFilter,
    BytesLabelFilter,
    Decolorize,
    DropLabels,
    DurationLabelFilter,
    ExtractionParam,
    IpLabelFilter,
    JsonParser,
    KeepLabels,
    LabelFilterStage,
    LabelFormat,
    LabelFormatItem,
    LabelItem,
    LineFilter,
    LineFilterArg,
    LineFormat,
    LogfmtParser,
    Matcher,
    NumericLabelFilter,
    PatternParser,
    RegexpParser,
    StringLabelFilter,
    UnpackParser,
)


# ----------------------------------------------------------------------------- tiny DSL
def lf(op, *vals):
    return LineFilter(op, tuple(LineFilterArg(v) for v in vals))


def ipf(op, *vals):
    return LineFilter(op, tuple(LineFilterArg(v, is_ip=True) for v in vals))


def json_(*params):
    return JsonParser(tuple(ExtractionParam(*p) if isinstance(p, tuple) else ExtractionParam(p) for p in params))


def logfmt(*params, strict=False, keep_empty=False):
    return LogfmtParser(
        tuple(ExtractionParam(*p) if isinstance(p, tuple) else ExtractionParam(p) for p in params),
        strict=strict,
        keep_empty=keep_empty,
    )


def s(name, op, value):
    return StringLabelFilter(name, op, value)


def n(name, op, value):
    return NumericLabelFilter(name, op, float(value))


def d(name, op, text):
    return DurationLabelFilter(name, op, parse_go_duration(text))


def b(name, op, value):
    return BytesLabelFilter(name, op, float(value))


def AND(x, y):
    return BinaryLabelFilter("and", x, y)


def OR(x, y):
    return BinaryLabelFilter("or", x, y)


def F(f):
    return LabelFilterStage(f)


def line(t):
    return LineFormat(t)


def labelf(*items):
    return LabelFormat(tuple(LabelFormatItem(dst, src, tmpl) for dst, src, tmpl in items))


def drop(*items):
    return DropLabels(tuple(LabelItem(i) if isinstance(i, str) else LabelItem(i[0], Matcher(*i)) for i in items))


def keep(*items):
    return KeepLabels(tuple(LabelItem(i) if isinstance(i, str) else LabelItem(i[0], Matcher(*i)) for i in items))


DECOLOR = Decolorize()
UNPACK = UnpackParser()

CASES = {
    "sel-025": (F(s("span_id", "=~", "[0-7].*")),),
    "sel-026": (F(s("tenant", "=", "t1")),),
    "sel-029": (F(s("trace_id", "=", "")), F(s("span_id", "=", ""))),
    "lf-001": (lf("|=", "Receiving block"),),
    "lf-002": (lf("|=", "blk_"), lf("!=", "Receiving"), lf("!=", "Received")),
    "lf-004": (lf("|=", "GET"), lf("|=", "status: 404")),
    "lf-005": (lf("|=", ""),),
    "lf-006": (lf("!=", ""),),
    "lf-007": (lf("|=", "failed password"),),
    "lf-009": (lf("|~", "Failed password for (invalid user )?root"),),
    "lf-012": (lf("|~", r"status: [45]\d\d"),),
    "lf-013": (lf("|~", "^Dec 10 07:0"),),
    "lf-014": (lf("|~", r"preauth\]$"),),
    "lf-015": (lf("|~", "PacketResponder [0-2] for"),),
    "lf-017": (lf("|~", r"status=5\d\d"),),
    "lf-018": (lf("|~", '"status": ?50[0-9]'),),
    "lf-019": (lf("|~", "(?i)BREAK-in"),),
    "lf-020": (lf("|~", "Invalid"),),
    "lf-022": (lf("|>", "<_> Failed password for <_> from <_> port <_> ssh2"),),
    "lf-023": (lf("!>", "<_> Failed password <_>"), lf("!=", "pam_unix")),
    "lf-024": (lf("|>", "<_> INFO dfs.DataNode$PacketResponder: PacketResponder <_> for block <_> terminating"),),
    "lf-026": (lf("|>", "level=error <_>"),),
    "lf-028": (lf("|>", "<_>Accepted password for <_>"),),
    "lf-029": (lf("|>", "<_> [preauth]"),),
    "lf-032": (lf("|>", "<_> status=20<_> duration=<_>ms <_>"),),
    "lf-033": (lf("|=", "Accepted", "session opened"),),
    "lf-034": (lf("!=", "preauth", "pam_unix", "Failed"),),
    "lf-035": (lf("|~", "Deleting", "Deleted"),),
    "lf-037": (lf("|=", "GET", "POST"), lf("!=", "health")),
    "lf-039": (lf("|~", "root from 183", "admin from 187"),),
    "lf-040": (ipf("|=", "173.234.31.186"),),
    "lf-042": (ipf("!=", "183.62.140.253"), lf("|=", "Failed password")),
    "lf-044": (ipf("|=", "10.11.10.1"),),
    "lf-045": (ipf("|=", "2001:db8::/32"),),
    "lf-046": (ipf("|=", "::1"),),
    "lf-047": (ipf("|=", "192.168.0.0/16"),),
    "lf-048": (ipf("!=", "10.0.0.0/8"), ipf("!=", "192.168.0.0/16")),
    "lf-051": (DECOLOR, lf("|=", "ERROR [")),
    "lf-052": (lf("|=", "ERROR ["),),
    "lf-054": (json_(), lf("|=", "auth failed")),
    "lf-056": (logfmt(), F(s("level", "=", "error")), lf("!=", "timeout")),
    "json-001": (json_(),),
    "json-002": (json_(), F(s("__error__", "=", ""))),
    "json-004": (json_(), F(s("request_headers_User_Agent", "=~", "curl.*"))),
    "json-005": (json_(), F(s("user_name", "=", "bob")), line("{{.request_method}} {{.request_path}}")),
    "json-007": (json_(),),
    "json-010": (json_("servers"),),
    "json-011": (json_("request", "tags"),),
    "json-012": (json_(("status", "response.status"), ("lat", "response.latency")), F(n("status", ">=", 400))),
    "json-013": (json_(("rid", 'request.headers["X-Request-Id"]')),),
    "json-014": (json_(("missing", "does.not.exist"), ("lvl", "level")),),
    "json-015": (json_("level", "msg"), F(s("level", "=", "error"))),
    "json-017": (json_("ok", "nothing", ("uid", "user.id")),),
    "json-019": (json_(), keep("request_headers_X_Request_Id", "dotted_key", "nothing")),
    "json-020": (json_(), F(s("host_extracted", "!=", ""))),
    "json-021": (json_(), keep("host", "host_extracted")),
    "json-022": (json_(), F(s("__error__", "=", "JSONParserErr"))),
    "json-023": (json_(), F(s("__error__", "!=", "")), line("{{.__error__}} / {{.__error_details__}}")),
    "json-024": (line('{"a":1,"a":2,"b":"{{.host}}"}'), json_()),
    "json-025": (json_(), F(s("ok", "=", "true")), F(n("response_status", "<", 300))),
    "json-026": (json_(), F(n("duration_ms", ">", 1000))),
    "json-028": (json_(), F(b("response_size", ">=", 1_000_000))),
    "json-030": (json_(), line("{{.servers}}|{{.tags}}|{{.nothing}}")),
    "json-031": (json_("user", ("s0", "servers[0]")), line("{{.user}} {{.s0}}")),
    "logfmt-002": (logfmt("level", "status"),),
    "logfmt-003": (logfmt(("lvl", "level"), ("code", "status")),),
    "logfmt-004": (logfmt(), F(n("status", ">=", 400)), line("{{.status}} {{.path}}")),
    "logfmt-005": (logfmt(),),
    "logfmt-007": (lf("|=", "authentication failure"), logfmt(), F(s("rhost", "!=", "")), keep("rhost", "user")),
    "logfmt-008": (logfmt(strict=True),),
    "logfmt-010": (logfmt("user", "status", strict=True, keep_empty=True),),
    "logfmt-011": (logfmt(keep_empty=True), F(s("user", "=", ""))),
    "logfmt-012": (logfmt(), F(s("user", "=", ""))),
    "logfmt-013": (lf("|=", "authentication failure"), logfmt(strict=True, keep_empty=True)),
    "logfmt-014": (lf("|=", "authentication failure"), logfmt(keep_empty=True), F(s("ruser", "=", "")),
                   line("{{.rhost}} {{.logname}}|")),
    "logfmt-015": (logfmt(strict=True), F(s("__error__", "!=", ""))),
    "logfmt-017": (line("a=1 a=2 b={{.host}} c"), logfmt(keep_empty=True)),
    "logfmt-018": (logfmt(),),
    "logfmt-019": (DECOLOR, logfmt(), F(s("job_extracted", "=", "resize"))),
    "logfmt-021": (logfmt("msg"), F(s("msg", "=~", '.*".*'))),
    "pattern-002": (lf("|=", "Failed password"), PatternParser("<_> Failed password for <user> from <ip> port <port> ssh2")),
    "pattern-003": (PatternParser("<month> <day> <time> <host> sshd[<pid>]: <_>"), keep("month", "pid")),
    "pattern-004": (PatternParser("<date> <time> <pid> <lvl> <comp>: <content>"),),
    "pattern-005": (PatternParser('<_> "<method> <url> HTTP/1.1" status: <status> len: <len> time: <dur>'),),
    "pattern-006": (DECOLOR, PatternParser(
        "<level> [<component>] job=<task> id=<id> took=<took> size=<size> src=<src> processed_total=<total>")),
    "pattern-007": (PatternParser("ts=<ts> level=<lvl> <_>"),),
    "pattern-008": (PatternParser("<_> status=<status> <_>"), F(s("status", "=", "404"))),
    "pattern-009": (PatternParser("<_> <_> <_> <component> <_>"),),
    "pattern-011": (PatternParser("<_> Invalid user <user> from <ip>"),),
    "pattern-012": (PatternParser('{"container":"<c>","pod":"<p>",<_>'),),
    "regexp-001": (RegexpParser(r"Failed password for (invalid user )?(?P<user>\S+) from (?P<ip>[0-9.]+) port (?P<port>\d+)"),),
    "regexp-002": (RegexpParser(r"size (?P<size>\d+)"),),
    "regexp-003": (RegexpParser(r"status: (?P<status>\d+) len: (?P<len>\d+) time: (?P<time>[0-9.]+)"),),
    "regexp-004": (RegexpParser(r'"(?P<method>GET|POST|DELETE) (?P<path>/\S+)'),),
    "regexp-007": (RegexpParser(r"(?P<host>web-\d)"),),
    "regexp-008": (RegexpParser(r"^(?P<first>\S+)"),),
    "unpack-001": (UNPACK,),
    "unpack-002": (UNPACK, F(s("container", "=", "nginx"))),
    "lbl-002": (logfmt(), F(s("level", "!=", "info"))),
    "lbl-003": (logfmt(), F(s("level", "=~", "warn|error"))),
    "lbl-005": (logfmt(), F(s("level", "=~", "err"))),
    "lbl-007": (logfmt(), F(n("status", "==", 404))),
    "lbl-008": (logfmt(), F(n("status", "==", 404))),
    "lbl-009": (logfmt(), F(n("status", "!=", 200))),
    "lbl-011": (logfmt(), F(n("status", "<=", 204))),
    "lbl-012": (logfmt(), F(n("latency_ms", ">", 2000.5))),
    "lbl-013": (logfmt(), F(n("latency_ms", ">=", -1)), F(n("latency_ms", "<", 50))),
    "lbl-014": (logfmt(), F(n("status", ">", 400.5))),
    "lbl-015": (logfmt(), F(d("duration", ">", "1s"))),
    "lbl-016": (logfmt(), F(d("duration", "<=", "250ms"))),
    "lbl-017": (logfmt(), F(d("duration", ">=", "2m"))),
    "lbl-018": (logfmt(), F(d("duration", "==", "1.5s"))),
    "lbl-019": (logfmt(), F(d("duration", "<", "1ms"))),
    "lbl-021": (logfmt(), F(d("duration", "!=", "3s")), F(d("duration", ">", "900ms"))),
    "lbl-022": (logfmt(), F(b("size", ">", 1_000_000))),
    "lbl-023": (logfmt(), F(b("size", "<=", 12_000))),
    "lbl-024": (logfmt(), F(b("size", "==", 3100))),
    "lbl-025": (logfmt(), F(b("size", ">=", 1_000_000_000))),
    "lbl-026": (logfmt(), F(b("size", "<", 1000))),  # 1KiB -> humanize "1.0kB"
    "lbl-028": (logfmt(), F(b("size", ">", 52_000_000))),  # 50MiB -> "52MB"
    "lbl-031": (logfmt(), F(AND(s("level", "=", "info"), n("status", "<", 300)))),
    "lbl-032": (logfmt(), F(AND(n("status", ">=", 400), s("method", "=", "GET")))),
    "lbl-033": (logfmt(), F(AND(n("status", ">=", 400), s("method", "=", "GET")))),
    "lbl-035": (logfmt(), F(OR(s("level", "=", "info"), AND(s("level", "=", "warn"), n("status", "==", 200))))),
    "lbl-036": (logfmt(), F(OR(s("level", "=", "debug"), s("method", "=", "DELETE"))), F(n("status", ">=", 300))),
    "lbl-037": (logfmt(), F(AND(OR(n("status", ">=", 500), b("size", ">", 1_000_000)), s("user", "=", "alice")))),
    "lbl-038": (logfmt(), F(IpLabelFilter("client_ip", "=", "192.168.0.0/16"))),
    "lbl-042": (logfmt(), F(n("status", ">", 5))),
    "lbl-043": (logfmt(), F(n("user", ">", 5))),
    "lbl-044": (logfmt(), F(n("user", ">", 5)), F(s("__error__", "=", "LabelFilterErr"))),
    "lbl-045": (logfmt(), F(d("msg", ">", "1s"))),
    "lbl-046": (logfmt(), F(b("path", ">=", 1000))),
    "lbl-047": (logfmt(), F(d("status", ">", "1s"))),
    "lbl-048": (logfmt(), F(s("nosuch", "=", "")), F(s("level", "=", "warn"))),
    "lbl-054": (logfmt(), F(s("size", "=", "3KiB")), F(b("size", "<", 3100))),
    "lbl-055": (logfmt(), F(s("size", "=", "64MiB")), F(b("size", "==", 67_000_000))),
    "lbl-058": (logfmt(), F(s("duration", "=", "1h2m")), F(d("duration", "==", "62m")), F(d("duration", ">", "3719s"))),
    "fmt-002": (lf("|=", "Failed password"), PatternParser("<_> for <user> from <ip> port <_>"), line("{{.user}}@{{.ip}}")),
    "fmt-003": (json_(), line("{{.request_method}} {{.response_status}} {{.user_name}}")),
    "fmt-004": (line("{{.host}}/{{.env}}/{{.job}}"),),
    "fmt-005": (logfmt(), line("[{{.nosuch}}] {{.user}}")),
    "fmt-007": (line("{{ __timestamp__ }}"),),
    "fmt-008": (line('{{ __timestamp__ | date "2006-01-02 15:04:05.000" }} {{ .host }}'),),
    "fmt-009": (line("{{ __timestamp__ | unixEpoch }} {{ __timestamp__ | unixEpochMillis }}"),),
    "fmt-010": (line("{{ __timestamp__ | unixEpochNanos }}"),),
    "fmt-011": (logfmt(), line("{{ .level | upper }} {{ .method | lower }} {{ .msg | title }}")),
    "fmt-012": (logfmt(), line('{{ .path | replace "/" "_" }}')),
    "fmt-013": (logfmt(), line("{{ .msg | trunc 5 }}|{{ .msg | trunc -4 }}")),
    "fmt-014": (logfmt(), line("{{ substr 1 4 .path }}|{{ .path | substr 0 2 }}")),
    "fmt-017": (logfmt(), line('{{ contains "api" .path }} {{ hasPrefix "/api" .path }} {{ hasSuffix ".js" .path }}')),
    "fmt-019": (logfmt(), line('{{ default "anon" .user }} {{ .user | default "nobody" }}')),
    "fmt-020": (logfmt(), line('{{ printf "%6s|%-5s|%q" .status .level .method }}')),
    "fmt-021": (line("{{ $x := fromJson __line__ }}{{ $x.level }}"),),
    "fmt-022": (logfmt(), line('{{ .path | b64enc }} {{ "aGVsbG8=" | b64dec }}')),
    "fmt-023": (logfmt(), line("{{ .msg | urlencode }}")),
    "fmt-024": (line('{{ "a%20b%2Fc" | urldecode }}'),),
    "fmt-027": (logfmt(), line("{{ add .status 1 }} {{ sub .status 100 }} {{ mul .status 2 }} {{ div .status 7 }} {{ mod .status 100 }}")),
    "fmt-029": (logfmt(), line("{{ max .status 300 }} {{ min .status 300 }} {{ maxf .latency_ms 500.5 }} {{ minf .latency_ms 500.5 }}")),
    "fmt-030": (logfmt(), line("{{ ceil .latency_ms }} {{ floor .latency_ms }} {{ round .latency_ms 0 }} {{ .latency_ms | int }} {{ .status | float64 }}")),
    "fmt-031": (logfmt(), line('{{ toDate "2006-01-02T15:04:05.000Z" .ts | unixEpoch }}')),
    "fmt-032": (logfmt(), line('{{ toDateInZone "2006-01-02T15:04:05.000Z" "UTC" .ts | date "15:04" }}')),
    "fmt-033": (json_(), line('{{ unixToTime "1704067200" | date "2006-01-02" }} {{ .user_id | int | mul 10 }}')),
    "fmt-034": (logfmt(), line("{{ .duration | duration }} {{ .size | bytes }}")),
    "fmt-036": (logfmt(), line("{{ .status | int | add 1 | mul 2 }}")),
    "fmt-037": (json_(), line("{{ lower .request_headers_User_Agent | trunc 4 }}")),
    "fmt-039": (logfmt(), labelf(("lvl", "level", False))),
    "fmt-040": (logfmt(), labelf(("code", "status", False), ("m", "method", False))),
    "fmt-041": (labelf(("hostname", "host", False)),),
    "fmt-042": (logfmt(), labelf(("desc", "{{.method}} {{.path}}", True))),
    "fmt-043": (logfmt(), labelf(("level", "{{ .level | upper }}", True))),
    "fmt-045": (logfmt(), labelf(("a", "status", False), ("b", "{{.a}}-x", True))),
    "fmt-049": (logfmt(), drop(("method", "=", "GET"))),
    "fmt-050": (logfmt(), drop(("user", "=~", "a.*"), "path", "host")),
    "fmt-051": (json_(), drop("__error__")),
    "fmt-054": (drop("trace_id", "span_id"),),
    "fmt-057": (logfmt(), keep("host")),
    "fmt-058": (logfmt(strict=True), keep("level")),
    "fmt-062": (logfmt(), line("{{.status}}"), F(s("status", "=", "500"))),
    "err-014": (line("{{ div 1 0 }}"), F(s("__error__", "!=", ""))),
    "qa-027": (lf("|=", "blk_-8775602795571523802"),),
    "qa-040": (lf("|=", "Took"), lf("|=", "to spawn the instance")),
    "qa-043": (lf("|=", "Total memory"), RegexpParser(r"memory: (?P<mem>\d+) MB"), line("{{.mem}}")),
    "text-002": (lf("|~", "panic.*goroutine"),),
    "text-003": (lf("|~", "(?s)panic.*goroutine"),),
    "text-004": (lf("|~", "^goroutine"),),
    "text-006": (lf("|=", "panic"), RegexpParser(r"goroutine (?P<gid>\d+)"), line("{{.gid}}")),
    "text-007": (lf("|=", "panic"), PatternParser("panic: <msg>\n<_>")),
    "text-008": (lf("|=", "panic"), line('{{ __line__ | replace "\\n" " | " }}')),
    "text-010": (lf("|=", "café"),),
    "text-011": (lf("|~", "caf. ."),),
    "text-012": (lf("|~", "(?i)ünïcödé"),),
    "text-014": (logfmt(), F(s("user", "=~", "zo.|j.rgen")),
                 line("{{ .msg | trunc 4 }}|{{ len .msg }}|{{ .msg | upper }}|{{ substr 0 3 .user }}")),
    "text-015": (LineFilter("|=", (LineFilterArg("8.8.8.8", is_ip=True), LineFilterArg("café"))),),
    "text-016": (logfmt(), F(s("user", "=~", r"\p{L}+ë"))),
}

IDS = sorted(
    f"{group}.range.{d}" for group in CASES for d in ("fwd", "bwd") if f"{group}.range.{d}" in cases()
)


@pytest.mark.parametrize("case_id", IDS)
def test_corpus_case(case_id: str) -> None:
    group = case_id.split(".")[0]
    got = replay(case_id, CASES[group])
    want = expected(case_id)
    assert got == want


def test_every_table_case_exists() -> None:
    missing = [g for g in CASES if f"{g}.range.fwd" not in cases()]
    assert missing == []
