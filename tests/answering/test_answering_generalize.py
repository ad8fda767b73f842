"""General mechanisms that carry the answering pipeline to unseen phrasings and systems:
entity values filter the parameter that holds them, knowledge questions about successors
answer with the successor, events named by a word no template has do not exist, target
synonyms, single-slot grouping and intent phrasings. Real store, real index (conftest)."""

from __future__ import annotations

import re
from collections import Counter

from logcopilot.answering.dispatch import dispatch
from logcopilot.answering.pipeline import ask
from logcopilot.answering.question import analyze


def _lines(d) -> list[str]:
    return (d / "sshd.log").read_text(encoding="utf-8").splitlines()


def test_entity_value_filters_its_parameter_not_any_mention(sshd) -> None:
    store, _counts, d = sshd
    a = ask(store, "sshd", "How many distinct IPs failed to log in as root?", planner="rules")
    want = {re.search(r"from (\S+)", ln).group(1) for ln in _lines(d) if "Failed password for root from" in ln}
    assert a.ok, a.error
    assert a.value == len(want)
    assert "Failed password" in a.logql  # the failed-login template, not every line
    assert "for root" in a.logql and r"|~ `\broot\b`" not in a.logql


def test_successor_knowledge_question_answers_with_the_successor(sshd) -> None:
    store, _counts, d = sshd
    q = analyze("What usually happens after 'Invalid user ... from ...'?")
    assert dispatch(q) == "both"
    a = ask(store, "sshd", "What usually happens after 'Invalid user ... from ...'?", planner="rules")
    assert a.ok, a.error
    assert a.answer_type == "template"
    assert str(a.value).startswith("input_userauth_request: invalid user")
    assert a.logql and a.evidence


def test_meaning_question_explains_the_quoted_template(sshd) -> None:
    store, _counts, _d = sshd
    a = ask(store, "sshd", "What does 'Received disconnect from ... Bye Bye' mean?", planner="rules")
    assert a.ok and a.kind == "knowledge"
    assert "Received disconnect" in str(a.value) and "Bye Bye" in str(a.value)


def test_event_word_in_no_template_does_not_exist(sshd) -> None:
    store, _counts, _d = sshd
    a = ask(store, "sshd", "Did the daemon ever panic?", planner="rules")
    assert a.ok and a.value is False
    # a word retrieval matched by synonym is phrasing, not a missing event
    b = ask(store, "sshd", "Did anyone ever successfully log in with a password?", planner="rules")
    assert b.ok and b.value is True


def test_single_slot_template_groups_by_its_slot(sshd) -> None:
    store, _counts, d = sshd
    names = Counter(re.search(r"invalid user (\S+) \[preauth\]", ln).group(1) for ln in _lines(d)
                    if "input_userauth_request: invalid user" in ln)
    a = ask(store, "sshd", "Which name shows up most often in input_userauth_request lines?", planner="rules")
    assert a.ok, a.error
    assert a.value == names.most_common(1)[0][0]


def test_intent_phrasings() -> None:
    assert analyze("What is the earliest time a 'Bye Bye' message appears?").intent == "first_last"
    q = analyze("On average, how long (seconds) did a spawn take?")
    assert (q.intent, q.agg) == ("numeric_agg", "avg")
    assert analyze("Name the top 3 destination addresses for 'Receiving block' events.").target == "destination addresses"
    assert analyze("How many distinct IPs failed to log in as root?").target == "ips"


def _mini_system(tmp_path, name: str, fmt: str, lines: list[str]):
    from logcopilot.engine.store import Store
    from logcopilot.indexing.pipeline import index_system
    from logcopilot.ingest.pipeline import ingest_files

    log = tmp_path / f"{name}.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = Store(tmp_path / f"{name}.duckdb")
    ingest_files(store, [str(log)], system=name, fmt=fmt, year=2017)
    index_system(store, name, session_key=None)
    return store


def _mac_lines() -> list[str]:
    """A Mac-style log: the process name is a header field, not a stream label."""
    out: list[str] = []
    for i in range(60):
        t = f"Jul  1 09:{i // 2:02d}:{(i * 7) % 60:02d}"
        if i % 3 == 0:
            out.append(f"{t} host-a kernel[0]: AppleCamIn::systemWakeCall - messageType = 0xE0000340")
        elif i % 3 == 1:
            out.append(f"{t} host-a kernel[0]: Thermal pressure state: {i % 2} Memory pressure state: 0")
        else:
            out.append(f"{t} host-a corecaptured[{100 + i}]: CCFile::captureLogRun Skipping current file {i}")
    return out


def test_header_field_value_and_process_synonym(tmp_path) -> None:
    from logcopilot.answering.fields import field_values, header_fields
    from logcopilot.answering.retrieval import load_context

    store = _mini_system(tmp_path, "macmini", "Mac", _mac_lines())
    try:
        ctx = load_context(store, "macmini")
        comp = header_fields(ctx).get("component", "")
        assert comp and "[" in comp  # stops before '[<PID>]'
        assert {"kernel", "corecaptured"} <= field_values(ctx)["component"]
        a = ask(store, "macmini", "How many lines did corecaptured write?", planner="rules")
        assert a.ok and a.value == 20, (a.value, a.logql, a.notes)
        b = ask(store, "macmini", "Which process wrote the most log lines?", planner="rules")
        assert b.ok and b.value == "kernel", (b.value, b.logql, b.notes)
    finally:
        store.close()


def test_optional_group_after_field_stops_the_value() -> None:
    from logcopilot.answering.fields import _from_spec

    spec = r"<Label> <Time> <Location> <Component>(\[<PID>\])?: <Content>"
    rx = _from_spec(spec, anchored=True)["component"]
    m = re.search(rx, "- 12:01:01 dn228/dn228 ntpd[2915]: synchronized to 10.0.0.1, stratum 2")
    assert m and m.group("component") == "ntpd"
    m2 = re.search(rx, "- 12:01:01 dn228/dn228 kernel: eth0 up")
    assert m2 and m2.group("component") == "kernel"


def test_group_over_templates_with_different_slot_contexts_narrows(sshd) -> None:
    store, _counts, d = sshd
    users = Counter(re.search(r"Invalid user (\S+) from", ln).group(1) for ln in _lines(d) if "Invalid user" in ln)
    a = ask(store, "sshd", "List the 2 most common usernames tried by invalid users.", planner="rules")
    assert a.ok, a.error
    assert a.value == [u for u, _ in users.most_common(2)]
    assert any("narrowed" in n for n in a.notes) or "invalid user" in a.logql.lower()
