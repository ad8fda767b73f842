"""Answer wording: the phrases (pure) and the sentences the pipeline builds from real
results over the shared sshd log (real ingest, indexing, engine)."""

from __future__ import annotations

import re

import pytest

from logcopilot.answering import wording
from logcopilot.answering.pipeline import ask
from logcopilot.answering.plan import Filter, Selection
from logcopilot.answering.timeexpr import TimeWindow, to_ns
from logcopilot.answering.wording import (
    describe_templates,
    filter_text,
    fmt_number,
    knowledge_text,
    lines_phrase,
    name_of,
    predicate,
    render_template,
    shorten,
    window_phrase,
)

FAILED = "Failed password for <*> from <*> port <*> ssh2"
FAILED_INVALID = "Failed password for invalid user <*> from <*> port <*> ssh2"


def test_all_is_sorted_and_complete() -> None:
    assert wording.__all__ == sorted(wording.__all__)
    assert all(hasattr(wording, n) for n in wording.__all__)


def test_render_folds_placeholder_runs() -> None:
    assert render_template(FAILED) == "Failed password for … from … port … ssh2"
    assert render_template("Receiving block <*> src: <*>:<*> dest: <*>:<*>") == "Receiving block … src: … dest: …"
    # a bracketed value and the value before it are one value
    assert render_template("checking getaddrinfo for <*> [<*>] failed") == "checking getaddrinfo for … failed"
    assert render_template("<*> <*> <*>") == "…"


def test_describe_one_and_related_templates() -> None:
    assert describe_templates([FAILED]) == "'Failed password for … from … port … ssh2'"
    # two related templates fold into the words they share, in order
    assert describe_templates([FAILED, FAILED_INVALID]) == "'Failed password for … from … port … ssh2'"
    assert describe_templates(['<*> "GET <*>" status: <*> len: <*>', '<*> "POST <*>" status: <*> len: <*>']) \
        == "'… \"GET|POST …\" status: … len: …'"
    # differing values that are not a few short words fold to …
    assert describe_templates(["job <*> took 10ms in stage alpha", "job <*> took 99ms in stage alpha"]) \
        == "'job … took … in stage alpha'"
    assert describe_templates([FAILED, FAILED]) == describe_templates([FAILED])
    assert describe_templates([]) == "" and describe_templates(["  "]) == ""


def test_describe_unrelated_templates_says_how_many() -> None:
    many = [f"[instance: <*>] {w} {i}" for i, w in enumerate(["VM Resumed (Lifecycle Event)", "Terminating instance",
                                                           "During sync_power_state the instance has a pending task"])]
    assert describe_templates(many) == "'[instance: …]' (3 kinds)"
    # a count reads before the head, the kinds after the noun
    assert lines_phrase(Selection(["a", "b", "c"]), many, 1) == "'[instance: …]' line (3 kinds)"
    two = describe_templates(["Accepted publickey for <*>", "Connection closed by <*> [preauth]"])
    assert two == "'Accepted publickey for …' or 'Connection closed by … [preauth]'"
    unrelated = describe_templates(["Accepted publickey for <*>", "<*> closed", "Bye <*> now"])
    assert unrelated == "'Accepted publickey for …' (+2 other kinds)"


def test_shorten_cuts_on_a_word_and_marks_it() -> None:
    text = "BLOCK* NameSystem.addStoredBlock: blockMap updated: … is added to the map of blocks"
    short = shorten(text, 40)
    assert short.endswith(" …") and len(short) <= 42 and text.startswith(short[:-2])
    assert shorten("short text", 40) == "short text"
    assert len(shorten("x" * 100, 20)) <= 22


def test_filter_text_reads_like_english() -> None:
    assert filter_text(Filter("|~", r"from 5\.188\.10\.180\b")) == "containing 'from 5.188.10.180'"
    assert filter_text(Filter("|~", r"(?i)\breturn")) == "containing 'return'"
    assert filter_text(Filter("!=", "debug")) == "not containing 'debug'"
    assert filter_text(Filter("|~", r"err(or)?s?")) == "matching /err(or)?s?/"
    assert filter_text(Filter("=", "root", "user")) == "with user=root"


def test_lines_phrase_heads_and_qualifiers() -> None:
    assert lines_phrase(Selection(labels={"level": "error"}), []) == "error lines"
    assert lines_phrase(Selection(labels={"level": "error", "service": "api|web"}), [], 1) \
        == "error line with service=api or web"
    sel = Selection(["T1"], [Filter("|=", "Failed password"), Filter("|~", r"from 1\.2\.3\.4\b"),
                             Filter("|=", "port 22")])
    # the filter the template already says is dropped; two 'containing' merge
    assert lines_phrase(sel, [FAILED]) == \
        "'Failed password for … from … port … ssh2' lines containing 'from 1.2.3.4' and 'port 22'"
    assert lines_phrase(Selection(labels={"level": "warn"}), [FAILED]).endswith("lines at level warn")
    assert lines_phrase(None, []) == "lines"


def test_predicate_for_ratio_parts() -> None:
    assert predicate(Selection(labels={"level": "error"}), []) == "are at level error"
    assert predicate(Selection(filters=[Filter("|=", '" status: 404')]), []) == "contain 'status: 404'"
    assert predicate(Selection(["T"]), [FAILED_INVALID]).startswith("are 'Failed password for invalid user")
    assert predicate(Selection(labels={"service": "db"}), []) == "have service=db"


