"""ONLINE PIPELINE: question -> dispatch -> retrieval -> generation -> execution+repair ->
refinement -> synthesis -> trace. ``ask`` runs it; each stage is one module (see
``pipeline.STAGES``)."""

from __future__ import annotations

from logcopilot.answering.pipeline import STAGES, Answer, ask
from logcopilot.answering.plan import QueryPlan, Selection
from logcopilot.answering.question import Question, analyze

__all__ = ["Answer", "QueryPlan", "Question", "STAGES", "Selection", "analyze", "ask"]
