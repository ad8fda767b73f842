"""Wording: the short phrases an answer sentence is built from.

In: template texts, a plan's ``Selection``, a time window, numbers. Out: compact, readable
phrases: what was counted (``'Failed password for … from … port … ssh2' lines``), a
predicate for a ratio's subset, a time window, a number. Pure functions: no store, no LLM.

Templates are shown with their placeholders as ``…`` (runs of placeholders and the
punctuation between them fold into one), several templates fold into their common words
(aligned token by token), and anything long is cut on a word boundary.

Example::

    >>> describe_templates(["Failed password for <*> from <*> port <*> ssh2",
    ...                     "Failed password for invalid user <*> from <*> port <*> ssh2"])
    "'Failed password for … from … port … ssh2'"
"""

from __future__ import annotations

import math
import re
from difflib import SequenceMatcher

from logcopilot.answering.plan import Filter, Selection
from logcopilot.answering.timeexpr import TimeWindow, from_ns

__all__ = [
    "ELLIPSIS",
    "describe_templates",
    "filter_text",
    "fmt_number",
    "knowledge_text",
    "lines_phrase",
    "name_of",
    "plural",
    "predicate",
    "render_template",
    "shorten",
    "window_phrase",
]

ELLIPSIS = "…"
MAX_DESC = 56  # characters of one quoted description
# a run of placeholders and the short punctuation between them ("<*>:<*>", "<*> <*>", "<*>-<*>")
_PH_RUN = re.compile(r"<\*>(?:[^\w<]{0,3}<\*>)*")
_LITERAL_WORD = re.compile(r"[A-Za-z]{2}")
_GENERIC_NAME = re.compile(r"(?:value|param|field|arg|p|v|slot)_?\d*", re.I)


def _fold(text: str) -> str:
    """Adjacent ``…`` (with only spaces between) become one."""
    text = re.sub(rf"{ELLIPSIS}(?:\s*{ELLIPSIS})+", ELLIPSIS, text)
    return re.sub(r"\s+", " ", text).strip()


def render_template(template: str) -> str:
    """A template with each run of placeholders shown as one ``…``."""
    s = re.sub(r"""\[<\*>\]|\(<\*>\)|"<\*>"|'<\*>'""", "<*>", template)  # a bracketed value is a value
    return _fold(_PH_RUN.sub(ELLIPSIS, s))


