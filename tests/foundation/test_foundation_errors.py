"""The exception tree: messages in Loki's shape, HTTP statuses, caret excerpts."""

from __future__ import annotations

import logcopilot
from logcopilot import errors


def test_parse_error_text_and_fields() -> None:
    e = errors.ParseError("syntax error: unexpected IDENTIFIER", 1, 13, '{app="x"} | foo')
    assert str(e) == "parse error at line 1, col 13: syntax error: unexpected IDENTIFIER"
    assert (e.line, e.col, e.status) == (1, 13, 400)
    assert e.excerpt.splitlines()[1] == " " * 12 + "^"


def test_semantic_error_has_no_position() -> None:
    assert str(errors.SemanticError("syntax error: unexpected $end")) == "parse error : syntax error: unexpected $end"


def test_tree_and_statuses() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.LogCopilotError)
    assert issubclass(errors.ParseError, errors.LogQLError)
    assert errors.QueryError("x", status=500).status == 500
    assert errors.BackendError("down").status == 502


def test_public_all_is_sorted_and_importable() -> None:
    for mod in (logcopilot, errors):
        assert list(mod.__all__) == sorted(mod.__all__)
        for name in mod.__all__:
            assert hasattr(mod, name)


def test_parse_error_without_position_prints_like_loki() -> None:
    assert str(errors.ParseError("syntax error: unexpected $end", 0, 0)) == "parse error : syntax error: unexpected $end"
    assert str(errors.ParseError('unknown unit "m0"', 0, 32)).startswith("parse error at line 0, col 32:")
