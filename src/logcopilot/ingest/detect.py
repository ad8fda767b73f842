"""Format detection: which preset fits a sample of lines, and which timestamp a custom format has.

In: the first lines of a file (a few hundred is plenty). Out: the best ``Preset`` with its
score (the share of sample lines that match its header *and* give a timestamp), or an
``IngestError`` that lists the presets when nothing fits.

A preset's ``detect`` regex is stricter than its Loghub format (whose ``.*?`` fields match
almost anything) and is checked first; ties go to the earlier preset in ``PRESETS`` (the
specific Loghub systems before generic syslog and application layouts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import islice

from logcopilot.errors import IngestError
from logcopilot.ingest.presets import PRESETS, Preset, preset_names
from logcopilot.ingest.timestamps import TimestampSpec, parse_timestamp

__all__ = ["Detection", "detect_format", "infer_timestamp", "sample_lines"]

MIN_SCORE = 0.5
SAMPLE = 400

# layouts tried for a custom format's time fields, besides the kinds iso8601 and epoch
_LAYOUTS = (
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S,%f", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S",
    "%y%m%d %H%M%S", "%b %d %H:%M:%S", "%d/%b/%Y:%H:%M:%S %z", "%a %b %d %H:%M:%S %Y",
    "%Y%m%d-%H:%M:%S:%f", "%m.%d %H:%M:%S", "%Y-%m-%d-%H.%M.%S.%f", "%d.%m.%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S", "%H:%M:%S.%f", "%H:%M:%S",
)
_TIME_WORDS = ("date", "time", "day", "month", "timestamp", "ts", "year", "clock")


@dataclass(frozen=True)
class Detection:
    preset: Preset
    score: float
    sample: int


def sample_lines(text_lines: list[str], n: int = SAMPLE) -> list[str]:
    return [l for l in islice((x for x in text_lines if x.strip()), n)]


def _score(preset: Preset, lines: list[str], year: int) -> float:
    if not lines:
        return 0.0
    strict = re.compile(preset.detect) if preset.detect else None
    good = 0
    for line in lines:
        if strict is not None and not strict.search(line):
            continue
        values = preset.parse(line)
        if values is None:
            continue
        if parse_timestamp(preset.timestamp, values, year=year) is None:
            continue
        good += 1
    return good / len(lines)


def detect_format(lines: list[str], *, year: int) -> Detection:
    """The preset that reads the most sample lines (see the module docstring)."""
    sample = sample_lines(lines)
    if not sample:
        raise IngestError("cannot detect the format of an empty input; pass --format")
    best: Detection | None = None
    for preset in PRESETS:
        score = _score(preset, sample, year)
        if best is None or score > best.score + 1e-9:
            best = Detection(preset, score, len(sample))
    assert best is not None
    if best.score < MIN_SCORE:
        raise IngestError(
            f"could not detect the log format (best: {best.preset.name}, {best.score:.0%} of "
            f"{len(sample)} sample lines); pass --format with a preset ({', '.join(preset_names())}) "
            "or a format like '<Date> <Time> <Level> <Content>'"
        )
    return best


def infer_timestamp(preset: Preset, lines: list[str], *, year: int) -> Preset:
    """For a custom format: pick the run of time-like fields and the layout that read best."""
    fmt = preset.log_format
    if fmt is None:
        return preset
    sample = sample_lines(lines, 200)
    parsed = [v for v in (fmt.parse(l) for l in sample) if v is not None]
    if not parsed:
        raise IngestError(f"no sample line matches the format {preset.format!r}")
    timey = [i for i, f in enumerate(fmt.fields) if any(w in f.lower() for w in _TIME_WORDS)]
    candidates: list[tuple[str, ...]] = []
    for start in timey:  # runs of adjacent time-like fields, longest first
        run = [fmt.fields[start]]
        for j in range(start + 1, len(fmt.fields)):
            if j not in timey:
                break
            run.append(fmt.fields[j])
        for end in range(len(run), 0, -1):
            candidates.append(tuple(run[:end]))
    if not candidates:
        raise IngestError(
            f"the format {preset.format!r} has no time field (name one <Date>, <Time> or <Timestamp>)"
        )
    best: tuple[float, TimestampSpec] | None = None
    for fields in candidates:
        for layout in ("iso8601", "epoch", *_LAYOUTS):
            spec = TimestampSpec(fields, (layout,))
            ok = sum(parse_timestamp(spec, v, year=year) is not None for v in parsed) / len(parsed)
            if best is None or ok > best[0] + 1e-9:
                best = (ok, spec)
    assert best is not None
    if best[0] < MIN_SCORE:
        raise IngestError(f"cannot read the timestamps of format {preset.format!r} in the sample lines")
    return replace(preset, timestamp=best[1])
