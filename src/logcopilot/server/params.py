"""Loki HTTP query parameters: times, steps, limits, directions, with Loki's error texts.

In: the raw string parameters of a request (``start``, ``end``, ``since``, ``time``, ``step``,
``limit``, ``direction``, ``interval``). Out: ``RangeParams`` / ``InstantParams`` with integer
nanosecond times, or an ``InputError`` whose text is exactly what Loki answers (HTTP 400).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from logcopilot.errors import InputError
from logcopilot.logql.gotext import go_quote

__all__ = [
    "InstantParams",
    "MAX_ENTRIES_LIMIT",
    "RangeParams",
    "int_param",
    "parse_duration_ns",
    "parse_instant_params",
    "parse_range_params",
    "parse_time_ns",
    "seconds_or_duration",
]

MAX_ENTRIES_LIMIT = 100_000  # the corpus server's max_entries_limit_per_query
MAX_POINTS = 11_000
_DEFAULT_LIMIT = 100
_HOUR_NS = 3600 * 10**9

_DUR_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 10**9,
    "m": 60 * 10**9,
    "h": 3600 * 10**9,
    "d": 86400 * 10**9,
    "w": 7 * 86400 * 10**9,
    "y": 365 * 86400 * 10**9,
}
_DUR_RE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d|w|y)")
_RFC3339_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_duration_ns(text: str) -> int | None:
    """A Go/Prometheus duration (``1m30s``, ``250ms``, ``1.5h``) in ns, or None if invalid."""
    if not text:
        return None
    pos, total = 0, 0
    for m in _DUR_RE.finditer(text):
        if m.start() != pos:
            return None
        total += round(float(m.group(1)) * _DUR_UNITS[m.group(2)])
        pos = m.end()
    return total if pos == len(text) else None


def _rfc3339_ns(text: str) -> int | None:
    m = _RFC3339_RE.match(text)
    if not m:
        return None
    y, mo, d, hh, mi, ss, frac, tz = m.groups()
    try:
        tzs = "+00:00" if tz in ("Z", "z") else tz
        dt = datetime.fromisoformat(f"{y}-{mo}-{d}T{hh}:{mi}:{ss}{tzs}")
    except ValueError:
        return None
    ns = int(dt.timestamp()) * 10**9
    if frac:
        ns += int(frac.ljust(9, "0"))
    return ns


def parse_time_ns(value: str, name: str) -> int:
    """Loki's timestamp forms: float seconds (with '.'), int s (<=10 digits) or ns, RFC3339."""
    if "." in value:
        try:
            f = float(value)
        except ValueError:
            f = None
        if f is not None and math.isfinite(f):
            whole = math.trunc(f)
            ms = round((f - whole) * 1000)  # Loki keeps ms precision
            return whole * 10**9 + ms * 10**6
    if re.fullmatch(r"[+-]?\d+", value):
        n = int(value)
        if not (-(2**63) <= n < 2**63):
            raise InputError(
                f"could not parse '{name}' parameter: strconv.ParseInt: parsing {go_quote(value)}: value out of range"
            )
        return n * 10**9 if len(value) <= 10 else n
    ns = _rfc3339_ns(value)
    if ns is not None:
        return ns
    raise InputError(f"could not parse '{name}' parameter: strconv.ParseInt: parsing {go_quote(value)}: invalid syntax")


def _now_ns() -> int:
    return time.time_ns()


def _limit(params: Mapping[str, str]) -> int:
    raw = params.get("limit")
    if raw is None or raw == "":
        return _DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise InputError(f"strconv.ParseInt: parsing {go_quote(raw)}: invalid syntax") from None
    if limit <= 0:
        raise InputError("limit must be a positive value")
    if limit > MAX_ENTRIES_LIMIT:
        raise InputError(
            f"max entries limit per query exceeded, limit > max_entries_limit_per_query ({limit} > {MAX_ENTRIES_LIMIT})"
        )
    return limit


def _direction(params: Mapping[str, str]) -> str:
    raw = params.get("direction")
    if raw is None or raw == "":
        return "backward"
    low = raw.lower()
    if low not in ("forward", "backward"):
        raise InputError(f"invalid direction '{raw}'")
    return low


def int_param(params: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    """A positive integer parameter up to ``maximum`` (``default`` when absent or empty)."""
    raw = params.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"invalid {name} {raw!r}: must be a positive integer") from None
    if not 0 < value <= maximum:
        raise InputError(f"invalid {name} {value}: must be between 1 and {maximum}")
    return value


def seconds_or_duration(raw: str, name: str) -> int:
    """Float seconds (``60``, ``0.5``) or a duration (``1m``, ``1h30m``), in ns."""
    try:
        f = float(raw)
    except ValueError:
        f = None
    if f is not None:
        if not math.isfinite(f):
            raise InputError(f"cannot parse {go_quote(raw)} to a valid duration")
        return round(f * 10**9)
    d = parse_duration_ns(raw)
    if d is None:
        raise InputError(f"cannot parse {go_quote(raw)} to a valid duration")
    return d


@dataclass(frozen=True)
class RangeParams:
    query: str
    start_ns: int
    end_ns: int
    limit: int
    direction: str
    step_ns: int
    interval_ns: int = 0


@dataclass(frozen=True)
class InstantParams:
    query: str
    time_ns: int
    limit: int
    direction: str


def parse_range_params(params: Mapping[str, str]) -> RangeParams:
    """``/query_range`` parameters; raises ``InputError`` with Loki's message."""
    query = params.get("query", "")
    now = _now_ns()
    end = parse_time_ns(params["end"], "end") if params.get("end") else now
    if params.get("start"):
        start = parse_time_ns(params["start"], "start")
    elif params.get("since"):
        since = seconds_or_duration(params["since"], "since")
        start = end - since
    else:
        start = end - _HOUR_NS
    if end < start:
        raise InputError("end timestamp must not be before or equal to start time")
    limit = _limit(params)
    direction = _direction(params)
    if params.get("step"):
        step = seconds_or_duration(params["step"], "step")
    else:
        step = max((end - start) // 250 // 10**9, 1) * 10**9
    if step <= 0:
        raise InputError("zero or negative query resolution step widths are not accepted. Try a positive integer")
    if (end - start) / step > MAX_POINTS:
        raise InputError(
            "exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the step parameter"
        )
    interval = 0
    if params.get("interval"):
        interval = seconds_or_duration(params["interval"], "interval")
        if interval < 0:
            raise InputError("zero or negative interval widths are not accepted. Try a positive integer")
    return RangeParams(query, start, end, limit, direction, step, interval)


def parse_instant_params(params: Mapping[str, str]) -> InstantParams:
    """``/query`` parameters."""
    query = params.get("query", "")
    t = parse_time_ns(params["time"], "time") if params.get("time") else _now_ns()
    return InstantParams(query, t, _limit(params), _direction(params))
