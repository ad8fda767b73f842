"""Question analysis: intents, entities, targets and time windows from the question's shape."""

from __future__ import annotations

from datetime import datetime

import pytest

from logcopilot.answering.dispatch import dispatch
from logcopilot.answering.question import analyze
from logcopilot.answering.timeexpr import from_ns, resolve, to_ns


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("How many times was the disk full?", "count"),
        ("Count the timeout errors after the restart", "count"),
        ("How many unique hosts sent heartbeats?", "distinct_count"),
        ("Which user had the most denied logins?", "topk"),
        ("Name the top 5 busiest endpoints", "topk"),
        ("In which minute did the most retries happen?", "argmax_time"),
        ("When did the cache first overflow?", "first_last"),
        ("At what time was the last checkpoint written?", "first_last"),
        ("Was the scheduler ever restarted?", "existence"),
        ("Did any job fail on node7?", "existence"),
        ("Which ports did the proxy listen on?", "lookup"),
        ("What is the average latency of uploads?", "numeric_agg"),
        ("What is the largest payload size in the upload lines?", "numeric_agg"),
        ("What share of requests were rejected?", "ratio"),
        ("For a given job, what is logged right after 'job queued'?", "workflow"),
    ],
)
def test_intent_from_question_shape(text: str, intent: str) -> None:
    assert analyze(text).intent == intent


def test_k_agg_bucket_first_last() -> None:
    assert analyze("Which three hosts logged the most warnings?").k == 3
    assert analyze("List the top 4 users by failures").k == 4
    assert analyze("What was the smallest file size?").agg == "min"
    assert analyze("Which hour had the most errors? Answer as MM-DD HH:00.").bucket == "hour"
    assert analyze("When was the last backup?").first is False
    assert analyze("When was the earliest backup?").first is True


def test_entities_and_levels() -> None:
    q = analyze("Did 10.0.0.7:8080 talk to host-a-01 about job_123456 as user bob after a WARN line?")
    kinds = {e.text: e.kind for e in q.entities}
    assert kinds["10.0.0.7:8080"] == "ip:port"
    assert kinds["job_123456"] == "id"
    assert kinds["bob"] == "user"
    assert q.levels == ["WARN"]
    assert analyze("How many error lines were written?").levels == ["error"]
    # a plain noun is not a severity
    assert analyze("How many 'disk quota' warnings?").levels == []


def test_quotes_negations_and_targets() -> None:
    q = analyze("How many 'Lost connection' lines (not the 'retrying' ones)?")
    assert q.quoted == ["Lost connection", "retrying"]
    assert analyze("Which IP address sent the most requests?").target == "ip address"
    assert analyze("How many distinct session ids were opened?").target == "session ids"
    assert analyze("List the users that logged in from 1.2.3.4").target == "users"
    assert analyze("How many unique job ids (job-...) ran?").shapes == ["job-"]


def test_empty_question_is_harmless() -> None:
    q = analyze("")
    assert q.empty and q.intent == "count"
    assert dispatch(q) == "data"


def test_dispatch_kinds() -> None:
    assert dispatch(analyze("What does the message 'session closed' mean?")) == "knowledge"
    assert dispatch(analyze("How many sessions were closed?")) == "data"


SPAN = (to_ns(datetime(2015, 12, 10, 6, 55)), to_ns(datetime(2015, 12, 10, 11, 4, 30)))


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("between 07:00 and 08:00 on Dec 10", "2015-12-10 07:00", "2015-12-10 08:00"),
        ("from 08:15 to 09:30", "2015-12-10 08:15", "2015-12-10 09:30"),
        ("on 2015-12-10 from 10:00:00 up to, but not including, 10:05:00", "2015-12-10 10:00", "2015-12-10 10:05"),
        ("in the first hour", "2015-12-10 06:55", "2015-12-10 07:55"),
        ("in the first ten minutes of Dec 10", "2015-12-10 06:55", "2015-12-10 07:05"),
        ("in the last 30 minutes", "2015-12-10 10:34", "2015-12-10 11:04"),
        ("what happened last night", "2015-12-09 18:00", "2015-12-10 06:00"),
        ("after 10:00", "2015-12-10 10:00", "2015-12-10 11:04"),
    ],
)
def test_time_windows_resolve_against_the_log(text: str, start: str, end: str) -> None:
    w = resolve(text, SPAN)
    assert w is not None
    assert from_ns(w.start_ns).strftime("%Y-%m-%d %H:%M") == start
    assert from_ns(w.end_ns).strftime("%Y-%m-%d %H:%M") == end


def test_no_window_and_answer_formats_are_not_times() -> None:
    assert resolve("How many failures in total? Answer as MM-DD HH:00.", SPAN) is None
    assert resolve("", SPAN) is None


def test_clock_time_without_date_lands_on_a_log_day() -> None:
    span = (to_ns(datetime(2008, 11, 9, 20, 35)), to_ns(datetime(2008, 11, 11, 11, 0)))
    w = resolve("between 03:00 and 05:00", span)
    assert w is not None and from_ns(w.start_ns).day == 10
    w2 = resolve("between 23:30 and 00:30 on 2008-11-10", span)
    assert w2 is not None and from_ns(w2.end_ns).day == 11
