"""The front end's pure helpers, run as ES modules inside the real headless Chromium."""

from __future__ import annotations

from typing import Any

_SCRIPT = """
const done = arguments[arguments.length - 1];
(async () => {
  const { tokenize } = await import("/static/js/logql.js");
  const t = await import("/static/js/time.js");
  const out = {};
  out.labelNamedCount = tokenize('{count="1"}').find((t) => t[1] === "count")[0];
  out.tokens = tokenize('sum by (ip) (count_over_time({system="a b"} |= `x` | json | level!="info" [5m])) > 2');
  out.duration = t.parseDuration("1h30m");
  out.seconds = t.parseDuration("90");
  try { t.parseDuration("5 parsecs"); out.badDuration = null; } catch (e) { out.badDuration = e.message; }
  out.time = String(t.parseTime("2015-12-10T06:55:46Z"));
  out.unix = String(t.parseTime("1449730546"));
  out.iso = t.nsToIso("1449730546123456789");
  out.isoWhole = t.nsToIso("1449730546000000000");
  out.step = t.autoStep(0n, 3600n * 1000000000n, 120);
  out.format = t.formatDuration(5400);
  return out;
})().then(done, (e) => done({ error: String(e) }));
"""


def test_highlighter_and_time_helpers(page: Any) -> None:
    page.open("/status", "page-status")
    out = page.driver.execute_async_script(_SCRIPT)
    assert "error" not in out, out
    kinds = {tok: kind for kind, tok in out["tokens"] if kind != "space"}
    assert kinds["sum"] == "func" and kinds["count_over_time"] == "func"
    assert kinds["by"] == "keyword" and out["labelNamedCount"] == "label"
    assert kinds["system"] == "label" and kinds["level"] == "label"
    assert kinds['"a b"'] == "string" and kinds["`x`"] == "string"
    assert kinds["json"] == "stage" and kinds["|="] == "op" and kinds["5m"] == "duration" and kinds["2"] == "number"
    # nothing is lost: the tokens put back together are the query
    assert "".join(tok for _, tok in out["tokens"]).startswith("sum by (ip)")
    assert out["duration"] == 5400 and out["seconds"] == 90
    assert "cannot parse duration" in out["badDuration"]
    assert out["time"] == out["unix"] == "1449730546000000000"
    assert out["iso"] == "2015-12-10T06:55:46.123456789Z" and out["isoWhole"] == "2015-12-10T06:55:46Z"
    assert out["step"] == 30 and out["format"] == "1h30m"
