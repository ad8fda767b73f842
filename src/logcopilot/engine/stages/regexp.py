"""The ``| regexp "(?P<name>re)"`` stage.

In: a :class:`~logcopilot.logql.ast.RegexpParser`. Out: a stage adding the named groups of
the first (unanchored, RE2) match as labels; a group that did not take part gives ``""``.
A line that does not match gets no labels and no error (corpus note 19).
"""

from __future__ import annotations

from logcopilot.engine.matchers import compile_regex
from logcopilot.engine.stages.labels import LineState, add_parsed
from logcopilot.errors import SemanticError
from logcopilot.logql.ast import RegexpParser

__all__ = ["RegexpStage"]


class RegexpStage:
    __slots__ = ("groups", "hints", "search")

    def __init__(self, node: RegexpParser, hints: frozenset[str] | None = None) -> None:
        rx = compile_regex(node.regex)
        self.groups = sorted(rx.groupindex.items(), key=lambda kv: kv[1])
        if not self.groups:
            raise SemanticError("at least one named capture must be supplied")
        self.search = rx.search
        self.hints = hints

    def process(self, state: LineState) -> bool:
        m = self.search(state.line)
        if m is not None:
            add_parsed(state, [(name, m.group(idx) or "") for name, idx in self.groups], self.hints)
        return True
