"""The templates stage: every entry of a system gets a template id and its parameter values.

In: a store with ingested entries of ``system`` (and optionally a Loghub templates CSV).
Out: the ``templates`` table (one row per template: text, slots, count, first/last ts,
example, origin) and ``entries.template_id`` / ``entries.params`` set for every entry of the
system; a ``TemplateStats`` record.

Incremental: entries that already carry a template id are left alone; new entries are first
matched against the system's known templates (``matching.TemplateMatcher``) and only the
unmatched ones are mined (``miner.TemplateMiner``). With ``templates_file`` every entry is
re-matched against the given templates (matching mode); lines no given template matches are
mined, so no entry is left without a template.

The message of an entry is the ``Content`` field of its header format (``ingest.formats``);
when the system has no known format, or a line does not fit it, the raw line is used.

An optional LLM pass (``llm``: a chat client with ``.chat(messages, stage=..., json_schema=...)``)
asks the model to correct each newly mined template; a correction is kept only when it still
matches every example line it was shown.

Example::

    >>> stats = assign_templates(store, "openssh")          # doctest: +SKIP
    >>> stats.templates, stats.mined                         # doctest: +SKIP
    (26, 2000)
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from logcopilot.engine.store import Store
from logcopilot.errors import LogCopilotError, StoreError
from logcopilot.indexing.masking import Masker
from logcopilot.indexing.matching import TemplateMatcher, load_templates_csv
from logcopilot.indexing.miner import MinerConfig, TemplateMiner

__all__ = ["TemplateStats", "assign_templates", "entry_messages", "mined_template_id", "system_entries_where"]

Progress = Callable[[int, int], None]
_LLM_EXAMPLES = 5


@dataclass(frozen=True)
class TemplateStats:
    system: str
    mode: str  # "mining" or "matching"
    entries: int  # entries assigned in this run
    matched: int  # ... by a template known before the run (or given)
    mined: int  # ... by mining
    new_templates: int
    generalised: int  # known templates made more general by new lines
    split: int  # stored templates split because a slot turned out to name events
    templates: int  # templates of the system after the run
    without_params: int  # entries whose template did not yield parameter values
    llm_corrected: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def system_entries_where(alias: str = "") -> str:
    """SQL condition for the entries of one system (bind the system name once)."""
    col = f"{alias}.stream_id" if alias else "stream_id"
    return f"{col} IN (SELECT stream_id FROM streams WHERE json_extract_string(labels, '$.system') = ?)"


def mined_template_id(template: str) -> str:
    """A stable id for a mined template: the same text gets the same id in every run."""
    return "T" + hashlib.sha1(template.encode("utf-8")).hexdigest()[:8]


def _content_parser(store: Store, system: str) -> Callable[[str], str]:
    """Line -> message: the ``Content`` field of the system's ingest format, else the line."""
    try:
        from logcopilot.ingest.formats import format_for_system
    except ImportError:  # ingest without header formats: mine raw lines
        return lambda line: line
    try:
        fmt = format_for_system(store, system)
    except LogCopilotError:
        fmt = None
    if fmt is None:
        return lambda line: line
    parse = fmt.parse

    def content(line: str) -> str:
        fields = parse(line)
        value = fields.get("Content") if fields else None
        return value if isinstance(value, str) else line

    return content


def entry_messages(store: Store, system: str, *, only_new: bool) -> tuple[list[tuple[int, int]], list[str]]:
    """Keys (stream_id, seq) and messages (Content) of the system's entries, in push order.

    Entries are addressed by (stream_id, seq), not DuckDB's rowid: updating a list column
    moves a row to a new rowid."""
    sql = f"SELECT stream_id, seq, line FROM entries WHERE {system_entries_where()}"
    if only_new:
        sql += " AND template_id IS NULL"
    rows = store.cursor().execute(sql + " ORDER BY seq", [system]).fetchall()
    content = _content_parser(store, system)
    return [(int(r[0]), int(r[1])) for r in rows], [content(str(r[2])) for r in rows]


def _known_templates(store: Store, system: str) -> list[tuple[str, str, str]]:
    rows = store.cursor().execute(
        "SELECT template_id, template, origin FROM templates WHERE system = ? ORDER BY template_id", [system]
    ).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


@dataclass
class _MineOutcome:
    new_rows: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    generalised: dict[str, str] = field(default_factory=dict)  # template id -> new text
    llm_fixed: int = 0


