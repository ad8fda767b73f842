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
    """SQL pieces for one preset. ``fields`` builds struct ``m`` from column ``l``."""

    fields: str
    matched: str
    ts: str
    labels: tuple[tuple[str, str], ...]  # (label name, SQL over m giving '' for none)


def _field_ref(name: str) -> str:
    return 'm."' + name.replace('"', '""') + '"'


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
    """The SQL that extracts timestamp and labels for ``preset``."""
    needed = _needed(preset)
    if preset.kind == "header":
        fmt = preset.log_format
        assert fmt is not None
        pattern, names = fmt.sql_pattern(needed)
        fields = f"regexp_extract(l, {_q(pattern)}, [{', '.join(_q(n) for n in names)}])"
        matched = "m.__match <> ''"
    elif preset.kind == "json":
        keys = dict(preset.keys)
        paths: list[str] = []
        slots: dict[str, list[int]] = {}
        for name in needed:
            for key in keys.get(name, (name,)):
                slots.setdefault(name, []).append(len(paths) + 1)
                paths.append("$." + '"' + key.replace('"', '\\"') + '"')
        lst = f"json_extract_string(l, [{', '.join(_q(p) for p in paths)}])"
        parts = ", ".join(
            f'"{name}" := coalesce({", ".join(f"({lst})[{i}]" for i in idx)})' for name, idx in slots.items()
        )
        # json_extract_string raises on malformed JSON: the CASEs keep it to valid objects
        fields = (
            "CASE WHEN json_valid(l) THEN CASE WHEN json_type(l) = 'OBJECT' THEN "
            f"struct_pack({parts}) END END"
        )
        matched = "m IS NOT NULL"
    else:  # logfmt
        keys = dict(preset.keys)
        parts_l: list[str] = []
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
            parts_l.append(f'"{name}" := {unq}')
        fields = f"CASE WHEN regexp_matches(l, '^\\s*[\\w.@-]+=') THEN struct_pack({', '.join(parts_l)}) END"
        matched = "m IS NOT NULL"
    ts = sql_timestamp(preset.timestamp, {f: _field_ref(f) for f in preset.timestamp.fields}, year=year, tz=tz)
    labels = tuple((rule.name, _label_sql(rule)) for rule in preset.labels)
    return Compiled(fields=fields, matched=matched, ts=ts, labels=labels)


def run_extract(con: duckdb.DuckDBPyConnection, compiled: Compiled) -> list[str]:
    """Create ``_ing`` from ``_ing_raw``; return the label names in column order."""
    label_cols = ", ".join(f"{sql} AS lab_{i}" for i, (_, sql) in enumerate(compiled.labels))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ing AS "
        f"SELECT line_no, l, coalesce({compiled.matched}, false) AS matched, "
        f"CASE WHEN {compiled.matched} THEN {compiled.ts} END AS ts"
        + (f", {label_cols}" if label_cols else "")
        + f" FROM (SELECT rowid + 1 AS line_no, l, {compiled.fields} AS m FROM _ing_raw WHERE l IS NOT NULL AND l <> '')"
    )
    return [name for name, _ in compiled.labels]
