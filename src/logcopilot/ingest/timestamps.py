"""Timestamps: header field values -> nanoseconds since the Unix epoch, UTC.

In: a ``TimestampSpec`` (which fields, which layouts), the field values, the assumed year
and time zone. Out: an ``int`` (Python path, ``parse_timestamp``) or a DuckDB SQL
expression yielding ``BIGINT`` ns or NULL (bulk path, ``sql_timestamp``). Both paths agree;
a test checks it on every preset.

Layouts are strptime layouts understood by both Python and DuckDB (``%f`` reads 1-6 fraction
digits as a fraction of a second), or one of the kinds:

- ``iso8601``: ``2024-01-01T12:00:00[.fffffffff][Z|+01:00|+0100]`` (also with a space for
  ``T``); up to 9 fraction digits kept; an explicit offset wins over ``--tz``;
- ``epoch``: seconds, milliseconds, microseconds or nanoseconds since the epoch, told apart
  by the number of digits (10, 13, 16, 19), with an optional fraction on seconds.

A layout without ``%Y``/``%y`` gets the assumed year (``--year``, default: the current year).
Naive times are in ``tz`` (default UTC).

Example::

    >>> spec = TimestampSpec(("Date", "Time"), ("%y%m%d %H%M%S",))
    >>> parse_timestamp(spec, {"Date": "081109", "Time": "203615"})
    1226262975000000000
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from logcopilot.errors import InputError

__all__ = [
    "TimestampSpec",
    "check_tz",
    "default_year",
    "needs_year",
    "parse_timestamp",
    "sql_iso_ns",
    "sql_timestamp",
]

_ISO_RE = re.compile(
    r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,](\d{1,9}))?\s*(Z|z|[+-]\d\d:?\d\d)?$"
)
_EPOCH_RE = re.compile(r"^(\d{9,19})(?:\.(\d{1,9}))?$")
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class TimestampSpec:
    """Which header fields make the timestamp (joined by one space) and how to read them.

    ``layouts`` are tried in order; each is a strptime layout, ``iso8601`` or ``epoch``.
    """

    fields: tuple[str, ...]
    layouts: tuple[str, ...]

    @property
    def strptime_layouts(self) -> tuple[str, ...]:
        return tuple(l for l in self.layouts if l not in _KINDS)


_KINDS = ("iso8601", "epoch")


def needs_year(spec: TimestampSpec) -> bool:
    """True when the strptime layouts carry no year, so ``--year`` is used."""
    lays = spec.strptime_layouts
    return bool(lays) and not any("%Y" in l or "%y" in l for l in lays)


def check_tz(tz: str) -> str:
    """Validate a time-zone name (IANA, e.g. ``Europe/Paris``, or ``UTC``)."""
    if tz.upper() == "UTC":
        return "UTC"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {tz!r} (use an IANA name such as Europe/Paris, or UTC)") from None
    return tz


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def _naive_to_ns(dt: datetime, extra_ns: int, tz: str) -> int:
    if tz != "UTC":
        dt = dt.replace(tzinfo=_zone(tz)).astimezone(UTC).replace(tzinfo=None)
    delta = dt - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000 + extra_ns


def _offset_seconds(text: str) -> int:
    if text in ("Z", "z"):
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * (int(digits[:2]) * 3600 + int(digits[2:4]) * 60)


def _parse_iso(value: str, tz: str) -> int | None:
    m = _ISO_RE.match(value.strip())
    if m is None:
        return None
    try:
        dt = datetime.strptime(m.group(1) + " " + m.group(2), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    frac = (m.group(3) or "").ljust(9, "0")
    if m.group(4):
        delta = dt - _EPOCH
        return (delta.days * 86400 + delta.seconds - _offset_seconds(m.group(4))) * 10**9 + int(frac)
    return _naive_to_ns(dt, int(frac), tz)


def _parse_epoch(value: str) -> int | None:
    m = _EPOCH_RE.match(value.strip())
    if m is None:
        return None
    digits, frac = m.group(1), m.group(2) or ""
    scale = {9: 9, 10: 9, 12: 6, 13: 6, 15: 3, 16: 3, 18: 0, 19: 0}.get(len(digits))
    if scale is None:
        return None
    return int(digits) * 10**scale + (int(frac.ljust(scale, "0")[:scale]) if scale and frac else 0)


def parse_timestamp(
    spec: TimestampSpec, values: dict[str, str], *, year: int | None = None, tz: str = "UTC"
) -> int | None:
    """Nanoseconds since the epoch for one line's header values, or None if unreadable."""
    try:
        raw = " ".join(values[f] for f in spec.fields)
    except KeyError:
        return None
    add_year = needs_year(spec)
    for layout in spec.layouts:
        if layout == "iso8601":
            got = _parse_iso(raw, tz)
        elif layout == "epoch":
            got = _parse_epoch(raw)
        else:
            got = _parse_strptime(raw, layout, year if add_year else None, tz)
        if got is not None:
            return got
    return None


