"""The typed LogQL syntax tree: what the parser builds, the printer prints, the compiler reads.

Every node is a frozen dataclass, so trees compare by value (``parse(print(t)) == t``).
Durations are integer nanoseconds. Names follow Loki's grammar where it has one.

Tree shape::

    Expr
     ├── LogExpr            LogQuery(selector, pipeline)
     └── SampleExpr
          ├── RangeAggregation(op, LogRange, param, grouping)
          ├── VectorAggregation(op, expr, grouping, param)
          ├── BinaryOp(op, lhs, rhs, bool, matching)
          ├── LabelReplace(expr, dst, replacement, src, regex)
          ├── Vector(value)          vector(1)
          └── NumberLiteral(value)   1, -2.5, 1e3

    Stage (one pipeline step)
     ├── LineFilter(op, args)            |= "a" or "b", |~ `re`, |> "<_> x", != ip("...")
     ├── JsonParser(params) / LogfmtParser(params, strict, keep_empty)
     ├── PatternParser(pattern) / RegexpParser(regex) / UnpackParser()
     ├── LabelFilterStage(filter)        | a > 1 and b = "x"
     ├── LineFormat(template) / LabelFormat(items)
     ├── DropLabels(items) / KeepLabels(items)
     └── Decolorize()
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = [
    "BinaryLabelFilter",
    "BinaryOp",
    "BytesLabelFilter",
    "Decolorize",
    "DropLabels",
    "DurationLabelFilter",
    "Expr",
    "ExtractionParam",
    "Grouping",
    "IpLabelFilter",
    "JsonParser",
    "KeepLabels",
    "LabelFilter",
    "LabelFilterStage",
    "LabelFormat",
    "LabelFormatItem",
    "LabelItem",
    "LabelReplace",
    "LineFilter",
    "LineFilterArg",
    "LineFormat",
    "LogQuery",
    "LogRange",
    "LogfmtParser",
    "Matcher",
    "NumberLiteral",
    "NumericLabelFilter",
    "PatternParser",
    "RangeAggregation",
    "RegexpParser",
    "SampleExpr",
    "Stage",
    "StreamSelector",
    "StringLabelFilter",
    "UnpackParser",
    "Unwrap",
    "Vector",
    "VectorAggregation",
    "VectorMatching",
]

MatchOp = Literal["=", "!=", "=~", "!~"]
CompareOp = Literal["==", "!=", ">", ">=", "<", "<="]  # '=' in a numeric filter is stored as '=='
LineFilterOp = Literal["|=", "!=", "|~", "!~", "|>", "!>"]
IpOp = Literal["=", "!="]
LabelFilterLogic = Literal["and", "or"]
Conversion = Literal["", "duration", "duration_seconds", "bytes"]
Cardinality = Literal["one-to-one", "many-to-one", "one-to-many"]


# ----------------------------------------------------------------------------- selectors
@dataclass(frozen=True)
class Matcher:
    """``name op "value"``; regex matchers are fully anchored (Prometheus semantics)."""

    name: str
    op: MatchOp
    value: str


@dataclass(frozen=True)
class StreamSelector:
    matchers: tuple[Matcher, ...]


# ----------------------------------------------------------------------------- line filters
@dataclass(frozen=True)
class LineFilterArg:
    """One alternative of a line filter: a string/regex/pattern literal, or ``ip("cidr")``."""

    value: str
    is_ip: bool = False


@dataclass(frozen=True)
class LineFilter:
    """``|= "a" or "b"``: op is one of ``|=`` ``!=`` ``|~`` ``!~`` ``|>`` ``!>``.

    ``args`` holds the ``or`` alternatives in order (at least one). For a negative op the
    alternatives mean "none of them" (Loki rewrites ``!= a or b`` to ``!= a != b``).
    """

    op: LineFilterOp
    args: tuple[LineFilterArg, ...]


# ----------------------------------------------------------------------------- parsers
@dataclass(frozen=True)
class ExtractionParam:
    """``name="expression"`` in ``| json`` / ``| logfmt``; a bare ``name`` has expression None."""

    name: str
    expression: str | None = None


@dataclass(frozen=True)
class JsonParser:
    params: tuple[ExtractionParam, ...] = ()


@dataclass(frozen=True)
class LogfmtParser:
    params: tuple[ExtractionParam, ...] = ()
    strict: bool = False
    keep_empty: bool = False


@dataclass(frozen=True)
class PatternParser:
    pattern: str


@dataclass(frozen=True)
class RegexpParser:
    regex: str


@dataclass(frozen=True)
class UnpackParser:
    pass


@dataclass(frozen=True)
class Decolorize:
    pass


# ----------------------------------------------------------------------------- label filters
@dataclass(frozen=True)
class StringLabelFilter:
    """``name op "value"`` with Prometheus matcher semantics (regex anchored)."""

    name: str
    op: MatchOp
    value: str


@dataclass(frozen=True)
class NumericLabelFilter:
    name: str
    op: CompareOp
    value: float
    text: str = ""  # the literal as written, for printing


@dataclass(frozen=True)
class DurationLabelFilter:
    name: str
    op: CompareOp
    value_ns: int
    text: str = ""


@dataclass(frozen=True)
class BytesLabelFilter:
    """``size > 20MB``. ``value`` is in bytes *as Loki's frontend rounds it* (see corpus note 20)."""

    name: str
    op: CompareOp
    value: float
    text: str = ""


