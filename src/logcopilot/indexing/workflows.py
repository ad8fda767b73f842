"""Workflows stage: group lines into sessions and mine the event graph.

In: a system's entries (time order, template ids, params), its named parameters, and its
header fields (``ingest.formats.format_for_system``) or structured metadata. Out: one
``Workflow`` -- the session key, successor frequencies with the time gaps between events,
start/end events, the most common event sequences and session durations -- in the
``workflows`` and ``workflow_edges`` tables.

The session key is given (``--session-key``: a parameter name or a header/metadata field)
or detected: every parameter name (all slots sharing it) and every header field is a
candidate, scored by how many lines carry it, how many of its values recur across two or
more templates (a block id received, then stored, then deleted), whether sessions have a
workflow-like size (not one line each, not half the log), and whether it looks like an
identifier (ids, uuids, pids, names ending in id/session/request/trace...).
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from logcopilot.engine.store import Store
from logcopilot.errors import InputError
from logcopilot.indexing.knowledge import system_where
from logcopilot.indexing.parameters import ID_TYPES, Parameter, sanitize_name

__all__ = ["Candidate", "Workflow", "detect_candidates", "mine_workflow", "run_workflows", "write_workflow"]

START, END = "<start>", "<end>"
_ID_NAME = re.compile(r"(?:^|_)(?:id|ids|pid|tid|uuid|session|sess|request|req|trace|span|block|blk|instance|job|"
                      r"task|txn|transaction|container|conn|connection|correlation)(?:_|$)|id$", re.I)
_NOT_KEY_FIELD = re.compile(r"date|time|day|month|year|level|severity|content|label|logrecord|type", re.I)
_GENERIC_NAMES = frozenset({"value", "number"})
_NOT_KEY_TYPES = frozenset({"float", "duration", "size", "time", "path", "url"})
Event = tuple[int, int, str]  # (ts, seq, template_id)


@dataclass
class Candidate:
    name: str
    source: str  # 'param' | 'metadata' | 'header'
    slots: list[tuple[str, int]] = field(default_factory=list)
    score: float = 0.0
    coverage: float = 0.0
    recurrence: float = 0.0
    median_size: float = 0.0
    values: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "score": round(self.score, 4),
                "coverage": round(self.coverage, 4), "recurrence": round(self.recurrence, 4),
                "median_session_lines": self.median_size, "values": self.values}


@dataclass
class Workflow:
    session_key: str
    key_source: str
    key_slots: list[tuple[str, int]]
    sessions: int
    lines: int
    edges: dict[tuple[str, str], list[float]]  # (src, dst) -> gaps in seconds (START/END edges: [])
    edge_counts: Counter[tuple[str, str]]
    start_events: Counter[str]
    end_events: Counter[str]
    sequences: list[tuple[tuple[str, ...], int]]
    duration_stats: dict[str, float]
    candidates: list[Candidate] = field(default_factory=list)

    def successors(self, src: str) -> list[tuple[str, int]]:
        return sorted(((d, n) for (s, d), n in self.edge_counts.items() if s == src), key=lambda x: (-x[1], x[0]))


def _base_name(name: str) -> str:
    return re.sub(r"_\d+$", "", name)


def _load_rows(store: Store, system: str) -> list[tuple[int, int, str, list[str], str, Any]]:
    return [(int(ts), int(seq), str(tid), [str(v) for v in (ps or [])], str(line), md)
            for ts, seq, tid, ps, line, md in store.cursor().execute(
                f"SELECT ts, seq, template_id, params, line, metadata FROM entries WHERE {system_where()} "
                "AND template_id IS NOT NULL ORDER BY ts, seq", [system]).fetchall()]


def _header_fields(store: Store, system: str, rows: Sequence[tuple[Any, ...]]) -> dict[str, list[str | None]]:
    """Per header field (and metadata key), its value on each row."""
    out: dict[str, list[str | None]] = defaultdict(lambda: [None] * len(rows))
    fmt = None
    try:
        from logcopilot.ingest.formats import format_for_system  # optional: JSON logs have none

        fmt = format_for_system(store, system)
    except Exception:  # noqa: BLE001 - no format known: header fields are simply not candidates
        fmt = None
    for i, row in enumerate(rows):
        if fmt is not None:
            parsed = fmt.parse(row[4]) or {}
            for k, v in parsed.items():
                if k != "Content" and not _NOT_KEY_FIELD.search(k) and v:
                    out[sanitize_name(k)][i] = v
        md = row[5]
        if md:
            for k, v in (json.loads(md) if isinstance(md, str) else md).items():
                if not _NOT_KEY_FIELD.search(k) and v not in (None, ""):
                    out[sanitize_name(k)][i] = str(v)
    return dict(out)


def _score(c: Candidate, line_values: Sequence[Iterable[str]], tids: Sequence[str], is_id: bool,
           *, in_text: bool = True, total: int | None = None) -> None:
    """``line_values``/``tids`` may list only the lines that can carry the key; ``total`` counts all."""
    total = len(tids) if total is None else total
    templates_of: dict[str, set[str]] = defaultdict(set)
    sizes: Counter[str] = Counter()
    carried = 0
    for vals, tid in zip(line_values, tids):
        vs = set(vals)
        if vs:
            carried += 1
        for v in vs:
            templates_of[v].add(tid)
            sizes[v] += 1
    c.values = len(sizes)
    if not sizes or total == 0:
        return
    c.coverage = carried / total
    # Recurrence: values seen under several templates, and -- for keys named in the message
    # text -- the key appearing in several templates at all (a sample may cut sessions short,
    # as the HDFS 2k sample does). A header field is on every line, so only its values count.
    value_rec = sum(1 for s in templates_of.values() if len(s) > 1) / len(templates_of)
    spread = min(1.0, (len(set().union(*templates_of.values())) - 1) / 4)
    c.recurrence = 0.5 * value_rec + 0.5 * spread if in_text else value_rec
    c.median_size = float(statistics.median(sizes.values()))
    biggest = max(sizes.values()) / max(carried, 1)
    shape = 1.0 if 2 <= c.median_size <= 200 else 0.5
    if c.values < 2 or biggest > 0.5:
        shape = 0.0  # one value covering half the lines is a constant, not a session
    # Identifiers (ids, uuids, pids...) delimit sessions; addresses, users, components are entities.
    c.score = c.coverage ** 0.5 * c.recurrence * shape * (1.0 if is_id else 0.2)


def detect_candidates(store: Store, system: str, params: Sequence[Parameter],
                      rows: Sequence[tuple[Any, ...]] | None = None,
                      fields: dict[str, list[str | None]] | None = None) -> list[Candidate]:
    """Every candidate session key with its score, best first."""
    rows = list(rows) if rows is not None else _load_rows(store, system)
    fields = fields if fields is not None else _header_fields(store, system, rows)
    tids = [r[2] for r in rows]
    rows_of: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(tids):
        rows_of[t].append(i)
    cands: list[Candidate] = []
    groups: dict[str, list[Parameter]] = defaultdict(list)
    for p in params:
        # Slots named only by the fallback ("value", "number") are not one entity across templates.
        if p.type not in _NOT_KEY_TYPES and _base_name(p.name) not in _GENERIC_NAMES:
            groups[_base_name(p.name)].append(p)
    for name, ps in groups.items():
        slots = {(p.template_id, p.position) for p in ps}
        by_t: dict[str, list[int]] = defaultdict(list)
        for t, pos in slots:
            by_t[t].append(pos)
        # Only the lines of the group's templates can carry its values: a pass over those,
        # not over every line per group (a wide system has hundreds of groups).
        idx = sorted(i for t in by_t for i in rows_of.get(t, ()))
        values = [[rows[i][3][j] for j in by_t[rows[i][2]] if j < len(rows[i][3]) and rows[i][3][j]] for i in idx]
        c = Candidate(name, "param", sorted(slots))
        is_id = bool(_ID_NAME.search(name)) or any(p.type in ID_TYPES for p in ps)
        _score(c, values, [tids[i] for i in idx], is_id, total=len(tids))
        cands.append(c)
    for name, col in fields.items():
        c = Candidate(name, "header")
        _score(c, [[v] if v else [] for v in col], tids, bool(_ID_NAME.search(name)), in_text=False)
        cands.append(c)
    cands.sort(key=lambda c: (-c.score, c.name))
    return cands


def mine_workflow(store: Store, system: str, params: Sequence[Parameter], *, session_key: str | None = None,
                  max_sequences: int = 10, max_sequence_len: int = 30) -> Workflow | None:
    """Sessionize the system by its (given or detected) key and mine the event graph."""
    rows = _load_rows(store, system)
    fields = _header_fields(store, system, rows)
    cands = detect_candidates(store, system, params, rows, fields)
    if session_key is not None:
        chosen = next((c for c in cands if c.name == session_key or c.name.lower() == session_key.lower()), None)
        if chosen is None:
            known = ", ".join(sorted({c.name for c in cands})[:20])
            raise InputError(f"no parameter or header field {session_key!r} in system {system!r} (known: {known})")
    else:
        chosen = cands[0] if cands and cands[0].score > 0 else None
    if chosen is None:
        return None
    sessions = _sessions(rows, chosen, fields)
    return _graph(chosen, sessions, cands, "given" if session_key else chosen.source,
                  max_sequences, max_sequence_len)


def _sessions(rows: Sequence[tuple[Any, ...]], c: Candidate,
              fields: dict[str, list[str | None]]) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = defaultdict(list)
    if c.source == "param":
        by_t: dict[str, list[int]] = defaultdict(list)
        for t, pos in c.slots:
            by_t[t].append(pos)
        for ts, seq, tid, ps, _line, _md in rows:
            for v in {ps[i] for i in by_t.get(tid, ()) if i < len(ps) and ps[i]}:
                out[v].append((ts, seq, tid))
    else:
        col = fields.get(c.name, [])
        for row, v in zip(rows, col):
            if v:
                out[v].append((row[0], row[1], row[2]))
    return out


def _graph(c: Candidate, sessions: dict[str, list[Event]], cands: list[Candidate], source: str,
           max_sequences: int, max_len: int) -> Workflow:
    edges: dict[tuple[str, str], list[float]] = defaultdict(list)
    counts: Counter[tuple[str, str]] = Counter()
    starts: Counter[str] = Counter()
    ends: Counter[str] = Counter()
    seqs: Counter[tuple[str, ...]] = Counter()
    durations: list[float] = []
    lines = 0
    for events in sessions.values():
        events.sort()
        lines += len(events)
        starts[events[0][2]] += 1
        ends[events[-1][2]] += 1
        counts[(START, events[0][2])] += 1
        counts[(events[-1][2], END)] += 1
        for a, b in zip(events, events[1:]):
            counts[(a[2], b[2])] += 1
            edges[(a[2], b[2])].append((b[0] - a[0]) / 1e9)
        durations.append((events[-1][0] - events[0][0]) / 1e9)
        seqs[tuple(e[2] for e in events[:max_len])] += 1
    stats: dict[str, float] = {}
    if durations:
        ds = sorted(durations)
        stats = {"min": ds[0], "median": float(statistics.median(ds)), "mean": float(statistics.fmean(ds)),
                 "p95": ds[min(len(ds) - 1, int(0.95 * len(ds)))], "max": ds[-1]}
    return Workflow(c.name, source, list(c.slots), len(sessions), lines, dict(edges), counts, starts, ends,
                    sorted(seqs.items(), key=lambda kv: (-kv[1], kv[0]))[:max_sequences], stats, cands)


def write_workflow(store: Store, system: str, wf: Workflow | None) -> None:
    """Replace the system's rows in ``workflows`` and ``workflow_edges``."""
    con = store.cursor()
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM workflows WHERE system = ?", [system])
    con.execute("DELETE FROM workflow_edges WHERE system = ?", [system])
    if wf is not None:
        con.execute("INSERT INTO workflows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            system, wf.session_key, wf.key_source, json.dumps(wf.key_slots), wf.sessions, wf.lines,
            json.dumps(dict(wf.start_events.most_common())), json.dumps(dict(wf.end_events.most_common())),
            json.dumps([{"events": list(s), "sessions": n} for s, n in wf.sequences]),
            json.dumps(wf.duration_stats), json.dumps([c.to_dict() for c in wf.candidates[:10]])])
        out_total: Counter[str] = Counter()
        for (src, _dst), n in wf.edge_counts.items():
            out_total[src] += n
        rows = []
        for (src, dst), n in wf.edge_counts.items():
            gaps = wf.edges.get((src, dst), [])
            rows.append([system, src, dst, n, n / out_total[src],
                         float(statistics.median(gaps)) if gaps else None,
                         float(statistics.fmean(gaps)) if gaps else None, max(gaps) if gaps else None])
        if rows:
            con.executemany("INSERT INTO workflow_edges VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("COMMIT")


def run_workflows(store: Store, system: str, params: Sequence[Parameter], *,
                  session_key: str | None = None) -> Workflow | None:
    wf = mine_workflow(store, system, params, session_key=session_key)
    write_workflow(store, system, wf)
    return wf
