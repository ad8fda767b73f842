"""Quoted logfmt values and JSON strings share one decoder with encoding/json's rules."""

from __future__ import annotations

import pytest

from logcopilot.engine.stages.jsonscan import JsonScanError, unescape
from logcopilot.engine.stages.logfmt import scan_logfmt


def test_logfmt_quoted_values_join_surrogate_pairs() -> None:
    pairs, err = scan_logfmt(r'a="\ud83d\ude00" b="\ud83d" c=1', None)
    assert err is None
    assert pairs == [("a", "\U0001f600"), ("b", "\ufffd"), ("c", "1")]


def test_logfmt_short_unicode_escape_is_invalid() -> None:
    pairs, err = scan_logfmt(r'a=1 b="x\u12" c=1', None)
    assert pairs == [("a", "1")]
    assert err == "logfmt syntax error at pos 14 : invalid quoted value"


@pytest.mark.parametrize("bad", [r"\u12", r"\u+123", r"\x41", "\\"])
def test_json_unescape_rejects_what_go_rejects(bad: str) -> None:
    with pytest.raises(JsonScanError):
        unescape(bad)


def test_json_unescape_decodes() -> None:
    assert unescape(r"a\tb\u00e9\/") == "a\tb\u00e9/"
