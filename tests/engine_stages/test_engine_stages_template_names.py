"""The engine's template functions against the parser's list of Loki template functions."""

from __future__ import annotations

import pytest

from logcopilot.engine.stages.goexec import BUILTINS
from logcopilot.engine.stages.gotemplate import Template
from logcopilot.engine.stages.templatefuncs import LineRef, make_funcs
from logcopilot.errors import SemanticError, UnsupportedError
from logcopilot.logql.tmplcheck import GO_TEMPLATE_BUILTINS, TEMPLATE_FUNCTIONS, template_error

# Aliases the engine also answers to; the parser rejects them first, as Loki does.
_ENGINE_ONLY = {"Title", "toJson", "trimSpace"}


def test_engine_functions_are_loki_functions() -> None:
    engine = set(make_funcs(LineRef())) | set(BUILTINS)
    assert engine - TEMPLATE_FUNCTIONS == _ENGINE_ONLY
    assert set(BUILTINS) <= GO_TEMPLATE_BUILTINS


def test_loki_function_the_engine_lacks_is_unsupported_not_undefined() -> None:
    src = '{{ ternary "a" "b" true }}'
    assert template_error(src, "line") is None  # valid for Loki's parser
    with pytest.raises(UnsupportedError, match='template function "ternary" is not supported'):
        Template(src, "line", make_funcs(LineRef()))


def test_unknown_function_is_not_defined() -> None:
    with pytest.raises(SemanticError, match='function "nope" not defined'):
        Template("{{ nope .x }}", "line", make_funcs(LineRef()))


def test_builtin_and_loki_function_render() -> None:
    ref = LineRef()
    out = Template('{{ printf "%s-%d" (upper .a) (len .a) }}', "line", make_funcs(ref)).render({"a": "xy"})
    assert out == "XY-2"


def test_template_strings_use_go_escapes() -> None:
    funcs = make_funcs(LineRef())
    assert Template('{{ "\\x41\\u00e9\\101" }}', "line", funcs).render({}) == "A\u00e9A"
    assert Template("{{ printf \"%c\" '\\x41' }}", "line", funcs).render({}) == "A"
    with pytest.raises(SemanticError, match="bad string"):
        Template('{{ "\\q" }}', "line", funcs)
    with pytest.raises(SemanticError, match="bad string"):
        Template('{{ "\\0" }}', "line", funcs)  # Go's octal escapes take exactly three digits
