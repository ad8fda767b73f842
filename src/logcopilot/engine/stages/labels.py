"""The per-line label state every stage reads and writes (Loki's "labels builder").

In: a line's stream labels and structured metadata. Out: the final label set of
:class:`~logcopilot.engine.pipeline.PipelineResult`.

:class:`LineState` holds the current line, its timestamp and one ``dict`` of labels:
stream labels, then metadata, then parsed labels, plus ``__error__`` and
``__error_details__`` once a stage sets them. ``base`` is the set of names that parsed keys
must not overwrite: stream labels and metadata keys (corpus note 17: a clash becomes
``<key>_extracted``).

:func:`sanitize_key` turns a parsed key into a label name (``User-Agent`` -> ``User_Agent``).
:func:`add_parsed` applies a parser's ``(key, value)`` pairs: clash renaming, first value wins
within one line, and label hints.
"""

from __future__ import annotations

from collections.abc import Container, Iterable

__all__ = ["ERROR", "ERROR_DETAILS", "LineState", "add_parsed", "sanitize_key"]

ERROR = "__error__"
ERROR_DETAILS = "__error_details__"


class LineState:
    """Mutable state of one line as it flows through the stages."""

    __slots__ = ("base", "labels", "line", "ts")

    def __init__(self, ts: int, line: str, labels: dict[str, str], base: Container[str]) -> None:
        # ``base``: the stream labels (a set, or the label mapping itself): only ``in`` is used.
        self.ts = ts
        self.line = line
        self.labels = labels
        self.base = base

    def set_error(self, kind: str, details: str | None = None) -> None:
        self.labels[ERROR] = kind
        if details is not None:
            self.labels[ERROR_DETAILS] = details

    def has_error(self) -> bool:
        return ERROR in self.labels


def _sanitize_slow(key: str, is_prefix: bool) -> str:
    key = key.strip()
    if not key:
        return key
    if is_prefix and "0" <= key[0] <= "9":
        key = "_" + key
    return "".join(c if ("a" <= c <= "z" or "A" <= c <= "Z" or "0" <= c <= "9" or c == "_") else "_" for c in key)


_SANITIZED: dict[str, str] = {}
_SANITIZED_GET = _SANITIZED.get


def sanitize_key(key: str) -> str:
    """A label name from a parsed key: every byte outside ``[A-Za-z0-9_]`` becomes ``_``,
    and a leading digit gets a ``_`` prefix. Cached: keys repeat on every line."""
    out = _SANITIZED_GET(key)
    if out is None:
        out = _sanitize_slow(key, True)
        if len(_SANITIZED) < 100_000:
            _SANITIZED[key] = out
    return out


def add_parsed(
    state: LineState,
    pairs: Iterable[tuple[str, str]],
    hints: frozenset[str] | None = None,
) -> None:
    """Set parsed labels: clashes with ``state.base`` get ``_extracted``, the first value
    of a duplicate key wins, and with ``hints`` only hinted names are set."""
    labels = state.labels
    base = state.base
    seen: set[str] = set()
    add_seen = seen.add
    for key, value in pairs:
        if key in base:
            key = key + "_extracted"
        elif not key:
            continue
        if key in seen:
            continue
        add_seen(key)
        if hints is not None and key not in hints:
            continue
        labels[key] = value
