"""The ``| json`` stage, with and without parameters.

In: a :class:`~logcopilot.logql.ast.JsonParser`. Out: a stage whose ``process(state)``
adds labels to a :class:`~.labels.LineState` and always keeps the line.

Without parameters (corpus note 15): every scalar member, nested keys joined with ``_``,
names sanitised, arrays skipped, ``null`` adds nothing, numbers as written, first value of a
duplicate key wins. A line that is not a JSON object gets ``__error__="JSONParserErr"`` and
``__error_details__`` with jsonparser's message; pairs read before the error are kept.

With parameters (``| json a="x.y", b="list[0]"``): each expression is looked up; objects and
arrays come back as raw JSON text, a missing path as ``""``. An invalid line gets
``JSONParserErr`` without details.
"""

from __future__ import annotations

import json

from logcopilot.engine.stages.jsonscan import JsonScanError, flatten, get_path, unescape
from logcopilot.engine.stages.labels import LineState, add_parsed, sanitize_key
from logcopilot.errors import SemanticError
from logcopilot.logql.ast import JsonParser

__all__ = ["JsonStage", "parse_json_expression"]

JSON_ERR = "JSONParserErr"


def parse_json_expression(expr: str) -> list[str | int]:
    """``a.b["c d"][0]`` -> ``["a", "b", "c d", 0]``."""
    path: list[str | int] = []
    i = 0
    n = len(expr)
    ident: list[str] = []

    def flush() -> None:
        if ident:
            path.append("".join(ident))
            ident.clear()

    while i < n:
        c = expr[i]
        if c == ".":
            flush()
            i += 1
        elif c == "[":
            flush()
            close = expr.find("]", i)
            if close < 0:
                raise SemanticError(f"invalid json expression {expr!r}")
            inner = expr[i + 1 : close].strip()
            if inner[:1] in ('"', "'") and inner[-1:] == inner[:1] and len(inner) >= 2:
                path.append(inner[1:-1])
            elif inner.isdigit():
                path.append(int(inner))
            else:
                raise SemanticError(f"invalid json expression {expr!r}")
            i = close + 1
        else:
            ident.append(c)
            i += 1
    flush()
    if not path:
        raise SemanticError(f"invalid json expression {expr!r}")
    return path


class JsonStage:
    """``| json`` (all members) or ``| json name="expr", ...``."""

    __slots__ = ("hints", "params", "wanted")

    def __init__(self, node: JsonParser, hints: frozenset[str] | None = None) -> None:
        self.params = [
            (p.name, parse_json_expression(p.expression if p.expression is not None else p.name))
            for p in node.params
        ]
        self.hints = hints
        # Names worth stopping for; "__error__" is not a key, so it never ends the scan.
        self.wanted = frozenset(h for h in hints if not h.startswith("__")) if hints else None

    def process(self, state: LineState) -> bool:
        if self.params:
            self._process_params(state)
            return True
        hints = self.hints
        if hints is not None and not hints:
            return True  # nothing needed downstream: Loki does not parse at all
        pairs, err = flatten(state.line, sanitize_key, self.wanted)
        add_parsed(state, pairs, hints)
        if err is not None:
            state.set_error(JSON_ERR, err)
        return True

    def _process_params(self, state: LineState) -> None:
        line = state.line
        try:
            json.loads(line)
        except ValueError:
            state.set_error(JSON_ERR)
            return
        pairs: list[tuple[str, str]] = []
        for name, path in self.params:
            try:
                found = get_path(line, path)
            except JsonScanError:
                found = None
            if found is None:
                value = ""
            else:
                kind, raw = found
                if kind == "string":
                    try:
                        value = unescape(raw)
                    except JsonScanError:
                        value = raw
                elif kind == "null":
                    value = ""
                else:
                    value = raw
            pairs.append((name, value))
        add_parsed(state, pairs, self.hints)
