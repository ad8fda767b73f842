"""The web UI end to end: real uvicorn on 127.0.0.1, real headless Chromium, real store.

The store holds the bundled OpenSSH sample (ingested and indexed without embeddings or an LLM)
and a hostile ``webapp`` system whose lines are HTML and script. Elements are selected by the
ids and classes of the UI contract (issue 8); every wait is an explicit ``WebDriverWait``.
Screenshots (1280x800) of each page go to pytest's tmp dir, and to ``docs/screenshots/`` with
``LOGCOPILOT_UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

import pytest

from logcopilot.errors import ParseError
from logcopilot.logql import parse, to_logql
from ui_support import HOSTILE_LINES, WEBAPP_T0, Page

pytestmark = pytest.mark.slow

TOPK_QUESTION = "Which IP address had the most failed password attempts?"
TOPK_IP = "183.62.140.253"
COUNT_QUESTION = "How many failed password attempts were there?"
METRIC = 'sum by (component) (count_over_time({system="openssh"}[10m]))'
BAD_QUERIES = (
    'sum(count_over_time({system="openssh"} |= "x" [5m])',  # missing ')': error at the end
    '{system="openssh"} | foo ? bar',  # a bad token in the middle
)


def canon(query: str) -> str:
    return to_logql(parse(query))


def shows_query(text: str, query: str) -> bool:
    """``text`` (a highlighted <pre>) shows ``query``, verbatim or in canonical form."""
    text = text.strip()
    if not text:
        return False
    if query in text or canon(query) in text:
        return True
    try:
        return canon(text) == canon(query)
    except Exception:
        return False


def numbers(cell: str) -> set[int]:
    """The integers a table cell shows, thousands separators allowed (2,000 / 2 000)."""
    return {int(n) for n in re.findall(r"\d+", re.sub(r"(?<=\d)[,\u00a0\u202f\u2009 ](?=\d{3})", "", cell))}


def rfc3339_ns(value: str) -> int:
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return int(dt.timestamp()) * 10**9 + dt.microsecond * 1000


def query_params(href: str) -> tuple[str, dict[str, str]]:
    url = urllib.parse.urlparse(href)
    return url.path, {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}


# What shows that a page's start-up script has finished (options filled, first fetches done),
# so that the test's input is not overwritten by the page's own initialisation.
READY: dict[str, tuple[str, Any]] = {
    "ask": ("the history list", lambda d: d.find_elements("css selector", "ol#history > li")),
    "query": ("#result-meta", lambda d: d.find_element("css selector", "#result-meta").text.strip()),
    "knowledge": ("#kb-meta", lambda d: d.find_element("css selector", "#kb-meta").text.strip()),
    "status": ("the systems rows", lambda d: d.find_elements("css selector", "tr.system-row")),
}


def open_ready(page: Page, path: str, name: str) -> None:
    page.open(path, f"page-{name}")
    what, cond = READY[name]
    page.wait(cond, f"{what} (the /{name} page to finish loading)")


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def labels_of(page: Page, li: Any) -> str:
    """The stream labels shown for a log line: its ``.labels``, or, when the result is one
    stream, the labels said once in ``#result-meta``."""
    own = li.find_elements("css selector", ".labels")
    return own[0].text if own else page.present("#result-meta").text


def ask_via_form(page: Page, question: str) -> None:
    page.choose("select#system", "openssh")
    page.choose("select#planner", "rules")
    page.choose("select#llm", "none")
    page.type_into("textarea#question", question)
    page.click("button#ask-button")


# ---------------------------------------------------------------- every page


@pytest.mark.parametrize("path,name", [("/ask", "ask"), ("/query", "query"), ("/knowledge", "knowledge"),
                                       ("/status", "status")])
def test_page_has_nav_and_main(page: Page, path: str, name: str) -> None:
    open_ready(page, path, name)
    page.assert_nav(name)
    page.assert_clean()


def test_root_serves_a_page_with_nav(page: Page) -> None:
    page.driver.get(page.base + "/")
    page.present("nav#nav")
    assert page.all("main[id^='page-']")
    page.assert_clean()


# ---------------------------------------------------------------- /ask


