"""Questions that ask for a count per time bucket get a time series (a range query, a chart)."""

from __future__ import annotations

import pytest

from logcopilot.answering.pipeline import ask
from logcopilot.answering.question import analyze


@pytest.mark.parametrize(("question", "intent", "bucket"), [
    ("How many failed password attempts per hour?", "timeseries", "hour"),
    ("hourly count of invalid users", "timeseries", "hour"),
    ("Plot the number of disconnects by minute", "timeseries", "minute"),
    ("Show errors over time", "timeseries", ""),
    ("How many lines a day?", "timeseries", "day"),
    # not series: a rate averaged into one number, distinct values, the busiest bucket
    ("On average, how many failures per hour?", "numeric_agg", ""),
    ("Which hour had the most failures?", "argmax_time", "hour"),
])
def test_time_series_questions(question: str, intent: str, bucket: str) -> None:
    q = analyze(question)
    assert q.intent == intent
    if intent == "timeseries":
        assert q.bucket == bucket


def test_distinct_per_day_is_not_a_line_count_series() -> None:
    assert analyze("How many distinct IPs per day?").intent != "timeseries"


def test_per_hour_series_adds_up_to_the_count(sshd) -> None:
    store, counts, _ = sshd
    a = ask(store, "sshd", "How many invalid user attempts per hour?", planner="rules")
    assert a.ok, a.error
    assert a.intent == "timeseries" and a.answer_type == "series"
    main = a.queries[0]
    assert main["kind"] == "range" and main["step_ns"] == 3600 * 10**9 and "[1h]" in a.logql
    times = [t for t, _ in a.value]
    assert times == ["12-10 06:00", "12-10 07:00", "12-10 08:00"]
    assert sum(v for _, v in a.value) == counts["invalid"]
    busiest = max(a.value, key=lambda tv: tv[1])
    assert f"busiest hour was {busiest[0]} with {busiest[1]}" in a.answer
    assert a.result["resultType"] == "matrix"


def test_over_time_picks_a_bucket_from_the_span_and_keeps_empty_buckets(sshd) -> None:
    store, counts, _ = sshd
    a = ask(store, "sshd", "Show accepted password logins over time", planner="rules")
    assert a.ok, a.error
    assert a.queries[0]["step_ns"] == 60 * 10**9  # three hours of log: per minute
    values = [v for _, v in a.value]
    assert sum(values) == counts["accepted"]
    assert 0 in values  # minutes with no login are in the series, as zeros
    minutes = [int(t[-2:]) + 60 * int(t[-5:-3]) for t, _ in a.value]
    assert minutes == list(range(minutes[0], minutes[0] + len(minutes)))


def test_after_the_end_of_the_log_is_an_empty_window_said_as_after(sshd) -> None:
    """The sshd log ends at 08:59:59: "after 09:00" has no lines, and says so plainly."""
    store, _, _ = sshd
    a = ask(store, "sshd", "Did 10.4.4.4 ever have a successful login after 09:00?", planner="rules")
    assert a.ok and a.value is False, (a.value, a.error)
    assert "after 09:00 on 2015-12-10" in a.answer and "between" not in a.answer


@pytest.mark.parametrize(("question", "by"), [
    ("How many failed password attempts per hour by ip?", "ip"),
    ("Show lines per hour for each component", "component"),
    ("Failed logins over time broken down by user name", "user name"),
    ("How many failed password attempts per hour?", ""),
])
def test_series_split_by(question: str, by: str) -> None:
    q = analyze(question)
    assert q.intent == "timeseries" and q.series_by == by


def test_per_hour_by_ip_gives_one_series_per_ip(sshd) -> None:
    store, counts, _ = sshd
    a = ask(store, "sshd", "How many failed password attempts per hour by ip?", planner="rules")
    assert a.ok, a.error
    assert a.logql.startswith("sum by (ip) (count_over_time(") and "[1h]" in a.logql
    assert isinstance(a.value, dict) and "10.1.1.1" in a.value
    totals = {ip: sum(v for _, v in series) for ip, series in a.value.items()}
    assert totals["10.1.1.1"] == counts["ten_one_failed"]
    assert list(totals.values()) == sorted(totals.values(), reverse=True)  # most lines first
    assert all(len(series) == 3 for series in a.value.values())  # the same buckets for every ip
    assert f"{next(iter(a.value))} has the most" in a.answer


def test_the_answer_keeps_the_largest_series_when_it_shortens_the_result() -> None:
    from logcopilot.answering.execute import result_summary
    from logcopilot.engine.results import MatrixResult, Series

    many = MatrixResult([Series({"ip": f"10.0.0.{i}"}, [(1000, float(i)), (2000, float(i))]) for i in range(15)])
    shown = result_summary(many, n=3)
    assert shown["truncated"] == 15
    assert [s["metric"]["ip"] for s in shown["result"]] == ["10.0.0.14", "10.0.0.13", "10.0.0.12"]
