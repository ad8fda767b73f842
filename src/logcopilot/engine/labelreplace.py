"""``label_replace(v, dst, replacement, src, regex)`` with Go's ``$1``/``${name}`` expansion.

In: a ``Vec`` and the five arguments. Out: a ``Vec`` whose series have ``dst`` set from the
anchored match of ``regex`` on ``src`` (an empty result deletes ``dst``); series that do not
match pass unchanged.
"""

from __future__ import annotations

import re

import numpy as np

from logcopilot.engine.matchers import compile_anchored_regex
from logcopilot.engine.results import labels_string
from logcopilot.engine.vectors import Vec, VecSeries
from logcopilot.errors import QueryError

__all__ = ["expand_template", "label_replace"]

_NAME = re.compile(r"[A-Za-z0-9_]+")


def expand_template(template: str, groups: list[str | None], named: dict[str, int]) -> str:
    """Go's ``regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$``."""
    out: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch != "$" or i + 1 >= len(template):
            out.append(ch)
            i += 1
            continue
        nxt = template[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt == "{":
            end = template.find("}", i + 2)
            name = template[i + 2 : end] if end > 0 else ""
            if end < 0 or not name or not _NAME.fullmatch(name):
                out.append(ch)
                i += 1
                continue
            i = end + 1
        else:
            m = _NAME.match(template, i + 1)
            if not m:
                out.append(ch)
                i += 1
                continue
            name = m.group(0)
            i = m.end()
        if name.isdigit():
            idx = int(name)
            val = groups[idx] if idx < len(groups) else None
        else:
            gi = named.get(name)
            val = groups[gi] if gi is not None and gi < len(groups) else None
        out.append(val or "")
    return "".join(out)


def label_replace(vec: Vec, dst: str, replacement: str, src: str, regex: str) -> Vec:
    rx = compile_anchored_regex(regex)
    named = dict(rx.groupindex) if hasattr(rx, "groupindex") else {}
    out: dict[str, VecSeries] = {}
    for key, s in vec.series.items():
        m = rx.fullmatch(s.labels.get(src, ""))
        if m is None:
            _put(out, key, s)
            continue
        groups = [m.group(0)] + [m.group(i) for i in range(1, rx.groups + 1)]
        value = expand_template(replacement, groups, named)
        labels = dict(s.labels)
        if value == "":
            labels.pop(dst, None)
        else:
            labels[dst] = value
        _put(out, labels_string(labels), VecSeries(labels, s.values, s.present))
    return Vec(out)


def _put(out: dict[str, VecSeries], key: str, s: VecSeries) -> None:
    """Add a relabelled series; two series with the same labels at the same step are an
    error (as in Prometheus) rather than one silently replacing the other."""
    prev = out.get(key)
    if prev is None:
        out[key] = s
        return
    if (prev.present & s.present).any():
        raise QueryError("vector cannot contain metrics with the same labelset", status=500)
    out[key] = VecSeries(prev.labels, np.where(prev.present, prev.values, s.values), prev.present | s.present)
