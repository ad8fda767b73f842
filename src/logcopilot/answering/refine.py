"""Refinement: when a result contradicts the retrieved knowledge, retrieve again without it.

In: the context, the question, what was retrieved, the plan that failed and the executor's
feedback. Out: a new ``Retrieved`` (the templates the failed plan used are demoted) or a new
group-by choice (the parameter that extracted nothing is excluded), or None when there is
nothing else to try.

Example::

    r2 = refine_retrieval(r, plan)   # same hits, the plan's templates moved to the end
"""

from __future__ import annotations

from logcopilot.answering.plan import QueryPlan
from logcopilot.answering.retrieval import Retrieved

__all__ = ["refine_retrieval", "wrong_parameter"]


def wrong_parameter(feedback: str, plan: QueryPlan) -> bool:
    """Whether the feedback blames the extraction of the grouped parameter."""
    f = feedback.lower()
    return bool(plan.group_by) and plan.group_source == "param" and (
        "extract" in f or "__error__" in f or "unwrap" in f or "no data" in f or "no values" in f)


def refine_retrieval(r: Retrieved, plan: QueryPlan) -> Retrieved | None:
    """The same retrieval with the plan's templates demoted; None when no other template exists."""
    used = set(plan.select.templates)
    rest = [h for h in r.hits if h.template.template_id not in used]
    if not used or not rest or rest[0].score <= 0.5:
        return None
    demoted = [h for h in r.hits if h.template.template_id in used]
    for h in demoted:
        h.why.append("demoted: its query contradicted the knowledge base")
    return Retrieved(rest + demoted, r.values, r.label_values)
