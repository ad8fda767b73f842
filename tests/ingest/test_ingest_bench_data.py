"""The benchmark's synthetic logs are realistic: detected as HDFS/OpenSSH, every line stored."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from logcopilot.engine.store import Store
from logcopilot.ingest.pipeline import ingest_files

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_ingest.py"


def test_generated_logs_ingest_with_detection(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_ingest", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    files = bench.generate(tmp_path, 4000)
    other = tmp_path / "again"
    other.mkdir()
    again = bench.generate(other, 4000)
    assert [p.read_bytes() for p, _, _ in files] == [p.read_bytes() for p, _, _ in again]  # fixed seed
    with Store(":memory:") as store:
        for path, fmt, year in files:
            [r] = ingest_files(store, [str(path)], system=fmt.lower(), year=year)
            assert r.detected and r.format == fmt
            assert (r.lines_read, r.entries, r.lines_rejected) == (2000, 2000, 0)
        levels = store.con.execute(
            "SELECT DISTINCT labels->>'level' FROM streams WHERE labels->>'system' = 'hdfs'"
        ).fetchall()
        assert sorted(x for (x,) in levels) == ["info", "warn"]
