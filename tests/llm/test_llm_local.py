"""The real local model (Qwen2.5-Coder-0.5B-Instruct GGUF, greedy, small max_tokens).

Assertions are about behaviour (shape, counts, determinism, caching), never wording.
"""

from __future__ import annotations

from typing import Any

import pytest

from logcopilot.engine.store import Store
from logcopilot.errors import LLMResponseError
from logcopilot.llm import ChatClient, ChatRequest
from logcopilot.llm.calllog import CallLog
from logcopilot.llm.local import RepetitionGuard
from logcopilot.llm.schema import schema_errors
from logcopilot.llm.weights import DEFAULT_MODEL, MODELS, is_ready, sha256_file

pytestmark = pytest.mark.model

PLAN_SCHEMA = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": ["count", "top_k", "first_last", "existence"]},
        "keyword": {"type": "string", "maxLength": 40},
        "limit": {"type": "integer"},  # llama.cpp grammars cannot bound numbers; ChatClient checks them
        "labels": {"type": "array", "items": {"type": "string", "maxLength": 20}, "maxItems": 3},
    },
    "required": ["intent", "keyword", "limit", "labels"],
    "additionalProperties": False,
}


def test_default_weights_are_the_pinned_file(local_provider: Any) -> None:
    spec = MODELS[DEFAULT_MODEL]
    assert local_provider.path.name == spec.filename
    assert is_ready(spec, local_provider.path.parent.parent)
    assert local_provider.path.stat().st_size == spec.size
    assert local_provider.llm.metadata.get("general.architecture") == "qwen2"


def test_chat_call(local_provider: Any) -> None:
    req = ChatRequest.build(
        [{"role": "system", "content": "You answer briefly."}, {"role": "user", "content": "What is a log file?"}],
        max_tokens=24,
    )
    out = local_provider.complete(req)
    assert out.text.strip()
    assert 0 < out.completion_tokens <= 24
    assert out.finish_reason in ("stop", "length")
    prompt, _ = local_provider.render_prompt(req.message_dicts)
    assert "What is a log file?" in prompt
    assert out.prompt_tokens == len(local_provider.llm.tokenize(prompt.encode(), add_bos=True, special=True))
    again = local_provider.complete(req)
    assert again.text == out.text  # greedy decoding is deterministic


def test_schema_constrained_call_returns_valid_json(local_provider: Any, store: Store) -> None:
    client = ChatClient(local_provider, store=store)
    r = client.chat(
        "Question: how many times did sshd log 'Failed password' today? Fill the query plan.",
        stage="plan",
        json_schema=PLAN_SCHEMA,
        max_tokens=64,
    )
    assert isinstance(r.parsed_json, dict)
    assert schema_errors(r.parsed_json, PLAN_SCHEMA) == []
    assert r.finish_reason == "stop" and not r.cached
    row = CallLog(store).get(r.call_id or -1)
    assert row is not None and row.provider == "local" and row.completion_tokens == r.completion_tokens
    # the second identical call is served from the cache: no model call
    calls = client.model_calls
    again = client.chat(
        "Question: how many times did sshd log 'Failed password' today? Fill the query plan.",
        stage="plan",
        json_schema=PLAN_SCHEMA,
        max_tokens=64,
    )
    assert again.cached and again.parsed_json == r.parsed_json and client.model_calls == calls


def test_length_guard_refuses_truncated_json(local_provider: Any) -> None:
    schema = {"type": "object", "properties": {"story": {"type": "string"}}, "required": ["story"]}
    client = ChatClient(local_provider, cache=False)
    with pytest.raises(LLMResponseError, match="stopped by max_tokens after 4 tokens before its JSON was complete"):
        client.chat("Tell a long story about a server.", stage="plan", json_schema=schema, max_tokens=4)


def test_token_counts_are_the_model_tokenizer(local_provider: Any) -> None:
    text = "Failed password for invalid user admin from 173.234.31.186 port 38926 ssh2"
    n = local_provider.count_tokens(text)
    assert n == len(local_provider.llm.tokenize(text.encode(), add_bos=False, special=False))
    assert n > len(text.split())  # digits are single tokens in Qwen's vocabulary
    assert local_provider.count_tokens("") == 0


def test_load_time_and_speed_are_reported(local_provider: Any) -> None:
    local_provider.complete(ChatRequest.build("Say OK.", max_tokens=8, seed=1))
    assert local_provider.load_seconds >= 0 and local_provider.last_tokens_per_s > 0


def test_repetition_guard_detects_loops() -> None:
    guard = RepetitionGuard(prompt_len=0)
    assert guard.looping([7] * 32)
    assert not guard.looping([7] * 31)
    assert guard.looping(list(range(50)) + [1, 2, 3, 4] * 8)  # a 4-token phrase, 8 times
    assert guard.looping(list(range(100, 116)) * 3)  # a 16-token sentence, 3 times
    assert not guard.looping(list(range(200)))
    assert not guard.looping(list(range(100, 116)) * 2 + list(range(16)))


def test_repetition_guard_as_stopping_criterion() -> None:
    guard = RepetitionGuard(prompt_len=10)
    prompt = list(range(1000, 1010))
    assert guard(prompt + [5] * 20, None) is False
    assert guard(prompt + [5] * 40, None) is True and guard.fired_at == 40
    fresh = RepetitionGuard(prompt_len=10)
    assert fresh([5] * 10 + list(range(40)), None) is False  # the prompt itself is not checked


def test_assembled_file_hash_matches_the_pin(local_provider: Any) -> None:
    # Full verification once (about a second); afterwards the .verified marker is trusted.
    assert sha256_file(local_provider.path) == MODELS[DEFAULT_MODEL].sha256