def _seed_examples(store: Store, system: str) -> list[tuple[str, str]]:
    rows = store.cursor().execute(
        "SELECT template_id, example FROM templates WHERE system = ? AND origin <> 'given' "
        "AND example IS NOT NULL ORDER BY template_id",
        [system],
    ).fetchall()
    return [(str(a), str(b)) for a, b in rows]


def _entries_of_template(
    store: Store, system: str, template_id: str, *, limit: int | None = None
) -> tuple[list[tuple[int, int]], list[str]]:
    sql = f"SELECT stream_id, seq, line FROM entries WHERE {system_entries_where()} AND template_id = ? ORDER BY seq"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = store.cursor().execute(sql, [system, template_id]).fetchall()
    content = _content_parser(store, system)
    return [(int(r[0]), int(r[1])) for r in rows], [content(str(r[2])) for r in rows]


def _prev_word(template: str, slot: int) -> str:
    """The constant word just before the ``slot``-th ``<*>`` (0-based) of ``template``."""
    words = "<*>".join(template.split("<*>")[: slot + 1]).split()
    # "user <*>" -> user; "(uid=<*>)" -> uid= (the miner strips the = itself)
    return re.sub(r"^[^\w]+", "", words[-1]) if words else ""


def _split_over_merged(store: Store, system: str, miner: TemplateMiner, touched: set[str]) -> int:
    """Split stored mined templates whose slot turns out to hold event names.

    Lines matched against a known template never re-enter mining, so a template mined from
    a small first batch (``... proxy <*>:<*> <*>`` from 259 HTTPS and one SOCKS5 line)
    would stay over-merged; with all its stored lines the miner's own rule can decide.
    """
    if not touched:
        return 0
    rows = store.cursor().execute(
        f"""WITH s AS (SELECT template_id, pos, params[pos] AS v FROM (
                    SELECT template_id, params, generate_subscripts(params, 1) AS pos FROM entries
                    WHERE {system_entries_where()} AND params IS NOT NULL
                      AND template_id IN (SELECT unnest(?::VARCHAR[])))),
                g AS (SELECT template_id, pos, v, count(*) AS n FROM s GROUP BY ALL),
                d AS (SELECT *, count(*) OVER (PARTITION BY template_id, pos) AS k FROM g)
            SELECT d.template_id, d.pos, d.v, d.n, t.template FROM d
            JOIN templates t ON t.system = ? AND t.template_id = d.template_id AND t.origin = 'mined'
            WHERE d.k BETWEEN 2 AND ? ORDER BY 1, 2, 4 DESC, 3""",
        [system, sorted(touched), system, miner.config.split_max_values],
    ).fetchall()
    slots: dict[str, dict[int, Counter[str]]] = {}
    texts: dict[str, str] = {}
    for tid, pos, value, n, text in rows:
        slots.setdefault(str(tid), {}).setdefault(int(pos), Counter())[str(value)] = int(n)
        texts[str(tid)] = str(text)
    done = 0
    cur = store.cursor()
    for tid, by_pos in slots.items():
        text = texts[tid]
        for pos, values in sorted(by_pos.items()):
            if any(miner.masker.mask(v) != v for v in values):
                continue  # masked shapes (numbers, ids) are parameters
            if not miner.is_event_name(values, _prev_word(text, pos - 1)):
                continue
            pieces = text.split("<*>")
            for value in values:
                new_text = "<*>".join(pieces[:pos]) + value + "<*>".join(pieces[pos:])
                new_id = mined_template_id(new_text)
                cur.execute(
                    f"UPDATE entries SET template_id = ?, params = list_concat(params[1:?], params[?:]) "
                    f"WHERE {system_entries_where()} AND template_id = ? AND params[?] = ?",
                    [new_id, pos - 1, pos + 1, system, tid, pos, value],
                )
                exists = cur.execute(
                    "SELECT count(*) FROM templates WHERE system = ? AND template_id = ?", [system, new_id]
                ).fetchone()
                if not (exists and exists[0]):
                    _, msgs = _entries_of_template(store, system, new_id, limit=1)
                    _upsert_templates(store, system, [(new_id, new_text, msgs[0] if msgs else None, "mined")])
            left = cur.execute(
                f"SELECT count(*) FROM entries WHERE {system_entries_where()} AND template_id = ?", [system, tid]
            ).fetchone()
            if not (left and left[0]):
                cur.execute("DELETE FROM templates WHERE system = ? AND template_id = ?", [system, tid])
            done += 1
            break
    return done


