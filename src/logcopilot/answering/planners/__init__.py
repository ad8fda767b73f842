"""The three planners behind one interface: rules (no LLM), structured LLM, free LLM.

Each turns (context, question, retrieved knowledge, window) into either a ``QueryPlan``
(rules, structured; compiled by ``answering.compile``) or LogQL text (free). ``ORDER`` is the
``--planner auto`` fallback order, best first.
"""

from __future__ import annotations

__all__ = ["ORDER", "PLANNERS"]

PLANNERS = ("rules", "structured", "free")
ORDER = ("free", "structured", "rules")
