"""Ingest benchmark: lines/s and peak memory of ``logcopilot ingest`` on a large synthetic log.

Generates (fixed seed) an HDFS-like and an OpenSSH-like log of ``--lines`` lines in total
(half each; realistic templates, block ids, IPs, users, increasing timestamps), then measures
in the same run:

- ``wc -l`` over both files (the floor: reading the bytes);
- a Python ``for line in f`` loop (what any per-line Python ingester pays before parsing);
- ``ingest_files`` into a fresh on-disk store, in a child process so its peak RSS is its own.

Besides wall-clock lines/s it reports CPU seconds (user + sys): on a shared machine the wall
clock says more about the neighbours than about the code, and ``lines / (cpu_seconds / 2)``
is what two dedicated cores would reach if both stay busy. The load average at the start
is printed so the figures can be judged.

Usage::

    python benchmarks/bench_ingest.py                 # 10,000,000 lines
    python benchmarks/bench_ingest.py --lines 2000000 --keep

Writes a JSON summary to stdout (and ``benchmarks/out/ingest.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HDFS_TEMPLATES = (
    "INFO dfs.DataNode$PacketResponder: PacketResponder {n} for block {blk} terminating",
    "INFO dfs.DataNode$PacketResponder: Received block {blk} of size {size} from /{ip}",
    "INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: {ip}:50010 is added to {blk} size {size}",
    "INFO dfs.DataNode$DataXceiver: Receiving block {blk} src: /{ip}:{port} dest: /{ip2}:50010",
    "INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/_task_{task}/part-{part}. {blk}",
    "INFO dfs.DataNode$DataXceiver: {ip}:50010 Served block {blk} to /{ip2}",
    "WARN dfs.DataNode$DataXceiver: {ip}:50010:Got exception while serving {blk} to /{ip2}:",
    "INFO dfs.FSDataset: Deleting block {blk} file /mnt/hadoop/dfs/data/current/subdir{n}/{blk}",
    "INFO dfs.DataBlockScanner: Verification succeeded for {blk}",
)
SSH_TEMPLATES = (
    "Failed password for invalid user {user} from {ip} port {port} ssh2",
    "Failed password for root from {ip} port {port} ssh2",
    "Invalid user {user} from {ip}",
    "input_userauth_request: invalid user {user} [preauth]",
    "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}",
    "Received disconnect from {ip}: 11: Bye Bye [preauth]",
    "Connection closed by {ip} [preauth]",
    "Accepted password for {user} from {ip} port {port} ssh2",
    "reverse mapping checking getaddrinfo for {host} [{ip}] failed - POSSIBLE BREAK-IN ATTEMPT!",
)
USERS = ("admin", "test", "oracle", "guest", "user", "ftpuser", "pi", "ubuntu", "git", "postgres", "webmaster")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _ip(r: random.Random) -> str:
    return f"10.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(1, 255)}"


def generate(out_dir: Path, lines: int, seed: int = 20240101) -> list[tuple[Path, str, int | None]]:
    r = random.Random(seed)
    half = lines // 2
    hdfs, ssh = out_dir / "hdfs_synth.log", out_dir / "openssh_synth.log"
    t = 1226262975  # 2008-11-09 20:36:15 UTC
    with hdfs.open("w") as f:
        buf: list[str] = []
        for _ in range(half):
            t += r.random() < 0.05
            tm = time.gmtime(t)
            blk = f"blk_{'-' if r.random() < 0.5 else ''}{r.getrandbits(62)}"
            msg = r.choice(HDFS_TEMPLATES).format(
                n=r.randrange(3), blk=blk, size=r.randrange(1, 67108864), ip=_ip(r), ip2=_ip(r),
                port=r.randrange(30000, 60000), task=f"200811092030_{r.randrange(9999):04d}_m_{r.randrange(9999):06d}_0",
                part=f"{r.randrange(99999):05d}",
            )
            buf.append(f"{time.strftime('%y%m%d %H%M%S', tm)} {r.randrange(1, 40000)} {msg}\n")
            if len(buf) >= 100_000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))
    t = 1449730546  # 2015-12-10 06:55:46
    with ssh.open("w") as f:
        buf = []
        pid = 24200
        for _ in range(lines - half):
            t += r.random() < 0.3
            pid += r.random() < 0.2
            tm = time.gmtime(t)
            msg = r.choice(SSH_TEMPLATES).format(
                user=r.choice(USERS), ip=f"{r.randrange(1, 224)}.{r.randrange(256)}.{r.randrange(256)}.{r.randrange(256)}",
                port=r.randrange(1024, 65535), host=f"host{r.randrange(1000)}.example.com",
            )
            buf.append(f"{MONTHS[tm.tm_mon - 1]} {tm.tm_mday:2d} {time.strftime('%H:%M:%S', tm)} LabSZ sshd[{pid}]: {msg}\n")
            if len(buf) >= 100_000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))
    return [(hdfs, "HDFS", None), (ssh, "OpenSSH", 2015)]


_CHILD = r"""
import json, resource, sys, time
from logcopilot.engine.store import Store
from logcopilot.ingest.pipeline import ingest_files
db, files = sys.argv[1], json.loads(sys.argv[2])
t0 = time.perf_counter()
out = []
with Store(db) as store:
    for path, fmt, year in files:
        [r] = ingest_files(store, [path], system=fmt.lower(), fmt=fmt, year=year)
        out.append({"file": path, "lines": r.lines_read, "entries": r.entries, "rejected": r.lines_rejected,
                    "seconds": round(r.seconds, 3), "read_path": r.read_path})
    store.con.execute("CHECKPOINT")
total = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"files": out, "seconds": total, "cpu_seconds": ru.ru_utime + ru.ru_stime,
                  "peak_rss_mb": ru.ru_maxrss / 1024}))
"""

_LOOP = r"""
import resource, sys, time
t0 = time.perf_counter(); n = 0
for p in sys.argv[1:]:
    with open(p, encoding="utf-8") as f:
        for line in f:
            n += 1
ru = resource.getrusage(resource.RUSAGE_SELF)
print(n, time.perf_counter() - t0, ru.ru_utime + ru.ru_stime)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--dir", default=None, help="where to write the synthetic logs (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files and store")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "out" / "ingest.json"),
                    help="where to write the JSON summary")
    args = ap.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="lc-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    files = generate(work, args.lines)
    gen_s = time.perf_counter() - t0
    size = sum(p.stat().st_size for p, _, _ in files)
    paths = [str(p) for p, _, _ in files]

    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    subprocess.run(["wc", "-l", *paths], check=True, capture_output=True)
    wc_s = time.perf_counter() - t0
    loop = subprocess.run([sys.executable, "-c", _LOOP, *paths], check=True, capture_output=True, text=True)
    loop_s, loop_cpu = float(loop.stdout.split()[1]), float(loop.stdout.split()[2])

    db = work / "bench.duckdb"
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    env = dict(os.environ)
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(db), json.dumps([[str(p), f, y] for p, f, y in files])],
        check=True, capture_output=True, text=True, env=env,
    )
    res = json.loads(child.stdout.strip().splitlines()[-1])
    lines = args.lines
    summary = {
        "lines": lines,
        "bytes": size,
        "cores": os.cpu_count(),
        "load_average_at_start": round(load, 2),
        "generate_s": round(gen_s, 2),
        "wc_l": {"seconds": round(wc_s, 3), "lines_per_s": round(lines / wc_s)},
        "python_for_line_loop": {
            "seconds": round(loop_s, 3), "cpu_seconds": round(loop_cpu, 3), "lines_per_s": round(lines / loop_s)
        },
        "ingest": {
            "seconds": round(res["seconds"], 3),
            "lines_per_s": round(lines / res["seconds"]),
            "cpu_seconds": round(res["cpu_seconds"], 3),
            "lines_per_cpu_second": round(lines / res["cpu_seconds"]),
            "peak_rss_mb": round(res["peak_rss_mb"]),
            "store_mb": round(db.stat().st_size / 1e6),
            "files": res["files"],
        },
    }
    text = json.dumps(summary, indent=2)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n")
    if not args.keep:
        for p in work.iterdir():
            p.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
