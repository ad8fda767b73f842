"""Fixtures for the templates stage: a real DuckDB store filled the way ingest fills it."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import pytest

from logcopilot.engine.store import Store

SSH_LINES = [
    "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
    "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2",
    "Dec 10 07:02:47 LabSZ sshd[24203]: Connection closed by 212.47.254.145 [preauth]",
    "Dec 10 07:07:38 LabSZ sshd[24206]: Invalid user test9 from 52.80.34.196",
    "Dec 10 07:07:45 LabSZ sshd[24206]: Failed password for invalid user test9 from 52.80.34.196 port 36060 ssh2",
    "Dec 10 07:08:28 LabSZ sshd[24208]: Connection closed by 67.205.154.193 [preauth]",
    "Dec 10 07:11:42 LabSZ sshd[24224]: Invalid user chen from 202.100.179.208",
    "Dec 10 07:11:45 LabSZ sshd[24224]: Failed password for invalid user chen from 202.100.179.208 port 32484 ssh2",
    "Dec 10 07:13:43 LabSZ sshd[24227]: Connection closed by 5.36.59.76 [preauth]",
    "Dec 10 07:27:50 LabSZ sshd[24235]: Invalid user admin1 from 5.36.59.76",
    "Dec 10 07:28:03 LabSZ sshd[24235]: Failed password for invalid user admin1 from 5.36.59.76 port 42393 ssh2",
    "Dec 10 07:32:12 LabSZ sshd[24237]: Connection closed by 103.207.39.16 [preauth]",
]


def make_store(lines: Sequence[str], *, system: str = "openssh", fmt: str | None = "OpenSSH",
               store: Store | None = None, path: str = "/logs/OpenSSH_2k.log") -> Store:
    """Insert ``lines`` as one ingested file of ``system`` (line numbers from 1)."""
    st = store or Store(":memory:")
    sid = st.stream_id({"system": system, "component": "sshd"})
    cur = st.cursor()
    row = cur.execute("SELECT coalesce(max(source_id), 0) + 1 FROM sources").fetchone()
    source_id = int(row[0]) if row else 1
    cur.execute("INSERT INTO sources (source_id, system, path, format) VALUES (?, ?, ?, ?)",
                [source_id, system, path, fmt])
    first = cur.execute("SELECT count(*) FROM entries WHERE source_id = ?", [source_id]).fetchone()
    seq = st.next_seq()
    for i, line in enumerate(lines):
        cur.execute(
            "INSERT INTO entries (stream_id, ts, seq, line, source_id, line_no, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [sid, 1_700_000_000_000_000_000 + i * 1_000_000_000, seq + i, line, source_id,
             int(first[0] if first else 0) + i + 1, json.dumps(None)],
        )
    return st


@pytest.fixture
def ssh_store() -> Callable[..., Store]:
    return make_store


@pytest.fixture
def ssh_lines() -> list[str]:
    return list(SSH_LINES)
