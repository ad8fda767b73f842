from __future__ import annotations

from pathlib import Path

import pytest

from logcopilot.errors import InputError
from logcopilot.indexing.matching import TemplateMatcher, extract_params, load_templates_csv, template_regex

CSV = '''EventId,EventTemplate
E1,<*>:<*> open through proxy <*>:<*> HTTPS
E2,Failed password for <*> from <*> port <*> ssh2
E3,Failed password for invalid user <*> from <*> port <*> ssh2
E4,"[instance: <*>] Total memory: <*> MB, used: <*> MB"
E5,Received disconnect from <*>: <*>: Bye Bye [preauth]
'''


@pytest.fixture
def matcher(tmp_path: Path) -> TemplateMatcher:
    p = tmp_path / "x_templates.csv"
    p.write_text(CSV)
    return TemplateMatcher(load_templates_csv(p))


def test_match_extracts_params(matcher: TemplateMatcher) -> None:
    assert matcher.match("proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS") == (
        "E1", ["proxy.cse.cuhk.edu.hk", "5070", "proxy.cse.cuhk.edu.hk", "5070"])
    assert matcher.match("[instance: abc-1] Total memory: 64172 MB, used: 512.00 MB") == ("E4", ["abc-1", "64172", "512.00"])
    assert matcher.match("Received disconnect from 1.2.3.4: 11: Bye Bye [preauth]") == ("E5", ["1.2.3.4", "11"])


def test_most_specific_template_wins(matcher: TemplateMatcher) -> None:
    line = "Failed password for invalid user zz from 1.2.3.4 port 22 ssh2"
    assert matcher.match(line) == ("E3", ["zz", "1.2.3.4", "22"])
    assert matcher.match("Failed password for root from 1.2.3.4 port 22 ssh2") == ("E2", ["root", "1.2.3.4", "22"])


def test_no_match_and_whitespace(matcher: TemplateMatcher) -> None:
    assert matcher.match("something else entirely") is None
    assert matcher.match("Failed  password for root from 1.2.3.4 port 22   ssh2") is not None


def test_regex_escapes_literals() -> None:
    assert template_regex("a.b (<*>)") == r"^a\.b\s+\((.*?)\)$"
    assert extract_params("x [<*>] y", "x [1] y") == ["1"]
    assert extract_params("x [<*>] y", "x 1 y") is None


def test_loading_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such"):
        load_templates_csv(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("EventId,Text\nE1,x\n")
    with pytest.raises(InputError, match="EventTemplate"):
        load_templates_csv(bad)
    dup = tmp_path / "dup.csv"
    dup.write_text("EventId,EventTemplate\nE1,a <*>\nE1,b <*>\n")
    with pytest.raises(InputError, match="two templates"):
        load_templates_csv(dup)
