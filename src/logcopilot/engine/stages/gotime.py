"""Go ``time.Time`` for templates: layout-based formatting and parsing.

In: nanoseconds since the epoch plus a zone, and Go layouts such as
``2006-01-02T15:04:05.000Z07:00``. Out: :class:`GoTime` (prints like Go's ``Time.String``),
:func:`go_format` and :func:`go_parse` (raise ``ValueError`` with Go's message).
Zones: UTC and fixed offsets, plus IANA names through ``zoneinfo``.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

__all__ = ["GoTime", "go_format", "go_parse"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class GoTime:
    """A point in time (``ns`` since the epoch) shown in ``tz``."""

    go_type = "time.Time"
    __slots__ = ("ns", "tz")

    def __init__(self, ns: int, tz: dt.tzinfo = dt.UTC) -> None:
        self.ns = ns
        self.tz = tz

    def local(self) -> dt.datetime:
        return (_EPOCH + dt.timedelta(microseconds=self.ns // 1000)).astimezone(self.tz)

    def __str__(self) -> str:
        return go_format(self, "2006-01-02 15:04:05.999999999 -0700 MST")


_TOKENS = re.compile(
    r"January|Jan|Monday|Mon|MST|2006|Z07:00:00|Z07:00|Z0700|Z07|-07:00:00|-07:00|-0700|-07"
    r"|[.,](?:0+|9+)(?!\d)|__2|002|15|01|02|03|04|05|06|_2|PM|pm|1|2|3|4|5"
)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _zone_name(d: dt.datetime) -> str:
    name = d.tzname() or ""
    if name == "UTC" or (name and name[0].isalpha()):
        return name
    off = d.utcoffset() or dt.timedelta(0)
    total = int(off.total_seconds())
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return f"{sign}{total // 3600:02d}" + (f"{total % 3600 // 60:02d}" if total % 3600 else "")


def _offset(d: dt.datetime, tok: str) -> str:
    total = int((d.utcoffset() or dt.timedelta(0)).total_seconds())
    if tok.startswith("Z") and total == 0:
        return "Z"
    sign = "-" if total < 0 else "+"
    total = abs(total)
    h, m, s = total // 3600, total % 3600 // 60, total % 60
    core = tok.lstrip("Z-")
    if core == "07":
        return f"{sign}{h:02d}"
    if core == "0700":
        return f"{sign}{h:02d}{m:02d}"
    if core == "07:00":
        return f"{sign}{h:02d}:{m:02d}"
    return f"{sign}{h:02d}:{m:02d}:{s:02d}"


def go_format(t: GoTime, layout: str) -> str:
    """``Time.Format(layout)``."""
    d = t.local()
    frac_ns = t.ns % 1_000_000_000

    def repl(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok == "January":
            return _MONTHS[d.month - 1]
        if tok == "Jan":
            return _MONTHS[d.month - 1][:3]
        if tok == "Monday":
            return _DAYS[d.weekday()]
        if tok == "Mon":
            return _DAYS[d.weekday()][:3]
        if tok == "MST":
            return _zone_name(d)
        if tok == "2006":
            return f"{d.year:04d}"
        if tok == "06":
            return f"{d.year % 100:02d}"
        if tok == "01":
            return f"{d.month:02d}"
        if tok == "1":
            return str(d.month)
        if tok == "02":
            return f"{d.day:02d}"
        if tok == "2":
            return str(d.day)
        if tok == "_2":
            return f"{d.day:2d}"
        if tok == "__2":
            return f"{d.timetuple().tm_yday:3d}"
        if tok == "002":
            return f"{d.timetuple().tm_yday:03d}"
        if tok == "15":
            return f"{d.hour:02d}"
        if tok in ("03", "3"):
            h = d.hour % 12 or 12
            return f"{h:02d}" if tok == "03" else str(h)
        if tok in ("04", "4"):
            return f"{d.minute:02d}" if tok == "04" else str(d.minute)
        if tok in ("05", "5"):
            return f"{d.second:02d}" if tok == "05" else str(d.second)
        if tok == "PM":
            return "PM" if d.hour >= 12 else "AM"
        if tok == "pm":
            return "pm" if d.hour >= 12 else "am"
        if tok[0] in ".," and len(tok) > 1:
            digits = f"{frac_ns:09d}"[: len(tok) - 1]
            if tok[1] == "9":
                digits = digits.rstrip("0")
                return tok[0] + digits if digits else ""
            return tok[0] + digits
        return _offset(d, tok)

    return _TOKENS.sub(repl, layout)


def go_parse(layout: str, value: str, tz: dt.tzinfo = dt.UTC) -> GoTime:
    """``time.ParseInLocation(layout, value, tz)`` for numeric layouts."""
    parts: list[str] = []
    fields: list[str] = []
    pos = 0
    for tm in _TOKENS.finditer(layout):
        parts.append(re.escape(layout[pos : tm.start()]))
        tok = tm.group(0)
        pos = tm.end()
        fields.append(tok)
        if tok in ("2006",):
            parts.append(r"(\d{4})")
        elif tok in ("01", "02", "15", "03", "04", "05", "06"):
            parts.append(r"(\d{2})")
        elif tok in ("1", "2", "3", "4", "5"):
            parts.append(r"(\d{1,2})")
        elif tok == "_2":
            parts.append(r"( ?\d{1,2})")
        elif tok[0] in ".,":
            parts.append(r"[.,](\d+)" if tok[1] == "0" else r"(?:[.,](\d+))?")
        elif tok.startswith("Z") or tok.startswith("-"):
            parts.append(r"(Z|[+-]\d{2}(?::?\d{2})?(?::?\d{2})?)")
        elif tok in ("Jan", "January", "Mon", "Monday", "MST", "PM", "pm"):
            parts.append(r"([A-Za-z]+)")
        else:
            parts.append(r"(\d+)")
    parts.append(re.escape(layout[pos:]))
    m = re.fullmatch("".join(parts), value)
    if m is None:
        raise ValueError(f'parsing time "{value}" as "{layout}": cannot parse "{value}" as "{layout}"')
    year, month, day, hour, minute, second, frac = 1, 1, 1, 0, 0, 0, 0
    pm = None
    zone: dt.tzinfo = tz
    for tok, text in zip(fields, m.groups(), strict=True):
        if text is None:
            continue
        if tok == "2006":
            year = int(text)
        elif tok == "06":
            year = 2000 + int(text) if int(text) < 69 else 1900 + int(text)
        elif tok in ("01", "1"):
            month = int(text)
        elif tok in ("Jan", "January"):
            month = [mn[: len(text)] for mn in _MONTHS].index(text) + 1
        elif tok in ("02", "2", "_2"):
            day = int(text)
        elif tok == "15":
            hour = int(text)
        elif tok in ("03", "3"):
            hour = int(text) % 12
        elif tok in ("04", "4"):
            minute = int(text)
        elif tok in ("05", "5"):
            second = int(text)
        elif tok in ("PM", "pm"):
            pm = text.upper() == "PM"
        elif tok[0] in ".,":
            frac = int((text + "000000000")[:9])
        elif tok.startswith("Z") or tok.startswith("-"):
            if text == "Z":
                zone = dt.UTC
            else:
                sign = -1 if text[0] == "-" else 1
                digits = text[1:].replace(":", "")
                off = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
                zone = dt.timezone(sign * off)
        elif tok == "MST" and text == "UTC":
            zone = dt.UTC
    if pm is not None and pm:
        hour += 12
    local = dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)
    delta = local - _EPOCH
    ns = (delta.days * 86400 + delta.seconds) * 1_000_000_000 + frac
    return GoTime(ns, zone if zone is not tz else tz)


def zone(name: str) -> dt.tzinfo:
    """A zone by Go name: ``UTC``, ``Local`` (UTC here) or an IANA name."""
    if name in ("", "UTC", "Local"):
        return dt.UTC
    try:
        return ZoneInfo(name)
    except Exception as exc:  # zoneinfo raises several types for a bad name
        raise ValueError(f"unknown time zone {name}") from exc


__all__ += ["zone"]