def test_window_phrase() -> None:
    from datetime import datetime

    w = TimeWindow(to_ns(datetime(2015, 12, 10, 9)), to_ns(datetime(2015, 12, 10, 10)))
    assert window_phrase(w) == " between 09:00 and 10:00 on 2015-12-10"
    w = TimeWindow(to_ns(datetime(2008, 11, 10, 21)), to_ns(datetime(2008, 11, 11, 5, 0, 30)))
    assert window_phrase(w) == " between 2008-11-10 21:00 and 2008-11-11 05:00:30"
    assert window_phrase(None) == ""


def test_numbers_and_names() -> None:
    assert fmt_number(286) == "286" and fmt_number(3.0) == "3"
    assert fmt_number(63655148.296178) == "63655148.3" and fmt_number(0.233435) == "0.2334"
    assert fmt_number(19.718182) == "19.72" and fmt_number(float("nan")) == "nan"
    assert name_of("ip_2") == "ip" and name_of("service_value") == "service"
    assert name_of("value", "ip") == "ip" and name_of("", "") == "value"


def test_knowledge_text() -> None:
    t = knowledge_text(FAILED, "T1", 383, "Someone failed to log in.")
    assert t.startswith("'Failed password for … from … port … ssh2' is template T1, logged 383 times.")
    assert t.endswith("Someone failed to log in.")
    nxt = knowledge_text("Invalid user <*> from <*>", "T2", 5, "", "input_userauth_request: invalid user <*> [preauth]",
                         45, "pid", wants_next=True)
    assert nxt == ("'input_userauth_request: invalid user … [preauth]' usually follows "
                   "'Invalid user … from …' (45 times in pid sessions).")


# ---- sentences from real answers -------------------------------------------------------

def _sentence_ok(a) -> None:
    assert a.ok, a.error
    assert "<*>" not in a.answer, a.answer
    assert len(a.answer) <= 160, a.answer
    # one sentence: it ends once, and no sentence starts inside it
    assert a.answer.endswith("."), a.answer
    assert not re.search(r"[.!?] [A-Z][a-z]", a.answer[:-1]), a.answer


@pytest.mark.parametrize("question, intent", [
    ("Which IP address had the most failed password attempts?", "topk"),
    ("How many distinct IP addresses had an invalid user?", "distinct_count"),
    ("What is the highest port number in the failed password lines?", "numeric_agg"),
    ("Which hour had the most failed password attempts?", "argmax_time"),
    ("How many failed password attempts were there for the user root?", "count"),
    ("What fraction of failed password attempts were for user root?", "ratio"),
])
def test_value_comes_first(sshd, question: str, intent: str) -> None:
    store, _, _ = sshd
    a = ask(store, "sshd", question, planner="rules")
    _sentence_ok(a)
    assert a.intent == intent
    shown = fmt_number(a.value) if isinstance(a.value, (int, float)) else str(a.value)
    assert a.answer.startswith(shown), a.answer


def test_topk_names_count_and_what_was_counted(sshd) -> None:
    store, counts, _ = sshd
    a = ask(store, "sshd", "Which IP address had the most failed password attempts?", planner="rules")
    _sentence_ok(a)
    assert a.answer == f"10.1.1.1 is the top ip, with {counts['ten_one_failed']} 'Failed password for … from … port … ssh2' lines."


def test_count_window_existence_lookup_first_workflow(sshd) -> None:
    store, counts, _ = sshd
    a = ask(store, "sshd", "How many failed password attempts were there between 06:00 and 07:00?", planner="rules")
    _sentence_ok(a)
    assert a.answer.startswith(f"{a.value} 'Failed password for") and a.answer.endswith(
        "between 06:00 and 07:00 on 2015-12-10.")
    a = ask(store, "sshd", "Did anyone log in successfully?", planner="rules")
    _sentence_ok(a)
    assert a.answer.startswith(f"Yes: {counts['accepted']} 'Accepted password for")
    a = ask(store, "sshd", "Which users were invalid users?", planner="rules")
    _sentence_ok(a)
    assert a.answer.startswith(f"{len(a.value)} user values in 'Invalid user … from …' lines: ")
    assert all(v in a.answer for v in a.value)
    a = ask(store, "sshd", "When was the first accepted password login?", planner="rules")
    _sentence_ok(a)
    assert a.answer.startswith("The first 'Accepted password for") and a.answer.endswith(f"was logged at {a.value}.")
    a = ask(store, "sshd", "Within one sshd process, what message comes right after an 'Invalid user' line?",
            planner="rules")
    _sentence_ok(a)
    assert a.answer.startswith("'input_userauth_request: invalid user … [preauth]' usually follows the 'Invalid user")
    assert re.search(r"\(\d+ times in pid sessions\)\.$", a.answer), a.answer


def test_no_answer_says_what_was_looked_for(sshd) -> None:
    store, _, _ = sshd
    a = ask(store, "sshd", "Were there any lines from 10.9.9.8?", planner="rules")
    _sentence_ok(a)
    assert a.value is False and a.answer == "No: no lines containing '10.9.9.8'."