def _parse_strptime(raw: str, layout: str, year: int | None, tz: str) -> int | None:
    text = " ".join(raw.split())  # DuckDB's strptime lets a space match any run of spaces
    if year is not None:
        text, layout = f"{year} {text}", "%Y " + layout
    try:
        dt = datetime.strptime(text, layout)
    except ValueError:
        return None
    if dt.tzinfo is not None:
        delta = dt.replace(tzinfo=None) - _EPOCH - (dt.utcoffset() or timedelta(0))
        return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000
    return _naive_to_ns(dt, 0, tz)


def default_year() -> int:
    return datetime.now(UTC).year


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_naive_ns(ts_ns_expr: str, tz: str) -> str:
    """Wall-clock ns in ``tz`` -> UTC ns (ICU's ``timezone`` knows DST)."""
    if tz == "UTC":
        return ts_ns_expr
    # offset = wall-clock-as-UTC minus the real instant, computed at microsecond precision
    wall = f"make_timestamp(({ts_ns_expr}) // 1000)"
    return f"(({ts_ns_expr}) - (epoch_us({wall}) - epoch_us(timezone({_sql_str(tz)}, {wall}))) * 1000)"


def sql_timestamp(spec: TimestampSpec, field_exprs: dict[str, str], *, year: int, tz: str = "UTC") -> str:
    """A DuckDB expression giving BIGINT ns UTC (NULL when unreadable) from SQL field expressions."""
    parts = [field_exprs[f] for f in spec.fields]
    text = parts[0] if len(parts) == 1 else "concat_ws(' ', " + ", ".join(parts) + ")"
    options: list[str] = []
    for layout in spec.layouts:
        if layout == "iso8601":
            options.append(sql_iso_ns(text, tz))
        elif layout == "epoch":
            options.append(_sql_epoch(text))
        else:
            value = f"('{int(year)} ' || {text})" if needs_year(spec) else text
            lay = ("%Y " + layout) if needs_year(spec) else layout
            parsed = f"epoch_ns(try_strptime({value}, {_sql_str(lay)}))"
            # with %z the result is a TIMESTAMPTZ: the offset in the text wins over --tz
            options.append(parsed if ("%z" in lay or "%Z" in lay) else _sql_naive_ns(parsed, tz))
    return options[0] if len(options) == 1 else "coalesce(" + ", ".join(options) + ")"


def _sql_epoch(text: str) -> str:
    m = f"regexp_extract(trim({text}), '{_EPOCH_RE.pattern}', ['i', 'f'])"
    scale = (
        f"(CASE length({m}.i) WHEN 9 THEN 9 WHEN 10 THEN 9 WHEN 12 THEN 6 WHEN 13 THEN 6 "
        f"WHEN 15 THEN 3 WHEN 16 THEN 3 WHEN 18 THEN 0 WHEN 19 THEN 0 END)"
    )
    frac = f"(CASE WHEN {m}.f = '' OR {scale} = 0 THEN 0 ELSE CAST(left(rpad({m}.f, 9, '0'), {scale}) AS BIGINT) END)"
    return f"(try_cast({m}.i AS BIGINT) * CAST(10 ** {scale} AS BIGINT) + {frac})"


def sql_iso_ns(text_expr: str, tz: str = "UTC") -> str:
    """DuckDB expression: ISO 8601 text -> BIGINT ns UTC or NULL (an offset in the text wins).

    The same ``regexp_extract`` appears several times; DuckDB evaluates it once (common
    subexpression elimination), and a scalar subquery would cost a join per row.
    """
    iso = _ISO_RE.pattern.replace("'", "''")
    m = f"regexp_extract(trim({text_expr}), '{iso}', ['d', 't', 'f', 'z'])"
    naive = (
        f"(epoch_ns(try_strptime({m}.d || ' ' || {m}.t, '%Y-%m-%d %H:%M:%S')) + "
        f"coalesce(try_cast(rpad({m}.f, 9, '0') AS BIGINT), 0))"
    )
    z = f"{m}.z"
    offset = (
        f"(CASE WHEN {z} IN ('Z', 'z') THEN 0 ELSE "
        f"(CASE WHEN left({z}, 1) = '-' THEN -1 ELSE 1 END) * "
        f"(CAST(substr(replace({z}, ':', ''), 2, 2) AS BIGINT) * 3600 + "
        f"CAST(substr(replace({z}, ':', ''), 4, 2) AS BIGINT) * 60) END)"
    )
    return (
        f"(CASE WHEN {m}.d = '' THEN NULL WHEN {z} = '' THEN {_sql_naive_ns(naive, tz)} "
        f"ELSE {naive} - {offset} * 1000000000 END)"
    )
