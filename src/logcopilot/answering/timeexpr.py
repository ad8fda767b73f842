"""Time expressions in questions, resolved against the log's own time span.

In: the question text, the log's span (first and last timestamp, ns UTC). Out: a
``TimeWindow`` ``[start, end)`` in ns, or None when the question names no window.

Historical logs make "now" meaningless, so relative words are read against the log:
"in the last hour" ends at the last line, "in the first five minutes" starts at the first,
"last night" is the night before the log's last day, and a clock time without a date is
placed on the log day where it falls inside the span.

Example::

    >>> span = (to_ns(datetime(2015, 12, 10, 6, 55)), to_ns(datetime(2015, 12, 10, 11, 4)))
    >>> w = resolve("between 09:00 and 10:00 on Dec 10", span)
    >>> w.label
    '2015-12-10 09:00:00 .. 2015-12-10 10:00:00'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

__all__ = ["TimeWindow", "from_ns", "resolve", "to_ns"]

_MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10, "fifteen": 15,
        "twenty": 20, "thirty": 30, "a": 1, "an": 1, "half an": 0.5}
_UNIT_S = {"second": 1, "minute": 60, "min": 60, "hour": 3600, "hr": 3600, "day": 86400}


def to_ns(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp()) * 1_000_000_000 + dt.microsecond * 1000


def from_ns(ns: int) -> datetime:
    return datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC).replace(microsecond=(ns % 1_000_000_000) // 1000)


@dataclass(frozen=True)
class TimeWindow:
    start_ns: int
    end_ns: int
    text: str = ""  # the words of the question it came from

    @property
    def label(self) -> str:
        f = "%Y-%m-%d %H:%M:%S"
        return f"{from_ns(self.start_ns).strftime(f)} .. {from_ns(self.end_ns).strftime(f)}"

    @property
    def seconds(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9


_DATE_RE = re.compile(
    r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"
    r"|\b(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>\d{4}))?"
    r"|\b(?P<d3>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon3>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b"
    r"|\b(?P<m4>\d{2})-(?P<d4>\d{2})\b(?!-)",
    re.IGNORECASE,
)
_TIME_RE = re.compile(r"(?<![\d.:])(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d+))?)?(?![\d:])(?:\s*(?P<ap>am|pm))?", re.IGNORECASE)


def _dates(text: str, year: int) -> list[tuple[int, date]]:
    out: list[tuple[int, date]] = []
    for m in _DATE_RE.finditer(text):
        try:
            if m.group("y"):
                out.append((m.start(), date(int(m.group("y")), int(m.group("m")), int(m.group("d")))))
            elif m.group("mon"):
                y = int(m.group("y2")) if m.group("y2") else year
                out.append((m.start(), date(y, _MONTHS[m.group("mon")[:3].lower()], int(m.group("d2")))))
            elif m.group("mon3"):
                out.append((m.start(), date(year, _MONTHS[m.group("mon3")[:3].lower()], int(m.group("d3")))))
            elif m.group("m4") and not re.match(r"\s*[:\d]", text[m.end():m.end() + 1] or " "):
                if text[max(0, m.start() - 1):m.start()] in (":", "."):
                    continue
                out.append((m.start(), date(year, int(m.group("m4")), int(m.group("d4")))))
        except ValueError:
            continue
    return out


def _times(text: str) -> list[tuple[int, timedelta]]:
    out: list[tuple[int, timedelta]] = []
    for m in _TIME_RE.finditer(text):
        h, mi = int(m.group("h")), int(m.group("mi"))
        s = int(m.group("s") or 0)
        ap = (m.group("ap") or "").lower()
        if ap == "pm" and h < 12:
            h += 12
        elif ap == "am" and h == 12:
            h = 0
        if h > 24 or mi > 59 or s > 59:
            continue
        frac = float("0." + m.group("f")) if m.group("f") else 0.0
        out.append((m.start(), timedelta(hours=h, minutes=mi, seconds=s + frac)))
    return out


def _amount(txt: str) -> float:
    txt = txt.strip().lower()
    if txt in _NUM:
        return float(_NUM[txt])
    try:
        return float(txt)
    except ValueError:
        return 1.0


def _day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def resolve(text: str, span: tuple[int, int] | None, year: int | None = None) -> TimeWindow | None:
    """The window ``[start, end)`` a question restricts itself to, or None."""
    if not text or span is None:
        return None
    lo, hi = span
    first, last = from_ns(lo), from_ns(hi)
    yr = year or last.year
    low = text.lower()
    # strip answer-format hints so "Answer as MM-DD HH:00" never reads as a time
    scan = re.sub(r"\b(?:answer|reply|give)\b[^.?!]*\b(?:MM|HH|YYYY|DD)\b[^.?!]*", " ", text, flags=re.IGNORECASE)
    dates = _dates(scan, yr)
    times = _times(scan)
    day = dates[0][1] if dates else None

    rel = re.search(r"\b(?:in|during|within|over) the (first|last|final|past|initial) (?:(\w+(?:\s+an)?|\d+(?:\.\d+)?)\s+)?(second|minute|min|hour|hr|day)s?\b", low)
    if rel and len(times) < 2:
        n = _amount(rel.group(2)) if rel.group(2) else 1.0
        length = timedelta(seconds=n * _UNIT_S[rel.group(3)])
        if rel.group(1) in ("first", "initial"):
            base = _day_start(day) if day and _day_start(day) > first else first
            if times:
                base = _day_start(day or first.date()) + times[0][1]
            return TimeWindow(to_ns(base), to_ns(base + length), rel.group(0))
        end = last + timedelta(microseconds=1)
        if day and _day_start(day) + timedelta(days=1) < end:
            end = _day_start(day) + timedelta(days=1)
        return TimeWindow(to_ns(end - length), to_ns(end), rel.group(0))

    if len(times) >= 2:
        (p1, t1), (p2, t2) = times[0], times[1]
        if day is None:
            day = _fit_day(first, last, t1)
        start = _day_start(day) + t1
        day2 = day
        # a second date written next to the second time ("... and 2008-11-11 02:00")
        for pos, d in dates[1:]:
            if pos < p2:
                day2 = d
        end = _day_start(day2) + t2
        if end <= start:
            end += timedelta(days=1)
        return TimeWindow(to_ns(start), to_ns(end), text[p1:p2 + 8])

    if len(times) == 1:
        t = times[0][1]
        if day is None:
            day = _fit_day(first, last, t)
        at = _day_start(day) + t
        if re.search(r"\b(?:after|since|from|starting)\s+\S*\s*" + re.escape(scan[times[0][0]:times[0][0] + 2]), scan.lower()):
            # after the log's end is an empty window, never one that ends before it starts
            return TimeWindow(to_ns(at), max(hi + 1, to_ns(at)), "after")
        if re.search(r"\b(?:before|until|till|up to)\b", low):
            return TimeWindow(lo, to_ns(at), "before")
        return None

    named = _named_window(low, first, last)
    if named is not None:
        return named
    if day is not None and re.search(r"\b(?:on|during|for)\s+(?:the\s+day\s+)?\S*\s*" + re.escape(str(day.day)), low) or (day is not None and dates and not times and "between" not in low):
        d0 = _day_start(day)
        return TimeWindow(to_ns(d0), to_ns(d0 + timedelta(days=1)), str(day))
    return None


def _fit_day(first: datetime, last: datetime, t: timedelta) -> date:
    """The log day on which clock time ``t`` falls inside the span (first such day)."""
    d = first.date()
    while d <= last.date():
        at = _day_start(d) + t
        if first - timedelta(hours=1) <= at <= last + timedelta(hours=1):
            return d
        d += timedelta(days=1)
    return first.date()


def _named_window(low: str, first: datetime, last: datetime) -> TimeWindow | None:
    last_day = _day_start(last.date())
    spans = {
        "last night": (last_day - timedelta(hours=6), last_day + timedelta(hours=6)),
        "overnight": (last_day - timedelta(hours=6), last_day + timedelta(hours=6)),
        "this morning": (last_day + timedelta(hours=6), last_day + timedelta(hours=12)),
        "this afternoon": (last_day + timedelta(hours=12), last_day + timedelta(hours=18)),
        "this evening": (last_day + timedelta(hours=18), last_day + timedelta(hours=24)),
        "tonight": (last_day + timedelta(hours=18), last_day + timedelta(hours=30)),
        "yesterday": (last_day - timedelta(days=1), last_day),
        "today": (last_day, last_day + timedelta(days=1)),
    }
    for phrase, (a, b) in spans.items():
        if re.search(rf"\b{phrase}\b", low):
            return TimeWindow(to_ns(a), to_ns(b), phrase)
    m = re.search(r"\b(?:in )?the (morning|afternoon|evening|night)\b", low)
    if m:
        base = {"morning": 6, "afternoon": 12, "evening": 18, "night": -6}[m.group(1)]
        a = last_day + timedelta(hours=base)
        if m.group(1) != "night" and a > last:
            a = _day_start(first.date()) + timedelta(hours=base)
        return TimeWindow(to_ns(a), to_ns(a + timedelta(hours=6 if base >= 0 else 12)), m.group(0))
    return None
