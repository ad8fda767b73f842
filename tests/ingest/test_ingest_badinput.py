"""Bad and awkward input: encodings, NUL, huge lines, empty files, gzip, stdin, garbage,
continuation lines, duplicates. Every line must be accounted for."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from logcopilot.engine.store import Store
from logcopilot.errors import IngestError
from logcopilot.ingest.pipeline import IngestReport, ingest_files
from logcopilot.ingest.reader import MAX_LINE_BYTES

HDFS_LINE = "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_1 terminating"
HDFS_LINE2 = "081109 203616 150 WARN dfs.FSNamesystem: BLOCK* ask 10.0.0.1:50010 to delete blk_2"


@pytest.fixture
def store() -> Store:
    return Store(":memory:")


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def _accounted(store: Store, r: IngestReport) -> None:
    """read = stored + rejected, and the tables agree with the report."""
    assert r.lines_read == r.lines_stored + r.lines_rejected
    assert r.lines_stored == r.entries + r.attached
    n_entries = store.con.execute("SELECT count(*) FROM entries WHERE source_id = ?", [r.source_id]).fetchone()
    n_rejects = store.con.execute("SELECT count(*) FROM rejects WHERE source_id = ?", [r.source_id]).fetchone()
    assert n_entries is not None and n_entries[0] == r.entries
    assert n_rejects is not None and n_rejects[0] == r.lines_rejected


def _lines(store: Store, source_id: int | None) -> list[tuple[int, str, object]]:
    return [
        (int(n), str(line), json.loads(md) if md else None)
        for n, line, md in store.con.execute(
            "SELECT line_no, line, metadata FROM entries WHERE source_id = ? ORDER BY line_no", [source_id]
        ).fetchall()
    ]


def test_invalid_utf8_is_replaced_and_noted(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.log", (HDFS_LINE + "\n").encode() + b"081109 203615 148 INFO dfs.X: caf\xe9 \xff\n")
    [r] = ingest_files(store, [path], system="hdfs", fmt="HDFS")
    _accounted(store, r)
    assert r.read_path == "chunked" and r.entries == 2 and r.repaired == {"invalid_utf8": 1}
    rows = _lines(store, r.source_id)
    assert rows[1] == (2, "081109 203615 148 INFO dfs.X: caf\ufffd \ufffd", {"utf8": "replaced"})
    assert rows[0][2] is None


def test_nul_bytes_are_kept(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "nul.log", f"{HDFS_LINE}\n081109 203615 148 INFO dfs.X: a\x00b\n".encode())
    [r] = ingest_files(store, [path], system="hdfs", fmt="HDFS")
    _accounted(store, r)
    assert _lines(store, r.source_id)[1][1] == "081109 203615 148 INFO dfs.X: a\x00b"


def test_line_over_one_mib_is_truncated_and_noted(store: Store, tmp_path: Path) -> None:
    long_line = "081109 203615 148 INFO dfs.X: " + "x" * (2 * MAX_LINE_BYTES)
    medium = "081109 203617 148 INFO dfs.Y: " + "y" * (600 * 1024)  # under the limit: kept whole
    path = _write(tmp_path, "long.log", f"{HDFS_LINE}\n{long_line}\n{medium}\n{HDFS_LINE2}\n".encode())
    [r] = ingest_files(store, [path], system="hdfs", fmt="HDFS")
    _accounted(store, r)
    assert r.entries == 4 and r.repaired == {"truncated": 1}
    rows = _lines(store, r.source_id)
    assert rows[1][1] == long_line[:MAX_LINE_BYTES] and rows[1][2] == {"truncated": str(len(long_line))}
    assert rows[2][1] == medium and rows[3][1] == HDFS_LINE2


def test_empty_file(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.log", b"")
    [r] = ingest_files(store, [path], system="x")
    _accounted(store, r)
    assert (r.lines_read, r.entries, r.lines_rejected, r.streams, r.format) == (0, 0, 0, 0, "-")
    [blank] = ingest_files(store, [_write(tmp_path, "blank.log", b"\n\n")], system="x")
    _accounted(store, blank)
    assert (blank.lines_read, blank.entries, blank.rejects) == (2, 0, {"empty line": 2})


def test_gzip_is_read_and_deduplicated_against_the_plain_file(store: Store, tmp_path: Path) -> None:
    data = f"{HDFS_LINE}\n{HDFS_LINE2}\n".encode()
    gz = _write(tmp_path, "a.log.gz", gzip.compress(data))
    plain = _write(tmp_path, "a.log", data)
    [r] = ingest_files(store, [gz], system="hdfs")
    _accounted(store, r)
    assert r.entries == 2 and r.format == "HDFS" and r.detected
    [again] = ingest_files(store, [plain], system="hdfs")
    assert again.skipped.startswith("already ingested as source") and again.entries == 0
    assert _lines(store, r.source_id)[1][1] == HDFS_LINE2


def test_stdin(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    data = f"{HDFS_LINE}\r\n{HDFS_LINE2}\r\n".encode()  # CRLF line ends are line ends
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    [r] = ingest_files(store, ["-"], system="hdfs", fmt="HDFS")
    _accounted(store, r)
    assert r.path == "-" and r.entries == 2
    assert [x[1] for x in _lines(store, r.source_id)] == [HDFS_LINE, HDFS_LINE2]
    src = store.con.execute("SELECT path FROM sources WHERE source_id = ?", [r.source_id]).fetchone()
    assert src is not None and src[0] == "-"


def test_garbage_and_continuation_lines_are_attached_or_rejected(store: Store, tmp_path: Path) -> None:
    text = "\n".join([
        "garbage before any header",
        HDFS_LINE,
        "java.io.IOException: Connection reset",
        "\tat org.apache.hadoop.dfs.DataNode.run(DataNode.java:42)",
        "",
        "081399 203615 148 INFO dfs.X: month 13 does not exist",
        "  continuation of the bad one",
        HDFS_LINE2,
    ]) + "\n"
    [r] = ingest_files(store, [_write(tmp_path, "g.log", text.encode())], system="hdfs", fmt="HDFS")
    _accounted(store, r)
    assert r.lines_read == 8 and r.entries == 2 and r.attached == 2
    assert r.rejects == {
        "no header before this line (format HDFS)": 1,
        "empty line": 1,
        "unreadable timestamp": 1,
        "continuation of a rejected line": 1,
    }
    rows = _lines(store, r.source_id)
    assert rows[0][0] == 2
    assert rows[0][1] == HDFS_LINE + "\njava.io.IOException: Connection reset\n\tat org.apache.hadoop.dfs.DataNode.run(DataNode.java:42)"
    rejected = store.con.execute("SELECT line_no, raw FROM rejects ORDER BY line_no").fetchall()
    assert [n for n, _ in rejected] == [1, 5, 6, 7] and rejected[0][1] == "garbage before any header"


def test_json_garbage_is_rejected_not_attached(store: Store, tmp_path: Path) -> None:
    good = '{"ts":"2024-01-01T00:00:00Z","level":"info","msg":"a"}'
    text = f"{good}\nnot json at all\n[1, 2]\n{{broken\n{good}\n"
    [r] = ingest_files(store, [_write(tmp_path, "j.log", text.encode())], system="app", fmt="json")
    _accounted(store, r)
    assert r.entries == 2 and r.rejects == {"not a JSON object": 3}


def test_identical_lines_are_two_entries_and_reingest_is_a_noop(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "dup.log", f"{HDFS_LINE}\n{HDFS_LINE}\n{HDFS_LINE}\n".encode())
    [r] = ingest_files(store, [path], system="hdfs", fmt="HDFS")
    assert r.entries == 3
    rows = store.con.execute("SELECT ts, seq, line_no FROM entries ORDER BY seq").fetchall()
    assert len({ts for ts, _, _ in rows}) == 1 and [n for _, _, n in rows] == [1, 2, 3]
    assert len({seq for _, seq, _ in rows}) == 3
    [again] = ingest_files(store, [path], system="hdfs", fmt="HDFS")
    assert again.skipped and store.con.execute("SELECT count(*) FROM entries").fetchone() == (3,)
    [other] = ingest_files(store, [path], system="hdfs-copy", fmt="HDFS")  # identity is content + system
    assert other.entries == 3


def test_push_order_continues_across_files(store: Store, tmp_path: Path) -> None:
    a = _write(tmp_path, "a.log", f"{HDFS_LINE}\n{HDFS_LINE2}\n".encode())
    b = _write(tmp_path, "b.log", f"{HDFS_LINE2}\n".encode())
    ingest_files(store, [a, b], system="hdfs", fmt="HDFS")
    seqs = [s for (s,) in store.con.execute("SELECT seq FROM entries ORDER BY source_id, line_no").fetchall()]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


def test_lines_the_fast_check_refuses_go_through_the_exact_regex(store: Store, tmp_path: Path) -> None:
    text = "081109  203615 148 INFO dfs.Data Node: two spaces, and a space in the component\n" + HDFS_LINE + "\n"
    [r] = ingest_files(store, [_write(tmp_path, "odd.log", text.encode())], system="hdfs", fmt="HDFS")
    _accounted(store, r)
    labels = {json.loads(x)["component"] for (x,) in store.con.execute("SELECT labels FROM streams").fetchall()}
    assert labels == {"dfs.Data Node", "dfs.DataNode$PacketResponder"}
    assert store.con.execute("SELECT count(DISTINCT ts) FROM entries").fetchone() == (1,)


def test_custom_format_infers_its_timestamp(store: Store, tmp_path: Path) -> None:
    text = "2024-03-01 10:00:00 ERROR db down\n2024-03-01 10:00:05 INFO db up\n"
    [r] = ingest_files(
        store, [_write(tmp_path, "c.log", text.encode())], system="shop", fmt="<Date> <Time> <Level> <Content>"
    )
    _accounted(store, r)
    assert r.format == "custom|<Date> <Time> <Level> <Content>" and r.entries == 2
    levels = sorted(json.loads(x)["level"] for (x,) in store.con.execute("SELECT labels FROM streams").fetchall())
    assert levels == ["error", "info"]


def test_undetectable_input_and_missing_files_are_one_line_errors(store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "noise.log", b"hello\nworld\n")
    with pytest.raises(IngestError, match="could not detect the log format"):
        ingest_files(store, [path], system="x")
    with pytest.raises(IngestError, match="no such file"):
        ingest_files(store, [str(tmp_path / "missing.log")], system="x")
    assert store.con.execute("SELECT count(*) FROM sources").fetchone() == (0,)


def test_all_garbage_with_a_format_is_rejected_line_by_line(store: Store, tmp_path: Path) -> None:
    [r] = ingest_files(store, [_write(tmp_path, "n.log", b"hello\nworld\n")], system="x", fmt="HDFS")
    _accounted(store, r)
    assert r.entries == 0 and r.rejects == {"no header before this line (format HDFS)": 2}


def test_a_utf8_bom_is_not_part_of_the_first_line(store: Store, tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + f"{HDFS_LINE}\n".encode()
    plain = _write(tmp_path, "bom.log", data)
    gz = _write(tmp_path, "bom.log.gz", gzip.compress(data))
    for path, system in ((plain, "a"), (gz, "b")):
        [r] = ingest_files(store, [path], system=system)
        assert r.entries == 1 and r.format == "HDFS"
        assert _lines(store, r.source_id)[0][1] == HDFS_LINE


def test_new_year_inside_a_yearless_log_moves_later_lines_on(store: Store, tmp_path: Path) -> None:
    text = (
        "Dec 31 23:59:58 LabSZ sshd[1]: last of the old year\n"
        "Jan  1 00:00:01 LabSZ sshd[1]: first of the new year\n"
        "Dec 31 23:59:59 LabSZ sshd[1]: a late line from the old year\n"
        "Mar  1 12:00:00 LabSZ sshd[1]: spring of the new year\n"
    )
    [r] = ingest_files(store, [_write(tmp_path, "ny.log", text.encode())], system="ssh", fmt="OpenSSH", year=2023)
    _accounted(store, r)
    assert r.year == 2023 and r.year_rolled == 2 and r.lines_rejected == 0
    got = [ts for (ts,) in store.con.execute("SELECT ts FROM entries ORDER BY line_no").fetchall()]
    from datetime import UTC, datetime

    want = [datetime(2023, 12, 31, 23, 59, 58), datetime(2024, 1, 1, 0, 0, 1),
            datetime(2023, 12, 31, 23, 59, 59), datetime(2024, 3, 1, 12, 0, 0)]
    assert got == [int(w.replace(tzinfo=UTC).timestamp()) * 10**9 for w in want]
