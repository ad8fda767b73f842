"""The ``| pattern "<a> <_> <b>"`` stage.

In: a :class:`~logcopilot.logql.ast.PatternParser`. Out: a stage adding the named captures
as labels; a line that does not match gets no labels and no error (corpus note 19).
Matching rules are in :mod:`.patterns`.
"""

from __future__ import annotations

from logcopilot.engine.stages.labels import LineState, add_parsed
from logcopilot.engine.stages.patterns import compile_pattern
from logcopilot.logql.ast import PatternParser

__all__ = ["PatternStage"]


class PatternStage:
    __slots__ = ("extract", "hints")

    def __init__(self, node: PatternParser, hints: frozenset[str] | None = None) -> None:
        self.extract = compile_pattern(node.pattern).extract
        self.hints = hints

    def process(self, state: LineState) -> bool:
        pairs = self.extract(state.line)
        if pairs:
            add_parsed(state, pairs, self.hints)
        return True
