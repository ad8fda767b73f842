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
    """SQL for one preset: ``branches`` each give ``line_no, matched, f_<field>...``."""

    branches: tuple[str, ...]
    ts: str
    labels: tuple[tuple[str, str], ...]  # (label name, SQL over f_ columns giving '' for none)


def _field_ref(name: str) -> str:
    return '"f_' + name.replace('"', '""') + '"'


def _cols(names: list[str], ref: str) -> str:
    return "".join(f", {ref.format(n=n.replace(chr(34), chr(34) * 2))} AS {_field_ref(n)}" for n in names)


_RAW = "SELECT rowid + 1 AS line_no, l FROM _ing_raw WHERE l <> ''"


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

    Header formats with a token plan (see ``LogFormat.token_plan``) get two branches: lines
    passing the tight check are cut with ``string_split``; the others (few, in real logs) go
    through the exact Loghub regex. Plain ``UNION ALL`` branches instead of a ``CASE``: DuckDB
    evaluates a CASE over struct values far more slowly than two filtered scans.
    """
    needed = _needed(preset)
    struct_ref = 'm."{n}"'
    if preset.kind == "header":
        fmt = preset.log_format
        assert fmt is not None
        pattern, names = fmt.sql_pattern(needed)
        fields = names[1:]
        exact = f"regexp_extract(l, {_q(pattern)}, [{', '.join(_q(n) for n in names)}])"
        plan = fmt.token_plan(fields)
        if plan is None:
            branches = (
                f"SELECT line_no, m.__match <> '' AS matched{_cols(fields, struct_ref)} "
                f"FROM (SELECT line_no, {exact} AS m FROM ({_RAW}))",
            )
        else:
            check, where = plan
            toks = ""
            for name in fields:
                index, pre, suf = where[name]
                tok = f"s[{index}]"
                value = tok if not (pre or suf) else f"substr({tok}, {pre + 1}, length({tok}) - {pre + suf})"
                toks += f", {value} AS {_field_ref(name)}"
            branches = (
                f"SELECT line_no, true AS matched{toks} FROM (SELECT line_no, string_split(l, ' ') AS s "
                f"FROM ({_RAW}) WHERE regexp_matches(l, {_q(check)}))",
                f"SELECT line_no, m.__match <> '' AS matched{_cols(fields, struct_ref)} "
                f"FROM (SELECT line_no, {exact} AS m FROM ({_RAW}) WHERE NOT regexp_matches(l, {_q(check)}))",
            )
    elif preset.kind == "json":
        keys = dict(preset.keys)
        paths: list[str] = []
        slots: dict[str, list[int]] = {}
        for name in needed:
            for key in keys.get(name, (name,)):
                slots.setdefault(name, []).append(len(paths) + 1)
                paths.append("$." + '"' + key.replace('"', '\\"') + '"')
        lst = f"json_extract_string(l, [{', '.join(_q(p) for p in paths)}])"
        cols = "".join(
            f", coalesce({', '.join(f'x[{i}]' for i in idx)}) AS {_field_ref(name)}" for name, idx in slots.items()
        )
        # json_extract_string raises on malformed JSON: the CASEs keep it to valid objects
        branches = (
            f"SELECT line_no, x IS NOT NULL AS matched{cols} FROM (SELECT line_no, "
            f"CASE WHEN json_valid(l) THEN CASE WHEN json_type(l) = 'OBJECT' THEN {lst} END END AS x "
            f"FROM ({_RAW}))",
        )
    else:  # logfmt
        keys = dict(preset.keys)
        cols = ""
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
            cols += f", {unq} AS {_field_ref(name)}"
        branches = (
            f"SELECT line_no, regexp_matches(l, '^\\s*[\\w.@-]+=') AS matched{cols} FROM ({_RAW})",
        )
    ts = sql_timestamp(preset.timestamp, {f: _field_ref(f) for f in preset.timestamp.fields}, year=year, tz=tz)
    labels = tuple((rule.name, _label_sql(rule)) for rule in preset.labels)
    return Compiled(branches=branches, ts=ts, labels=labels)


def run_extract(con: duckdb.DuckDBPyConnection, compiled: Compiled) -> list[str]:
    """Create ``_ing(line_no, matched, ts, lab_i...)`` from ``_ing_raw``; return the label names.

    The second branch (exact regex for lines the tight check refused) only runs when the
    first one left lines out, so a clean log pays for one check per line, not two.
    """
    label_cols = "".join(
        f", CASE WHEN matched THEN {sql} ELSE '' END AS lab_{i}" for i, (_, sql) in enumerate(compiled.labels)
    )
    head = (
        f"SELECT line_no, coalesce(matched, false) AS matched, CASE WHEN matched THEN {compiled.ts} END AS ts"
        f"{label_cols} FROM "
    )
    first, *rest = compiled.branches
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ing AS {head}({first})")
    if rest:
        row = con.execute(
            "SELECT (SELECT count(*) FROM _ing_raw WHERE l <> '') - (SELECT count(*) FROM _ing)"
        ).fetchone()
        if row and row[0]:
            for branch in rest:
                con.execute(f"INSERT INTO _ing {head}({branch})")
    return [name for name, _ in compiled.labels]
