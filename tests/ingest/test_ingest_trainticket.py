"""The full TrainTicket log (38 MB of Kubernetes JSON lines) ingests with detection."""

from __future__ import annotations

import json

import pytest

from logcopilot.engine.store import Store
from logcopilot.ingest.formats import format_for_system
from logcopilot.ingest.pipeline import ingest_files
from shared_data import SHARED

TT = SHARED / "datasets/trainticket/trainticket.log"


@pytest.mark.skipif(not TT.exists(), reason="shared TrainTicket data not present")
def test_trainticket_full_file() -> None:
    with Store(":memory:") as store:
        [r] = ingest_files(store, [str(TT)], system="trainticket")
        assert r.detected and r.format == "trainticket"
        assert (r.lines_read, r.entries, r.lines_rejected) == (53941, 53941, 0)
        labels = [json.loads(x) for (x,) in store.con.execute("SELECT labels FROM streams").fetchall()]
        assert len({l["service"] for l in labels}) == 27
        assert {l["level"] for l in labels} == {"info", "warn", "error"}
        raw = TT.read_text(encoding="utf-8").split("\n")
        rows = store.con.execute(
            "SELECT line_no, ts, line FROM entries WHERE line_no IN (1, 1000, 53941) ORDER BY line_no"
        ).fetchall()
        for line_no, ts, line in rows:
            assert line == raw[line_no - 1]  # the raw JSON line, unchanged
            t = json.loads(line)["time"]  # RFC 3339 with up to 9 fraction digits
            whole, _, frac = t.rstrip("Z").partition(".")
            from datetime import datetime

            expected = int(datetime.fromisoformat(whole + "+00:00").timestamp()) * 10**9 + int(frac.ljust(9, "0"))
            assert ts == expected
        preset = format_for_system(store, "trainticket")
        assert preset is not None
        parsed = preset.parse(raw[0])
        assert parsed is not None and parsed["Level"] == "INFO" and parsed["Content"] == "[query][Query TripResponse]"