def shorten(text: str, limit: int = MAX_DESC) -> str:
    """``text`` cut on a word boundary to at most about ``limit`` characters, marked ``…``."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    cut = cut.rstrip(" ,;:-")
    return cut if cut.endswith(ELLIPSIS) else f"{cut} {ELLIPSIS}"


def _words(tokens: list[str]) -> int:
    return sum(1 for t in tokens if t != ELLIPSIS and _LITERAL_WORD.search(t))


def _align(a: list[str], b: list[str]) -> list[str]:
    """The tokens two token lists share, in order; each stretch that differs becomes ``…``."""
    out: list[str] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(a[i1:i2])
        elif op == "replace" and i2 - i1 == 1 and j2 - j1 == 1:
            out.append(_common_shape(a[i1], b[j1]))  # '"GET' / '"POST' -> '"…'
        elif not out or out[-1] != ELLIPSIS:
            out.append(ELLIPSIS)
    merged: list[str] = []
    for t in out:
        if not (t == ELLIPSIS and merged and merged[-1] == ELLIPSIS):
            merged.append(t)
    return merged


def _common_shape(x: str, y: str) -> str:
    """Two differing tokens as one: their shared punctuation around the alternatives
    (``"GET`` / ``"POST`` -> ``"GET|POST``) when those are a few short words, else ``…``."""
    i = 0
    while i < min(len(x), len(y)) and x[i] == y[i] and not x[i].isalnum():
        i += 1
    j = 0
    while j < min(len(x), len(y)) - i and x[-1 - j] == y[-1 - j] and not x[-1 - j].isalnum():
        j += 1
    xc, yc = x[i:len(x) - j], y[i:len(y) - j]
    alts = list(dict.fromkeys(xc.split("|") + yc.split("|")))
    if len(alts) <= 3 and all(re.fullmatch(r"[A-Za-z][\w-]{0,9}", a) for a in alts):
        core = "|".join(alts)
    else:
        core = ELLIPSIS
    return x[:i] + core + (x[len(x) - j:] if j else "")


def _describe(templates: list[str], limit: int) -> tuple[str, str]:
    """(quoted head, suffix after the noun) for a set of templates; see ``describe_templates``."""
    shown = list(dict.fromkeys(render_template(t) for t in templates if t.strip()))
    if not shown:
        return "", ""
    if len(shown) == 1:
        return f"'{shorten(shown[0], limit)}'", ""
    token_lists = [s.split(" ") for s in shown]
    merged = token_lists[0]
    for toks in token_lists[1:]:
        merged = _align(merged, toks)
    words = _words(merged)
    least = min(_words(t) for t in token_lists)
    text = _fold(" ".join(merged))
    if words >= 2 and words * 5 >= least * 2:
        return f"'{shorten(text, limit)}'", ""
    if len(shown) == 2:
        half = max(24, (limit + 8) // 2)
        return f"'{shorten(shown[0], half)}' or '{shorten(shown[1], half)}'", ""
    if words >= 1:
        return f"'{shorten(text.strip(f' {ELLIPSIS}'), limit)}'", f" ({len(shown)} kinds)"
    return f"'{shorten(shown[0], limit)}'", f" (+{len(shown) - 1} other kinds)"


def describe_templates(templates: list[str], limit: int = MAX_DESC) -> str:
    """A quoted, compact description of what a set of templates have in common.

    One template: its text with placeholders folded. Several: the words they share, in
    order, when those still say something; two unrelated ones: both, shortened; more: the
    shared words (or the first template) and how many kinds of line they cover.
    """
    head, suffix = _describe(templates, limit)
    return head + suffix


def plural(n: float, word: str) -> str:
    return word if n == 1 else (word + "es" if word.endswith(("s", "x", "sh", "ch")) else word + "s")


def name_of(group_by: str, value_type: str = "") -> str:
    """A readable name for the value an answer is about (``ip``, ``user``, ``service``)."""
    name = re.sub(r"(?:_\d+|_values?)$", "", group_by or "")
    if (not name or _GENERIC_NAME.fullmatch(name)) and re.fullmatch(r"[a-z][a-z:]{1,15}", value_type or ""):
        name = value_type
    return name or "value"


def _clean_pattern(value: str) -> tuple[str, bool]:
    """(text, is_regex) of a filter value: flags, word boundaries and escapes dropped."""
    core = re.sub(r"^\(\?[a-z]+\)", "", value).replace("\\b", "")
    is_regex = bool(re.search(r"[.*+?\[\](){}|^$]", re.sub(r"\\.", "", core)))
    shown = re.sub(r"\\(.)", r"\1", core).strip().strip("\"'").strip()
    return shown, is_regex


def filter_text(f: Filter) -> str:
    """One filter as a phrase: ``containing 'x'``, ``not containing 'x'``, ``with user=root``."""
    if f.label:
        if f.op in ("=~", "!~"):
            shown, _ = _clean_pattern(f.value)
            return f"with {f.label} {'not ' if f.op == '!~' else ''}matching '{shorten(shown, 48)}'"
        return f"with {f.label}{f.op}{shorten(f.value, 48)}"
    shown, rx = _clean_pattern(f.value)
    neg = f.op in ("!=", "!~")
    if f.op in ("|~", "!~") and rx:
        return f"{'not ' if neg else ''}matching /{shorten(shown, 48)}/"
    return f"{'not ' if neg else ''}containing '{shorten(shown, 48)}'"


def _label_value(v: str) -> str:
    return " or ".join(x for x in v.split("|") if x)


def _quals(sel: Selection, templates: list[str], head_is_level: bool) -> list[str]:
    """Qualifiers after the head: filters not already said by the templates, labels."""
    literal = " ".join(templates).lower()
    out: list[str] = []
    for f in sel.filters[:3]:
        shown, _ = _clean_pattern(f.value)
        if not f.label and f.op in ("|=", "|~") and shown and shown.lower() in literal:
            continue  # the template text already says it
        text = filter_text(f)
        if out and text.startswith("containing ") and out[-1].startswith("containing "):
            out[-1] += " and " + text[len("containing "):]  # containing 'a' and 'b'
        else:
            out.append(text)
    for k, v in sel.labels.items():
        if k == "level" and head_is_level:
            continue
        out.append(f"at level {_label_value(v)}" if k == "level" else f"with {k}={_label_value(v)}")
    return out


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def lines_phrase(sel: Selection | None, templates: list[str], n: float | None = None,
                 limit: int = MAX_DESC) -> str:
    """What a selection counts, as a noun phrase: ``'Invalid user … from …' lines``,
    ``error lines with service=api``, ``lines containing 'abc'``. ``n`` picks the number."""
    noun = "line" if n == 1 else "lines"
    sel = sel or Selection()
    head, suffix = _describe(templates, limit)
    level = sel.labels.get("level", "")
    head_is_level = not head and bool(level) and bool(re.fullmatch(r"[\w|-]{1,20}", level))
    if head:
        phrase = f"{head} {noun}{suffix}"
    elif head_is_level:
        phrase = f"{_label_value(level)} {noun}"
    else:
        phrase = noun
    quals = _quals(sel, templates, head_is_level)
    return f"{phrase} {_join(quals)}" if quals else phrase


def predicate(sel: Selection | None, templates: list[str]) -> str:
    """What a ratio's subset is, as a verb phrase: ``are 'X'``, ``contain 'y'``, ``are error``."""
    sel = sel or Selection()
    bits: list[str] = []
    head = describe_templates(templates, 40)
    if head:
        bits.append(f"are {head}")
    for f in sel.filters[:3]:
        t = filter_text(f)
        if t.startswith("containing "):
            t = "contain " + t[len("containing "):]
        elif t.startswith("not containing "):
            t = "do not contain " + t[len("not containing "):]
        elif t.startswith(("matching ", "not matching ")):
            t = t.replace("not matching", "do not match", 1) if t.startswith("not") else "match " + t[len("matching "):]
        elif t.startswith("with "):
            t = "have " + t[len("with "):]
        bits.append(t)
    for k, v in sel.labels.items():
        bits.append(f"are at level {_label_value(v)}" if k == "level" else f"have {k}={_label_value(v)}")
    return _join(bits) or "match"


def _clock(ns: int) -> str:
    dt = from_ns(ns)
    return dt.strftime("%H:%M" if dt.second == 0 and dt.microsecond == 0 else "%H:%M:%S")


def window_phrase(window: TimeWindow | None) -> str:
    """`` between 09:00 and 10:00 on 2015-12-10`` (leading space), or ``""``."""
    if window is None:
        return ""
    a, b = from_ns(window.start_ns), from_ns(window.end_ns)
    if window.text == "after":  # open-ended: its end is only where the log stops
        return f" after {_clock(window.start_ns)} on {a:%Y-%m-%d}"
    if window.text == "before":
        return f" before {_clock(window.end_ns)} on {b:%Y-%m-%d}"
    if a.date() == b.date():
        return f" between {_clock(window.start_ns)} and {_clock(window.end_ns)} on {a:%Y-%m-%d}"
    return f" between {a:%Y-%m-%d} {_clock(window.start_ns)} and {b:%Y-%m-%d} {_clock(window.end_ns)}"


def fmt_number(v: float | int) -> str:
    """A number for reading: integers as they are, others to a few decimals."""
    if isinstance(v, bool) or isinstance(v, int):
        return str(v)
    if not math.isfinite(v):
        return str(v)
    if abs(v - round(v)) < 1e-9 and abs(v) < 1e15:
        return str(int(round(v)))
    digits = 1 if abs(v) >= 1000 else 2 if abs(v) >= 10 else 4
    return f"{v:.{digits}f}".rstrip("0").rstrip(".")


def knowledge_text(template: str, template_id: str, count: int, summary: str = "",
                   next_template: str = "", next_count: int = 0, session_key: str = "",
                   wants_next: bool = False) -> str:
    """A knowledge-base answer: what the message is, what usually follows it, then the
    knowledge base's own summary. With ``wants_next`` the successor comes first."""
    shown = describe_templates([template], 80)
    if next_template:
        nxt = describe_templates([next_template], 80)
        where = f" in {session_key} sessions" if session_key else ""
        how = f"({next_count} {plural(next_count, 'time')}{where})"
        if wants_next:
            return f"{nxt} usually follows {shown} {how}. {summary.strip()}".strip()
        head = f"{shown} is template {template_id}, logged {count} {plural(count, 'time')}; it is usually followed by {nxt} {how}."
    else:
        head = f"{shown} is template {template_id}, logged {count} {plural(count, 'time')}."
    return f"{head} {summary.strip()}".strip()
