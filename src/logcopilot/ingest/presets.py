"""Named log formats (presets), as data: header layout, timestamp, stream labels.

In: a ``--format`` value (a preset name or alias, or a Loghub-style format string).
Out: a ``Preset`` that says how to cut a line into fields (``kind``: a Loghub ``header``
format, ``json`` keys, or ``logfmt`` keys), which fields make the timestamp, and which
low-cardinality fields become stream labels.

Adding a format is adding an entry to ``PRESETS``; a test ingests every preset's ``example``
lines. A custom format string gets labels only from fields named ``Level`` and ``Component``
(the low-cardinality header fields by convention); other fields (pids, ids, hosts) stay in
the line, where LogQL parsers reach them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from logcopilot.errors import InputError
from logcopilot.ingest.formats import LogFormat, compile_format
from logcopilot.ingest.timestamps import TimestampSpec

__all__ = ["PRESETS", "LabelRule", "Preset", "preset_names", "resolve_format"]

SYSLOG_SEVERITIES = ("emerg", "alert", "crit", "err", "warning", "notice", "info", "debug")


@dataclass(frozen=True)
class LabelRule:
    """How one stream label is derived from a field (or is a constant).

    ``regex``: keep the first group of this pattern (no match: no label); ``replace``:
    ``(pattern, replacement)`` applied to the value; ``severity``: a syslog PRI number becomes
    its severity name; values in ``drop`` (and empty values) give no label, as in Loki.
    """

    name: str
    source: str | None = None
    const: str | None = None
    lower: bool = False
    regex: str | None = None
    replace: tuple[str, str] | None = None
    severity: bool = False
    drop: tuple[str, ...] = ()

    def apply(self, values: dict[str, str]) -> str | None:
        if self.const is not None:
            return self.const
        value = values.get(self.source or "")
        if value is None:
            return None
        if self.regex is not None:
            m = re.search(self.regex, value)
            value = (m.group(1) or "") if m else ""
        if self.replace is not None:
            value = re.sub(self.replace[0], self.replace[1], value)
        if self.severity:
            value = SYSLOG_SEVERITIES[int(value) % 8] if value.isdigit() else ""
        if self.lower:
            value = value.lower()
        return value if value and value not in self.drop else None


@dataclass(frozen=True)
class Preset:
    """One named format. ``keys`` (json/logfmt) maps a field name to candidate keys."""

    name: str
    kind: str  # "header" | "json" | "logfmt"
    description: str
    timestamp: TimestampSpec
    labels: tuple[LabelRule, ...] = ()
    format: str | None = None  # Loghub-style header format (kind "header")
    keys: tuple[tuple[str, tuple[str, ...]], ...] = ()
    message: str | None = None  # the field holding the message (json/logfmt)
    message_format: str | None = None  # Loghub format of the message itself (TrainTicket)
    multiline: bool = True  # unmatched lines are continuation lines of the previous entry
    detect: str | None = None  # stricter line regex used by auto-detection
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = field(default=(), repr=False)

    @property
    def log_format(self) -> LogFormat | None:
        return compile_format(self.format) if self.format else None

    @property
    def record(self) -> str:
        """What ``sources.format`` stores: the name, plus the spec for custom formats."""
        return self.name if self.name != "custom" else f"custom|{self.format}"

    def parse(self, line: str) -> dict[str, str] | None:
        """Header fields and ``Content`` of one stored line, or None when it does not match.

        Example::

            >>> resolve_format("OpenSSH").parse("Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user x")["Content"]
            'Invalid user x'
        """
        if self.kind == "header":
            fmt = self.log_format
            parsed = fmt.parse(line) if fmt else None
            if parsed is not None and "Content" not in parsed:
                parsed["Content"] = line  # formats without a message (access logs): the whole line
            return parsed
        values = parse_json_fields(self, line) if self.kind == "json" else parse_logfmt_fields(self, line)
        if values is None:
            return None
        content = values.get(self.message or "", "")
        if self.message_format:
            inner = compile_format(self.message_format).parse(content)
            if inner is not None:
                values.update(inner)
                return values
        values["Content"] = content
        return values


def parse_json_fields(preset: Preset, line: str) -> dict[str, str] | None:
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    out: dict[str, str] = {}
    for name, candidates in preset.keys:
        for key in candidates:
            value = obj.get(key)
            if value is not None:
                out[name] = value if isinstance(value, str) else json.dumps(value)
                break
    return out


LOGFMT_PAIR = r'(?:^|\s)({key})=("(?:[^"\\]|\\.)*"|\S*)'


def parse_logfmt_fields(preset: Preset, line: str) -> dict[str, str] | None:
    if not re.match(r"^\s*[\w.@-]+=", line):
        return None
    out: dict[str, str] = {}
    for name, candidates in preset.keys:
        for key in candidates:
            m = re.search(LOGFMT_PAIR.format(key=re.escape(key)), line)
            if m:
                value = m.group(2)
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
                out[name] = value
                break
    return out


def _lv(source: str = "Level") -> LabelRule:
    return LabelRule("level", source=source, lower=True)


def _comp(source: str = "Component") -> LabelRule:
    return LabelRule("component", source=source)


_MON = "[A-Z][a-z]{2}"
_LEVELS = "(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL|SEVERE)"
_APP_FRACTION = ("%Y-%m-%d %H:%M:%S,%f", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S")

PRESETS: tuple[Preset, ...] = (
    # -- Loghub systems (formats.json); labels follow the Loki corpus convention -----------
    Preset(
        "HDFS", "header", "Hadoop HDFS (Loghub)",
        TimestampSpec(("Date", "Time"), ("%y%m%d %H%M%S",)), (_lv(), _comp()),
        format="<Date> <Time> <Pid> <Level> <Component>: <Content>",
        detect=r"^\d{6} \d{6} \d+ [A-Z]+ \S+: ",
        examples=("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",),
    ),
    Preset(
        "OpenSSH", "header", "OpenSSH sshd syslog lines (Loghub); component is always sshd",
        TimestampSpec(("Date", "Day", "Time"), ("%b %d %H:%M:%S",)), (LabelRule("component", const="sshd"),),
        format=r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>",
        detect=rf"^{_MON} +\d+ \d\d:\d\d:\d\d \S+ sshd\[\d+\]: ",
        examples=("Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",),
    ),
    Preset(
        "OpenStack", "header", "OpenStack nova logs (Loghub)",
        TimestampSpec(("Date", "Time"), ("%Y-%m-%d %H:%M:%S.%f",)), (_lv(), _comp()),
        format=r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>",
        detect=r"^\S+ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \d+ [A-Z]+ \S+ \[",
        examples=('nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae 113d3a99c3da401fbd62cc2caa5b96d2 54fadb412c4e40cdbaed9335e4c35a9e - - -] 10.11.10.1 "GET /v2/servers/detail HTTP/1.1" status: 200 len: 1893 time: 0.2477829',),
    ),
    Preset(
        "BGL", "header", "Blue Gene/L RAS log (Loghub); time from the epoch field (UTC)",
        TimestampSpec(("Timestamp",), ("epoch",)), (_lv(), _comp()),
        format="<Label> <Timestamp> <Date> <Node> <Time> <NodeRepeat> <Type> <Component> <Level> <Content>",
        detect=r"^\S+ \d{9,10} \d{4}\.\d\d\.\d\d \S+ \d{4}-\d\d-\d\d-\d\d\.\d\d\.\d\d\.\d+ ",
        examples=("- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",),
    ),
    Preset(
        "HPC", "header", "HPC cluster log (Loghub); time is epoch seconds",
        TimestampSpec(("Time",), ("epoch",)), (_comp(),),
        format="<LogId> <Node> <Component> <State> <Time> <Flag> <Content>",
        detect=r"^\d+ \S+ \S+ \S+ \d{9,10} \d+ ",
        examples=("134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change: Component \\042alt0\\042 is in the unavailable state (HWID=1973)",),
    ),
    Preset(
        "Thunderbird", "header", "Thunderbird supercomputer syslog (Loghub); time from the epoch field",
        TimestampSpec(("Timestamp",), ("epoch",)), (),
        format=r"<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> <Component>(\[<PID>\])?: <Content>",
        detect=rf"^\S+ \d{{9,10}} \d{{4}}\.\d\d\.\d\d \S+ {_MON} +\d+ \d\d:\d\d:\d\d ",
        examples=("- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond[2916]: (root) CMD (run-parts /etc/cron.hourly)",),
    ),
    Preset(
        "HealthApp", "header", "Android health app log (Loghub)",
        TimestampSpec(("Time",), ("%Y%m%d-%H:%M:%S:%f",)), (_comp(),),
        format=r"<Time>\|<Component>\|<Pid>\|<Content>",
        detect=r"^\d{8}-\d\d:\d\d:\d\d:\d+\|[^|]+\|\d+\|",
        examples=("20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",),
    ),
    Preset(
        "Proxifier", "header", "Proxifier proxy client log (Loghub); no year in the log",
        TimestampSpec(("Time",), ("%m.%d %H:%M:%S",)), (_comp("Program"),),
        format=r"\[<Time>\] <Program> - <Content>",
        detect=r"^\[\d\d\.\d\d \d\d:\d\d:\d\d\] \S.* - ",
        examples=("[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",),
    ),
    Preset(
        "Mac", "header", "macOS system log (Loghub); no year in the log",
        TimestampSpec(("Month", "Date", "Time"), ("%b %d %H:%M:%S",)), (),
        format=r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]( \(<Address>\))?: <Content>",
        detect=rf"^{_MON} +\d+ \d\d:\d\d:\d\d \S+ [^\[\s]+\[\d+\]( \([^)]*\))?: ",
        examples=("Jul  1 09:01:05 calvisitor-10-105-160-95 com.apple.CDScheduler[43]: Thermal pressure state: 1 Memory pressure state: 0",),
    ),
    # -- syslog ------------------------------------------------------------------------------
    Preset(
        "rfc3164", "header", "BSD syslog (RFC 3164): '<34>Oct 11 22:14:15 host prog[pid]: msg'; no year",
        TimestampSpec(("Month", "Day", "Time"), ("%b %d %H:%M:%S",)),
        (LabelRule("level", source="Pri", severity=True), LabelRule("host", source="Host"), _comp()),
        format=r"(?:\x3c<Pri>\x3e)?<Month> <Day> <Time> <Host> <Component>(?:\[<Pid>\])?: <Content>",
        detect=rf"^(?:<\d+>)?{_MON} +\d+ \d\d:\d\d:\d\d \S+ [^\s:\[]+(?:\[\d+\])?: ",
        aliases=("syslog", "syslog-rfc3164"),
        examples=("<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8", "Oct 11 22:14:16 mymachine cron: job done"),
    ),
    Preset(
        "rfc5424", "header", "IETF syslog (RFC 5424): '<165>1 2003-10-11T22:14:15.003Z host app procid msgid [sd] msg'",
        TimestampSpec(("Timestamp",), ("iso8601",)),
        (LabelRule("level", source="Pri", severity=True), LabelRule("host", source="Host", drop=("-",)),
         LabelRule("component", source="App", drop=("-",))),
        format=r"\x3c<Pri>\x3e1 <Timestamp> <Host> <App> <ProcId> <MsgId> <Content>",
        detect=r"^<\d+>1 \d{4}-\d\d-\d\dT\S+ \S+ \S+ \S+ \S+ ",
        aliases=("syslog-rfc5424",),
        examples=('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event',),
    ),
    # -- JSON lines and logfmt ---------------------------------------------------------------
    Preset(
        "trainticket", "json", "Kubernetes container JSON lines (TrainTicket): service from the pod, level from the app line",
        TimestampSpec(("time",), ("iso8601",)),
        (LabelRule("service", source="pod", replace=(r"-[0-9a-z]+-[0-9a-z]{5}$", "")),
         LabelRule("level", source="log", regex=r"^\S+\s+(INFO|WARN|ERROR|DEBUG|TRACE)\s", lower=True)),
        keys=(("time", ("time",)), ("pod", ("pod",)), ("log", ("log",)), ("namespace", ("namespace",)),
              ("container", ("container",)), ("node", ("node",))),
        message="log",
        message_format="<Clock> <Level> <Logger>#<LineNo> TraceID: <TraceID> SpanID: <SpanID> <Content>",
        multiline=False, detect=r'^\{.*"pod"\s*:.*"log"\s*:', aliases=("k8s-json",),
        examples=('{"time":"2023-01-29T08:42:22.383150913Z","namespace":"train-ticket","pod":"ts-travel-service-64469b5b48-25zj6","container":"server","node":"33.33.33.116","stream":"stdout","log":"16:42:22.382 INFO  t.s.TravelServiceImpl#532 TraceID: ffc8ca7e4c8f06c75142c880d5595d96 SpanID: 439bc949a9eeb0cc [getRouteByRouteId][Get Route By Id]"}',),
    ),
    Preset(
        "json", "json", "JSON lines: time in time/timestamp/ts/@timestamp, level in level/severity",
        TimestampSpec(("time",), ("iso8601", "epoch")), (_lv("level"),),
        keys=(("time", ("time", "timestamp", "ts", "@timestamp", "t")), ("level", ("level", "severity", "lvl")),
              ("msg", ("msg", "message", "log"))),
        message="msg", multiline=False, detect=r"^\s*\{.*\}\s*$", aliases=("jsonl", "ndjson"),
        examples=('{"ts":"2024-01-01T12:00:00.5+01:00","level":"WARN","msg":"disk almost full"}', '{"timestamp":1704110400123,"level":"info","message":"ok"}'),
    ),
    Preset(
        "logfmt", "logfmt", "logfmt key=value lines: ts/time/timestamp, level/lvl",
        TimestampSpec(("time",), ("iso8601", "epoch")), (_lv("level"),),
        keys=(("time", ("ts", "time", "timestamp", "t")), ("level", ("level", "lvl", "severity")), ("msg", ("msg", "message"))),
        message="msg", multiline=False,
        detect=r'^\s*(ts|time|timestamp|t)=\S+(\s+[\w.@-]+=("(?:[^"\\]|\\.)*"|\S*))+\s*$',
        examples=('ts=2024-01-01T12:00:00Z level=info method=GET path=/ status=200 msg="request done"',),
    ),
    # -- web servers ---------------------------------------------------------------------------
    Preset(
        "apache-combined", "header", "Apache/Nginx access log, combined format (nginx's default)",
        TimestampSpec(("Time",), ("%d/%b/%Y:%H:%M:%S %z",)), (),
        format=r'<Host> <Ident> <User> \[<Time>\] "<Request>" <Status> <Size> "<Referer>" "<Agent>"',
        multiline=False, detect=r'^\S+ \S+ .*? \[\d\d/[A-Z][a-z]{2}/\d{4}:[\d:]+ [+-]\d{4}\] "[^"]*" \d{3} \S+ "[^"]*" "[^"]*"$',
        aliases=("combined", "nginx", "nginx-access"),
        examples=('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08"',),
    ),
    Preset(
        "apache-common", "header", "Apache access log, common log format (CLF)",
        TimestampSpec(("Time",), ("%d/%b/%Y:%H:%M:%S %z",)), (),
        format=r'<Host> <Ident> <User> \[<Time>\] "<Request>" <Status> <Size>',
        multiline=False, detect=r'^\S+ \S+ .*? \[\d\d/[A-Z][a-z]{2}/\d{4}:[\d:]+ [+-]\d{4}\] "[^"]*" \d{3} \S+$',
        aliases=("common", "clf", "apache-access"),
        examples=('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',),
    ),
    Preset(
        "apache-error", "header", "Apache error log: '[Sun Dec 04 04:47:44 2005] [error] msg' (2.2 and 2.4)",
        TimestampSpec(("Time",), ("%a %b %d %H:%M:%S %Y", "%a %b %d %H:%M:%S.%f %Y")), (_lv(),),
        format=r"\[<Time>\] \[(?:[\w.-]+:)?<Level>\] <Content>",
        detect=rf"^\[[A-Z][a-z]{{2}} {_MON} +\d+ \d\d:\d\d:\d\d(\.\d+)? \d{{4}}\] \[([\w.-]+:)?\w+\] ",
        examples=("[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
                  "[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] File does not exist"),
    ),
    Preset(
        "nginx-error", "header", "Nginx error log: '2024/01/01 12:00:00 [error] 123#0: *1 msg'",
        TimestampSpec(("Date", "Time"), ("%Y/%m/%d %H:%M:%S",)), (_lv(),),
        format=r"<Date> <Time> \[<Level>\] <Pid>#<Tid>: <Content>",
        detect=r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[\w+\] \d+#\d+: ",
        examples=('2024/01/01 12:00:00 [error] 1234#0: *5 open() "/var/www/favicon.ico" failed (2: No such file or directory)',),
    ),
    # -- application layouts -----------------------------------------------------------------------
    Preset(
        "log4j", "header", "'2024-01-01 12:00:00,123 LEVEL [thread] logger - msg' (log4j %d %-5p [%t] %c - %m)",
        TimestampSpec(("Date", "Time"), _APP_FRACTION), (_lv(),),
        format=r"<Date> <Time> <Level> \[<Thread>\] <Logger> - <Content>",
        detect=rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d[,.]\d+ +{_LEVELS} +\[[^\]]*\] \S+ - ",
        aliases=("app",),
        examples=("2024-01-01 12:00:00,123 INFO  [main] com.example.App - started in 1.2 s",),
    ),
    Preset(
        "logback", "header", "'2024-01-01 12:00:00.123 [thread] LEVEL logger - msg' (logback with a date)",
        TimestampSpec(("Date", "Time"), _APP_FRACTION), (_lv(),),
        format=r"<Date> <Time> \[<Thread>\] <Level> <Logger> - <Content>",
        detect=rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d[,.]\d+ \[[^\]]*\] +{_LEVELS} +\S+ - ",
        examples=("2024-01-01 12:00:00.123 [http-nio-8080-exec-1] ERROR c.e.web.Controller - request failed",),
    ),
    Preset(
        "spring-boot", "header", "Spring Boot default: '2024-01-01 12:00:00.123  INFO 1234 --- [main] c.e.App : msg'",
        TimestampSpec(("Date", "Time"), _APP_FRACTION), (_lv(),),
        format=r"<Date> <Time> <Level> <Pid> --- \[<Thread>\] <Logger> : <Content>",
        detect=rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d[,.]\d+ +{_LEVELS} \d+ --- \[",
        examples=("2024-01-01 12:00:00.123  INFO 4242 --- [           main] c.e.DemoApplication                      : Started DemoApplication",),
    ),
    Preset(
        "python", "header", "Python logging '%(asctime)s - %(name)s - %(levelname)s - %(message)s'",
        TimestampSpec(("Date", "Time"), _APP_FRACTION), (_lv(),),
        format="<Date> <Time> - <Logger> - <Level> - <Content>",
        detect=rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ - \S+ - {_LEVELS} - ",
        examples=("2024-01-01 12:00:00,123 - myapp.db - WARNING - slow query took 2.5 s",),
    ),
    Preset(
        "iso-level", "header", "'<ISO 8601 time> LEVEL message', the generic application layout",
        TimestampSpec(("Timestamp",), ("iso8601",)), (_lv(),),
        format="<Timestamp> <Level> <Content>",
        detect=rf"^\d{{4}}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)? +\[?{_LEVELS}\]?:? ",
        examples=("2024-01-01T12:00:00.123456789Z ERROR payment declined for order 42",),
    ),
)

_BY_NAME: dict[str, Preset] = {}
for _p in PRESETS:
    for _n in (_p.name, *_p.aliases):
        _BY_NAME[_n.lower()] = _p
_BY_SPEC: dict[str, Preset] = {p.format: p for p in PRESETS if p.format}


def preset_names() -> list[str]:
    return [p.name for p in PRESETS]


def resolve_format(value: str) -> Preset:
    """A preset by name or alias (any case), by its exact format string, or a custom format."""
    found = _BY_NAME.get(value.strip().lower()) or _BY_SPEC.get(value)
    if found is not None:
        return found
    if "<" not in value:
        raise InputError(f"unknown format {value!r}; presets: {', '.join(preset_names())}, or a format like '<Date> <Time> <Level> <Content>'")
    return custom_preset(value)


def custom_preset(spec: str) -> Preset:
    """A preset for a user's format string: labels from Level/Component, timestamp guessed later."""
    fmt = compile_format(spec)
    labels = tuple(r for r in (_lv(), _comp()) if r.source in fmt.fields)
    return Preset("custom", "header", f"custom format {spec}", TimestampSpec((), ("iso8601",)), labels, format=spec)