def _llm_correct(llm: Any, template: str, examples: Sequence[str]) -> str | None:
    """Ask the LLM for a corrected template; None when it offers nothing usable."""
    schema = {
        "type": "object",
        "properties": {"template": {"type": "string"}},
        "required": ["template"],
    }
    messages = [
        {
            "role": "system",
            "content": "You correct log templates. Replace every variable part (ids, numbers, "
            "names, paths, addresses) with <*>, keep every constant word. Answer JSON "
            '{"template": "..."}.',
        },
        {
            "role": "user",
            "content": f"Template: {template}\nLog lines:\n" + "\n".join(examples),
        },
    ]
    try:
        reply = llm.chat(messages, stage="templates", json_schema=schema)
    except LogCopilotError:
        return None
    data = getattr(reply, "parsed_json", reply)
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    text = data.get("template") if isinstance(data, dict) else None
    if not isinstance(text, str) or not text.strip() or text.strip() == template:
        return None
    candidate = " ".join(text.split())
    check = TemplateMatcher([("x", candidate)])
    if all(check.match(e) is not None for e in examples):
        return candidate
    return None


def _write(store: Store, keys: list[tuple[int, int]], tids: list[str], params: list[list[str] | None]) -> None:
    cur = store.cursor()
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS template_batch "
            "(sid INTEGER, seq BIGINT, template_id VARCHAR, params VARCHAR[])"
        )
        cur.execute("DELETE FROM template_batch")
        cur.execute(
            "INSERT INTO template_batch SELECT unnest(?::INTEGER[]), unnest(?::BIGINT[]), "
            "unnest(?::VARCHAR[]), unnest(?::VARCHAR[][])",
            [[k[0] for k in keys], [k[1] for k in keys], tids, params],
        )
        cur.execute(
            "UPDATE entries SET template_id = b.template_id, params = b.params "
            "FROM template_batch b WHERE entries.stream_id = b.sid AND entries.seq = b.seq"
        )
        cur.execute("DELETE FROM template_batch")
        cur.execute("COMMIT")
    except Exception:
        cur.execute("ROLLBACK")
        raise


def _first(items: list[str] | None) -> str | None:
    """The first of ``items``, None when there are none (a template with no example line)."""
    return items[0] if items else None


def _upsert_templates(store: Store, system: str, rows: list[tuple[str, str, str | None, str]]) -> None:
    """Insert (template_id, template, example, origin) rows, replacing same ids."""
    cur = store.cursor()
    for tid, text, example, origin in rows:
        cur.execute("DELETE FROM templates WHERE system = ? AND template_id = ?", [system, tid])
        cur.execute(
            "INSERT INTO templates (system, template_id, template, slots, example, origin) VALUES (?, ?, ?, ?, ?, ?)",
            [system, tid, text, text.count("<*>"), example, origin],
        )


def _refresh_counts(store: Store, system: str) -> None:
    store.cursor().execute(
        f"""UPDATE templates SET count = coalesce(s.n, 0), first_ts = s.f, last_ts = s.l,
                updated_at = current_timestamp
            FROM (SELECT t.template_id AS tid, count(e.template_id) AS n, min(e.ts) AS f, max(e.ts) AS l
                  FROM templates t LEFT JOIN
                       (SELECT template_id, ts FROM entries WHERE {system_entries_where()}) e
                       ON e.template_id = t.template_id
                  WHERE t.system = ? GROUP BY t.template_id) s
            WHERE templates.system = ? AND templates.template_id = s.tid""",
        [system, system, system],
    )


