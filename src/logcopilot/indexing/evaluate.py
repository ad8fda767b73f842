"""Loghub-2.0 template metrics: GA, PA, FGA, FTA of a parse against a ground truth.

In: two structured CSVs in Loghub's layout (``LineId``, ``EventTemplate``, and for the truth
``Content``), or two aligned lists of templates. Out: a ``TemplateMetrics`` record.

Definitions follow loghub-2.0's evaluator (Jiang et al., "A Large-scale Evaluation for Log
Parsing Techniques: How Far are We?", ISSTA 2024):

- lines are grouped by their *template string* (after normalisation), on both sides;
- **GA** (grouping accuracy): a line counts when the predicted group that holds it contains
  exactly the same lines as its ground-truth group;
- **FGA**: F1 of template-level grouping: a ground-truth group is correct when some predicted
  group has exactly its lines; precision over predicted groups, recall over true groups;
- **PA** (parsing accuracy): share of lines whose normalised predicted template string equals
  the normalised ground-truth template string;
- **FTA**: F1 of template accuracy: a predicted template is correct when all its lines have
  one ground-truth template and that template's string is equal to it.

Normalisation (applied to both sides, as the evaluator does): whitespace runs collapse to one
space and the template is stripped; a ``<*>`` that matched an empty string in the line is
dropped ("align with null values"); adjacent ``<*><*>`` collapse into one.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from logcopilot.errors import InputError
from logcopilot.indexing.matching import read_loghub_csv

__all__ = ["TemplateMetrics", "evaluate_files", "evaluate_templates", "normalise_template"]

_WS = re.compile(r"\s+")
_DOUBLE = re.compile(r"(?:<\*>){2,}")


@dataclass(frozen=True)
class TemplateMetrics:
    lines: int
    truth_templates: int
    predicted_templates: int
    ga: float
    pa: float
    fga: float
    fta: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _align_null(template: str, content: str) -> str:
    """Drop each ``<*>`` that stands for an empty string in ``content``."""
    if "<*>" not in template:
        return template
    parts = template.split("<*>")
    pattern = "^" + "(.*?)".join(re.escape(p) for p in parts) + "$"
    try:
        m = re.match(pattern, content, re.DOTALL)
    except re.error:  # a pathological template; keep it as it is
        return template
    if m is None:
        return template
    out: list[str] = []
    for i, part in enumerate(parts):
        out.append(part)
        if i < len(m.groups()):
            out.append("" if m.group(i + 1) == "" else "<*>")
    return "".join(out)


def normalise_template(template: str, content: str | None = None) -> str:
    """The comparable form of a template string (see the module docstring)."""
    t = _WS.sub(" ", template).strip()
    if content is not None:
        t = _align_null(t, _WS.sub(" ", content).strip())
    return _DOUBLE.sub("<*>", t)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def evaluate_templates(
    truth: Sequence[str], predicted: Sequence[str], contents: Sequence[str] | None = None
) -> TemplateMetrics:
    """Metrics of aligned template lists (one entry per line).

    >>> m = evaluate_templates(["a <*>", "a <*>", "b"], ["a <*>", "a <*>", "b <*>"])
    >>> (m.ga, round(m.pa, 3))
    (1.0, 0.667)
    """
    if len(truth) != len(predicted):
        raise InputError(f"truth has {len(truth)} lines but prediction has {len(predicted)}")
    n = len(truth)
    if n == 0:
        raise InputError("nothing to evaluate: no lines")
    if contents is None:
        tr = [normalise_template(t) for t in truth]
        pr = [normalise_template(p) for p in predicted]
    else:
        tr = [normalise_template(t, c) for t, c in zip(truth, contents, strict=True)]
        pr = [normalise_template(p, c) for p, c in zip(predicted, contents, strict=True)]
    truth_groups: dict[str, list[int]] = defaultdict(list)
    pred_groups: dict[str, list[int]] = defaultdict(list)
    for i, (t, p) in enumerate(zip(tr, pr, strict=True)):
        truth_groups[t].append(i)
        pred_groups[p].append(i)
    pred_sizes = {k: len(v) for k, v in pred_groups.items()}
    good_lines = good_groups = 0
    for members in truth_groups.values():
        preds = Counter(pr[i] for i in members)
        if len(preds) == 1:
            (p,) = preds
            if pred_sizes[p] == len(members):
                good_lines += len(members)
                good_groups += 1
    ga = good_lines / n
    fga = _f1(good_groups / len(pred_groups), good_groups / len(truth_groups))
    pa = sum(1 for t, p in zip(tr, pr, strict=True) if t == p) / n
    good_templates = 0
    for p, members in pred_groups.items():
        oracle = {tr[i] for i in members}
        if oracle == {p}:
            good_templates += 1
    fta = _f1(good_templates / len(pred_groups), good_templates / len(truth_groups))
    return TemplateMetrics(n, len(truth_groups), len(pred_groups), ga, pa, fga, fta)


def _read_structured(path: Path) -> dict[int, dict[str, str]]:
    rows: dict[int, dict[str, str]] = {}
    for row in read_loghub_csv(path, ("LineId", "EventTemplate"), "structured CSV"):
        try:
            rows[int(row["LineId"])] = row
        except ValueError:
            raise InputError(f"{path}: bad LineId {row['LineId']!r}") from None
    return rows


def evaluate_files(pred: str | Path, truth: str | Path) -> TemplateMetrics:
    """Metrics of a predicted structured CSV against a ground-truth one, joined on LineId."""
    truth_rows = _read_structured(Path(truth))
    pred_rows = _read_structured(Path(pred))
    missing = sorted(set(truth_rows) - set(pred_rows))
    if missing:
        raise InputError(f"prediction lacks {len(missing)} truth lines (first LineId {missing[0]})")
    ids = sorted(truth_rows)
    contents = None
    if all("Content" in truth_rows[i] for i in ids[:1]):
        contents = [truth_rows[i].get("Content") or "" for i in ids]
    return evaluate_templates(
        [truth_rows[i]["EventTemplate"] or "" for i in ids],
        [pred_rows[i]["EventTemplate"] or "" for i in ids],
        contents,
    )
