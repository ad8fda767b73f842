"""``logcopilot ingest --target loki://...`` into a real ``logcopilot serve`` on 127.0.0.1, then
query back: exactly the entries a direct ingest stores (same labels, lines and timestamps;
identical (ts, line) repeats 1 ns apart, as documented in ingest/loki_target.py)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from logcopilot.backends.loki import LokiBackend
from logcopilot.cli import main
from logcopilot.engine.results import StreamsResult
from logcopilot.engine.store import Store
from logcopilot.engine.writer import loki_timestamps
from logcopilot.ingest.loki_target import OLD_SAMPLES_FIX, batches, push_files
from logcopilot.ingest.pipeline import ingest_files
from shared_data import SHARED

LOGHUB = SHARED / "datasets/loghub-2k"
FORMATS = json.loads((LOGHUB / "formats.json").read_text()) if LOGHUB.exists() else {}
YEARS = {"OpenSSH": 2015, "Proxifier": 2017, "Mac": 2017}


def _direct(store: Store, system: str) -> list[tuple[str, int, str]]:
    out = []
    cur = store.cursor()
    for s in store.streams():
        if s.labels.get("system") != system:
            continue
        rows = cur.execute("SELECT ts, line FROM entries WHERE stream_id = ? ORDER BY ts, seq", [s.stream_id]).fetchall()
        for ts, (_, line) in zip(loki_timestamps((int(r[0]), r[1]) for r in rows), rows):
            out.append((s.key, ts, line))
    return sorted(out)


def _queried(backend: LokiBackend, system: str) -> list[tuple[str, int, str]]:
    res = backend.query(f'{{system="{system}"}}', start=0, end=2**62, limit=100_000, direction="forward")
    assert isinstance(res, StreamsResult)
    from logcopilot.engine.store import labels_key

    return sorted((labels_key(s.labels), ts, line) for s in res.streams for ts, line in s.entries)


@pytest.mark.skipif(not FORMATS, reason="Loghub samples not available")
def test_push_loghub_samples_through_target_equals_direct_ingest(tmp_path, serve_factory) -> None:
    target = Store(tmp_path / "served.duckdb")
    srv = serve_factory(target)
    direct = Store(":memory:")
    runner = CliRunner()
    backend = LokiBackend(srv.url, retries=0)
    total_bumped = 0
    for system, spec in FORMATS.items():
        path = str(LOGHUB / spec["log_file"])
        args = ["ingest", path, "--system", system, "--format", spec["log_format"], "--target",
                "loki://" + srv.url.removeprefix("http://"), "--json"]
        if system in YEARS:
            args += ["--year", str(YEARS[system])]
        result = runner.invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        report = json.loads(result.output)
        ingest_files(direct, [path], system=system, fmt=spec["log_format"], year=YEARS.get(system))
        expected = _direct(direct, system.lower())
        assert report["accepted"] == report["entries"] == len(expected) and report["rejected"] == 0
        total_bumped += report["bumped"]
        assert _queried(backend, system.lower()) == expected, system
    assert total_bumped > 0  # the samples do hold identical lines with equal timestamps
    # the local store of `ingest` was not touched by a --target run: only pushed entries
    assert target.cursor().execute("SELECT count(*) FROM sources").fetchone()[0] == 0
    backend.close()


def test_batches_respect_size_and_stream_order() -> None:
    streams = [({"a": "1"}, [(i, "x" * 100, None) for i in range(50)]), ({"a": "2"}, [(7, "y", {"k": "v"})])]
    out = list(batches(streams, batch_bytes=1000))
    assert sum(n for _, n in out) == 51 and len(out) > 5
    for body, n in out:
        assert sum(len(s["values"]) for s in body) == n
        assert sum(len(v[1]) + 32 for s in body for v in s["values"]) <= 1000 or n == 1
    sent = [int(v[0]) for body, _ in out for s in body if s["stream"] == {"a": "1"} for v in s["values"]]
    assert sent == list(range(50))
    assert out[-1][0][-1]["values"][-1] == ["7", "y", {"k": "v"}]


def test_rejected_old_samples_are_counted_with_the_fix(scripted, tmp_path) -> None:
    log = tmp_path / "a.log"
    log.write_text("2015-01-01T00:00:00Z INFO one\n2015-01-01T00:00:01Z INFO two\n")
    body = ("entry for stream '{system=\"x\"}' has timestamp too old: 2015-01-01T00:00:00Z, oldest acceptable timestamp is: 2026-01-01T00:00:00Z\n"
            "entry for stream '{system=\"x\"}' has timestamp too old: 2015-01-01T00:00:01Z, oldest acceptable timestamp is: 2026-01-01T00:00:00Z\n")
    srv = scripted([(400, {}, body.encode())])
    report = push_files(srv.url, [str(log)], system="x", retries=0)
    assert (report.entries, report.accepted, report.rejected) == (2, 0, 2)
    assert report.reasons == {"too old": 2} and report.hints == [OLD_SAMPLES_FIX]
    assert "reject_old_samples" in OLD_SAMPLES_FIX
    result = CliRunner().invoke(main, ["ingest", str(log), "--system", "x", "--target", srv.url])
    assert result.exit_code == 1 and "rejected all 2 entries" in result.output and "reject_old_samples" in result.output