def test_ask_shows_value_logql_chart_evidence_history_and_opens_in_query(page: Page) -> None:
    open_ready(page, "/ask", "ask")
    ask_via_form(page, TOPK_QUESTION)
    page.visible("section#answer")
    page.text_contains("#answer-value", TOPK_IP)
    assert not page.driver.find_element("css selector", "#ask-error").is_displayed()
    assert TOPK_IP in page.present("#answer-text").text
    assert "topk" in page.present("#answer-type").text
    page.present("button#copy-logql")

    logql = page.present("pre#answer-logql").get_attribute("textContent").strip()
    assert "topk" in logql
    parse(logql)  # the page shows a query that parses
    assert page.all("pre#answer-logql span[class*='tok-']"), "LogQL is not highlighted (no span.tok-*)"
    page.count_at_least("#answer-chart svg.chart rect.bar, #answer-chart svg.chart path.line")

    evidence = [li.text for li in page.count_at_least("ol#evidence li.log-line")]
    assert all("Failed password" in line for line in evidence), evidence
    assert any(TOPK_IP in line for line in evidence), evidence
    attempts = page.count_at_least("ol#attempts li.attempt")
    assert "failed" not in (attempts[-1].get_attribute("class") or "").split()
    assert page.present("#cost").text.strip(), "#cost is empty"

    items = page.count_at_least("ol#history li.history-item")
    assert TOPK_QUESTION in items[0].text, items[0].text
    record = get_json(page.base + f"/api/v1/history/{items[0].get_attribute('data-id')}")
    assert record["question"] == TOPK_QUESTION and record["value"] == TOPK_IP
    assert canon(record["logql"]) == canon(logql)
    page.shot("ask")

    path, params = query_params(page.present("a#open-in-query").get_attribute("href"))
    assert path == "/query"
    assert canon(params["query"]) == canon(logql)
    main = next(q for q in record["queries"] if q.get("role") == "main")
    if "time" in params:  # an instant query opens as one, at its evaluation time
        assert params.get("type") == "instant" and params["time"] == str(main["time_ns"]), (params, main)
    else:
        assert params["start"].isdigit() and params["end"].isdigit() and int(params["start"]) <= int(params["end"])
    page.click("a#open-in-query")
    page.visible("main#page-query")
    page.wait(lambda d: shows_query(d.find_element("css selector", "#logql-input").get_attribute("value") or "", logql),
              "the query page to hold the answer's LogQL")
    page.count_at_least("#query-result svg.chart, #result-scalar")
    page.text_contains("#query-result", TOPK_IP)
    if "time" in params:  # an instant topk is a vector: bars and a table
        page.present("#result-chart svg.chart rect.bar")
        page.text_contains("#result-table table", TOPK_IP)
    page.wait(lambda d: d.find_element("css selector", "#result-meta").text.strip(), "#result-meta to be filled")
    assert not page.driver.find_element("css selector", "#query-error").is_displayed()
    page.assert_clean()


def test_ask_prefill_runs_and_history_item_reloads_its_answer(page: Page, site: Any) -> None:
    from logcopilot.answering.pipeline import ask

    expected = ask(site.store, "openssh", COUNT_QUESTION, planner="rules")
    assert expected.ok, expected.error
    value = expected.value
    assert isinstance(value, int), value

    def shows_value(d: Any) -> bool:
        return value in numbers(d.find_element("css selector", "#answer-value").text)

    prefill = {"system": "openssh", "planner": "rules", "llm": "none", "run": 1}
    page.driver.get(page.base + "/ask?" + urllib.parse.urlencode({**prefill, "q": COUNT_QUESTION}))
    page.visible("section#answer")
    page.wait(shows_value, f"#answer-value to show {value}")
    assert page.present("textarea#question").get_attribute("value") == COUNT_QUESTION

    page.driver.get(page.base + "/ask?" + urllib.parse.urlencode({**prefill, "q": TOPK_QUESTION}))
    page.text_contains("#answer-value", TOPK_IP)
    page.wait(lambda d: any(COUNT_QUESTION in li.text for li in d.find_elements("css selector", "li.history-item")),
              "the earlier question in the history list")
    item = next(li for li in page.all("ol#history li.history-item") if COUNT_QUESTION in li.text)
    item.click()
    page.wait(shows_value, f"#answer-value to show {value} again")
    page.assert_clean()


