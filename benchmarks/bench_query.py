"""Query benchmark: typical LogQL queries on the embedded engine next to grep on the raw file.

Generates (fixed seed, same generator as ``bench_ingest.py``) an HDFS-like and an OpenSSH-like
log of ``--lines`` lines in total, ingests them with ``logcopilot ingest``'s pipeline, then
times, in the same run, each query against the grep command that answers the same question
from the raw file:

1. filtered count        ``sum(count_over_time({system="openssh"} |= "Failed password" [span]))``
                         vs ``grep -c "Failed password"``
2. regexp parse + topk   ``topk(5, sum by (user) (count_over_time({..} |= "Invalid user" | regexp .. [span])))``
                         vs ``grep -E -c "Invalid user [^ ]+ from"``
3. rate by component     ``sum by (component) (rate({system="hdfs"}[1m]))``, 1-minute step over the span
                         vs ``grep -c "dfs"``
4. log query, limit 100  ``{system="hdfs"} |= "Got exception"`` (backward) vs ``grep "Got exception" | tail -100``

Usage::

    python benchmarks/bench_query.py                  # 10,000,000 lines
    python benchmarks/bench_query.py --lines 1000000 --keep --dir /tmp/lcq

Writes a JSON summary to stdout (and ``benchmarks/out/query.json``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import generate  # noqa: E402

from logcopilot.engine.executor import execute_instant, execute_range  # noqa: E402
from logcopilot.engine.results import MatrixResult, StreamsResult, VectorResult  # noqa: E402
from logcopilot.engine.store import Store  # noqa: E402
from logcopilot.logql import parse  # noqa: E402


def _best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _grep(cmd: str, repeat: int) -> tuple[float, str]:
    def run() -> str:
        return subprocess.run(cmd, shell=True, check=False, capture_output=True, text=True).stdout.strip()

    secs, out = _best_of(run, repeat)
    return secs, str(out)


def _span(store: Store, system: str) -> tuple[int, int]:
    row = store.cursor().execute(
        "SELECT min(ts), max(ts) FROM entries JOIN streams USING (stream_id) WHERE labels->>'system' = ?", [system]
    ).fetchone()
    assert row is not None and row[0] is not None
    return int(row[0]), int(row[1])


def _summary(res: object) -> object:
    if isinstance(res, VectorResult):
        return [(s.labels, s.value) for s in res.samples][:5]
    if isinstance(res, MatrixResult):
        return {"series": len(res.series), "points": sum(len(s.points) for s in res.series)}
    if isinstance(res, StreamsResult):
        return {"entries": sum(len(s.entries) for s in res.streams)}
    return str(res)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--dir", default=None, help="where to keep the logs and the store (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="reuse logs and store found in --dir")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="lcq_"))
    work.mkdir(parents=True, exist_ok=True)
    hdfs, ssh = work / "hdfs_synth.log", work / "openssh_synth.log"
    db = work / "query_bench.duckdb"
    summary: dict[str, object] = {"lines": args.lines}
    if not (args.keep and hdfs.exists() and ssh.exists() and db.exists()):
        t0 = time.perf_counter()
        files = generate(work, args.lines)
        summary["generate_s"] = round(time.perf_counter() - t0, 2)
        if db.exists():
            db.unlink()
        from logcopilot.ingest.pipeline import ingest_files

        t0 = time.perf_counter()
        with Store(db) as store:
            for path, fmt, year in files:
                ingest_files(store, [str(path)], system=fmt.lower(), fmt=fmt, year=year)
            store.con.execute("CHECKPOINT")
        summary["ingest_s"] = round(time.perf_counter() - t0, 2)
    store = Store(db)
    cur = store.cursor()
    ssh_lo, ssh_hi = _span(store, "openssh")
    hdfs_lo, hdfs_hi = _span(store, "hdfs")
    ssh_range_s = (ssh_hi - ssh_lo) // 10**9 + 1
    queries = [
        (
            "filtered count",
            f'sum(count_over_time({{system="openssh"}} |= "Failed password" [{ssh_range_s}s]))',
            lambda e: execute_instant(cur, e, ssh_hi),
            f'grep -c "Failed password" {ssh}',
        ),
        (
            "regexp parse + topk by label",
            "topk(5, sum by (user) (count_over_time({system=\"openssh\"} |= \"Invalid user\" "
            f'| regexp "Invalid user (?P<user>\\\\S+) from" [{ssh_range_s}s])))',
            lambda e: execute_instant(cur, e, ssh_hi),
            f'grep -E -c "Invalid user [^ ]+ from" {ssh}',
        ),
        (
            "rate by component, 1m step",
            'sum by (component) (rate({system="hdfs"}[1m]))',
            lambda e: execute_range(cur, e, hdfs_lo, hdfs_hi, step_ns=60 * 10**9),
            f'grep -c "dfs" {hdfs}',
        ),
        (
            "log query, limit 100",
            '{system="hdfs"} |= "Got exception"',
            lambda e: execute_range(cur, e, hdfs_lo, hdfs_hi + 1, limit=100, direction="backward"),
            f'grep "Got exception" {hdfs} | tail -100 | wc -l',
        ),
    ]
    results = []
    for name, logql, run, grep_cmd in queries:
        expr = parse(logql)
        q_s, res = _best_of(lambda: run(expr), args.repeat)
        g_s, g_out = _grep(grep_cmd, args.repeat)
        results.append(
            {
                "query": name,
                "logql": logql,
                "engine_s": round(q_s, 4),
                "grep": grep_cmd.replace(str(work) + "/", ""),
                "grep_s": round(g_s, 4),
                "ratio": round(q_s / g_s, 2) if g_s > 0 else None,
                "engine_result": _summary(res),
                "grep_output": g_out[:80],
            }
        )
    store.close()
    summary["queries"] = results
    text = json.dumps(summary, indent=2, default=str)
    out_dir = Path(__file__).resolve().parent / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "query.json").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
