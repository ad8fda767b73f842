"""Prometheus-style label matchers: ``=``, ``!=``, ``=~``, ``!~`` compiled to predicates.

In: an operator and the value as written in the query. Out: ``Callable[[str], bool]``
taking a label value ("" for a missing label, as in Prometheus).

Regexes are RE2 (google-re2), fully anchored and compiled with ``(?s:...)`` so ``.``
matches a newline, as Prometheus' matchers do. Compiled regexes are cached, since the
same matcher appears in many queries and many pipeline stages.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import re2

from logcopilot.errors import SemanticError
from logcopilot.logql.re2check import compile_re2

__all__ = ["compile_anchored_regex", "compile_matcher", "compile_regex"]


def compile_regex(pattern: str) -> re2._Regexp:
    """An unanchored RE2 regex (used by line filters and the regexp parser).

    A bad pattern is the user's error, worded as Go's ``regexp.Compile`` words it.
    """
    try:
        return compile_re2(pattern)
    except ValueError as exc:
        raise SemanticError(str(exc)) from exc


@lru_cache(maxsize=1024)
def compile_anchored_regex(pattern: str) -> re2._Regexp:
    """A fully anchored RE2 regex with Prometheus' ``(?s:...)`` wrapping."""
    compile_regex(pattern)  # validate the user's text alone, for a clear error
    return compile_re2(f"^(?s:{pattern})$")


def _literal_prefix_free(pattern: str) -> str | None:
    """The literal a regex stands for when it has no metacharacters, else None."""
    if any(c in pattern for c in "\\.+*?()|[]{}^$"):
        return None
    return pattern


@lru_cache(maxsize=4096)
def compile_matcher(op: str, value: str) -> Callable[[str], bool]:
    """Compile ``op value`` into a predicate over a label value.

    >>> compile_matcher("=~", "web-.*")("web-1")
    True
    """
    if op == "=":
        return value.__eq__
    if op == "!=":
        return value.__ne__
    if op in ("=~", "!~"):
        literal = _literal_prefix_free(value)
        if literal is not None:
            # A plain word: the anchored regex is just equality (fast path).
            return literal.__eq__ if op == "=~" else literal.__ne__
        rx = compile_anchored_regex(value)
        fullmatch = rx.fullmatch
        if op == "=~":
            return lambda v: fullmatch(v) is not None
        return lambda v: fullmatch(v) is None
    raise SemanticError(f"unknown label matcher operator {op!r}")