@dataclass(frozen=True)
class IpLabelFilter:
    """``addr = ip("10.0.0.0/8")`` (op ``=`` or ``!=``)."""

    name: str
    op: IpOp
    cidr: str


@dataclass(frozen=True)
class BinaryLabelFilter:
    """``left and right`` / ``left or right``; ``and`` binds tighter (the parser handles it)."""

    op: LabelFilterLogic
    left: LabelFilter
    right: LabelFilter


LabelFilter: TypeAlias = (
    StringLabelFilter
    | NumericLabelFilter
    | DurationLabelFilter
    | BytesLabelFilter
    | IpLabelFilter
    | BinaryLabelFilter
)


@dataclass(frozen=True)
class LabelFilterStage:
    filter: LabelFilter


# ----------------------------------------------------------------------------- formats
@dataclass(frozen=True)
class LineFormat:
    template: str  # Go text/template source


@dataclass(frozen=True)
class LabelFormatItem:
    """``dst=src`` (rename, ``is_template`` False) or ``dst="{{...}}"`` (template)."""

    dst: str
    src: str
    is_template: bool


@dataclass(frozen=True)
class LabelFormat:
    items: tuple[LabelFormatItem, ...]


@dataclass(frozen=True)
class LabelItem:
    """An item of ``drop``/``keep``: a bare name, or ``name op "value"`` (drop/keep when it matches)."""

    name: str
    matcher: Matcher | None = None


@dataclass(frozen=True)
class DropLabels:
    items: tuple[LabelItem, ...]


@dataclass(frozen=True)
class KeepLabels:
    items: tuple[LabelItem, ...]


Stage: TypeAlias = (
    LineFilter
    | JsonParser
    | LogfmtParser
    | PatternParser
    | RegexpParser
    | UnpackParser
    | Decolorize
    | LabelFilterStage
    | LineFormat
    | LabelFormat
    | DropLabels
    | KeepLabels
)


# ----------------------------------------------------------------------------- log query
@dataclass(frozen=True)
class LogQuery:
    """A log query: stream selector plus pipeline stages in order."""

    selector: StreamSelector
    pipeline: tuple[Stage, ...] = ()


# ----------------------------------------------------------------------------- metric queries
@dataclass(frozen=True)
class Unwrap:
    """``| unwrap [conversion(]label[)]`` plus label filters written after it (``| __error__=""``)."""

    label: str
    conversion: Conversion = ""
    post_filters: tuple[LabelFilter, ...] = ()


@dataclass(frozen=True)
class LogRange:
    """``{sel} | pipeline [| unwrap x] [range] [offset d]``."""

    query: LogQuery
    range_ns: int
    offset_ns: int = 0
    unwrap: Unwrap | None = None


@dataclass(frozen=True)
class Grouping:
    """``by (a, b)`` or ``without (a)``; ``labels`` may be empty (``by ()``)."""

    without: bool
    labels: tuple[str, ...]


RangeOp = Literal[
    "count_over_time",
    "rate",
    "rate_counter",
    "bytes_over_time",
    "bytes_rate",
    "absent_over_time",
    "sum_over_time",
    "avg_over_time",
    "max_over_time",
    "min_over_time",
    "stdvar_over_time",
    "stddev_over_time",
    "quantile_over_time",
    "first_over_time",
    "last_over_time",
]

VectorOp = Literal[
    "sum",
    "avg",
    "min",
    "max",
    "count",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "sort",
    "sort_desc",
    "approx_topk",
]

BinOp = Literal[
    "or", "and", "unless", "+", "-", "*", "/", "%", "^", "==", "!=", ">", ">=", "<", "<="
]


@dataclass(frozen=True)
class RangeAggregation:
    """``op([param,] log_range) [by|without (...)]``; ``param`` is the quantile's phi."""

    op: RangeOp
    range: LogRange
    param: float | None = None
    grouping: Grouping | None = None


@dataclass(frozen=True)
class VectorAggregation:
    """``op [by|without (...)] ([param,] expr)``; ``param`` is k for topk/bottomk/approx_topk."""

    op: VectorOp
    expr: SampleExpr
    grouping: Grouping | None = None
    param: float | None = None


@dataclass(frozen=True)
class VectorMatching:
    """``on(...)``/``ignoring(...)`` and ``group_left(...)``/``group_right(...)``."""

    on: bool
    labels: tuple[str, ...]
    card: Cardinality = "one-to-one"
    include: tuple[str, ...] = ()


@dataclass(frozen=True)
class BinaryOp:
    op: BinOp
    lhs: SampleExpr
    rhs: SampleExpr
    return_bool: bool = False
    matching: VectorMatching | None = None


@dataclass(frozen=True)
class LabelReplace:
    """``label_replace(expr, "dst", "replacement", "src", "regex")``."""

    expr: SampleExpr
    dst: str
    replacement: str
    src: str
    regex: str


@dataclass(frozen=True)
class Vector:
    """``vector(1)``."""

    value: float


@dataclass(frozen=True)
class NumberLiteral:
    value: float


SampleExpr: TypeAlias = (
    RangeAggregation | VectorAggregation | BinaryOp | LabelReplace | Vector | NumberLiteral
)
Expr: TypeAlias = LogQuery | SampleExpr
