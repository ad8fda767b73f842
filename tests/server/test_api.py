"""The web UI's JSON API (/api/v1) on a real uvicorn server on 127.0.0.1, over a temporary
store holding the bundled OpenSSH sample, ingested and indexed (rules only, no LLM)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import LiveServer

DATA = Path(__file__).resolve().parents[2] / "src" / "logcopilot" / "data"
TOP_IP_QUESTION = "Which IP address had the most failed password attempts?"
_ENV_OFF = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LOGCOPILOT_LLM", "LOGCOPILOT_MODEL_PATH",
            "LOGCOPILOT_AUTH_ENABLED", "LOGCOPILOT_TOKEN", "LOGCOPILOT_DB")


def _indexed_store(path: Path) -> Any:
    from logcopilot.engine.store import Store
    from logcopilot.indexing.pipeline import index_system
    from logcopilot.ingest.pipeline import ingest_files

    store = Store(path)
    ingest_files(store, [str(DATA / "OpenSSH_2k.log")], system="openssh", year=2015)
    index_system(store, "openssh")
    return store


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    from logcopilot.server.app import create_app

    tmp = tmp_path_factory.mktemp("api")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LOGCOPILOT_HOME", str(tmp / "home"))  # no config file, no LLM configured
        for name in _ENV_OFF:
            mp.delenv(name, raising=False)
        store = _indexed_store(tmp / "s.duckdb")
        live = LiveServer(create_app(store))
        with httpx.Client(base_url=live.url, timeout=60) as client:
            yield client
        live.stop()
        store.close()


def _error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["status"] == "error" and "\n" not in body["error"] and "Traceback" not in body["error"]
    return str(body["error"])


def _ask(api: httpx.Client, question: str, **extra: Any) -> httpx.Response:
    return api.post("/api/v1/ask", json={"question": question, "system": "openssh", **extra})


# -- ask and history ------------------------------------------------------------------------
def test_ask_answers_with_logql_attempts_and_evidence(api: httpx.Client) -> None:
    r = _ask(api, TOP_IP_QUESTION, planner="rules", llm="none")
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["ok"] is True and a["value"] == "183.62.140.253" and a["planner"] == "rules"
    assert a["logql"].startswith("topk(1, sum by (ip)")
    assert a["attempts"] and a["attempts"][-1]["ok"] is True
    assert a["attempts"][-1]["queries"][0]["logql"] == a["logql"]
    assert all("results" not in att for att in a["attempts"])  # no result payloads
    assert set(a["attempts"][0]) >= {"number", "queries", "ok", "feedback", "seconds"}
    assert a["evidence"] and all("183.62.140.253" in line and "Failed password" in line for line in a["evidence"])
    assert a["cost"]["llm_calls"] == 0
    assert a["asked_at"].endswith("Z") and a["asked_at"][:4] >= "2024"
    # recorded: newest first in the list, and the full record by id
    listed = api.get("/api/v1/history", params={"system": "openssh", "limit": 5}).json()["history"]
    assert listed[0]["id"] == a["id"] and listed[0]["value"] == "183.62.140.253" and listed[0]["ok"] is True
    assert set(listed[0]) == {"id", "asked_at", "system", "question", "planner", "ok", "answer", "value", "logql",
                              "seconds", "llm_calls"}
    assert api.get(f"/api/v1/history/{a['id']}").json() == a


def test_unanswerable_question_is_answered_ok_false_and_recorded(api: httpx.Client) -> None:
    r = _ask(api, "What was the first log line?", planner="rules")
    assert r.status_code == 200
    a = r.json()
    assert a["ok"] is False and a["error"] and a["answer"].startswith("Could not answer")
    first = api.get("/api/v1/history").json()["history"][0]
    assert first["id"] == a["id"] and first["ok"] is False


def test_history_is_newest_first_and_filters_by_system(api: httpx.Client) -> None:
    ids = [_ask(api, "How many failed password attempts?", planner="rules").json()["id"] for _ in range(2)]
    listed = api.get("/api/v1/history", params={"limit": 2}).json()["history"]
    assert [h["id"] for h in listed] == ids[::-1]
    assert api.get("/api/v1/history", params={"system": "nosuch"}).json() == {"history": []}
    _error(api.get("/api/v1/history", params={"limit": "0"}), 400)
    _error(api.get("/api/v1/history", params={"limit": "x"}), 400)


def test_ask_rejects_bad_input(api: httpx.Client) -> None:
    assert "question" in _error(api.post("/api/v1/ask", json={"system": "openssh"}), 400)
    assert "system" in _error(api.post("/api/v1/ask", json={"question": "How many lines?"}), 400)
    assert "planner" in _error(_ask(api, "How many lines?", planner="magic"), 400)
    assert "llm" in _error(_ask(api, "How many lines?", llm="gpt-9"), 400)
    assert "evidence" in _error(_ask(api, "How many lines?", evidence=-1), 400)
    assert "JSON" in _error(api.post("/api/v1/ask", content=b"question=x"), 400)
    assert "openssh" in _error(api.post("/api/v1/ask", json={"question": "How many lines?", "system": "nosuch"}), 404)
    # the structured planner cannot run without an LLM: a clear 400, nothing recorded
    before = api.get("/api/v1/history", params={"limit": 1}).json()["history"]
    assert "needs an LLM" in _error(_ask(api, "How many lines?", planner="structured", llm="none"), 400)
    assert "OPENAI_API_KEY" in _error(_ask(api, "How many lines?", planner="free", llm="openai"), 400)
    assert api.get("/api/v1/history", params={"limit": 1}).json()["history"] == before


def test_unavailable_llm_falls_back_to_rules_with_a_note(api: httpx.Client) -> None:
    a = _ask(api, TOP_IP_QUESTION, llm="openai").json()
    assert a["ok"] is True and a["value"] == "183.62.140.253" and a["planner"] == "rules"
    assert "openai" in a["notes"][0] and "rules planner" in a["notes"][0]


def test_history_item_404(api: httpx.Client) -> None:
    assert "999999" in _error(api.get("/api/v1/history/999999"), 404)
    _error(api.get("/api/v1/history/abc"), 404)
    _error(api.get("/api/v1/history/99999999999999999999999"), 404)


# -- LogQL check ----------------------------------------------------------------------------
@pytest.mark.parametrize("query,line,col", [
    ('{system="openssh"} |= ', 1, 23),
    ('sum(rate({a="b"}[5m])', 1, 22),
    ('{a="b"} |= "x"\n| json |', 2, 9),
])
def test_parse_reports_the_error_position(api: httpx.Client, query: str, line: int, col: int) -> None:
    r = api.get("/api/v1/logql/parse", params={"query": query})
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is False
    err = body["error"]
    assert (err["line"], err["col"]) == (line, col)
    assert err["message"] == f"parse error at line {line}, col {col}: {err['reason']}"
    assert err["reason"].startswith("syntax error")


def test_parse_semantic_error_has_no_position(api: httpx.Client) -> None:
    err = api.get("/api/v1/logql/parse", params={"query": 'count_over_time({a="b"}[5m]) and {a="b"}'}).json()["error"]
    assert (err["line"], err["col"]) == (0, 0) and err["message"].startswith("parse error :")


def _range_total(api: httpx.Client, query: str, step: str) -> float:
    r = api.get("/loki/api/v1/query_range", params={
        "query": query, "start": "2015-12-10T06:00:00Z", "end": "2015-12-10T12:00:00Z", "step": step})
    assert r.status_code == 200, r.text
    return sum(float(v) for series in r.json()["data"]["result"] for _, v in series["values"])


def test_parse_volume_query_of_a_log_query_parses_and_runs(api: httpx.Client) -> None:
    body = api.get("/api/v1/logql/parse", params={"query": '{system="openssh"}|="Failed password for"', "step": "1h"}).json()
    assert body == {"ok": True, "kind": "log", "formatted": '{system="openssh"} |= "Failed password for"',
                    "volume_query": 'sum(count_over_time({system="openssh"} |= "Failed password for" [1h]))'}
    assert api.get("/api/v1/logql/parse", params={"query": body["volume_query"]}).json()["ok"] is True
    # hour buckets end on the hour: their sum is every line the log query returns
    r = api.get("/loki/api/v1/query_range", params={"query": body["formatted"], "limit": "5000",
                                                    "start": "2015-12-10T06:00:00Z", "end": "2015-12-10T12:00:00Z"})
    lines = sum(len(s["values"]) for s in r.json()["data"]["result"])
    assert lines > 500 and _range_total(api, body["volume_query"], "3600") == lines


def test_parse_volume_query_of_a_metric_query_reads_its_lines(api: httpx.Client) -> None:
    q = 'topk(3, sum by (ip) (count_over_time({system="openssh"} |= "Accepted password" | regexp `from (?P<ip>\\S+)` [5m] offset 1h)))'
    body = api.get("/api/v1/logql/parse", params={"query": q}).json()
    assert body["ok"] is True and body["kind"] == "metric"
    assert body["volume_query"] == ('sum(count_over_time({system="openssh"} |= "Accepted password" '
                                    '| regexp "from (?P<ip>\\\\S+)" [1m]))')
    assert _range_total(api, body["volume_query"], "60") > 0
    assert api.get("/api/v1/logql/parse", params={"query": "vector(1)"}).json()["volume_query"] is None
    _error(api.get("/api/v1/logql/parse", params={"query": '{a="b"}', "step": "soon"}), 400)


# -- knowledge ------------------------------------------------------------------------------
def test_knowledge_lists_templates_by_count(api: httpx.Client) -> None:
    kb = api.get("/api/v1/knowledge/openssh").json()
    assert kb["system"] == "openssh" and kb["total_lines"] == 2000
    counts = [t["count"] for t in kb["templates"]]
    assert counts == sorted(counts, reverse=True) and sum(counts) == 2000
    assert kb["verified_recipes"] == sum(1 for t in kb["templates"] if t["verified"]) > 0
    assert abs(sum(t["share"] for t in kb["templates"]) - 1) < 1e-3
    failed = next(t for t in kb["templates"] if t["template"] == "Failed password for <*> from <*> port <*> ssh2")
    assert failed["params"] == 3 and failed["summary"]
    wf = kb["workflow"]
    assert wf["session_key"] and wf["edges"] and set(wf["edges"][0]) == {"src", "dst", "count", "probability", "median_gap_s"}


def test_template_detail_has_examples_params_and_a_recipe_that_counts_its_lines(api: httpx.Client) -> None:
    hits = api.get("/api/v1/knowledge/openssh/search", params={"q": "failed password", "k": 5}).json()["hits"]
    assert hits[0]["kind"] == "template" and hits[0]["template"].startswith("Failed password")
    assert set(hits[0]) >= {"kind", "ref", "score", "text", "template_id"}
    t = api.get(f"/api/v1/knowledge/openssh/templates/{hits[0]['template_id']}").json()
    assert t["template"].startswith("Failed password") and t["count"] > 0
    assert 1 <= len(t["examples"]) <= 5 and all("Failed password" in line for line in t["examples"])
    assert [p["name"] for p in t["params"]] == ["user", "ip", "port"]
    recipe = t["recipe"]
    assert recipe["verified"] is True and recipe["expected_count"] == t["count"]
    r = api.get("/loki/api/v1/query", params={"query": recipe["logql_count"], "time": "2015-12-10T11:04:46Z"})
    assert r.status_code == 200, r.text
    assert float(r.json()["data"]["result"][0]["value"][1]) == t["count"]
    assert t["successors"] and t["successors"][0]["src"] == t["template_id"] and "template" in t["successors"][0]


def test_unknown_system_template_and_paths_are_json_404(api: httpx.Client) -> None:
    assert "unknown system" in _error(api.get("/api/v1/knowledge/nosuch"), 404)
    _error(api.get("/api/v1/knowledge/nosuch/search", params={"q": "x"}), 404)
    assert "no template" in _error(api.get("/api/v1/knowledge/openssh/templates/E999"), 404)
    _error(api.get("/api/v1/nope"), 404)
    _error(api.delete("/api/v1/ask"), 405)
    _error(api.get("/api/v1/knowledge/openssh/search"), 400)  # no q


def test_a_system_that_is_not_indexed(api: httpx.Client) -> None:
    doc = {"streams": [{"stream": {"system": "fresh"}, "values": [["1449730546000000000", "hello"]]}]}
    assert api.post("/loki/api/v1/push", content=json.dumps(doc), headers={"Content-Type": "application/json"}).status_code == 204
    assert "logcopilot index" in _error(api.get("/api/v1/knowledge/fresh"), 404)
    systems = {s["system"]: s for s in api.get("/api/v1/systems").json()["systems"]}
    assert systems["fresh"]["indexed"] is False and systems["fresh"]["templates"] == 0
    assert systems["fresh"]["workflow"] is None and systems["fresh"]["entries"] == 1


# -- systems, config, OpenAPI ---------------------------------------------------------------
def test_systems_show_stats_and_index_state(api: httpx.Client) -> None:
    s = next(x for x in api.get("/api/v1/systems").json()["systems"] if x["system"] == "openssh")
    assert s["entries"] == 2000 and s["lines_read"] == 2000 and s["lines_rejected"] == 0 and s["sources"] == 1
    assert s["time_span"] == ["2015-12-10 06:55:46.000Z", "2015-12-10 11:04:45.000Z"]
    assert s["ts_min"] == 1449730546 * 10**9 and sum(st["entries"] for st in s["streams"]) == 2000
    assert s["indexed"] is True and s["templates"] > 10 and 0 < s["verified_recipes"] <= s["templates"]
    assert s["workflow"] and s["labels"]["system"] == ["openssh"]


def test_config_lists_planners_and_llms(api: httpx.Client) -> None:
    from logcopilot import __version__

    c = api.get("/api/v1/config").json()
    assert c["version"] == __version__ and c["planners"] == ["auto", "rules", "structured", "free"]
    llms = {x["name"]: x for x in c["llms"]}
    assert list(llms) == ["none", "local", "openai"] and llms["none"]["available"] is True
    assert llms["openai"] == {"name": "openai", "available": False, "detail": "set OPENAI_API_KEY or OPENAI_BASE_URL"}
    assert isinstance(llms["local"]["available"], bool) and llms["local"]["detail"]


def test_openapi_lists_the_api(api: httpx.Client) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/api/v1/ask", "/api/v1/systems", "/api/v1/history/{id}", "/api/v1/logql/parse",
            "/api/v1/knowledge/{system}/templates/{template_id}", "/api/v1/config"} <= set(paths)
    assert paths["/api/v1/ask"]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "question", "system"]


# -- the CLI records into the same history ---------------------------------------------------
def test_cli_ask_records_history_and_prints_readable_details(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from logcopilot.answering.history import list_history
    from logcopilot.cli import main
    from logcopilot.engine.store import Store

    for name in _ENV_OFF:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LOGCOPILOT_HOME", str(tmp_path / "home"))
    db = tmp_path / "cli.duckdb"
    _indexed_store(db).close()
    out = CliRunner().invoke(main, ["ask", TOP_IP_QUESTION, "--system", "openssh", "--llm", "none", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "instant at 2015-12-10T11:04:45.001Z" in out.output
    assert "cost: 0 LLM calls, 0 tokens, " in out.output and "{'" not in out.output
    with Store(db) as store:
        (h,) = list_history(store)
    assert h["value"] == "183.62.140.253" and h["planner"] == "rules" and h["question"] == TOP_IP_QUESTION
    # and `logcopilot history` reads it back: the list, one answer in full, an unknown id
    runner = CliRunner()
    listed = runner.invoke(main, ["history", "--db", str(db)])
    assert listed.exit_code == 0 and TOP_IP_QUESTION in listed.output and "183.62.140.253" in listed.output
    one = runner.invoke(main, ["history", str(h["id"]), "--db", str(db), "--json"])
    assert one.exit_code == 0 and json.loads(one.output)["value"] == "183.62.140.253"
    full = runner.invoke(main, ["history", str(h["id"]), "--db", str(db)])
    assert "LogQL:  topk(1" in full.output and "Evidence:" in full.output
    missing = runner.invoke(main, ["history", "999", "--db", str(db)])
    assert missing.exit_code != 0 and missing.output.strip() == "error: no question 999 in the history"
