"""The ``| unpack`` stage: undo Promtail's ``pack``.

In: a line like ``{"container":"nginx","_entry":"GET / 200"}``. Out: the ``_entry`` string
becomes the line and the other string members become labels (corpus note 18). A JSON
object without a string ``_entry`` passes unchanged with no labels; a line that is not JSON
gets ``__error__="JSONParserErr"``.
"""

from __future__ import annotations

from logcopilot.engine.stages.jsonscan import JsonScanError, scan_object, unescape
from logcopilot.engine.stages.labels import LineState, add_parsed, sanitize_key

__all__ = ["UnpackStage"]


class UnpackStage:
    __slots__ = ("hints",)

    def __init__(self, hints: frozenset[str] | None = None) -> None:
        self.hints = hints

    def process(self, state: LineState) -> bool:
        line = state.line
        pairs: list[tuple[str, str]] = []
        entry: list[str] = []

        def on_pair(key: str, kind: str, vs: int, ve: int) -> None:
            if kind != "string":
                return
            value = unescape(line[vs:ve])
            if key == "_entry":
                entry.append(value)
            else:
                pairs.append((sanitize_key(key), value))

        try:
            scan_object(line, 0, on_pair)
        except JsonScanError as exc:
            state.set_error("JSONParserErr", str(exc))
            return True
        if entry:
            add_parsed(state, pairs, self.hints)
            state.line = entry[0]
        return True