def assign_templates(
    store: Store,
    system: str,
    *,
    templates_file: str | Path | None = None,
    progress: Progress | None = None,
    llm: Any = None,
    masker: Masker | None = None,
    config: MinerConfig | None = None,
) -> TemplateStats:
    """Give every entry of ``system`` a template id and parameters (see the module docstring)."""
    t0 = time.perf_counter()
    row = store.cursor().execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'templates'"
    ).fetchone()
    if row is None or not row[0]:
        raise StoreError("the store has no templates table; run the migrations")
    matching = templates_file is not None
    given: list[tuple[str, str]] = load_templates_csv(templates_file) if templates_file is not None else []
    keys, messages = entry_messages(store, system, only_new=not matching)
    total = len(messages)
    if progress:
        progress(0, total)
    matcher = TemplateMatcher(given)
    if not matching:
        # known templates match word for word; a line of another shape is mined (with the
        # known examples as seeds, so it still lands on its template when it belongs there)
        for tid, text, origin in _known_templates(store, system):
            matcher.add(tid, text, strict=origin != "given")
    tids: list[str | None] = [None] * total
    params: list[list[str] | None] = [None] * total
    examples: dict[str, list[str]] = {}
    step = max(1, total // 20)
    for i, msg in enumerate(messages):
        hit = matcher.match(msg) if len(matcher) else None
        if hit is not None:
            tids[i], params[i] = hit
            examples.setdefault(hit[0], []).append(msg)
        if progress and (i + 1) % step == 0:
            progress(i + 1, total)
    matched = sum(1 for t in tids if t is not None)
    rest = [i for i, t in enumerate(tids) if t is None]
    mined = _MineOutcome()
    if rest:
        # known mined templates take part through one example each, so a new line of an
        # event seen before generalises its template (user fztu -> user <*>) instead of
        # starting a new one
        seeds = [] if matching else _seed_examples(store, system)
        batch = [messages[i] for i in rest] + [ex for _, ex in seeds]
        result = TemplateMiner(masker, config).mine(batch)
        members: dict[int, list[int]] = {}
        for j, cid in enumerate(result.assignment):
            members.setdefault(cid, []).append(j)
        for cid, text in enumerate(result.templates):
            lines = [rest[j] for j in members.get(cid, []) if j < len(rest)]
            if not lines:
                continue  # only known examples: nothing new
            old = {seeds[j - len(rest)][0] for j in members[cid] if j >= len(rest)}
            tid, origin = mined_template_id(text), "mined"
            if len(old) == 1:
                (old_id,) = old
                old_example = next(ex for sid, ex in seeds if sid == old_id)
                probe = TemplateMatcher([(old_id, text)])
                if probe.match(old_example) is not None:
                    tid = old_id
                    if matcher.templates[old_id].template != text:
                        mined.generalised[old_id] = text
            if tid not in matcher.templates and llm is not None:
                fixed = _llm_correct(llm, text, [messages[i] for i in lines[:_LLM_EXAMPLES]])
                if fixed is not None:
                    text, origin, tid = fixed, "llm", mined_template_id(fixed)
                    mined.llm_fixed += 1
            if tid not in matcher.templates:
                mined.new_rows.append((tid, text, messages[lines[0]], origin))
            matcher.add(tid, text, strict=True)
            for i in lines:
                tids[i] = tid
                m = matcher.templates[tid].regex.match(messages[i].strip())
                params[i] = list(m.groups()) if m else None
    new_rows = mined.new_rows
    llm_fixed = mined.llm_fixed
    if progress:
        progress(total, total)
    with_ids = [t if t is not None else "" for t in tids]
    if matching:
        store.cursor().execute("DELETE FROM templates WHERE system = ?", [system])
        _upsert_templates(
            store, system, [(tid, text, _first(examples.get(tid)), "given") for tid, text in given]
        )
    _upsert_templates(store, system, new_rows)
    for old_id, text in mined.generalised.items():
        store.cursor().execute(
            "UPDATE templates SET template = ?, slots = ?, updated_at = current_timestamp "
            "WHERE system = ? AND template_id = ?",
            [text, text.count("<*>"), system, old_id],
        )
        # entries stored before keep their id; their parameters follow the new template
        o_keys, o_messages = _entries_of_template(store, system, old_id)
        regex = matcher.templates[old_id].regex
        for rid, msg in zip(o_keys, o_messages, strict=True):
            m = regex.match(msg.strip())
            keys.append(rid)
            with_ids.append(old_id)
            params.append(list(m.groups()) if m else None)
    if keys:
        _write(store, keys, with_ids, params)
    split = 0
    if not matching:
        touched = {t for t in with_ids if t} | set(mined.generalised)
        split = _split_over_merged(store, system, TemplateMiner(masker, config), touched)
    _refresh_counts(store, system)
    count_row = store.cursor().execute("SELECT count(*) FROM templates WHERE system = ?", [system]).fetchone()
    return TemplateStats(
        system=system,
        mode="matching" if matching else "mining",
        entries=total,
        matched=matched,
        mined=len(rest),
        new_templates=len(new_rows),
        generalised=len(mined.generalised),
        split=split,
        templates=int(count_row[0]) if count_row else 0,
        without_params=sum(1 for p in params if p is None),
        llm_corrected=llm_fixed,
        seconds=round(time.perf_counter() - t0, 3),
    )
