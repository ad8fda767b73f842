"""Parse stage: a preset compiled to one DuckDB query over the staged lines.

In: ``_ing_raw(l)`` (one row per physical line, in file order) and a ``Preset``.
Out: ``_ing(line_no, l, matched, ts, lab_0, ...)``: whether the line has a header of the
format, its timestamp in ns UTC (NULL when unreadable) and one column per stream label
('' when the line gives no value).

Only the fields the timestamp and the labels need are extracted; the rest of the line is
left to later stages (``Preset.parse`` splits stored lines on demand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from logcopilot.ingest.presets import LOGFMT_PAIR, SYSLOG_SEVERITIES, LabelRule, Preset
from logcopilot.ingest.timestamps import sql_timestamp

__all__ = ["Compiled", "compile_preset", "run_extract"]


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Compiled:
    """SQL for one preset.

    ``fields``: a SELECT list over ``l`` giving ``matched`` and ``f_<field>`` columns (it may
    refer to ``s``, the line's words, and ``m``, computed by ``inner``). ``fix``: for header
    formats with a token plan, the exact-regex struct for lines the tight check refused.
    """

    inner: str  # SELECT list over l: helper columns (s, ok, m, x)
    fields: str  # SELECT list over the inner columns: matched, f_<field>...
    ts: str
    labels: tuple[tuple[str, str], ...]  # (label name, SQL over f_ columns giving '' for none)
    fix: str | None = None  # SQL struct (regexp_extract) used to re-read refused lines
    fix_fields: tuple[str, ...] = ()


def _field_ref(name: str) -> str:
    return '"f_' + name.replace('"', '""') + '"'


def _struct_cols(names: list[str]) -> str:
    return "".join(f', m."{n}" AS {_field_ref(n)}' for n in names)


def _label_sql(rule: LabelRule) -> str:
    if rule.const is not None:
        return _q(rule.const)
    v = f"coalesce({_field_ref(rule.source or '')}, '')"
    if rule.regex is not None:
        v = f"regexp_extract({v}, {_q(rule.regex)}, 1)"
    if rule.replace is not None:
        v = f"regexp_replace({v}, {_q(rule.replace[0])}, {_q(rule.replace[1])})"
    if rule.severity:
        names = "[" + ", ".join(_q(s) for s in SYSLOG_SEVERITIES) + "]"
        v = f"coalesce({names}[(try_cast({v} AS INTEGER) % 8) + 1], '')"
    if rule.lower:
        v = f"lower({v})"
    if rule.drop:
        v = f"(CASE WHEN {v} IN ({', '.join(_q(d) for d in rule.drop)}) THEN '' ELSE {v} END)"
    return v


def _needed(preset: Preset) -> list[str]:
    names = list(preset.timestamp.fields)
    for rule in preset.labels:
        if rule.source and rule.source not in names:
            names.append(rule.source)
    return names


def compile_preset(preset: Preset, *, year: int, tz: str) -> Compiled:
    """The SQL that extracts timestamp and labels for ``preset``.

    Header formats with a token plan (see ``LogFormat.token_plan``) read every line with the
    tight check and ``string_split``; lines the check refuses (few, in real logs) are read
    again with the exact Loghub regex by ``run_extract``. No CASE over struct values: DuckDB
    evaluates those far more slowly than plain columns.
    """
    needed = _needed(preset)
    fix: str | None = None
    fix_fields: tuple[str, ...] = ()
    if preset.kind == "header":
        fmt = preset.log_format
        assert fmt is not None
        pattern, names = fmt.sql_pattern(needed)
        names_sql = ", ".join(_q(n) for n in names)
        exact = f"regexp_extract(l, {_q(pattern)}, [{names_sql}])"
        plan = fmt.token_plan(names[1:])
        if plan is None:
            inner = f"l, {exact} AS m"
            fields = f"coalesce(m.__match <> '', false) AS matched{_struct_cols(names[1:])}"
        else:
            check, where = plan
            inner = f"l, regexp_matches(l, {_q(check)}) AS ok, string_split(l, ' ') AS s"
            toks = ""
            for name in names[1:]:
                index, pre, suf = where[name]
                tok = f"s[{index}]"
                value = tok if not (pre or suf) else f"substr({tok}, {pre + 1}, length({tok}) - {pre + suf})"
                toks += f", {value} AS {_field_ref(name)}"
            fields = f"coalesce(ok, false) AS matched{toks}"
            fix, fix_fields = exact, tuple(names[1:])
    elif preset.kind == "json":
        keys = dict(preset.keys)
        paths: list[str] = []
        slots: dict[str, list[int]] = {}
        for name in needed:
            for key in keys.get(name, (name,)):
                slots.setdefault(name, []).append(len(paths) + 1)
                paths.append("$." + '"' + key.replace('"', '\\"') + '"')
        lst = f"json_extract_string(l, [{', '.join(_q(p) for p in paths)}])"
        # json_extract_string raises on malformed JSON: the CASEs keep it to valid objects
        inner = f"l, CASE WHEN json_valid(l) THEN CASE WHEN json_type(l) = 'OBJECT' THEN {lst} END END AS x"
        fields = "x IS NOT NULL AS matched" + "".join(
            f", coalesce({', '.join(f'x[{i}]' for i in idx)}) AS {_field_ref(name)}" for name, idx in slots.items()
        )
    else:  # logfmt
        keys = dict(preset.keys)
        inner = "l"
        fields = "coalesce(regexp_matches(l, '^\\s*[\\w.@-]+='), false) AS matched"
        for name in needed:
            exprs = []
            for key in keys.get(name, (name,)):
                pat = LOGFMT_PAIR.format(key=re.escape(key))
                exprs.append(f"nullif(regexp_extract(l, {_q(pat)}, 2), '')")
            raw = f"coalesce({', '.join(exprs)})"
            unq = (
                f"CASE WHEN {raw} LIKE '\"%\"' AND length({raw}) >= 2 THEN "
                f"replace(replace({raw}[2:-2], '\\\"', '\"'), '\\\\', '\\') ELSE {raw} END"
            )
            fields += f", {unq} AS {_field_ref(name)}"
    ts = sql_timestamp(preset.timestamp, {f: _field_ref(f) for f in preset.timestamp.fields}, year=year, tz=tz)
    labels = tuple((rule.name, _label_sql(rule)) for rule in preset.labels)
    return Compiled(inner=inner, fields=fields, ts=ts, labels=labels, fix=fix, fix_fields=fix_fields)


def run_extract(con: duckdb.DuckDBPyConnection, compiled: Compiled, relation: str) -> list[str]:
    """Create ``_ing(matched, empty, ts, lab_i...)``, one row per line of ``relation`` in file
    order (``rowid + 1`` is the line number); return the label names.

    ``_ing`` holds no text: a multi-GB log would not fit in memory twice. Later queries pair
    it with the lines again by position (``POSITIONAL JOIN``). The exact regex only runs when
    the tight check refused some non-empty lines, so a clean log pays for one DFA check per
    line and no submatch extraction.
    """
    labels = "".join(f", coalesce({sql}, '') AS lab_{i}" for i, (_, sql) in enumerate(compiled.labels))
    outer = f"matched, {compiled.ts} AS ts{labels}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _ing AS SELECT {outer.replace('matched, ', 'matched, empty, ', 1)} FROM "
        f"(SELECT coalesce(l, '') = '' AS empty, {compiled.fields} FROM (SELECT {compiled.inner} FROM {relation}))"
    )
    if compiled.fix is None:
        return [name for name, _ in compiled.labels]
    row = con.execute("SELECT count(*) FROM _ing WHERE NOT matched AND NOT empty").fetchone()
    if row and row[0]:
        sets = ", ".join(["matched = x.matched", "ts = x.ts"] + [f"lab_{i} = x.lab_{i}" for i in range(len(compiled.labels))])
        con.execute(
            f"UPDATE _ing SET {sets} FROM (SELECT rid, {outer} FROM (SELECT rid, m.__match <> '' AS matched"
            f"{_struct_cols(list(compiled.fix_fields))} FROM (SELECT i.rid, {compiled.fix} AS m "
            f"FROM (SELECT rowid AS rid, matched, empty FROM _ing) i POSITIONAL JOIN {relation} r "
            "WHERE NOT i.matched AND NOT i.empty))) x WHERE _ing.rowid = x.rid"
        )
    return [name for name, _ in compiled.labels]


HALF_YEAR_NS = 183 * 86400 * 10**9


def roll_years(con: duckdb.DuckDBPyConnection) -> int:
    """For layouts without a year: move lines after a New Year in the log to the next year.

    Syslog-style logs (``Dec 31 23:59:59`` then ``Jan  1 00:00:01``) have no year; all lines
    get ``--year`` first. Where, in file order, the time drops by more than half a year, the
    log has crossed a New Year: that line and the ones after it move one year on (and back
    again where the time jumps up by more than half a year: a late line from the old year).
    Returns the number of lines moved. Cheap when the log spans less than half a year: one
    min/max over the staged timestamps.
    """
    row = con.execute("SELECT max(ts) - min(ts) FROM _ing WHERE matched AND ts IS NOT NULL").fetchone()
    if not row or row[0] is None or row[0] <= HALF_YEAR_NS:
        return 0
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ing_roll AS SELECT rid, sum(step) OVER (ORDER BY rid "
        "ROWS UNBOUNDED PRECEDING) AS years FROM (SELECT rid, CASE WHEN ts < prev - "
        f"{HALF_YEAR_NS} THEN 1 WHEN ts > prev + {HALF_YEAR_NS} THEN -1 ELSE 0 END AS step FROM "
        "(SELECT rowid AS rid, ts, lag(ts) OVER (ORDER BY rowid) AS prev FROM _ing "
        "WHERE matched AND ts IS NOT NULL))"
    )
    moved = con.execute("SELECT count(*) FROM _ing_roll WHERE years <> 0").fetchone()
    # whole microseconds move by calendar years (leap days included); the ns remainder stays
    con.execute(
        "UPDATE _ing SET ts = epoch_us(make_timestamp(_ing.ts // 1000) + to_years(CAST(r.years AS INTEGER))) * 1000 "
        "+ _ing.ts % 1000 FROM _ing_roll r WHERE _ing.rowid = r.rid AND r.years <> 0"
    )
    con.execute("DROP TABLE _ing_roll")
    return int(moved[0]) if moved else 0