def test_ask_per_hour_draws_the_series_as_bars(page: Page, site: Any) -> None:
    from logcopilot.answering.pipeline import ask

    question = "How many failed password attempts per hour?"
    expected = ask(site.store, "openssh", question, planner="rules")
    assert expected.ok and expected.answer_type == "series", expected.error
    prefill = {"system": "openssh", "planner": "rules", "llm": "none", "run": 1, "q": question}
    page.driver.get(page.base + "/ask?" + urllib.parse.urlencode(prefill))
    page.visible("section#answer")
    total = sum(v for _, v in expected.value)
    page.text_contains("#answer-value", f"{total:,} in {len(expected.value)} buckets")
    bars = page.count_at_least("#answer-chart svg.chart rect.bar", len([v for _, v in expected.value if v]))
    heights = [float(b.get_attribute("height")) for b in bars]
    assert max(heights) > 0 and len(set(heights)) > 1, "the bars do not follow the counts"
    page.text_contains("#answer-logql", "[1h]")
    page.assert_clean()


def test_suggested_questions_come_from_the_knowledge_base_and_answer(page: Page, site: Any) -> None:
    from logcopilot.indexing.knowledge import load_knowledge

    kb = load_knowledge(site.store, "openssh")
    open_ready(page, "/ask?system=openssh&planner=rules&llm=none", "ask")
    buttons = page.count_at_least("#suggestions button.suggestion", 2)
    texts = [b.text for b in buttons]
    top = kb.templates[0].template.split("<*>")[0].strip().rstrip(":")
    assert any(top[:20] in t for t in texts), (top, texts)
    series = next(b for b in buttons if "per hour" in b.text)
    series.click()
    page.visible("section#answer")
    page.text_contains("#answer-type", "series")
    page.count_at_least("#answer-chart svg.chart rect.bar", 2)
    page.assert_clean()


def test_ask_that_cannot_be_answered_shows_the_error(page: Page, site: Any) -> None:
    from logcopilot.answering.pipeline import ask

    question = "What is the airspeed velocity of an unladen swallow?"
    expected = ask(site.store, "openssh", question, planner="rules")
    assert not expected.ok and expected.error
    page.driver.get(page.base + "/ask?" + urllib.parse.urlencode(
        {"system": "openssh", "planner": "rules", "llm": "none", "run": 1, "q": question}))
    page.text_contains("#ask-error", expected.error)
    assert page.present("#ask-error").is_displayed()
    page.wait(lambda d: any(question in li.text for li in d.find_elements("css selector", "li.history-item")),
              "the unanswered question in the history list (every ask is recorded)")
    page.assert_clean()


# ---------------------------------------------------------------- /query


