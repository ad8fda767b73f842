"""Evaluate a LogQL log pipeline on one line at a time, exactly as Loki does.

In: the pipeline stages of a :class:`~logcopilot.logql.ast.LogQuery` (AST nodes). Out: for
each line, a :class:`PipelineResult` (final line and label set) or ``None`` when a stage
filters the line out.

Usage::

    leading, rest = hoist_line_filters(query.pipeline)   # leading filters may go into SQL
    pipe = Pipeline(query.pipeline)                        # (or Pipeline(rest, hoisted=True))
    for ts, line, stream, meta in rows:
        res = pipe.process(ts, line, stream, meta)

Semantics live in the stage modules (:mod:`logcopilot.engine.stages`); this module does the
ordering (corpus note 11: line filters are hoisted in front of everything up to the nearest
label filter, ``line_format`` or ``unpack``), label hints (note 23) and the per-line loop.

:func:`unwrap_value` turns a label into a sample value for ``| unwrap``; a value that does not
convert raises :class:`SampleExtractionError` (``SampleExtractionErr``) unless the unwrap's own
post-filters (``| unwrap x | __error__=""``) drop it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from logcopilot.engine.stages.formats import (
    DecolorizeStage,
    DropStage,
    KeepStage,
    LabelFormatStage,
    LineFormatStage,
)
from logcopilot.engine.stages.gotemplate import LabelMap
from logcopilot.engine.stages.jsonparse import JsonStage
from logcopilot.engine.stages.labelfilter import compile_label_filter, label_filter_names
from logcopilot.engine.stages.labels import ERROR, ERROR_DETAILS, LineState
from logcopilot.engine.stages.linefilters import line_filter_matcher
from logcopilot.engine.stages.logfmt import LogfmtStage
from logcopilot.engine.stages.pattern import PatternStage
from logcopilot.engine.stages.regexp import RegexpStage
from logcopilot.engine.stages.unpack import UnpackStage
from logcopilot.logql.ast import (
    Decolorize,
    DropLabels,
    JsonParser,
    KeepLabels,
    LabelFilterStage,
    LabelFormat,
    LineFilter,
    LineFormat,
    LogfmtParser,
    PatternParser,
    RegexpParser,
    Stage,
    UnpackParser,
    Unwrap,
)
from logcopilot.logql.govalues import ValueParseError, parse_bytes, parse_float, parse_go_duration

__all__ = [
    "Pipeline",
    "PipelineResult",
    "SAMPLE_EXTRACTION_ERR",
    "SampleExtractionError",
    "hoist_line_filters",
    "line_filter_matcher",
    "unwrap_value",
]

SAMPLE_EXTRACTION_ERR = "SampleExtractionErr"

_PARSERS = (JsonParser, LogfmtParser, PatternParser, RegexpParser, UnpackParser)
_BARRIERS = (LabelFilterStage, LineFormat, UnpackParser)


@dataclass
class PipelineResult:
    """A line that passed the pipeline: its final text and label set.

    ``labels`` = stream labels + structured metadata + parsed labels, including
    ``__error__``/``__error_details__`` when a stage set them.
    """

    line: str
    labels: dict[str, str]


class SampleExtractionError(Exception):
    """``| unwrap`` produced a sample carrying a pipeline error.

    ``kind`` is ``SampleExtractionErr`` (the value is not a number) or ``LabelFilterErr`` (a
    filter after the unwrap failed to parse a value); ``details`` is Go's error text and
    ``labels`` the series labels including ``__error__``/``__error_details__``, ready for
    Loki's ``pipeline error: '<kind>' for series: '<labels>'`` message.
    """

    def __init__(self, details: str, labels: Mapping[str, str] | None = None, kind: str = "SampleExtractionErr") -> None:
        super().__init__(details)
        self.kind = kind
        self.details = details
        self.labels = dict(labels) if labels is not None else {}


def hoist_line_filters(stages: Sequence[Stage]) -> tuple[tuple[LineFilter, ...], tuple[Stage, ...]]:
    """Reorder like Loki: each line filter moves ahead of the stages before it, up to the
    nearest label filter, ``line_format`` or ``unpack``.

    Returns ``(leading, rest)``: the filters that run on the raw line before any stage,
    and the remaining stages in their (reordered) order.
    """
    out: list[Stage] = []
    filters: list[LineFilter] = []
    others: list[Stage] = []
    leading: tuple[LineFilter, ...] | None = None
    for st in stages:
        if isinstance(st, LineFilter):
            filters.append(st)
        elif isinstance(st, _BARRIERS):
            if leading is None:
                leading = tuple(filters)
            else:
                out.extend(filters)
            out.extend(others)
            out.append(st)
            filters, others = [], []
        else:
            others.append(st)
    if leading is None:
        leading = tuple(filters)
    else:
        out.extend(filters)
    out.extend(others)
    return leading, tuple(out)


def _reads_line(st: Stage) -> bool:
    if isinstance(st, LabelFormat):
        return any(i.is_template and "__line__" in i.src for i in st.items)
    return not isinstance(st, (LabelFilterStage, DropLabels, KeepLabels))


def _parser_hints(rest: Sequence[Stage], base: frozenset[str] | None) -> frozenset[str] | None:
    """What a parser must extract: the caller's hints plus every label a later stage reads.
    A later template may read any label, so it turns hints off."""
    if base is None:
        return None
    needed = set(base)
    for st in rest:
        if isinstance(st, (LineFormat, LabelFormat)):
            return None
        if isinstance(st, LabelFilterStage):
            needed |= label_filter_names(st.filter)
        elif isinstance(st, (DropLabels, KeepLabels)):
            needed |= {i.name for i in st.items if i.matcher is not None}
    # A clash renames key -> key_extracted; extracting under either name must count.
    needed |= {n[: -len("_extracted")] for n in needed if n.endswith("_extracted")}
    needed |= {n + "_extracted" for n in list(needed) if not n.endswith("_extracted")}
    return frozenset(needed)


def _compile_stage(st: Stage, hints: frozenset[str] | None) -> Callable[[LineState], bool]:
    if isinstance(st, LineFilter):
        pred = line_filter_matcher(st)
        return lambda state: pred(state.line)
    if isinstance(st, LabelFilterStage):
        return compile_label_filter(st.filter)
    if isinstance(st, JsonParser):
        return JsonStage(st, hints).process
    if isinstance(st, LogfmtParser):
        return LogfmtStage(st, hints).process
    if isinstance(st, PatternParser):
        return PatternStage(st, hints).process
    if isinstance(st, RegexpParser):
        return RegexpStage(st, hints).process
    if isinstance(st, UnpackParser):
        return UnpackStage(hints).process
    if isinstance(st, LineFormat):
        return LineFormatStage(st).process
    if isinstance(st, LabelFormat):
        return LabelFormatStage(st).process
    if isinstance(st, DropLabels):
        return DropStage(st).process
    if isinstance(st, KeepLabels):
        return KeepStage(st).process
    if isinstance(st, Decolorize):
        return DecolorizeStage().process
    raise TypeError(f"not a pipeline stage: {st!r}")


class Pipeline:
    """A compiled pipeline; :meth:`process` runs it on one line.

    ``label_hints``: when not None, the label names the *caller* needs after the pipeline
    (grouping labels, the unwrapped label, ``__error__`` when grouping by it). Parsers then
    extract only those plus what later stages read, and stop early (corpus note 23); a
    parser with nothing to extract does not run, so it sets no error. None = extract all.

    ``line_needed``: False for metric queries that never read the final line (everything but
    ``bytes_over_time``/``bytes_rate``); ``line_format`` stages whose output nothing reads
    are then skipped, as Loki does (so their template errors cannot happen).

    ``hoisted``: True when ``stages`` is the ``rest`` of :func:`hoist_line_filters` and the
    caller already applied the leading filters (e.g. in SQL).

    Construction compiles everything (regexes, templates) and raises
    :class:`~logcopilot.errors.SemanticError` for what cannot compile. A pipeline keeps
    per-line scratch state: use one instance per thread.
    """

    def __init__(
        self,
        stages: Sequence[Stage],
        *,
        label_hints: frozenset[str] | None = None,
        line_needed: bool = True,
        hoisted: bool = False,
    ) -> None:
        if hoisted:
            leading: tuple[LineFilter, ...] = ()
            rest = tuple(stages)
        else:
            leading, rest = hoist_line_filters(stages)
        if not line_needed:
            rest = self._drop_unread_line_formats(rest)
        self.leading = leading
        self.stages = rest
        self._leading = [line_filter_matcher(f) for f in leading]
        self._run = [_compile_stage(st, _parser_hints(rest[i + 1 :], label_hints) if isinstance(st, _PARSERS) else None)
                     for i, st in enumerate(rest)]

    @staticmethod
    def _drop_unread_line_formats(stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
        keep: list[Stage] = []
        for i, st in enumerate(stages):
            if isinstance(st, LineFormat) and not any(_reads_line(s) for s in stages[i + 1 :]):
                continue
            keep.append(st)
        return tuple(keep)

    def process(
        self,
        ts_ns: int,
        line: str,
        stream_labels: Mapping[str, str],
        metadata: Mapping[str, str] | None = None,
    ) -> PipelineResult | None:
        """Run the pipeline on one line; None when the line is filtered out."""
        for pred in self._leading:
            if not pred(line):
                return None
        labels = LabelMap(stream_labels)
        if metadata:
            labels.update(metadata)
            base: Mapping[str, str] | frozenset[str] = frozenset(labels)
        else:
            base = stream_labels
        state = LineState(ts_ns, line, labels, base)
        for run in self._run:
            if not run(state):
                return None
        return PipelineResult(state.line, state.labels)


def _convert_unwrapped(value: str, conversion: str) -> float:
    if conversion == "":
        return parse_float(value)
    if conversion in ("duration", "duration_seconds"):
        return parse_go_duration(value) / 1e9
    if conversion == "bytes":
        return float(parse_bytes(value))
    raise ValueParseError(f"unknown unwrap conversion {conversion!r}")


@lru_cache(maxsize=256)
def _post_filters(unwrap: Unwrap) -> tuple[Callable[[LineState], bool], ...]:
    return tuple(compile_label_filter(f) for f in unwrap.post_filters)


def unwrap_value(labels: Mapping[str, str], unwrap: Unwrap) -> float | None:
    """The sample value of ``| unwrap`` for one line (``labels`` = a PipelineResult's labels).

    Returns the number, or None when the label is missing or the unwrap's post-filters
    (``| unwrap x | __error__=""``) drop the sample. Raises :class:`SampleExtractionError`
    when the sample keeps an error (Loki answers 400 for that, corpus note 23).
    """
    raw = labels.get(unwrap.label)
    if raw is None:
        return None
    number = 0.0
    out: dict[str, str] = LabelMap(labels)
    try:
        number = _convert_unwrapped(raw, unwrap.conversion)
    except ValueParseError as exc:
        out[ERROR] = SAMPLE_EXTRACTION_ERR
        out[ERROR_DETAILS] = str(exc)
    filters = _post_filters(unwrap)
    if filters:
        state = LineState(0, "", out, frozenset())
        for f in filters:
            if not f(state):
                return None
        out = state.labels
    kind = out.get(ERROR)
    if kind is not None:
        raise SampleExtractionError(out.get(ERROR_DETAILS, ""), out, kind)
    return number
