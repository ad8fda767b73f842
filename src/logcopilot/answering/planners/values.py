"""Values named in a question -> line filters: on the parameter that holds them, on a header
field, or (for an event word no template has) on the word itself.

In: the ``SystemContext``, an analysed ``Question``, the chosen template ids. Out: ``Filter``s
with the reason for each in ``notes``. Used by the rules planner (and through it by the
structured planner's draft).

- ``value_filters``: an entity stored in a chosen template's parameter filters *that slot*
  (its literal left context + the value: ``password for root\b``), not any mention of it;
  bare numbers use the literal next to the slot the question names ("status 404").
- ``field_value_filters``: a token that is a value of a header field on a system without
  such stream labels ("how many lines did ntpd write") selects lines by that field.
- ``unmatched_words``: existence questions about an event word no template contains
  ("did the kernel ever panic?") must find that word in the lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from logcopilot.answering.plan import Filter
from logcopilot.answering.planners.select import (
    _NUMERIC_TYPES,
    _literal_stems,
    content_words,
)
from logcopilot.answering.question import Entity, Question, words
from logcopilot.answering.retrieval import Retrieved, SystemContext, stem

__all__ = ["field_value_filters", "slot_filter", "unmatched_words", "value_filters"]


def value_filters(ctx: SystemContext, q: Question, entities: list[Entity], template_ids: list[str],
                  group: str, notes: list[str]) -> list[Filter]:
    """Entities that are not labels -> line filters (with the template's literal context for bare numbers)."""
    out: list[Filter] = []
    for e in entities:
        if e.kind == "number":
            f = _number_filter(ctx, q, e, template_ids)
            if f is not None:
                out.append(f)
                notes.append(f"value {e.text} -> line filter {f.value!r}")
            continue
        slot = slot_filter(ctx, e, template_ids)
        if slot is not None:
            out.append(slot)
            notes.append(f"value {e.text} ({e.kind}) is a stored value of a chosen template's parameter -> filter {slot.value!r}")
            continue
        if e.kind == "user":
            out.append(Filter("|~", rf"\b{re.escape(e.text)}\b"))
        else:
            out.append(Filter("|=", e.text))
        notes.append(f"value {e.text} ({e.kind}) -> line filter")
    return out


def slot_filter(ctx: SystemContext, e: Entity, template_ids: list[str]) -> Filter | None:
    """A value stored in a parameter of the chosen templates filters *that parameter*: its
    literal left context plus the value ("for root" in "Failed password for <*> from"), so
    "root" elsewhere in the line (a hostname, another slot) does not select it. The same
    context must hold in every chosen template that stores the value; otherwise None."""
    # examples are a sample of the stored values: a template that does not show the value
    # may still hold it in a parameter of the same name, so those slots count too
    names = {p.name for tid in template_ids if (t := ctx.template(tid)) is not None
             for p in t.params if e.text in p.examples}
    pats: list[str] = []
    for p, parts in _slots(ctx, template_ids):
        if p.name not in names:
            continue
        before = parts[p.position]
        # the last two literal words before the slot, whole (not cut mid-word)
        toks = re.findall(r"\S+\s*", before)
        tail = "".join(toks[-2:]).lstrip() if before.strip() else ""
        if not tail or tail.endswith(("/", "_")) or len(tail) > 40:
            continue
        after = parts[p.position + 1][:1] if p.position + 1 < len(parts) else ""
        end = r"\b" if re.match(r"\w", e.text[-1:]) else ""
        if after and not after.isspace() and not re.match(r"\w", after):
            end = re.escape(after)
        pats.append(re.escape(tail).replace(r"\ ", " ") + re.escape(e.text) + end)
    pats = sorted(set(pats))
    if not pats or len(pats) > 3:
        return None
    return Filter("|~", pats[0] if len(pats) == 1 else "(?:" + "|".join(pats) + ")")



def _slots(ctx: SystemContext, template_ids: list[str]) -> Iterator[tuple[Any, list[str]]]:
    """Each slot of the chosen templates as (parameter, the template's literal parts), so
    ``parts[p.position]`` is the text before the slot and ``parts[p.position + 1]`` after it."""
    for tid in template_ids:
        t = ctx.template(tid)
        if t is None:
            continue
        parts = re.split(r"<\*>", t.template)
        for p in t.params:
            if p.position < len(parts):
                yield p, parts

def _number_filter(ctx: SystemContext, q: Question, e: Entity, template_ids: list[str]) -> Filter | None:
    """'404' next to 'status' in the question -> '|= "status: 404"' from the template's literal."""
    i = q.text.find(e.text)
    near = {stem(w) for w in words(q.text[max(0, i - 30): i + len(e.text) + 30])}
    # a stored value of one of the templates' slots: filter on the slot's literal context
    slots = list(_slots(ctx, template_ids))
    for p, parts in slots:
        if e.text in p.examples and parts[p.position].strip():
            return Filter("|=", f"{parts[p.position][-12:].lstrip()}{e.text}")
    for p, parts in slots:
        before = parts[p.position]
        ctx_words = {stem(w) for w in words(before)[-2:]} | {stem(x) for x in re.split(r"[_\W]+", p.name) if x}
        if ctx_words & near and p.type in _NUMERIC_TYPES | {"string"}:
            return Filter("|=", f"{before[-12:].lstrip()}{e.text}")
    return Filter("|~", rf"\b{re.escape(e.text)}\b") if len(e.text) >= 3 else None


# words that describe an event in general, not the event itself: never a line filter
_EVENT_NOUNS = frozenset(stem(w) for w in (
    "attempt attempts try tries happen happened happens occurrence occurrences case cases instance instances record "
    "records report reported sign signs evidence problem problems issue issues thing things activity kind kinds "
    "type types sort something anything anyone anybody someone somebody single whether another other others "
    "some again ask asked request requested".split()))


def unmatched_words(ctx: SystemContext, q: Question, r: Retrieved | None = None, chosen: list[str] | None = None) -> list[str]:
    """Question words that no template of the system contains (even as a stem): for "did the
    kernel ever panic?" on a log that never says 'panic', the event named is not in the log.
    Only when the chosen templates cover at most half of the question's words (a strong match
    on the rest means the odd word is just phrasing), and never a word retrieval matched to a
    template by a synonym ('successfully' ~ 'Accepted')."""
    cw = content_words(ctx, q)
    if not cw:
        return []
    covered: set[str] = set()
    for tid in chosen or []:
        t = ctx.template(tid)
        if t is not None:
            covered |= _literal_stems(t.template) & cw
    if chosen and len(covered) * 2 > len(cw):
        return []
    synonyms = {w.split("~")[0].split(":")[-1] for h in (r.hits[:5] if r is not None else []) for w in h.why}
    known: set[str] = set()
    for t in ctx.templates:
        known |= _literal_stems(t.template)
        for p in t.params:
            known |= {stem(w) for x in p.examples[:5] for w in words(str(x))}
    for values in ctx.labels.values():  # component/service names are known words too
        known |= {stem(w) for v in values for w in words(str(v))}
    # capitalised words past the first name actors or components (NameNode, Kafka), not events
    names = {stem(w) for m in re.finditer(r"(?<=\s)[A-Za-z]*[A-Z][\w]*", q.text) for w in words(m.group(0))}
    out = []
    for w in sorted(cw):
        if len(w) < 4 or w in _EVENT_NOUNS or w in known or w in synonyms or w in names or any(k.startswith(w) or w.startswith(k) for k in known if len(k) >= 4):
            continue
        out.append(w)
    return out


def field_value_filters(ctx: SystemContext, q: Question, notes: list[str], group: str = "") -> list[Filter]:
    """Question tokens that are values of a header field (``ntpd``, ``Dropbox.exe``, a node
    name) on a system without such stream labels -> line filters on that field."""
    from logcopilot.answering.fields import field_value_regex, field_values

    known_words = {w.lower() for t in ctx.templates for w in re.findall(r"[\w.$-]+", t.template)}
    label_values = {str(v) for vals in ctx.labels.values() for v in vals}
    out: list[Filter] = []
    values = None
    for m in re.finditer(r"(?<![\w.-])([A-Za-z][\w.$()-]*[\w)])", q.text):
        tok = m.group(1)
        if len(tok) < 3 or tok.lower() in _STOP_TOKENS or tok.lower() in known_words or tok in label_values:
            continue
        if values is None:
            values = field_values(ctx)
        for name, vals in values.items():
            if name == group or tok not in vals or len(vals) < 2:
                continue
            rx = field_value_regex(ctx, name, tok)
            if rx:
                out.append(Filter("|~", rx))
                notes.append(f"'{tok}' is a value of the header field {name} -> line filter")
                break
    return out


_STOP_TOKENS = frozenset("""the and for how many much what which when where who did does was were are is has have had
lines line log logs message messages write wrote written logged this that with from into level levels""".split())
