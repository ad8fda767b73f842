from __future__ import annotations

from pathlib import Path

import pytest

from logcopilot.errors import InputError
from logcopilot.indexing.evaluate import evaluate_files, evaluate_templates, normalise_template

# 6 lines, truth groups A={0,1,2} B={3,4} C={5}
TRUTH = ["a <*>", "a <*>", "a <*>", "b <*> c", "b <*> c", "d"]
# prediction: A exact and right text; B merged with C into one group; text of A right only
PRED = ["a <*>", "a <*>", "a <*>", "b <*>", "b <*>", "b <*>"]


def test_hand_computed_metrics() -> None:
    m = evaluate_templates(TRUTH, PRED)
    # GA: only group A (3 lines) is grouped exactly -> 3/6
    assert m.ga == pytest.approx(0.5)
    # PA: lines 0-2 have the identical template string -> 3/6
    assert m.pa == pytest.approx(0.5)
    # FGA: 1 correct group; precision 1/2 predicted groups, recall 1/3 truth groups
    assert m.fga == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))
    # FTA: predicted "a <*>" covers only truth "a <*>" with the same text: 1 correct template
    assert m.fta == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))
    assert (m.truth_templates, m.predicted_templates, m.lines) == (3, 2, 6)


def test_grouping_is_by_template_text_and_split_groups_fail() -> None:
    # truth group split in two predicted groups: no line of it is grouped correctly
    m = evaluate_templates(["x <*>", "x <*>"], ["x <*>", "x 1"])
    assert m.ga == 0.0 and m.pa == 0.5


def test_normalisation() -> None:
    assert normalise_template("  a   <*><*>  b ") == "a <*> b"
    # a <*> standing for nothing in the line is dropped (loghub-2.0 "align with null values")
    assert normalise_template("logname= uid=<*> x=<*>", "logname= uid=0 x=") == "logname= uid=<*> x="


def test_files_joined_on_line_id(tmp_path: Path) -> None:
    truth = tmp_path / "t.csv"
    truth.write_text("LineId,Content,EventId,EventTemplate\n1,a 1,E1,a <*>\n2,a 2,E1,a <*>\n3,d,E2,d\n")
    pred = tmp_path / "p.csv"
    pred.write_text("LineId,EventId,EventTemplate,ParameterList\n3,T2,d,[]\n1,T1,a <*>,['1']\n2,T1,a <*>,['2']\n")
    m = evaluate_files(pred, truth)
    assert (m.ga, m.pa, m.fga, m.fta) == (1.0, 1.0, 1.0, 1.0)
    short = tmp_path / "s.csv"
    short.write_text("LineId,EventId,EventTemplate\n1,T1,a <*>\n")
    with pytest.raises(InputError, match="lacks 2 truth lines"):
        evaluate_files(short, truth)
