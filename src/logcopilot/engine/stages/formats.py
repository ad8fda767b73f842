"""Formatting stages: ``line_format``, ``label_format``, ``drop``, ``keep``, ``decolorize``.

In: the AST node. Out: a stage whose ``process(state)`` rewrites the line or the labels of a
:class:`~.labels.LineState` and keeps the line (these stages never filter).

- ``line_format``: the template sees the labels (a missing one is ``""``), ``__line__`` and
  ``__timestamp__``; a runtime error sets ``__error__="TemplateFormatErr"`` with Go's text
  in ``__error_details__`` and leaves the line as it was (corpus note 21).
- ``label_format``: items apply in order; ``a=b`` renames (drops ``b``; a missing ``b``
  leaves ``a`` as it was) and later items see earlier results (note 22).
- ``drop``/``keep``: bare names or matchers; ``keep`` always keeps the error labels.
- ``decolorize``: removes ANSI escape sequences.
"""

from __future__ import annotations

import re

from logcopilot.engine.matchers import compile_matcher
from logcopilot.engine.stages.gotemplate import LabelMap, Template, TemplateExecError
from logcopilot.engine.stages.labels import ERROR, ERROR_DETAILS, LineState
from logcopilot.engine.stages.templatefuncs import LineRef, make_funcs
from logcopilot.logql.ast import DropLabels, KeepLabels, LabelFormat, LineFormat

__all__ = ["DecolorizeStage", "DropStage", "KeepStage", "LabelFormatStage", "LineFormatStage"]

TEMPLATE_ERR = "TemplateFormatErr"

# ANSI CSI/OSC sequences (the widely used "ansi-regex" shape).
_ANSI = re.compile(
    "[\u001b\u009b][\\[\\]()#;?]*(?:(?:(?:[a-zA-Z\\d]*(?:;[a-zA-Z\\d]*)*)?\u0007)"
    "|(?:(?:\\d{1,4}(?:;\\d{0,4})*)?[\\dA-PRZcf-ntqry=><~]))"
)


class LineFormatStage:
    __slots__ = ("const", "ref", "template")

    def __init__(self, node: LineFormat) -> None:
        self.ref = LineRef()
        self.template = Template(node.template, "line", make_funcs(self.ref))
        nodes = self.template.nodes
        # A template without actions is a constant line (common in tests and dashboards).
        self.const = nodes[0][2] if len(nodes) == 1 and nodes[0][0] == "text" else ("" if not nodes else None)

    def process(self, state: LineState) -> bool:
        if self.const is not None:
            state.line = self.const
            return True
        ref = self.ref
        ref.line = state.line
        ref.ts = state.ts
        try:
            state.line = self.template.render(state.labels)
        except TemplateExecError as exc:
            state.set_error(TEMPLATE_ERR, str(exc))
        return True


class LabelFormatStage:
    __slots__ = ("items", "ref")

    def __init__(self, node: LabelFormat) -> None:
        self.ref = LineRef()
        funcs = make_funcs(self.ref)
        self.items: list[tuple[str, str | None, Template | None]] = []
        for item in node.items:
            if item.is_template:
                self.items.append((item.dst, None, Template(item.src, "label", funcs)))
            else:
                self.items.append((item.dst, item.src, None))

    def process(self, state: LineState) -> bool:
        labels = state.labels
        ref = self.ref
        ref.line = state.line
        ref.ts = state.ts
        for dst, src, tmpl in self.items:
            if tmpl is None:
                assert src is not None
                if src in labels:
                    value = labels[src]
                    if src != dst:
                        del labels[src]
                    labels[dst] = value
                continue
            try:
                labels[dst] = tmpl.render(labels)
            except TemplateExecError as exc:
                state.set_error(TEMPLATE_ERR, str(exc))
        return True


class DropStage:
    __slots__ = ("matchers", "names")

    def __init__(self, node: DropLabels) -> None:
        names = [i.name for i in node.items if i.matcher is None]
        # Dropping the error drops its details with it.
        self.names = names + [ERROR_DETAILS] if ERROR in names else names
        self.matchers = [
            (i.name, compile_matcher(i.matcher.op, i.matcher.value)) for i in node.items if i.matcher is not None
        ]

    def process(self, state: LineState) -> bool:
        labels = state.labels
        for name in self.names:
            labels.pop(name, None)
        for name, match in self.matchers:
            value = labels.get(name)
            if value is not None and match(value):
                del labels[name]
        return True


class KeepStage:
    __slots__ = ("matchers", "names")

    def __init__(self, node: KeepLabels) -> None:
        self.names = frozenset(i.name for i in node.items if i.matcher is None) | {ERROR, ERROR_DETAILS}
        self.matchers = [
            (i.name, compile_matcher(i.matcher.op, i.matcher.value)) for i in node.items if i.matcher is not None
        ]

    def process(self, state: LineState) -> bool:
        labels = state.labels
        kept = LabelMap()
        names = self.names
        for name, value in labels.items():
            if name in names:
                kept[name] = value
        for name, match in self.matchers:
            found = labels.get(name)
            if found is not None and match(found):
                kept[name] = found
        state.labels = kept
        return True


class DecolorizeStage:
    __slots__ = ()

    def process(self, state: LineState) -> bool:
        line = state.line
        if "\x1b" in line or "\x9b" in line:
            state.line = _ANSI.sub("", line)
        return True
