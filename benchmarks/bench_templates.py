"""Template mining benchmark on the Loghub-2.0 2k samples: LogCopilot's miner vs plain Drain3.

Run:  .venv/bin/python benchmarks/bench_templates.py [--data DIR] [--systems HDFS,BGL] [--store] [--json]

For each system the messages (the ``Content`` column of the corrected structured CSV) are
mined in one batch with the one shared default configuration (no per-system settings), then
scored with the Loghub-2.0 metrics (GA, PA, FGA, FTA) against the corrected ground truth.
Drain3 (``pip install drain3==0.9.11``) runs on the same messages in the same process with
its default configuration. Throughput is messages per second of mining alone.

``--store`` also runs the store-integrated path: raw lines go into a DuckDB store with the
system's header format, ``assign_templates`` parses and mines them, ``export_structured``
writes the Loghub CSVs, and ``evaluate_files`` scores those (the figures must agree).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import sys
import tempfile
import time
from pathlib import Path

from logcopilot.indexing.evaluate import TemplateMetrics, evaluate_files, evaluate_templates
from logcopilot.indexing.miner import TemplateMiner

SYSTEMS = ("HDFS", "OpenSSH", "OpenStack", "BGL", "HPC", "Thunderbird", "HealthApp", "Proxifier", "Mac")
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "loghub-2k"


def _load(data: Path, system: str) -> tuple[list[str], list[str]]:
    csv.field_size_limit(sys.maxsize)
    path = data / system / f"{system}_2k.log_structured_corrected.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [r["Content"] for r in rows], [r["EventTemplate"] for r in rows]


def _ours(messages: list[str], repeat: int) -> tuple[list[str], float]:
    best = float("inf")
    for _ in range(repeat):  # a fresh miner each time: no cache carries over
        t0 = time.perf_counter()
        result = TemplateMiner().mine(messages)
        best = min(best, time.perf_counter() - t0)
    return [result.templates[c] for c in result.assignment], best


def _drain3(messages: list[str], repeat: int) -> tuple[list[str], float] | None:
    with contextlib.redirect_stdout(io.StringIO()):  # drain3 prints a note when it has no .ini
        try:
            from drain3 import TemplateMiner as Drain3Miner
        except ImportError:
            return None
    best = float("inf")
    for _ in range(repeat):
        with contextlib.redirect_stdout(io.StringIO()):
            miner = Drain3Miner()
        t0 = time.perf_counter()
        ids = [miner.add_log_message(m)["cluster_id"] for m in messages]
        best = min(best, time.perf_counter() - t0)
    clusters = {c.cluster_id: c.get_template() for c in miner.drain.clusters}
    return [clusters[i] for i in ids], best


def _via_store(data: Path, system: str) -> TemplateMetrics:
    from logcopilot.engine.store import Store
    from logcopilot.indexing.export import export_structured
    from logcopilot.indexing.templates import assign_templates

    formats = json.loads((data / "formats.json").read_text(encoding="utf-8"))
    log = data / system / f"{system}_2k.log"
    lines = log.read_text(encoding="utf-8").splitlines()
    with Store(":memory:") as st, tempfile.TemporaryDirectory() as tmp:
        sid = st.stream_id({"system": system.lower()})
        cur = st.cursor()
        cur.execute("INSERT INTO sources (source_id, system, path, format) VALUES (1, ?, ?, ?)",
                    [system.lower(), str(log), "custom|" + formats[system]["log_format"]])
        cur.execute(
            "INSERT INTO entries (stream_id, ts, seq, line, source_id, line_no) "
            "SELECT ?, unnest(?::BIGINT[]), unnest(?::BIGINT[]), unnest(?::VARCHAR[]), 1, unnest(?::BIGINT[])",
            [sid, list(range(len(lines))), list(range(1, len(lines) + 1)), lines, list(range(1, len(lines) + 1))],
        )
        assign_templates(st, system.lower())
        export_structured(st, system.lower(), tmp)
        return evaluate_files(Path(tmp) / f"{log.name}_structured.csv",
                              data / system / f"{system}_2k.log_structured_corrected.csv")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--store", action="store_true", help="also score the store-integrated path")
    ap.add_argument("--repeat", type=int, default=3, help="timing runs per miner; the best counts")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    report: list[dict[str, object]] = []
    for system in [s.strip() for s in args.systems.split(",") if s.strip()]:
        messages, truth = _load(args.data, system)
        pred, dt = _ours(messages, args.repeat)
        ours = evaluate_templates(truth, pred, messages)
        row: dict[str, object] = {"system": system, "lines": len(messages), "ours": ours.as_dict(),
                                  "ours_lps": len(messages) / dt}
        d3 = _drain3(messages, args.repeat)
        if d3 is not None:
            row["drain3"] = evaluate_templates(truth, d3[0], messages).as_dict()
            row["drain3_lps"] = len(messages) / d3[1]
        if args.store:
            row["store"] = _via_store(args.data, system).as_dict()
        report.append(row)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    head = f"{'system':<12} {'GA':>6} {'PA':>6} {'FGA':>6} {'FTA':>6} {'lines/s':>9} | {'Drain3 GA':>9} {'PA':>6} {'FGA':>6} {'FTA':>6} {'lines/s':>9}"
    if args.store:
        head += f" | {'store GA':>8} {'PA':>6}"
    print(head)
    print("-" * len(head))
    sums: dict[str, float] = {}
    for r in report:
        o = r["ours"]
        assert isinstance(o, dict)
        line = f"{r['system']:<12} {o['ga']:>6.3f} {o['pa']:>6.3f} {o['fga']:>6.3f} {o['fta']:>6.3f} {r['ours_lps']:>9.0f}"
        for k in ("ga", "pa", "fga", "fta"):
            sums[k] = sums.get(k, 0.0) + float(o[k])
        d = r.get("drain3")
        if isinstance(d, dict):
            line += f" | {d['ga']:>9.3f} {d['pa']:>6.3f} {d['fga']:>6.3f} {d['fta']:>6.3f} {r['drain3_lps']:>9.0f}"
            for k in ("ga", "pa", "fga", "fta"):
                sums["d_" + k] = sums.get("d_" + k, 0.0) + float(d[k])
        else:
            line += " | (drain3 not installed)"
        s = r.get("store")
        if isinstance(s, dict):
            line += f" | {s['ga']:>8.3f} {s['pa']:>6.3f}"
            sums["s_ga"] = sums.get("s_ga", 0.0) + float(s["ga"])
            sums["s_pa"] = sums.get("s_pa", 0.0) + float(s["pa"])
        print(line)
    n = len(report)
    if n:
        avg = f"{'average':<12} {sums['ga'] / n:>6.3f} {sums['pa'] / n:>6.3f} {sums['fga'] / n:>6.3f} {sums['fta'] / n:>6.3f} {'':>9}"
        if "d_ga" in sums:
            avg += f" | {sums['d_ga'] / n:>9.3f} {sums['d_pa'] / n:>6.3f} {sums['d_fga'] / n:>6.3f} {sums['d_fta'] / n:>6.3f}"
        if "s_ga" in sums:
            avg += f" {'':>9} | {sums['s_ga'] / n:>8.3f} {sums['s_pa'] / n:>6.3f}"
        print(avg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
