"""Hand-written fixture: a tiny sshd-like system with its templates and params already assigned."""

from __future__ import annotations

from logcopilot.engine.store import Store

# (template_id, template)
TEMPLATES = [
    ("T1", "Failed password for <*> from <*> port <*> ssh2"),
    ("T2", "Failed password for invalid user <*> from <*> port <*> ssh2"),
    ("T3", "Invalid user <*> from <*>"),
    ("T4", "Received disconnect from <*>: 11: Bye Bye [preauth]"),
    ("T5", "Connection closed by <*> [preauth]"),
]

# (pid, second offset, template_id, params) -- three sessions keyed by the sshd pid
EVENTS = [
    (101, 0, "T3", ["admin", "10.0.0.1"]),
    (101, 1, "T2", ["admin", "10.0.0.1", "4100"]),
    (101, 3, "T4", ["10.0.0.1"]),
    (102, 2, "T1", ["root", "10.0.0.2", "4200"]),
    (102, 4, "T4", ["10.0.0.2"]),
    (103, 5, "T3", ["admin", "10.0.0.3"]),
    (103, 6, "T2", ["admin", "10.0.0.3", "4300"]),
    (103, 9, "T4", ["10.0.0.3"]),
    (104, 10, "T1", ["root", "10.0.0.2", "4400"]),
    (104, 11, "T5", ["10.0.0.2"]),
]

BASE_NS = 1_449_730_546 * 10**9  # Dec 10 06:55:46 2015 UTC


def render(template: str, params: list[str]) -> str:
    out = template
    for p in params:
        out = out.replace("<*>", p, 1)
    return out


def build_store(system: str = "sshd", path: str = ":memory:") -> Store:
    store = Store(path)
    con = store.cursor()
    counts = {tid: sum(1 for e in EVENTS if e[2] == tid) for tid, _ in TEMPLATES}
    for tid, text in TEMPLATES:
        con.execute("INSERT INTO templates (system, template_id, template, slots, count, origin) "
                    "VALUES (?, ?, ?, ?, ?, 'given')", [system, tid, text, text.count("<*>"), counts[tid]])
    sid = store.stream_id({"system": system})
    text_of = dict(TEMPLATES)
    for i, (pid, sec, tid, params) in enumerate(EVENTS, 1):
        line = f"Dec 10 06:55:{46 + sec:02d} LabSZ sshd[{pid}]: {render(text_of[tid], params)}"
        con.execute(
            "INSERT INTO entries (stream_id, ts, seq, line, source_id, line_no, metadata, template_id, params) "
            "VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)",
            [sid, BASE_NS + sec * 10**9, i, line, i, '{"pid": "%d"}' % pid, tid, params])
    return store


class ReferenceRunner:
    """A tiny LogQL subset runner (|= != |~ filters, | regexp) in Python, to test verification logic.

    The real engine is exercised by test_kb_engine.py; this one lets the tests count calls
    and feed deliberately wrong recipes.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.calls = 0

    def _select(self, query: str) -> list[tuple[str, dict[str, str]]]:
        import re

        self.calls += 1
        rest = query[query.index("}") + 1:]
        lines = [str(r[0]) for r in self.store.cursor().execute("SELECT line FROM entries ORDER BY ts, seq").fetchall()]
        out = []
        ops = re.findall(r"(\|=|!=|\|~|\| regexp) `([^`]*)`", rest)
        for line in lines:
            labels: dict[str, str] = {}
            keep = True
            for op, arg in ops:
                if op == "|=":
                    keep = arg in line
                elif op == "!=":
                    keep = arg not in line
                elif op == "|~":
                    keep = re.search(arg, line) is not None
                else:
                    m = re.search(arg, line)
                    labels.update({k: v or "" for k, v in (m.groupdict() if m else {}).items()})
                if not keep:
                    break
            if keep:
                out.append((line, labels))
        return out

    def count(self, query: str, start_ns: int, end_ns: int) -> float:
        return float(len(self._select(query)))

    def logs(self, query: str, start_ns: int, end_ns: int, limit: int) -> list[tuple[str, dict[str, str]]]:
        return self._select(query)[:limit]