@pytest.mark.parametrize("bad", BAD_QUERIES)
def test_query_error_shows_parser_position_and_caret(page: Page, bad: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(bad)
    err = info.value
    open_ready(page, "/query", "query")
    page.type_into("textarea#logql-input", bad)
    page.click("button#run-query")
    box = page.visible("#query-error")
    assert box.get_attribute("data-line") == str(err.line)
    assert box.get_attribute("data-col") == str(err.col)
    message = box.find_element("css selector", ".error-message").text
    assert str(err) in message, message
    caret = box.find_element("css selector", "pre.error-caret").get_attribute("textContent")
    lines = caret.split("\n")
    at = next(i for i, line in enumerate(lines) if bad in line)
    start = lines[at].index(bad)
    assert lines[at + 1].rstrip() == " " * (start + err.col - 1) + "^", caret

    page.type_into("textarea#logql-input", '{system="openssh"}')
    page.click("button#run-query")
    page.wait(lambda d: not d.find_element("css selector", "#query-error").is_displayed(), "#query-error to hide")
    page.assert_clean()


def test_query_metric_over_whole_span_draws_lines(page: Page, site: Any) -> None:
    ts_min, ts_max = site.expected.openssh_span_ns
    open_ready(page, "/query", "query")
    assert page.all("input#step") and page.all("select#limit, input#limit")
    page.type_into("textarea#logql-input", METRIC)
    page.type_into("input#start", "2015-12-10T10:00:00Z")
    page.type_into("input#end", "2015-12-10T10:05:00Z")
    page.click("button#range-span")
    page.wait(lambda d: rfc3339_ns(d.find_element("css selector", "input#start").get_attribute("value")) <= ts_min,
              "#range-span to set #start to the start of the system's span")
    start = rfc3339_ns(page.present("input#start").get_attribute("value"))
    end = rfc3339_ns(page.present("input#end").get_attribute("value"))
    assert start <= ts_min and end >= ts_max - 10**9, (start, end, ts_min, ts_max)
    page.click("button#run-query")
    path = page.count_at_least("#result-chart svg.chart path.line")[0]
    assert len(re.findall(r"[MLml]", path.get_attribute("d") or "")) >= 2, "the line has fewer than two points"
    assert "sshd" in page.present("#query-result").text, "no legend naming the series (component=sshd)"
    page.text_contains("#result-meta", "ms")
    page.shot("query")
    page.assert_clean()


def test_query_matrix_switches_to_stacked_bars(page: Page) -> None:
    query = ('sum by (kind) (count_over_time({system="openssh"} | regexp `(?P<kind>Failed|Accepted|Invalid)` [10m]))')
    open_ready(page, "/query?query=" + urllib.parse.quote(query), "query")
    page.count_at_least("#result-chart svg.chart path.line", 2)
    page.choose("select#chart-kind", "bars")
    bars = page.count_at_least("#result-chart svg.chart rect.bar", 10)
    fills = {b.value_of_css_property("fill") for b in bars}
    assert len(fills) >= 2, f"stacked bars of several series share one colour: {fills}"
    assert not page.all("#result-chart svg.chart path.line")
    page.choose("select#chart-kind", "lines")  # the choice is kept for the tab: put it back
    page.count_at_least("#result-chart svg.chart path.line", 2)
    page.assert_clean()


def test_query_log_lines_are_text_in_both_directions(page: Page) -> None:
    start, end = (WEBAPP_T0 - 60) * 10**9, (WEBAPP_T0 + 3600) * 10**9
    page.driver.get(page.base + "/query?" + urllib.parse.urlencode(
        {"query": '{system="webapp"}', "start": start, "end": end}))
    lines = page.count_at_least("ol#stream-list li.log-line", len(HOSTILE_LINES))
    assert len(lines) == len(HOSTILE_LINES)
    assert sorted(li.find_element("css selector", ".line").text for li in lines) == sorted(HOSTILE_LINES)
    assert all(li.find_element("css selector", ".ts").text.strip() for li in lines)
    assert all("webapp" in labels_of(page, li) for li in lines)
    page.present("#volume-chart svg.chart")
    assert not page.all("li.log-line script, li.log-line img, li.log-line b")

    for direction, first in (("forward", HOSTILE_LINES[0]), ("backward", HOSTILE_LINES[-1])):
        page.choose("select#direction", direction)
        page.click("button#run-query")
        page.text_contains("ol#stream-list li.log-line .line", first)
    page.assert_clean()


def test_query_log_filter_lists_matching_lines(page: Page) -> None:
    open_ready(page, "/query", "query")
    page.type_into("textarea#logql-input", '{system="openssh"} |= "Failed password"')
    page.click("button#range-span")
    page.wait(lambda d: d.find_element("css selector", "input#start").get_attribute("value"), "#start to be filled")
    page.click("button#run-query")
    lines = page.count_at_least("ol#stream-list li.log-line")
    assert all("Failed password" in li.find_element("css selector", ".line").text for li in lines)
    page.text_contains("#result-meta", "ms")
    page.assert_clean()


def test_query_instant_scalar_shows_one_number(page: Page) -> None:
    # type=instant is how the ask page opens an instant answer (see a#open-in-query)
    page.driver.get(page.base + "/query?" + urllib.parse.urlencode({"query": "2 * 3 - 1", "type": "instant"}))
    page.text_contains("#result-scalar", "5")
    assert page.present("#result-scalar").text.strip() == "5"
    page.assert_clean()


# ---------------------------------------------------------------- /knowledge


def test_knowledge_template_recipe_examples_and_workflow(page: Page, site: Any) -> None:
    kb = site.expected.knowledge["openssh"]
    open_ready(page, "/knowledge", "knowledge")
    page.choose("select#kb-system", "openssh")
    items = page.wait(lambda d: (els := d.find_elements("css selector", "ul#template-list li.template-item"))
                      and len(els) == len(kb.templates) and els, f"{len(kb.templates)} template items")
    top = [t.template_id for t in kb.templates if t.count == kb.templates[0].count]
    assert items[0].get_attribute("data-id") in top
    t = kb.template(items[0].get_attribute("data-id"))
    assert str(t.count) in items[0].text.replace(",", "")
    items[0].click()

    page.visible("section#template-detail")
    page.text_contains("#template-text", t.template)
    assert t.count in numbers(page.present("#template-count").text)
    assert t.recipe is not None and t.recipe.verified
    page.wait(lambda d: shows_query(d.find_element("css selector", "pre#template-recipe").get_attribute("textContent"),
                                    t.recipe.logql()), "pre#template-recipe to show the recipe's LogQL")
    assert page.present("#template-recipe-status").text.strip().lower().startswith("verified")
    path, params = query_params(page.present("a#open-recipe").get_attribute("href"))
    assert path == "/query" and parse(params["query"])
    table = page.present("table#template-params").text
    assert all(p.name in table for p in t.params), (table, [p.name for p in t.params])
    examples = [li.text for li in page.count_at_least("ol#template-examples li.log-line", len(t.examples))]
    assert examples == t.examples[:5]
    if t.summary:
        assert t.summary.strip()[:40] in page.present("#template-summary").text

    assert kb.workflow is not None
    page.count_at_least("section#workflow svg#workflow-graph g.node")
    page.count_at_least("section#workflow svg#workflow-graph path.edge")
    page.count_at_least("section#workflow ol#workflow-list li")
    page.shot("knowledge")

    page.click("a#open-recipe")  # the recipe runs on the query page and extracts its parameters
    page.visible("main#page-query")
    lines = page.count_at_least("ol#stream-list li.log-line")
    fixed = t.template.split("<*>")[-1].strip()
    assert all(fixed in li.find_element("css selector", ".line").text for li in lines), fixed
    if t.recipe.extraction:
        assert all(f'{t.params[0].name}="' in labels_of(page, li) for li in lines)
    page.assert_clean()


def test_knowledge_search_finds_templates(page: Page) -> None:
    from selenium.webdriver.common.keys import Keys

    open_ready(page, "/knowledge", "knowledge")
    page.choose("select#kb-system", "openssh")
    page.type_into("input#kb-search", "failed password").send_keys(Keys.ENTER)
    hits = page.count_at_least("#search-results li.search-hit")
    assert any("failed password" in h.text.lower() for h in hits), [h.text for h in hits]
    page.assert_clean()


def test_knowledge_shows_hostile_templates_and_examples_as_text(page: Page, site: Any) -> None:
    kb = site.expected.knowledge["webapp"]
    open_ready(page, "/knowledge", "knowledge")
    page.choose("select#kb-system", "webapp")
    page.wait(lambda d: len(d.find_elements("css selector", "li.template-item")) == len(kb.templates),
              f"{len(kb.templates)} webapp template items")
    assert any(t.template.startswith("<script>") for t in kb.templates)
    for t in kb.templates:  # every template shows its markup-looking text and examples literally
        item = page.present(f'li.template-item[data-id="{t.template_id}"]')
        assert t.template in item.text
        item.click()
        page.text_contains("#template-text", t.template)
        page.wait(lambda d, t=t: [li.text for li in d.find_elements("css selector", "ol#template-examples li.log-line")]
                  == t.examples, f"the examples of {t.template_id} as text")
    assert not page.all("#template-list script, #template-list img, #template-list b, "
                        "#template-detail script, #template-detail img, #template-detail b")
    page.assert_clean()


# ---------------------------------------------------------------- /status


def test_status_lists_systems_with_counts_and_links(page: Page, site: Any) -> None:
    open_ready(page, "/status", "status")
    exp = site.expected
    for system, entries in (("openssh", exp.openssh_entries), ("webapp", exp.webapp_entries)):
        row = page.present(f'table#systems-table tr.system-row[data-system="{system}"]')
        cells = [numbers(td.text) for td in row.find_elements("css selector", "td")]
        assert any(entries in c for c in cells), (system, row.text)
        assert any(len(exp.knowledge[system].templates) in c for c in cells), (system, row.text)
        hrefs = [a.get_attribute("href") or "" for a in row.find_elements("css selector", "a")]
        for target in ("/ask", "/knowledge", "/query"):
            assert any(urllib.parse.urlparse(h).path == target and system in urllib.parse.unquote(h) for h in hrefs), \
                (system, target, hrefs)
    page.shot("status")
    page.assert_clean()
