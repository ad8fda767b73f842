"""Line filters: ``|=`` ``!=`` ``|~`` ``!~`` ``|>`` ``!>`` and ``ip()``, as line predicates.

In: a :class:`~logcopilot.logql.ast.LineFilter`. Out: ``Callable[[str], bool]``, True when
the line is kept.

- ``|= "a" or "b"`` keeps lines containing any alternative; ``|= ""`` keeps every line and
  ``!= ""`` none (corpus note 12); a negative op with alternatives means "none of them".
- ``|~`` is an unanchored RE2 search (``.`` excludes ``\\n`` unless ``(?s)``; note 14).
- ``|>`` uses Loki's pattern semantics (see :mod:`.patterns`).
- ``ip("cidr")`` matches a line containing an address in the range.
"""

from __future__ import annotations

from collections.abc import Callable

from logcopilot.engine.matchers import compile_regex
from logcopilot.engine.stages.ipfilter import compile_ip_contains
from logcopilot.engine.stages.patterns import compile_pattern
from logcopilot.logql.ast import LineFilter, LineFilterArg

__all__ = ["line_filter_matcher"]

Predicate = Callable[[str], bool]


def _contains(value: str) -> Predicate:
    if value == "":
        return lambda line: True
    return lambda line: value in line


_META = frozenset("\\.+*?()|[]{}^$")


def _regex(pattern: str) -> Predicate:
    search = compile_regex(pattern).search  # compiled first: a bad regex is an error either way
    body = pattern[4:] if pattern.startswith("(?i)") else pattern
    if body and body.isascii() and body.isprintable() and not _META.intersection(body):
        # A plain word needs no regex engine (Loki simplifies these the same way).
        if body is pattern:
            return lambda line: pattern in line
        low = body.lower()
        # RE2's case folding equals ASCII lower() only on ASCII text.
        return lambda line: (low in line.lower()) if line.isascii() else (search(line) is not None)
    return lambda line: search(line) is not None


def _one(op: str, arg: LineFilterArg) -> Predicate:
    if arg.is_ip:
        return compile_ip_contains(arg.value)
    if op in ("|=", "!="):
        return _contains(arg.value)
    if op in ("|~", "!~"):
        return _regex(arg.value)
    return compile_pattern(arg.value).test


def line_filter_matcher(f: LineFilter) -> Predicate:
    """Compile a line filter into a predicate (True = keep the line).

    >>> line_filter_matcher(LineFilter("|=", (LineFilterArg("err"),)))("an error")
    True
    """
    positive = f.op in ("|=", "|~", "|>")
    preds = [_one(f.op, a) for a in f.args]
    if len(preds) == 1:
        p = preds[0]
        if positive:
            return p
        return lambda line: not p(line)
    if positive:
        return lambda line: any(p(line) for p in preds)
    return lambda line: not any(p(line) for p in preds)
