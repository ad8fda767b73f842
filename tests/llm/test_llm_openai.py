"""The openai provider against a real OpenAI-protocol HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from llm_fakes import FakeOpenAI, Reply, chat_body, fake_vector, make_settings

from logcopilot.engine.store import Store
from logcopilot.errors import LLMError, LLMResponseError, LLMUnavailableError
from logcopilot.llm import (
    ChatClient,
    OpenAIEmbedder,
    RetriesExhaustedError,
    RetryPolicy,
    get_chat_client,
)
from logcopilot.llm.calllog import CallLog
from logcopilot.llm.openai_provider import OpenAIChatProvider

CHAT = "/v1/chat/completions"
EMBED = "/v1/embeddings"
FAST_RETRY = RetryPolicy(attempts=3, base_delay_s=0.01, max_delay_s=0.05)


def client_for(server: FakeOpenAI, store: Store | None = None, *, timeout_s: float = 5.0, **kw: object) -> ChatClient:
    provider = OpenAIChatProvider(base_url=server.base_url, api_key="sk-test", model="fake-model", timeout_s=timeout_s)
    return ChatClient(provider, store=store, retry=kw.pop("retry", FAST_RETRY), **kw)  # type: ignore[arg-type]


def test_chat_success_sends_the_protocol_and_logs(fake_openai: FakeOpenAI, store: Store) -> None:
    fake_openai.enqueue(CHAT, Reply(body=chat_body("hello there", prompt_tokens=21, completion_tokens=3)))
    client = client_for(fake_openai, store)
    r = client.chat([{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
                    stage="plan", max_tokens=20)
    assert (r.text, r.prompt_tokens, r.completion_tokens, r.cached) == ("hello there", 21, 3, False)
    sent = fake_openai.calls(CHAT)[0]
    assert sent["body"]["model"] == "fake-model"
    assert sent["body"]["messages"] == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
    assert sent["body"]["max_tokens"] == 20 and sent["body"]["temperature"] == 0.0
    assert "response_format" not in sent["body"]
    assert sent["headers"]["authorization"] == "Bearer sk-test"
    row = CallLog(store).get(r.call_id or -1)
    assert row is not None
    assert (row.stage, row.provider, row.model, row.response) == ("plan", "openai", "fake-model", "hello there")
    assert (row.prompt_tokens, row.completion_tokens, row.cache_hit, row.error) == (21, 3, False, None)
    assert row.prompt[1] == {"role": "user", "content": "hi"} and row.latency_s is not None


def test_json_schema_is_sent_and_the_answer_parsed(fake_openai: FakeOpenAI) -> None:
    schema = {"type": "object", "properties": {"count": {"type": "integer"}}, "required": ["count"],
              "additionalProperties": False}
    fake_openai.enqueue(CHAT, Reply(body=chat_body('{"count": 7}')))
    r = client_for(fake_openai).chat("how many?", stage="plan", json_schema=schema)
    assert r.parsed_json == {"count": 7}
    fmt = fake_openai.calls(CHAT)[0]["body"]["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["schema"] == schema and fmt["json_schema"]["strict"] is True


def test_open_schema_is_sent_non_strict(fake_openai: FakeOpenAI) -> None:
    schema = {"type": "object", "properties": {"count": {"type": "integer"}}}
    fake_openai.enqueue(CHAT, Reply(body=chat_body('{"count": 1}')))
    client_for(fake_openai).chat("how many?", stage="plan", json_schema=schema)
    assert fake_openai.calls(CHAT)[0]["body"]["response_format"]["json_schema"]["strict"] is False


def test_off_schema_and_non_json_answers_are_refused_and_logged(fake_openai: FakeOpenAI, store: Store) -> None:
    schema = {"type": "object", "properties": {"count": {"type": "integer"}}, "required": ["count"]}
    fake_openai.enqueue(CHAT, Reply(body=chat_body('{"count": "seven"}')), Reply(body=chat_body("seven, I think")))
    client = client_for(fake_openai, store)
    with pytest.raises(LLMResponseError, match=r"breaks the schema: \$\.count: expected integer"):
        client.chat("how many?", stage="plan", json_schema=schema)
    with pytest.raises(LLMResponseError, match="invalid JSON"):
        client.chat("how many now?", stage="plan", json_schema=schema)
    errors = CallLog(store).recent(10, errors_only=True)
    assert len(errors) == 2 and errors[0].response == "seven, I think"
    # unusable answers are never cached: asking again calls the model again
    fake_openai.enqueue(CHAT, Reply(body=chat_body('{"count": 7}')))
    assert client.chat("how many?", stage="plan", json_schema=schema).parsed_json == {"count": 7}
    assert len(fake_openai.calls(CHAT)) == 3


def test_429_then_success_is_retried(fake_openai: FakeOpenAI, store: Store) -> None:
    fake_openai.enqueue(
        CHAT,
        Reply(status=429, body={"error": {"message": "slow down"}}, headers={"retry-after": "0.01"}),
        Reply(body=chat_body("made it")),
    )
    r = client_for(fake_openai, store).chat("hi", stage="plan")
    assert r.text == "made it"
    assert len(fake_openai.calls(CHAT)) == 2
    row = CallLog(store).get(r.call_id or -1)
    assert row is not None and row.attempts == 2 and row.error is None


def test_persistent_5xx_gives_a_clear_error_after_the_last_try(fake_openai: FakeOpenAI, store: Store) -> None:
    fake_openai.enqueue(CHAT, *[Reply(status=503, body={"error": {"message": "overloaded"}})] * 3)
    with pytest.raises(RetriesExhaustedError) as info:
        client_for(fake_openai, store).chat("hi", stage="plan")
    assert str(info.value).startswith("openai chat failed after 3 tries: ")
    assert "HTTP 503 (overloaded)" in str(info.value)
    assert len(fake_openai.calls(CHAT)) == 3
    row = CallLog(store).recent(1)[0]
    assert row.attempts == 3 and row.response is None and "HTTP 503" in (row.error or "")


def test_timeout_is_retried_then_reported(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(CHAT, Reply(body=chat_body("late"), delay_s=1.0), Reply(body=chat_body("late"), delay_s=1.0))
    client = client_for(fake_openai, timeout_s=0.2, retry=RetryPolicy(attempts=2, base_delay_s=0.01))
    with pytest.raises(LLMError, match=r"failed after 2 tries: .*no answer within 0.2s \(timeout\)"):
        client.chat("hi", stage="plan")
    assert len(fake_openai.calls(CHAT)) == 2


def test_malformed_json_body_is_a_clear_response_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(CHAT, Reply(body=b'{"choices": [ {"message": '))
    with pytest.raises(LLMResponseError, match="malformed JSON in the response body"):
        client_for(fake_openai).chat("hi", stage="plan")
    assert len(fake_openai.calls(CHAT)) == 1  # not retried: the server is broken, not busy


def test_a_body_without_choices_is_a_response_error(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(CHAT, Reply(body={"id": "x", "object": "chat.completion", "choices": []}))
    with pytest.raises(LLMResponseError, match="no choices"):
        client_for(fake_openai).chat("hi", stage="plan")


def test_rejected_key_is_unavailable_and_not_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(CHAT, Reply(status=401, body={"error": {"message": "bad key"}}))
    with pytest.raises(LLMUnavailableError, match="HTTP 401"):
        client_for(fake_openai).chat("hi", stage="plan")
    assert len(fake_openai.calls(CHAT)) == 1


def test_bad_request_is_not_retried(fake_openai: FakeOpenAI) -> None:
    fake_openai.enqueue(CHAT, Reply(status=400, body={"error": {"message": "max_tokens too large"}}))
    with pytest.raises(LLMError, match=r"HTTP 400 \(max_tokens too large\)"):
        client_for(fake_openai).chat("hi", stage="plan")
    assert len(fake_openai.calls(CHAT)) == 1


def test_unreachable_endpoint(tmp_path: Path) -> None:
    server = FakeOpenAI()
    url = server.base_url
    server.close()  # the port is now closed
    provider = OpenAIChatProvider(base_url=url, api_key="k", model="m", timeout_s=1.0)
    client = ChatClient(provider, retry=RetryPolicy(attempts=2, base_delay_s=0.01))
    with pytest.raises(LLMError, match="failed after 2 tries: .*cannot connect"):
        client.chat("hi", stage="plan")


def test_embeddings_in_order_and_in_batches(fake_openai: FakeOpenAI, store: Store) -> None:
    texts = ["alpha", "beta", "gamma", "delta", "epsilon"]
    emb = OpenAIEmbedder(base_url=fake_openai.base_url, api_key="k", model="embed-small", store=store,
                         batch_size=2, retry=FAST_RETRY)
    vectors = emb.embed(texts, stage="index")
    assert vectors == [fake_vector(t) for t in texts]  # the server sends them reversed; index order wins
    assert [c["body"]["input"] for c in fake_openai.calls(EMBED)] == [["alpha", "beta"], ["gamma", "delta"], ["epsilon"]]
    assert emb.dimension == 8
    row = CallLog(store).recent(1, stage="index")[0]
    assert (row.kind, row.model, row.prompt["count"], row.prompt_tokens) == ("embed", "embed-small", 5, 15)


def test_embeddings_retry_and_malformed(fake_openai: FakeOpenAI) -> None:
    emb = OpenAIEmbedder(base_url=fake_openai.base_url, api_key="k", model="e", retry=FAST_RETRY)
    fake_openai.enqueue(EMBED, Reply(status=429, body={"error": {"message": "busy"}}))
    assert emb.embed(["x"]) == [fake_vector("x")]
    assert emb.requests == 2
    fake_openai.enqueue(EMBED, Reply(body=b"not json at all"))
    with pytest.raises(LLMResponseError, match="malformed JSON"):
        emb.embed(["x"])
    fake_openai.enqueue(EMBED, Reply(body={"object": "list", "data": [], "model": "e"}))
    with pytest.raises(LLMResponseError, match="unusable response|expected 1 vectors, got 0"):
        emb.embed(["x"])


def test_factory_reads_endpoint_from_dotenv(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    from logcopilot.config import load_settings

    dotenv = tmp_path / ".env"
    dotenv.write_text(f"OPENAI_API_KEY=sk-from-dotenv\nOPENAI_BASE_URL={fake_openai.base_url}\n"
                      "LOGCOPILOT_CHAT_MODEL=served-model\n")
    settings = load_settings(env={"LOGCOPILOT_HOME": str(tmp_path / "home")}, dotenv=dotenv)
    client = get_chat_client(settings)  # provider auto -> openai because an endpoint is configured
    assert (client.provider_name, client.model) == ("openai", "served-model")
    assert client.chat("ping", stage="check").text == "echo: ping"
    sent = fake_openai.calls(CHAT)[0]
    assert sent["headers"]["authorization"] == "Bearer sk-from-dotenv" and sent["body"]["model"] == "served-model"


def test_factory_environment_overrides(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, OPENAI_BASE_URL=fake_openai.base_url, LOGCOPILOT_LLM="openai")
    client = get_chat_client(settings, model="other-model", max_concurrent=2)
    assert client.model == "other-model" and client.limiter.max_concurrent == 2
    client.chat("x", stage="check")
    assert fake_openai.calls(CHAT)[0]["body"]["model"] == "other-model"
