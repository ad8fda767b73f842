"""LogQL parser: query text in, a typed ``ast.Expr`` out, or a ``LogQLError`` with Loki's text.

A hand-written recursive-descent parser over ``lexer.tokenize``. It accepts the language of
Loki's goyacc grammar (``syntax.y``) and reproduces its messages:

* syntax errors: ``parse error at line L, col C: syntax error: unexpected X, expecting Y``;
  like goyacc, the ``expecting`` part is shown only when at most four tokens could follow,
  and names them in Loki's token order;
* errors Loki raises while building nodes (``invalid parameter topk(1.5,``, unwrap misuse,
  bad regexps in matchers, parser stages without captures...) as ``SemanticError``;
* then, after a successful parse, Loki's validation (empty-compatible selectors, sort
  grouping) and its pipeline-building errors (``stage '|~ "("' : error parsing regexp...``).

Precedence follows Loki: ``or`` < ``and unless`` < comparisons < ``+ -`` < ``* / %`` < ``^``
(right-associative). Label filters combine with ``and``/``or`` by precedence, while ``,`` and
juxtaposition take everything to their right (goyacc's shift preference).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from typing import TypeVar, cast, get_args

from ..errors import ParseError, SemanticError, UnsupportedError
from . import ast as A
from .durations import round_bytes_like_loki
from .gotext import go_quote as _quote
from .lexer import Token, tokenize
from .re2check import named_groups, regex_error
from .scalarops import apply_binary
from .validate import check_stages, validate

__all__ = ["MAX_DEPTH", "MAX_QUERY_BYTES", "make_parse_error", "parse"]

MAX_QUERY_BYTES = 131072  # Loki's maxInputSize (128 KiB since 3.x)
MAX_DEPTH = 200  # nesting guard: deeper queries get a clear error, never a RecursionError

_RANGE_OPS: dict[str, A.RangeOp] = {
    "COUNT_OVER_TIME": "count_over_time",
    "RATE": "rate",
    "RATE_COUNTER": "rate_counter",
    "BYTES_OVER_TIME": "bytes_over_time",
    "BYTES_RATE": "bytes_rate",
    "AVG_OVER_TIME": "avg_over_time",
    "SUM_OVER_TIME": "sum_over_time",
    "MIN_OVER_TIME": "min_over_time",
    "MAX_OVER_TIME": "max_over_time",
    "STDVAR_OVER_TIME": "stdvar_over_time",
    "STDDEV_OVER_TIME": "stddev_over_time",
    "QUANTILE_OVER_TIME": "quantile_over_time",
    "FIRST_OVER_TIME": "first_over_time",
    "LAST_OVER_TIME": "last_over_time",
    "ABSENT_OVER_TIME": "absent_over_time",
}
_VECTOR_OPS: dict[str, A.VectorOp] = {
    "SUM": "sum", "AVG": "avg", "COUNT": "count", "MAX": "max", "MIN": "min",
    "STDDEV": "stddev", "STDVAR": "stdvar", "BOTTOMK": "bottomk", "TOPK": "topk",
    "SORT": "sort", "SORT_DESC": "sort_desc", "APPROX_TOPK": "approx_topk",
}
_BINOP_PREC: dict[str, int] = {
    "or": 1, "and": 2, "unless": 2,
    "==": 3, "!=": 3, ">": 3, ">=": 3, "<": 3, "<=": 3,
    "+": 4, "-": 4, "*": 5, "/": 5, "%": 5, "^": 6,
}
_LINE_FILTER_OPS: frozenset[A.LineFilterOp] = frozenset({"|=", "!=", "|~", "!~", "|>", "!>"})
_MATCH_OPS: tuple[A.MatchOp, ...] = ("=", "=~", "!~", "!=")  # Loki's token order (EQ RE NRE ... NEQ)
_COMPARE_OPS = frozenset({">", ">=", "<", "<=", "=="})
_BINOPS: frozenset[A.BinOp] = frozenset(get_args(A.BinOp))
_NUMERIC_OPS: tuple[A.CompareOp, ...] = ("==", "!=", ">", ">=", "<", "<=")
_IP_OPS: tuple[A.IpOp, ...] = ("=", "!=")
_LOGIC_OPS: tuple[A.LabelFilterLogic, ...] = ("and", "or")
_CONVERSIONS: tuple[A.Conversion, ...] = ("", "duration", "duration_seconds", "bytes")
_GROUPING_OK = frozenset({
    "avg_over_time", "stddev_over_time", "stdvar_over_time", "quantile_over_time",
    "max_over_time", "min_over_time", "first_over_time", "last_over_time",
})
_UNWRAP_OK = frozenset({
    "avg_over_time", "sum_over_time", "max_over_time", "min_over_time", "stddev_over_time",
    "stdvar_over_time", "quantile_over_time", "rate", "rate_counter", "absent_over_time",
    "first_over_time", "last_over_time",
})
_NO_UNWRAP_OK = frozenset({
    "bytes_over_time", "bytes_rate", "count_over_time", "rate", "absent_over_time",
})
_GO_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def make_parse_error(reason: str, line: int, col: int, query: str = "") -> ParseError:
    """A ParseError; at line 0, col 0 it prints no position (``parse error : reason``)."""
    return ParseError(reason, line, col, query)


def parse(query: str) -> A.Expr:
    """Parse a LogQL query into its AST, validating it as Loki does.

    >>> parse('sum by (level) (count_over_time({app="api"} |= "error" [5m]))').op
    'sum'
    """
    size = len(query.encode("utf-8", "surrogatepass"))
    if size >= MAX_QUERY_BYTES:
        raise make_parse_error(
            f"input size too long ({size} > {MAX_QUERY_BYTES})", 0, 0, query
        )
    try:
        parser = _Parser(query)
        expr = parser.parse_root()
    except RecursionError:  # only reachable from a caller already deep in its own stack
        raise make_parse_error("syntax error: expression nested too deeply", 0, 0, query) from None
    validate(expr, parser.deferred)
    check_stages(expr)
    return expr


# ----------------------------------------------------------------------------- helpers
def _go_float(text: str) -> tuple[float, str | None]:
    """``strconv.ParseFloat`` of a NUMBER token: (value, error text or None).

    Like Go, a syntax error gives 0 and an out-of-range value gives an infinity.
    """
    if not _GO_FLOAT.fullmatch(text):
        return 0.0, f"strconv.ParseFloat: parsing {_quote(text)}: invalid syntax"
    value = float(text)
    if math.isinf(value):
        return value, f"strconv.ParseFloat: parsing {_quote(text)}: value out of range"
    return value, None


_Op = TypeVar("_Op", bound=str)


def _one_of(value: str, allowed: Collection[_Op]) -> _Op:
    """``value`` typed as the operator Literal of ``allowed``.

    The grammar has admitted ``value`` before this is called; a miss would be a parser bug,
    and it fails loudly rather than build a tree the engine would misread.
    """
    if value not in allowed:
        raise UnsupportedError(f"unsupported operator {value!r}")
    return cast(_Op, value)


def _go_percent_f(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:.6f}"


def _check_matcher_regex(name: str, op: str, value: str) -> None:
    # Prometheus' FastRegexMatcher parses the value as written (and anchors it later).
    if op in ("=~", "!~"):
        err = regex_error(value)
        if err is not None:
            raise SemanticError(err)


class _Parser:
    __slots__ = ("deferred", "depth", "i", "query", "toks")

    def __init__(self, query: str) -> None:
        self.query = query
        self.toks = tokenize(query)
        self.i = 0
        self.depth = 0
        # Errors Loki records on a node while parsing and reports during validation,
        # after the whole query parsed (keyed by node identity).
        self.deferred: dict[int, str] = {}

    def defer(self, node: object, reason: str) -> None:
        self.deferred[id(node)] = reason

    # ------------------------------------------------------------------ token access
    def peek(self) -> Token:
        tok = self.toks[self.i]
        if tok.kind == "ERROR":
            raise make_parse_error(str(tok.value), tok.line, tok.col, self.query)
        return tok

    def peek2(self) -> Token:
        if self.i + 1 < len(self.toks):
            tok = self.toks[self.i + 1]
            if tok.kind != "ERROR":
                return tok
        return self.toks[-1]

    def advance(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def fail(self, tok: Token, expected: tuple[str, ...] = ()) -> ParseError:
        reason = f"syntax error: unexpected {tok.kind}"
        if 0 < len(expected) <= 4:
            reason += ", expecting " + " or ".join(expected)
        return make_parse_error(reason, tok.line, tok.col, self.query)

    def expect(self, kind: str, expected: tuple[str, ...] | None = None) -> Token:
        tok = self.peek()
        if tok.kind != kind:
            raise self.fail(tok, (kind,) if expected is None else expected)
        self.i += 1
        return tok

    # ------------------------------------------------------------------ expressions
    def parse_root(self) -> A.Expr:
        expr = self.parse_expr(0)
        tok = self.peek()
        if tok.kind != "$end":
            raise self.fail(tok)
        return expr

    def parse_expr(self, min_prec: int) -> A.Expr:
        self.too_deep()
        lhs = self.parse_operand()
        while True:
            tok = self.peek()
            prec = _BINOP_PREC.get(tok.kind)
            if prec is None or prec < min_prec:
                break
            self.i += 1
            op = tok.kind
            return_bool, matching = self.parse_bin_modifiers()
            rhs = self.parse_expr(prec if op == "^" else prec + 1)
            lhs = self.make_binop(op, lhs, rhs, return_bool, matching)
        self.depth -= 1
        return lhs

    def parse_metric_expr(self) -> A.SampleExpr:
        expr = self.parse_expr(0)
        if isinstance(expr, A.LogQuery):
            raise self.fail(self.peek())
        return expr

    def parse_operand(self) -> A.Expr:
        tok = self.peek()
        kind = tok.kind
        if kind == "{":
            selector = self.parse_selector()
            stages, _ = self.parse_pipeline(in_range=False)
            return A.LogQuery(selector, stages)
        if kind == "(":
            self.i += 1
            inner = self.parse_expr(0)
            self.expect(")", ())
            return inner
        if kind in _RANGE_OPS:
            return self.parse_range_aggregation()
        if kind in _VECTOR_OPS:
            return self.parse_vector_aggregation()
        if kind == "VECTOR":
            self.i += 1
            self.expect("(")
            number = self.expect("NUMBER")
            self.expect(")")
            value, err = _go_float(number.text)
            vector = A.Vector(value)
            if err is not None:
                self.defer(vector, f"unable to parse vectorExpr as a float: {err}")
            return vector
        if kind == "label_replace":
            return self.parse_label_replace()
        if kind in ("NUMBER", "+", "-"):
            value, err = self.parse_literal()
            literal = A.NumberLiteral(value)
            if err is not None:
                self.defer(literal, f"unable to parse literal as a float: {err}")
            return literal
        if kind == "variants":
            raise UnsupportedError("variants(...) of (...) queries are not supported")
        raise self.fail(tok)

    def parse_literal(self) -> tuple[float, str | None]:
        """``NUMBER``, ``+NUMBER`` or ``-NUMBER``: (value, ParseFloat error or None)."""
        tok = self.advance()
        if tok.kind == "NUMBER":
            return _go_float(tok.text)
        value, err = _go_float(self.expect("NUMBER").text)
        return (-value if tok.kind == "-" else value), err

    def parse_bin_modifiers(self) -> tuple[bool, A.VectorMatching | None]:
        return_bool = False
        if self.peek().kind == "bool":
            self.i += 1
            return_bool = True
        kind = self.peek().kind
        if kind not in ("on", "ignoring"):
            return return_bool, None
        self.i += 1
        on = kind == "on"
        self.expect("(")
        labels = self.parse_label_list()
        card: A.Cardinality = "one-to-one"
        include: tuple[str, ...] = ()
        kind = self.peek().kind
        if kind in ("group_left", "group_right"):
            self.i += 1
            card = "many-to-one" if kind == "group_left" else "one-to-many"
            if self.peek().kind == "(":
                self.i += 1
                include = self.parse_label_list()
        return return_bool, A.VectorMatching(on, labels, card, include)

    def make_binop(
        self,
        op: str,
        lhs: A.Expr,
        rhs: A.Expr,
        return_bool: bool,
        matching: A.VectorMatching | None,
    ) -> A.BinaryOp:
        """Loki's ``mustNewBinOpExpr`` checks, recorded on the node for validation."""
        # A log-query leg is kept only until its deferred error is raised (Loki reports it
        # after the whole query parses), so the node may briefly hold what its type excludes.
        node = A.BinaryOp(_one_of(op, _BINOPS), lhs, rhs, return_bool, matching)  # type: ignore[arg-type]
        reason: str | None = None
        if isinstance(lhs, A.LogQuery):
            reason = f"unexpected type for left leg of binary operation ({op}): {_go_type(lhs)}"
        elif isinstance(rhs, A.LogQuery):
            reason = f"unexpected type for right leg of binary operation ({op}): {_go_type(rhs)}"
        else:
            left = self.constant(lhs)
            right = self.constant(rhs)
            for value in (left, right):
                if isinstance(value, str):
                    reason = reason or value
            if reason is None and op in ("and", "or", "unless"):
                # Neither is an error text here (that would have set reason): a literal is a float.
                if isinstance(left, float):
                    reason = (
                        f"unexpected literal for left leg of logical/set binary operation ({op}): "
                        f"{_go_percent_f(left)}"
                    )
                elif isinstance(right, float):
                    reason = (
                        f"unexpected literal for right leg of logical/set binary operation ({op}): "
                        f"{_go_percent_f(right)}"
                    )
        if reason is not None:
            self.defer(node, reason)
        return node

    def constant(self, expr: A.Expr) -> float | str | None:
        """The value Loki folds ``expr`` to (it reduces literal-only binops at parse time).

        None when ``expr`` is not a literal; the literal's error text when it has one.
        """
        if isinstance(expr, A.NumberLiteral):
            return self.deferred.get(id(expr), expr.value)
        if not isinstance(expr, A.BinaryOp) or id(expr) in self.deferred:
            return None
        left, right = self.constant(expr.lhs), self.constant(expr.rhs)
        if not isinstance(left, float) or not isinstance(right, float):
            return None
        return apply_binary(expr.op, left, right)

    def parse_label_list(self) -> tuple[str, ...]:
        """After ``(``: ``)`` or ``a, b)``."""
        tok = self.peek()
        if tok.kind == ")":
            self.i += 1
            return ()
        labels = [self.expect("IDENTIFIER", ("IDENTIFIER", ")")).text]
        while True:
            tok = self.advance()
            if tok.kind == ")":
                return tuple(labels)
            if tok.kind != ",":
                raise self.fail(tok, (",", ")"))
            labels.append(self.expect("IDENTIFIER").text)

    def parse_grouping(self) -> A.Grouping:
        tok = self.advance()
        self.expect("(")
        return A.Grouping(tok.kind == "without", self.parse_label_list())

    # ------------------------------------------------------------------ aggregations
    def parse_range_aggregation(self) -> A.RangeAggregation:
        op = _RANGE_OPS[self.advance().kind]
        self.expect("(")
        param_text: str | None = None
        tok = self.peek()
        if tok.kind == "NUMBER":
            self.i += 1
            self.expect(",")
            param_text = tok.text
            tok = self.peek()
            if tok.kind not in ("{", "("):
                raise self.fail(tok, ("{", "("))
        elif tok.kind not in ("{", "("):
            raise self.fail(tok, ("NUMBER", "{", "("))
        log_range = self.parse_log_range()
        self.expect(")", ())
        grouping = None
        if self.peek().kind in ("by", "without"):
            grouping = self.parse_grouping()
        param: float | None = None
        reason: str | None = None
        if param_text is not None:
            if op != "quantile_over_time":
                reason = f"parameter {param_text} not supported for operation {op}"
            else:
                param, err = _go_float(param_text)
                if err is not None:
                    reason = f"invalid parameter for operation {op}: {err}"
        elif op == "quantile_over_time":
            reason = f"parameter required for operation {op}"
        if reason is None and grouping is not None and op not in _GROUPING_OK:
            reason = f"grouping not allowed for {op} aggregation"
        if reason is None and log_range.unwrap is not None and op not in _UNWRAP_OK:
            reason = f"invalid aggregation {op} with unwrap"
        if reason is None and log_range.unwrap is None and op not in _NO_UNWRAP_OK:
            reason = f"invalid aggregation {op} without unwrap"
        node = A.RangeAggregation(op, log_range, param, grouping)
        if reason is not None:
            self.defer(node, reason)
        return node

    def too_deep(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            tok = self.peek()
            raise make_parse_error(
                f"syntax error: expression nested deeper than {MAX_DEPTH} levels",
                tok.line, tok.col, self.query,
            )

    def parse_log_range(self) -> A.LogRange:
        tok = self.peek()
        if tok.kind == "(":
            self.i += 1
            if self.peek().kind == "(":
                self.too_deep()
                inner = self.parse_log_range()
                self.expect(")", ())
                return inner
            if self.peek().kind != "{":
                raise self.fail(self.peek(), ("{", "("))
            selector = self.parse_selector()
            stages, unwrap = self.parse_pipeline(in_range=True)
            if self.peek().kind == "RANGE":
                inner = self.finish_log_range(selector, stages, unwrap)
                self.expect(")", ())
                return inner
            self.expect(")", ())
            range_ns = self.expect("RANGE").value
            offset = self.parse_offset()
            if not stages and unwrap is None and self.peek().kind == "|":
                if self.peek2().kind != "unwrap":
                    raise self.fail(self.peek2(), ("unwrap",))
                self.i += 2
                unwrap = self.parse_unwrap()
            query = A.LogQuery(selector, stages)
            return A.LogRange(query, int(range_ns), offset, unwrap)
        selector = self.parse_selector()
        stages, unwrap = self.parse_pipeline(in_range=True)
        return self.finish_log_range(selector, stages, unwrap)

    def finish_log_range(
        self, selector: A.StreamSelector, stages: tuple[A.Stage, ...], unwrap: A.Unwrap | None
    ) -> A.LogRange:
        tok = self.peek()
        if tok.kind != "RANGE":
            bare_unwrap = unwrap is not None and not unwrap.post_filters
            raise self.fail(tok, ("RANGE", "|") if bare_unwrap else ())
        self.i += 1
        range_ns = tok.value
        offset = self.parse_offset()
        if not stages and unwrap is None:
            stages, unwrap = self.parse_pipeline(in_range=True)
        query = A.LogQuery(selector, stages)
        return A.LogRange(query, int(range_ns), offset, unwrap)

    def parse_offset(self) -> int:
        if self.peek().kind != "offset":
            return 0
        self.i += 1
        return int(self.expect("DURATION").value)

    def parse_unwrap(self) -> A.Unwrap:
        """After ``| unwrap``."""
        tok = self.advance()
        conversion: A.Conversion = ""
        if tok.kind in ("BYTES_CONV", "DURATION_CONV", "DURATION_SECONDS_CONV"):
            conversion = _one_of(str(tok.value), _CONVERSIONS)
            self.expect("(")
            label = self.expect("IDENTIFIER").text
            self.expect(")")
        elif tok.kind == "IDENTIFIER":
            label = tok.text
        else:
            raise self.fail(
                tok, ("IDENTIFIER", "BYTES_CONV", "DURATION_CONV", "DURATION_SECONDS_CONV")
            )
        filters = []
        while self.peek().kind == "|":
            nxt = self.peek2()
            if nxt.kind not in ("IDENTIFIER", "("):
                self.i += 1
                raise self.fail(self.peek(), ("IDENTIFIER", "("))
            self.i += 1
            filters.append(self.parse_label_filter(0))
        return A.Unwrap(label, conversion, tuple(filters))

    def parse_vector_aggregation(self) -> A.VectorAggregation:
        op = _VECTOR_OPS[self.advance().kind]
        grouping = None
        if self.peek().kind in ("by", "without"):
            grouping = self.parse_grouping()
            self.expect("(")
        else:
            self.expect("(", ("(", "by", "without"))
        param_text: str | None = None
        if self.peek().kind == "NUMBER" and self.peek2().kind == ",":
            param_text = self.advance().text
            self.i += 1
        inner = self.parse_metric_expr()
        self.expect(")", ())
        if grouping is None and self.peek().kind in ("by", "without"):
            grouping = self.parse_grouping()
        param: float | None = None
        reason: str | None = None
        if op in ("topk", "bottomk", "approx_topk"):
            if param_text is None:
                reason = f"parameter required for operation {op}"
            elif not re.fullmatch(r"[+-]?[0-9]+", param_text):
                reason = f"invalid parameter {op}({param_text},"
            elif int(param_text) <= 0:
                reason = f"invalid parameter (must be greater than 0) {op}({param_text}"
            elif op == "approx_topk" and grouping is not None:
                reason = f"grouping not allowed for {op} aggregation"
            else:
                param = float(int(param_text))
        elif param_text is not None:
            reason = f"unsupported parameter for operation {op}({param_text},"
        node = A.VectorAggregation(op, inner, grouping, param)
        if reason is not None:
            self.defer(node, reason)
        return node

    def parse_label_replace(self) -> A.LabelReplace:
        self.i += 1
        self.expect("(")
        inner = self.parse_metric_expr()
        args: list[str] = []
        for _ in range(4):
            self.expect(",", (",",) if not args else None)
            args.append(str(self.expect("STRING").value))
        self.expect(")")
        dst, replacement, src, regex = args
        node = A.LabelReplace(inner, dst, replacement, src, regex)
        err = regex_error("^(?:" + regex + ")$")
        if err is not None:
            self.defer(node, f"invalid regex in label_replace: {err}")
        return node

    # ------------------------------------------------------------------ log queries
    def parse_selector(self) -> A.StreamSelector:
        self.expect("{")
        if self.peek().kind == "}":
            self.i += 1
            return A.StreamSelector(())
        matchers = []
        expected_name: tuple[str, ...] = ("IDENTIFIER", "}")
        while True:
            name = self.expect("IDENTIFIER", expected_name).text
            op = self.advance()
            if op.kind not in _MATCH_OPS:
                raise self.fail(op, _MATCH_OPS)
            value = str(self.expect("STRING").value)
            _check_matcher_regex(name, op.kind, value)
            matchers.append(A.Matcher(name, _one_of(op.kind, _MATCH_OPS), value))
            tok = self.advance()
            if tok.kind == "}":
                return A.StreamSelector(tuple(matchers))
            if tok.kind != ",":
                raise self.fail(tok, ("}", ","))
            expected_name = ("IDENTIFIER",)

    def parse_pipeline(self, in_range: bool) -> tuple[tuple[A.Stage, ...], A.Unwrap | None]:
        stages: list[A.Stage] = []
        while True:
            tok = self.peek()
            kind = tok.kind
            if kind in _LINE_FILTER_OPS:
                stages.append(self.parse_line_filter())
                continue
            if kind != "|":
                return tuple(stages), None
            nxt = self.peek2()
            if nxt.kind == "unwrap":
                if not in_range:
                    self.i += 1
                    raise self.fail(self.peek())
                self.i += 2
                return tuple(stages), self.parse_unwrap()
            self.i += 1
            stages.append(self.parse_stage())

    def parse_line_filter(self) -> A.LineFilter:
        op = self.advance().kind
        args = [self.parse_line_filter_arg()]
        while self.peek().kind == "or":
            self.i += 1
            args.append(self.parse_line_filter_arg())
        return A.LineFilter(_one_of(op, _LINE_FILTER_OPS), tuple(args))

    def parse_line_filter_arg(self) -> A.LineFilterArg:
        tok = self.advance()
        if tok.kind == "STRING":
            return A.LineFilterArg(str(tok.value))
        if tok.kind == "ip":
            self.expect("(")
            value = str(self.expect("STRING").value)
            self.expect(")")
            return A.LineFilterArg(value, is_ip=True)
        raise self.fail(tok, ("STRING", "ip"))

    def parse_stage(self) -> A.Stage:  # noqa: C901 - one branch per stage keyword
        tok = self.peek()
        kind = tok.kind
        if kind in ("IDENTIFIER", "("):
            return A.LabelFilterStage(self.parse_label_filter(0))
        self.i += 1
        if kind == "json":
            return A.JsonParser(self.parse_extraction_params())
        if kind == "logfmt":
            strict = keep_empty = False
            while self.peek().kind == "FUNCTION_FLAG":
                flag = self.advance().value
                strict = strict or flag == "--strict"
                keep_empty = keep_empty or flag == "--keep-empty"
            return A.LogfmtParser(self.parse_extraction_params(), strict, keep_empty)
        if kind == "regexp":
            regex = str(self.expect("STRING").value)
            err = regex_error(regex)
            if err is not None:
                raise SemanticError(f"invalid regexp parser: {err}")
            if not named_groups(regex):
                raise SemanticError(
                    "invalid regexp parser: at least one named capture must be supplied"
                )
            return A.RegexpParser(regex)
        if kind == "pattern":
            pattern = str(self.expect("STRING").value)
            _check_pattern(pattern)
            return A.PatternParser(pattern)
        if kind == "unpack":
            return A.UnpackParser()
        if kind == "decolorize":
            return A.Decolorize()
        if kind == "line_format":
            return A.LineFormat(str(self.expect("STRING").value))
        if kind == "label_format":
            return A.LabelFormat(self.parse_label_format_items())
        if kind in ("drop", "keep"):
            items = self.parse_named_matchers()
            return A.DropLabels(items) if kind == "drop" else A.KeepLabels(items)
        raise self.fail(tok)

    def parse_extraction_params(self) -> tuple[A.ExtractionParam, ...]:
        if self.peek().kind != "IDENTIFIER":
            return ()
        params = []
        while True:
            name = self.expect("IDENTIFIER").text
            expression = None
            if self.peek().kind == "=":
                self.i += 1
                expression = str(self.expect("STRING").value)
            params.append(A.ExtractionParam(name, expression))
            if self.peek().kind != ",":
                return tuple(params)
            self.i += 1

    def parse_label_format_items(self) -> tuple[A.LabelFormatItem, ...]:
        items = []
        while True:
            dst = self.expect("IDENTIFIER").text
            self.expect("=")
            tok = self.advance()
            if tok.kind == "IDENTIFIER":
                items.append(A.LabelFormatItem(dst, tok.text, False))
            elif tok.kind == "STRING":
                items.append(A.LabelFormatItem(dst, str(tok.value), True))
            else:
                raise self.fail(tok, ("IDENTIFIER", "STRING"))
            if self.peek().kind != ",":
                return tuple(items)
            self.i += 1

    def parse_named_matchers(self) -> tuple[A.LabelItem, ...]:
        items = []
        while True:
            name = self.expect("IDENTIFIER").text
            op = self.peek().kind
            if op in _MATCH_OPS:
                self.i += 1
                value = str(self.expect("STRING").value)
                _check_matcher_regex(name, op, value)
                matcher = A.Matcher(name, _one_of(op, _MATCH_OPS), value)
                items.append(A.LabelItem(name, matcher))
            else:
                items.append(A.LabelItem(name))
            if self.peek().kind != ",":
                return tuple(items)
            self.i += 1

    # ------------------------------------------------------------------ label filters
    def parse_label_filter(self, min_prec: int) -> A.LabelFilter:
        self.too_deep()
        left = self.parse_label_filter_primary()
        while True:
            kind = self.peek().kind
            if kind in ("IDENTIFIER", "(", ","):
                # ',' and juxtaposition mean 'and' and take everything to their right.
                if kind == ",":
                    self.i += 1
                right = self.parse_label_filter(0)
                left = A.BinaryLabelFilter("and", left, right)
                continue
            prec = 2 if kind == "and" else 1 if kind == "or" else 0
            if prec == 0 or prec < min_prec:
                break
            self.i += 1
            right = self.parse_label_filter(prec + 1)
            left = A.BinaryLabelFilter(_one_of(kind, _LOGIC_OPS), left, right)
        self.depth -= 1
        return left

    def parse_label_filter_primary(self) -> A.LabelFilter:
        tok = self.advance()
        if tok.kind == "(":
            inner = self.parse_label_filter(0)
            self.expect(")", ())
            return inner
        if tok.kind != "IDENTIFIER":
            raise self.fail(tok, ("IDENTIFIER", "("))
        name = tok.text
        op_tok = self.advance()
        op = op_tok.kind
        if op in ("=~", "!~"):
            value = str(self.expect("STRING").value)
            _check_matcher_regex(name, op, value)
            return A.StringLabelFilter(name, _one_of(op, _MATCH_OPS), value)
        if op not in ("=", "!=") and op not in _COMPARE_OPS:
            raise self.fail(op_tok)
        cmp_op = _one_of("==" if op == "=" else op, _NUMERIC_OPS)
        val = self.peek()
        if op in ("=", "!=") and val.kind == "STRING":
            self.i += 1
            return A.StringLabelFilter(name, _one_of(op, _MATCH_OPS), str(val.value))
        if op in ("=", "!=") and val.kind == "ip":
            self.i += 1
            self.expect("(")
            cidr = str(self.expect("STRING").value)
            self.expect(")")
            return A.IpLabelFilter(name, _one_of(op, _IP_OPS), cidr)
        if val.kind == "DURATION":
            self.i += 1
            ns = int(val.value)
            return A.DurationLabelFilter(name, cmp_op, ns, val.text)
        if val.kind == "BYTES":
            self.i += 1
            rounded = round_bytes_like_loki(int(val.value))
            size = float(rounded)
            return A.BytesLabelFilter(name, cmp_op, size, val.text)
        if val.kind in ("NUMBER", "+", "-"):
            start = val.pos
            # Loki keeps only the literal's value here: a bad number silently becomes 0.
            number, _ = self.parse_literal()
            text = self.query[start : self.toks[self.i - 1].pos + len(self.toks[self.i - 1].text)]
            text = re.sub(r"\s+", "", text)
            return A.NumericLabelFilter(name, cmp_op, number, text)
        raise self.fail(val)


# ----------------------------------------------------------------------------- semantics
def _go_type(expr: A.Expr) -> str:
    if isinstance(expr, A.LogQuery):
        return "*syntax.PipelineExpr" if expr.pipeline else "*syntax.MatchersExpr"
    return type(expr).__name__


def _check_pattern(pattern: str) -> None:
    """Loki's pattern-parser checks: a named capture, no two captures side by side."""
    parts = re.split(r"(<[A-Za-z_][A-Za-z0-9_]*>)", pattern)
    names = [p[1:-1] for p in parts[1::2]]
    if not any(n != "_" for n in names):
        raise SemanticError("invalid pattern parser: at least one capture is required")
    for k in range(1, len(parts) - 2, 2):
        if parts[k + 1] == "" and k + 2 < len(parts):
            raise SemanticError(
                "invalid pattern parser: found consecutive capture "
                f"'{parts[k]}{parts[k + 2]}': invalid expression"
            )
    seen: set[str] = set()
    for n in names:
        if n != "_" and n in seen:
            raise SemanticError(
                f"invalid pattern parser: duplicate capture name ({n}): invalid expression"
            )
        seen.add(n)
