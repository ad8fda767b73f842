"""The response cache and the call log: a repeated run makes zero model calls."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from llm_fakes import FakeOpenAI, Reply, chat_body

from logcopilot.cli import main
from logcopilot.engine.store import Store
from logcopilot.llm import ChatClient, ChatRequest, cache_key
from logcopilot.llm.calllog import CallLog
from logcopilot.llm.openai_provider import OpenAIChatProvider

CHAT = "/v1/chat/completions"
SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}


def run_questions(server: FakeOpenAI, db: Path) -> tuple[list[str], ChatClient]:
    """A small 'benchmark run': three calls, one structured, through a fresh client and store."""
    with Store(db) as store:
        provider = OpenAIChatProvider(base_url=server.base_url, api_key="k", model="m")
        client = ChatClient(provider, store=store)
        out = [
            client.chat("first question", stage="plan").text,
            client.chat([{"role": "system", "content": "s"}, {"role": "user", "content": "second"}], stage="plan").text,
            str(client.chat("count", stage="plan", json_schema=SCHEMA).parsed_json),
        ]
    return out, client


def test_second_identical_run_makes_zero_model_calls(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    db = tmp_path / "bench.duckdb"
    fake_openai.enqueue(CHAT, Reply(body=chat_body("a1")), Reply(body=chat_body("a2")), Reply(body=chat_body('{"n": 4}')))
    first, client1 = run_questions(fake_openai, db)
    assert client1.model_calls == 3 and len(fake_openai.requests) == 3
    second, client2 = run_questions(fake_openai, db)  # a new process would look the same: new client, same file
    assert second == first == ["a1", "a2", "{'n': 4}"]
    assert client2.model_calls == 0 and client2.cache_hits == 3
    assert len(fake_openai.requests) == 3  # the server saw nothing new
    with Store(db) as store:
        log = CallLog(store)
        rows = log.recent(10)
        assert [r.cache_hit for r in rows] == [True, True, True, False, False, False]
        assert all(r.attempts == 0 for r in rows[:3])
        stats = log.stats()
        assert (stats["calls"], stats["cache_hits"], stats["errors"]) == (6, 3, 0)
        hits = store.cursor().execute("SELECT sum(hits) FROM llm_cache").fetchone()
        assert hits is not None and hits[0] == 3


def test_cache_key_covers_provider_model_messages_and_parameters() -> None:
    base = ChatRequest.build("q", max_tokens=10)
    keys = {
        cache_key("openai", "m", base),
        cache_key("local", "m", base),
        cache_key("openai", "m2", base),
        cache_key("openai", "m", ChatRequest.build("q2", max_tokens=10)),
        cache_key("openai", "m", ChatRequest.build("q", max_tokens=11)),
        cache_key("openai", "m", ChatRequest.build("q", max_tokens=10, json_schema=SCHEMA)),
        cache_key("openai", "m", ChatRequest.build([{"role": "system", "content": "q"}], max_tokens=10)),
    }
    assert len(keys) == 7
    assert cache_key("openai", "m", base) == cache_key("openai", "m", ChatRequest.build("q", max_tokens=10))


def test_sampled_calls_skip_the_cache_unless_asked(fake_openai: FakeOpenAI, store: Store) -> None:
    client = ChatClient(OpenAIChatProvider(base_url=fake_openai.base_url, api_key="k", model="m"), store=store)
    client.chat("hi", stage="s", temperature=0.7)
    client.chat("hi", stage="s", temperature=0.7)
    assert client.model_calls == 2
    client.chat("hi", stage="s", temperature=0.7, use_cache=True)
    client.chat("hi", stage="s", temperature=0.7, use_cache=True)
    assert client.model_calls == 3
    client.chat("hi", stage="s", use_cache=False)
    client.chat("hi", stage="s", use_cache=False)
    assert client.model_calls == 5
    off = ChatClient(client.provider, store=store, cache=False)
    off.chat("hi", stage="s")
    assert off.model_calls == 1


def test_memory_cache_without_a_store(fake_openai: FakeOpenAI) -> None:
    client = ChatClient(OpenAIChatProvider(base_url=fake_openai.base_url, api_key="k", model="m"))
    a = client.chat("same", stage="s")
    b = client.chat("same", stage="s")
    assert (a.text, a.cached, b.text, b.cached, a.call_id) == ("echo: same", False, "echo: same", True, None)
    assert client.model_calls == 1


def test_call_log_filters(store: Store) -> None:
    log = CallLog(store)
    a = log.record(stage="plan", kind="chat", provider="p", model="m", prompt=[{"role": "user", "content": "x"}],
                   response="y", prompt_tokens=3, completion_tokens=1, latency_s=0.5)
    b = log.record(stage="summary", kind="chat", provider="p", model="m", prompt=[], error="boom")
    assert b == a + 1
    assert [r.call_id for r in log.recent(10, stage="plan")] == [a]
    assert [r.call_id for r in log.recent(10, errors_only=True)] == [b]
    assert log.recent(0) == []
    stats = log.stats()
    assert stats == {"calls": 2, "cache_hits": 0, "errors": 1, "prompt_tokens": 3, "completion_tokens": 1,
                     "model_seconds": 0.5}


def test_cli_chat_then_log(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    env = {"LOGCOPILOT_HOME": str(tmp_path / "home"), "OPENAI_BASE_URL": fake_openai.base_url,
           "OPENAI_API_KEY": "k", "LOGCOPILOT_LLM": "auto"}
    db = str(tmp_path / "cli.duckdb")
    runner = CliRunner()
    schema_file = tmp_path / "schema.json"
    schema_file.write_text(json.dumps(SCHEMA))
    fake_openai.enqueue(CHAT, Reply(body=chat_body('{"n": 2}')))
    res = runner.invoke(main, ["llm", "chat", "count it", "--json-schema", str(schema_file), "--json", "--db", db], env=env)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert (out["json"], out["provider"], out["cached"], out["call_id"]) == ({"n": 2}, "openai", False, 1)
    res = runner.invoke(main, ["llm", "chat", "hello", "--db", db, "--stage", "smoke"], env=env)
    assert res.exit_code == 0 and res.stdout.splitlines()[0] == "echo: hello"
    res = runner.invoke(main, ["llm", "log", "--json", "--db", db], env=env)
    assert res.exit_code == 0, res.output
    log = json.loads(res.stdout)
    assert log["stats"]["calls"] == 2
    assert [c["stage"] for c in log["calls"]] == ["smoke", "cli"]
    assert log["calls"][1]["params"]["json_schema"] == SCHEMA
    res = runner.invoke(main, ["llm", "log", "--db", db, "--stage", "smoke"], env=env)
    assert res.exit_code == 0 and "#2" in res.stdout and "#1 " not in res.stdout


def test_cli_errors_are_one_line(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    env = {"LOGCOPILOT_HOME": str(tmp_path / "home"), "LOGCOPILOT_LLM": "none"}
    res = CliRunner().invoke(main, ["llm", "chat", "hi", "--db", str(tmp_path / "x.duckdb")], env=env)
    assert res.exit_code == 1
    assert res.output.startswith("error: LLM provider is 'none'") and res.output.count("\n") == 1
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    res = CliRunner().invoke(main, ["llm", "chat", "hi", "--json-schema", str(bad)], env=env)
    assert res.exit_code == 1 and "must be a JSON object" in res.output
