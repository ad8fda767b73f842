"""The public surface of logcopilot.llm: exports, provider selection, request validation."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from llm_fakes import make_settings

from logcopilot import llm
from logcopilot.errors import (
    ConfigError,
    InputError,
    LLMError,
    LLMResponseError,
    LLMUnavailableError,
)
from logcopilot.llm import ChatRequest, get_chat_client, get_embedder, resolve_provider
from logcopilot.llm.base import parse_json_text
from logcopilot.llm.schema import is_strict_compatible, schema_errors

MODULES = ["base", "cache", "calllog", "client", "embeddings", "factory", "local", "openai_provider",
           "ratelimit", "retry", "schema", "tokens", "weights"]


@pytest.mark.parametrize("name", ["__init__", *MODULES])
def test_all_is_sorted_and_resolves(name: str) -> None:
    mod = llm if name == "__init__" else importlib.import_module(f"logcopilot.llm.{name}")
    exported = mod.__all__
    assert exported == sorted(exported)
    for item in exported:
        assert hasattr(mod, item), f"{name}.{item}"


def test_error_classes_sit_in_the_one_tree() -> None:
    assert issubclass(llm.TransientLLMError, LLMError)
    assert issubclass(llm.BudgetExceededError, LLMError)
    assert issubclass(llm.RetriesExhaustedError, LLMError)


def test_provider_resolution(tmp_path: Path) -> None:
    assert resolve_provider(make_settings(tmp_path, OPENAI_API_KEY="sk-x")) == "openai"
    assert resolve_provider(make_settings(tmp_path, OPENAI_BASE_URL="http://127.0.0.1:9/v1")) == "openai"
    assert resolve_provider(make_settings(tmp_path, LOGCOPILOT_LLM="none", OPENAI_API_KEY="k")) == "none"
    assert resolve_provider(make_settings(tmp_path), "local") == "local"
    with pytest.raises(ConfigError, match="unknown LLM provider 'gpt'"):
        resolve_provider(make_settings(tmp_path, LOGCOPILOT_LLM="gpt"))


def test_none_provider_is_a_clear_unavailable_error(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailableError, match="^LLM provider is 'none': set OPENAI_API_KEY"):
        get_chat_client(make_settings(tmp_path, LOGCOPILOT_LLM="none"))
    with pytest.raises(LLMUnavailableError, match="embedding provider is 'none'"):
        get_embedder(make_settings(tmp_path), "none")


def test_local_provider_with_a_missing_model(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, LOGCOPILOT_MODEL_PATH=str(tmp_path / "absent.gguf"))
    with pytest.raises(LLMUnavailableError, match="model file not found"):
        get_chat_client(settings, "local")


def test_openai_embedder_needs_a_model_name(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailableError, match="LOGCOPILOT_EMBEDDING_MODEL"):
        get_embedder(make_settings(tmp_path, OPENAI_API_KEY="k"), "openai")


def test_request_validation() -> None:
    with pytest.raises(InputError, match="role must be one of"):
        ChatRequest.build([{"role": "robot", "content": "x"}])
    with pytest.raises(InputError, match="at least one message"):
        ChatRequest.build([])
    with pytest.raises(InputError, match="max_tokens"):
        ChatRequest.build("x", max_tokens=0)
    with pytest.raises(InputError, match="temperature"):
        ChatRequest.build("x", temperature=3)
    req = ChatRequest.build("x", stop=["\n\n"])
    assert req.message_dicts == [{"role": "user", "content": "x"}] and req.params()["stop"] == ["\n\n"]


def test_json_answers() -> None:
    assert parse_json_text('```json\n{"a": 1}\n```', "m") == {"a": 1}
    with pytest.raises(LLMResponseError, match="m returned invalid JSON"):
        parse_json_text("sure! here it is", "m")


def test_schema_checks() -> None:
    schema = {
        "type": "object",
        "properties": {
            "kind": {"enum": ["count", "list"]},
            "n": {"type": "integer", "minimum": 0},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
            "note": {"type": ["string", "null"]},
        },
        "required": ["kind"],
        "additionalProperties": False,
    }
    assert schema_errors({"kind": "count", "n": 3, "tags": ["a"], "note": None}, schema) == []
    assert schema_errors({"kind": "sum", "n": -1, "tags": ["a", "b", 3], "x": 1, "note": 2}, schema) == [
        "$.kind: 'sum' is not one of ['count', 'list']",
        "$.n: -1 < minimum 0",
        "$.tags: more than 2 items",
        "$.tags[2]: expected string, got integer",
        "$: unexpected property 'x'",
        "$.note: expected string or null, got integer",
    ]
    assert schema_errors({}, schema) == ["$: missing required 'kind'"]
    assert schema_errors(True, {"type": "integer"}) == ["$: expected integer, got boolean"]
    assert not is_strict_compatible(schema)  # not every property is required
    strict = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"],
              "additionalProperties": False}
    assert is_strict_compatible(strict)
