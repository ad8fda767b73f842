"""Dispatch: is a question about the data, about the knowledge base, or both?

In: an analysed ``Question``. Out: ``"data"`` (needs a query: counts, times, values),
``"knowledge"`` (answered from templates, summaries and the workflow graph: "what does this
message mean"), or ``"both"`` (explain and quantify; also "what usually happens after X",
which the data's sessions answer and the knowledge base explains, and which falls back to the
workflow successor graph when no query can answer it).

Example::

    >>> dispatch(analyze("What does 'Received disconnect' mean?"))
    'knowledge'
"""

from __future__ import annotations

import re

from logcopilot.answering.question import Question

__all__ = ["KINDS", "dispatch"]

KINDS = ("data", "knowledge", "both")

_KNOWLEDGE = re.compile(
    r"\bwhat (?:does|do)\b.*\bmean\b|\bmeaning of\b|\bexplain\b|\bwhat is (?:a|an|the) .*\b(?:message|event|template|error)\b\??$"
    r"|\bwhat (?:usually|typically|normally) (?:happens|follows|comes)\b|\bwhy (?:does|do|would)\b|\bwhat kinds? of\b",
    re.IGNORECASE,
)
_DATA = re.compile(r"\b(?:how many|how often|when|which|count|number of|first|last|most|average|did|was there|were there|list)\b",
                   re.IGNORECASE)


def dispatch(q: Question) -> str:
    """The kind of question (one of ``KINDS``)."""
    if q.empty:
        return "data"
    know = bool(_KNOWLEDGE.search(q.text)) or q.intent == "knowledge"
    # "what usually happens after X" is answered from the successor graph *and* the data:
    # the sessions in the log say what actually followed, the knowledge base explains it
    data = (bool(_DATA.search(q.text)) or q.intent == "workflow") and q.intent != "knowledge"
    if know and data:
        return "both"
    if know:
        return "knowledge"
    return "data"
