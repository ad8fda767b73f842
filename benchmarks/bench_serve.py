"""Load test of ``logcopilot serve``: concurrent instant and range queries over loopback.

Ingests the bundled Loghub 2k samples (HDFS, OpenSSH, OpenStack) into a temporary store with
``logcopilot ingest``, starts ``logcopilot serve`` on 127.0.0.1 (a free port, a subprocess),
checks every query once, then drives it with ``--concurrency`` client threads, each with
its own keep-alive connection, cycling through a mix of simple queries:

- instant metric:  ``sum(count_over_time({system="openssh"} |= "Failed password" [1d]))``
- instant metric:  ``count_over_time({system="hdfs"}[1h])``
- range log query: ``{system="openssh"} |= "Accepted password"`` (limit 20)
- range metric:    ``sum by (level) (count_over_time({system="hdfs"}[1m]))`` (step 1m)
- instant metric:  ``sum by (level) (count_over_time({system="openstack"}[1d]))``

Bounded in both count (``--requests``) and time (``--seconds``); loopback only. Reports
throughput (successful queries per second), p50/p90/p99/max latency, overall and per
query, and the server process's CPU time per query (user + system, from ``/proc``: on a
shared, loaded machine this is steadier than wall-clock figures), as JSON on stdout and in ``benchmarks/out/serve.json``. The goal: 500 simple
queries/s with p99 under 100 ms.

Usage::

    python benchmarks/bench_serve.py                          # 5,000 requests, 16 clients
    python benchmarks/bench_serve.py --requests 2000 --concurrency 8 --seconds 20
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "src" / "logcopilot" / "data"
SAMPLES = (("HDFS_2k.log", "hdfs", "HDFS", None), ("OpenSSH_2k.log", "openssh", "OpenSSH", 2015),
           ("OpenStack_2k.log", "openstack", "OpenStack", None))
DAY = "86400"
QUERIES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("instant filtered count", "/loki/api/v1/query",
     {"query": 'sum(count_over_time({system="openssh"} |= "Failed password" [1d]))', "time": "2015-12-11T00:00:00Z"}),
    ("instant count by stream", "/loki/api/v1/query",
     {"query": 'count_over_time({system="hdfs"}[1h])', "time": "2008-11-11T11:00:00Z"}),
    ("range log query", "/loki/api/v1/query_range",
     {"query": '{system="openssh"} |= "Accepted password"', "start": "2015-12-10T00:00:00Z",
      "end": "2015-12-11T00:00:00Z", "limit": "20"}),
    ("range metric by level", "/loki/api/v1/query_range",
     {"query": 'sum by (level) (count_over_time({system="hdfs"}[1m]))', "start": "2008-11-11T10:00:00Z",
      "end": "2008-11-11T11:00:00Z", "step": "60"}),
    ("instant sum by level", "/loki/api/v1/query",
     {"query": 'sum by (level) (count_over_time({system="openstack"}[1d]))', "time": "2017-05-17T00:00:00Z"}),
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str, db: str) -> None:
    cmd = [sys.executable, "-c", "from logcopilot.cli import main; main()", *args, "--db", db]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def _start(db: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from logcopilot.cli import main; main()", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--db", db],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"serve did not start: {proc.stderr.read().decode() if proc.stderr else ''}")


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and its threads (Linux ``/proc``; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(q * (len(s) - 1)))))]


def _summary(lat: list[float]) -> dict[str, float]:
    return {"n": len(lat), "p50_ms": round(_pct(lat, 0.50) * 1e3, 2), "p90_ms": round(_pct(lat, 0.90) * 1e3, 2),
            "p99_ms": round(_pct(lat, 0.99) * 1e3, 2), "max_ms": round(max(lat) * 1e3, 2) if lat else float("nan"),
            "mean_ms": round(statistics.fmean(lat) * 1e3, 2) if lat else float("nan")}


def drive(port: int, requests: int, concurrency: int, seconds: float) -> dict[str, object]:
    paths = [(name, path + "?" + urllib.parse.urlencode(params)) for name, path, params in QUERIES]
    counter = iter(range(requests))
    lock = threading.Lock()
    lat: dict[str, list[float]] = {name: [] for name, _, _ in QUERIES}
    errors: list[str] = []
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop_at:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            name, url = paths[i % len(paths)]
            t0 = time.perf_counter()
            try:
                conn.request("GET", url)
                resp = conn.getresponse()
                body = resp.read()
                ok = resp.status == 200
            except OSError as exc:
                ok, body = False, str(exc).encode()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            dt = time.perf_counter() - t0
            with lock:
                if ok:
                    lat[name].append(dt)
                else:
                    errors.append(f"{name}: {body[:200]!r}")

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    every = [x for xs in lat.values() for x in xs]
    return {
        "concurrency": concurrency,
        "wall_s": round(wall, 3),
        "ok": len(every),
        "errors": len(errors),
        "first_errors": errors[:3],
        "throughput_qps": round(len(every) / wall, 1) if wall else 0.0,
        "latency": _summary(every),
        "per_query": {name: _summary(xs) for name, xs in lat.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=5000, help="total requests (upper bound)")
    ap.add_argument("--seconds", type=float, default=30.0, help="time bound of the measured run")
    ap.add_argument("--concurrency", type=int, default=16, help="client threads")
    ap.add_argument("--warmup", type=int, default=200, help="requests before measuring")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "out" / "serve.json"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "serve.duckdb")
        for file, system, fmt, year in SAMPLES:
            _cli("ingest", str(DATA / file), "--system", system, "--format", fmt,
                 *(["--year", str(year)] if year else []), db=db)
        proc, port = _start(db)
        try:
            checks = {}
            for name, path, params in QUERIES:  # every query answers, and not emptily
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path + "?" + urllib.parse.urlencode(params))
                resp = conn.getresponse()
                doc = json.loads(resp.read())
                if resp.status != 200 or not doc["data"]["result"]:
                    raise SystemExit(f"query {name!r} failed: {resp.status} {doc}")
                checks[name] = len(doc["data"]["result"])
            drive(port, args.warmup, args.concurrency, 30)
            cpu0 = _cpu_s(proc.pid)
            result = drive(port, args.requests, args.concurrency, args.seconds)
            cpu = _cpu_s(proc.pid) - cpu0
            ok = int(result["ok"])  # type: ignore[call-overload]
            result["server_cpu_ms_per_query"] = round(cpu * 1e3 / ok, 3) if ok else float("nan")
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    out = {
        "benchmark": "serve",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "samples": [s[0] for s in SAMPLES],
        "queries": {name: params for name, _, params in QUERIES},
        "result_sizes": checks,
        **result,
        "goal": {"throughput_qps": 500, "p99_ms": 100},
    }
    text = json.dumps(out, indent=2)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
