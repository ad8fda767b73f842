"""Retrieval: what the knowledge base knows that is relevant to a question.

In: the store, a system name and an analysed ``Question``. Out: a ``SystemContext`` (the
system's templates with parameters and verified recipes, stream labels and their values,
the log's time span, the workflow) and a ``Retrieved`` record: templates ranked for the
question, parameter values named in the question, label values named in the question.

Ranking is lexical (BM25-style over template text, parameter names and summaries, with a
small stemmer and a domain synonym table) and, when the indexing package offers it, fused
with its hybrid embedding retrieval. Quoted phrases from the question are matched
case-sensitively against template text and weigh most.

Example::

    ctx = load_context(store, "openssh")
    hits = rank_templates(ctx, analyze("How many failed password attempts?"))
    hits[0].template.template   # 'Failed password for <*> from <*> port <*> ssh2'
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import duckdb

from logcopilot.answering.question import Entity, Question, words
from logcopilot.engine.store import Store
from logcopilot.errors import AnswerError, InputError, LogCopilotError

__all__ = [
    "Hit",
    "best_ngram",
    "main_clause",
    "ngrams_in",
    "seq",
    "Retrieved",
    "SystemContext",
    "coverage",
    "literal_chunks",
    "load_context",
    "rank_templates",
    "retrieve_for",
    "stem",
]

# Words people use for what logs say in other words. Domain vocabulary, not log-specific.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "success": ("accept", "succeed", "success", "complet", "ok"),
    "succeed": ("accept", "success", "complet"),
    "login": ("accept", "auth", "authent", "session", "password", "logon"),
    "log": (),
    "fail": ("fail", "failur", "error", "invalid", "denied", "refus", "reject"),
    "delet": ("delet", "remov", "invalidset"),
    "remov": ("delet", "remov"),
    "creat": ("creat", "add", "alloc", "new", "spawn"),
    "start": ("start", "begin", "launch", "spawn"),
    "stop": ("stop", "termin", "shutdown", "kill", "destroy"),
    "termin": ("termin", "stop", "destroy", "delet"),
    "receiv": ("receiv", "got"),
    "send": ("sent", "send", "transmit"),
    "disconnect": ("disconnect", "close"),
    "connect": ("connect", "connection", "open"),
    "request": ("get", "post", "put", "delet", "request"),
    "method": ("get", "post", "put", "delet", "patch", "head"),
    "warn": ("warn", "warning"),
    "verif": ("verif", "verifi", "check"),
    "alloc": ("alloc", "allocateblock"),
    "user": ("user", "account", "usernam"),
    "usernam": ("user",),
    "account": ("user",),
}


def stem(w: str) -> str:
    return _stem(w)


def _stem(w: str) -> str:
    """A tiny suffix stripper: enough to match plurals and tenses of log words."""
    w = w.lower()
    for _ in range(2):
        for suf in ("ations", "ation", "ings", "ing", "edly", "ed", "ies", "es", "s", "ly", "er", "ful", "e"):
            if len(w) - len(suf) >= 3 and w.endswith(suf):
                w = w[: -len(suf)]
                if suf == "ies":
                    w += "y"
                break
    return w


# outcome words: a question about successes is not about failures, and the other way round
_POLARITY: dict[str, set[str]] = {
    "pos": {_stem(w) for w in ("success", "successful", "successfully", "succeeded", "accepted", "completed", "ok")},
    "neg": {_stem(w) for w in ("failed", "failure", "fail", "error", "invalid", "denied", "refused", "rejected", "unable")},
}


def literal_chunks(template: str) -> list[str]:
    """The constant pieces of a template, in order (``<*>`` splits them)."""
    return [c for c in re.split(r"<\*>", template) if c.strip()]


@dataclass
class SystemContext:
    """What the pipeline knows about one system before reading the question."""

    system: str
    store: Store
    templates: list[Any]  # indexing.knowledge.TemplateInfo
    workflow: Any | None
    span: tuple[int, int]
    total_lines: int
    labels: dict[str, Counter[str]]  # stream label -> value -> line count (system excluded)
    kb_source: str  # "knowledge base" or "lexical fallback"
    _by_id: dict[str, Any] = field(default_factory=dict)

    @property
    def selector(self) -> str:
        return '{system="%s"}' % self.system

    def template(self, tid: str) -> Any | None:
        if not self._by_id:
            self._by_id = {t.template_id: t for t in self.templates}
        return self._by_id.get(str(tid))

    @property
    def year(self) -> int:
        from logcopilot.answering.timeexpr import from_ns

        return from_ns(self.span[1]).year


def _system_where() -> str:
    return "stream_id IN (SELECT stream_id FROM streams WHERE json_extract_string(labels, '$.system') = ?)"


def load_context(store: Store, system: str) -> SystemContext:
    """Load a system's knowledge; raises ``AnswerError`` for a system with no lines."""
    name = (system or "").strip().lower()
    if not name:
        raise AnswerError("no system given: pass --system NAME")
    con = store.cursor()
    row = con.execute(f"SELECT count(*), min(ts), max(ts) FROM entries WHERE {_system_where()}", [name]).fetchone()
    if not row or not row[0]:
        known = [r[0] for r in con.execute(
            "SELECT DISTINCT json_extract_string(labels, '$.system') FROM streams ORDER BY 1").fetchall() if r[0]]
        raise AnswerError(f"system {name!r} has no logs in the store"
                          + (f" (known systems: {', '.join(known)})" if known else "; ingest it first"))
    total, lo, hi = int(row[0]), int(row[1]), int(row[2])
    labels: dict[str, Counter[str]] = {}
    for labels_json, n in con.execute(
        "SELECT s.labels, count(*) FROM entries e JOIN streams s USING (stream_id) "
        "WHERE json_extract_string(s.labels, '$.system') = ? GROUP BY s.labels", [name]
    ).fetchall():
        for k, v in json.loads(labels_json).items():
            if k != "system":
                labels.setdefault(k, Counter())[str(v)] += int(n)
    templates: list[Any] = []
    workflow = None
    source = "knowledge base"
    from logcopilot.indexing.knowledge import load_knowledge

    try:
        kb = load_knowledge(store, name)
        templates, workflow = list(kb.templates), kb.workflow
    except InputError:
        templates = []
    except (LogCopilotError, duckdb.Error) as exc:  # a KB the store cannot give must not stop a data answer
        source = f"lexical fallback ({type(exc).__name__}: {exc})"
    if not templates:
        from logcopilot.answering.fallback import mine_templates

        templates = mine_templates(store, name)
        if source == "knowledge base":  # else it already says why the knowledge base was not used
            source = "lexical fallback (system not indexed)"
    return SystemContext(name, store, templates, workflow, (lo, hi), total, labels, source)


def coverage(ctx: SystemContext, filters: list[tuple[str, str]], labels: dict[str, str] | None = None) -> Counter[str]:
    """Lines per template id that a list of line filters ``(op, value)`` selects (SQL, exact)."""
    conds = [_system_where()]
    args: list[Any] = [ctx.system]
    for op, value in filters:
        if op == "|=":
            conds.append("contains(line, ?)")
        elif op == "!=":
            conds.append("NOT contains(line, ?)")
        elif op == "|~":
            conds.append("regexp_matches(line, ?)")
        elif op == "!~":
            conds.append("NOT regexp_matches(line, ?)")
        else:
            continue
        args.append(value)
    if labels:
        for k, v in labels.items():
            vals = v.split("|")
            conds.append("stream_id IN (SELECT stream_id FROM streams WHERE json_extract_string(labels, ?) IN ("
                         + ", ".join("?" for _ in vals) + "))")
            args += [f"$.{k}", *vals]
    sql = f"SELECT coalesce(template_id, '?'), count(*) FROM entries WHERE {' AND '.join(conds)} GROUP BY 1"
    try:
        rows = ctx.store.cursor().execute(sql, args).fetchall()
    except duckdb.Error:  # a regex DuckDB rejects: no coverage information
        return Counter()
    return Counter({str(t): int(n) for t, n in rows})


def seq(text: str) -> list[str]:
    """Stemmed word sequence (letters only), for phrase matching."""
    return [stem(w) for w in re.findall(r"[A-Za-z]+", text)]


_GENERIC = frozenset(stem(w) for w in (
    "how many much which what when where who did does do is are was were the a an of in on at to for from by with "
    "and or any all log logs line lines message messages entry entries event events time times ever whole "
    "there that this these those it its as than most least more often frequent common top number count "
    "distinct different unique total each per list give answer show tell me appear appears appeared occur "
    "occurs seen see".split()))


def main_clause(text: str) -> str:
    """The question without parenthetical asides (they clarify, the main clause names the lines)."""
    return re.sub(r"\([^()]*\)", " ", text)


def ngrams_in(q: Question, template: str) -> list[tuple[list[str], int]]:
    """Maximal runs (>= 2 words, not all generic) of main-clause question words found in order
    in the template, longest first: (stemmed words, index of the first word in the template)."""
    text = main_clause(q.text)
    for e in q.entities:  # values are matched as values, not as message words
        text = text.replace(e.text, " qqqvalue ")
    qs = seq(text)
    ts = seq(re.sub(r"^(?:\s*(?:<\*>|\[[^\]]*\]))+", " ", template))  # positions count from the message words
    found: list[tuple[list[str], int]] = []
    covered: set[int] = set()
    for n in (6, 5, 4, 3, 2):
        for i in range(len(qs) - n + 1):
            if any(k in covered for k in range(i, i + n)):
                continue
            g = qs[i:i + n]
            if sum(1 for w in g if w not in _GENERIC) < 1 or all(w in _GENERIC for w in g):
                continue
            for j in range(len(ts) - n + 1):
                if ts[j:j + n] == g:
                    found.append((g, j))
                    covered.update(range(i, i + n))
                    break
    return found


def best_ngram(q: Question, template: str) -> tuple[list[str], int] | None:
    grams = ngrams_in(q, template)
    return grams[0] if grams else None


@dataclass
class Hit:
    template: Any
    score: float
    why: list[str] = field(default_factory=list)


@dataclass
class Retrieved:
    hits: list[Hit]
    values: list[tuple[str, int, str, Entity]]  # (template id, slot, stored value, question entity)
    label_values: dict[str, str]  # stream label -> value named in the question

    def to_dict(self) -> dict[str, Any]:
        return {
            "templates": [{"id": h.template.template_id, "template": h.template.template, "count": h.template.count,
                           "score": round(h.score, 3), "why": h.why} for h in self.hits],
            "values": [{"template": t, "slot": p, "value": v, "entity": e.text} for t, p, v, e in self.values],
            "labels": self.label_values,
        }


def _doc_terms(t: Any) -> list[str]:
    text = t.template + " " + " ".join(p.name for p in getattr(t, "params", []))
    summary = getattr(t, "summary", "") or ""
    # words inside typical slot values ("GET /v2/... HTTP/1.1") describe the event too
    vals = " ".join(str(x) for p in getattr(t, "params", []) for x in p.examples[:1])
    extra = [stem(w) for w in re.findall(r"(?<![A-Za-z0-9])[A-Za-z]{3,}(?![A-Za-z0-9])", vals)][:10]
    own = [stem(w) for w in words(text)]
    weak = dict.fromkeys([stem(w) for w in words(summary)][:40] + extra)
    return own + ["~" + w for w in weak if w not in own]


_SYN_STEMMED: dict[str, set[str]] = {}


def _expand(term: str) -> set[str]:
    """A stemmed term and its synonyms (stemmed the same way as documents are)."""
    if not _SYN_STEMMED:
        for key, syns in _SYNONYMS.items():
            group = {_stem(key)} | {_stem(x) for x in syns} | set(syns) | {key}
            _SYN_STEMMED.setdefault(_stem(key), set()).update(group)
    out = {term}
    for key, group in _SYN_STEMMED.items():
        if term == key or term in group:
            out.update(group)
    return out


def rank_templates(ctx: SystemContext, q: Question, k: int = 8) -> list[Hit]:
    """Templates ranked by how well they match the question (best first)."""
    docs = [(t, _doc_terms(t)) for t in ctx.templates]
    if not docs:
        return []
    n = len(docs)
    df: Counter[str] = Counter()
    for _, terms in docs:
        df.update(set(terms))
    avg = sum(len(d) for _, d in docs) / n or 1.0
    qterms = [stem(w) for w in q.keywords]
    from logcopilot.answering.question import LEVEL_WORDS

    upper_words = {w for w in re.findall(r"\b[A-Z]{3,}\b", q.text) if w.lower() not in LEVEL_WORDS
                   and w not in ("UTC", "HTTP", "IDS", "API", "YYYY")}
    qpol: set[str] = set()
    qpol_other = ""
    for side, other in (("pos", "neg"), ("neg", "pos")):
        hit = set(qterms) & _POLARITY[side]
        if hit and not set(qterms) & _POLARITY[other]:
            qpol, qpol_other = _POLARITY[side], other
    hits: list[Hit] = []
    for t, terms in docs:
        tset = Counter(terms)
        score, why = 0.0, []
        for qt in set(qterms):
            idf = math.log(1 + n / (1 + df.get(qt, 0)))
            if qt in tset:
                score += idf
                why.append(qt)
            elif "~" + qt in tset:  # only inside slot values: weaker evidence
                score += 0.6 * math.log(1 + n / (1 + df.get("~" + qt, 0)))
                why.append(f"value:{qt}")
            else:
                syn = [s for s in _expand(qt) if s in tset]
                if syn:
                    score += 0.5 * max(math.log(1 + n / (1 + df.get(s, 0))) for s in syn)
                    why.append(f"{qt}~{syn[0]}")
        score /= 0.6 + 0.4 * len(terms) / avg
        tstems = set(terms)
        if qpol and not (tstems & qpol) and (tstems & _POLARITY[qpol_other]):
            score *= 0.4
            why.append("opposite outcome")
        for w in upper_words:
            if re.search(rf"(?<![A-Za-z]){w}(?![A-Za-z])", t.template):
                score += 3.0
                why.append(f"literal {w}")
        for gram, _pos in ngrams_in(q, t.template):
            score += 1.5 * len(gram)
            why.append("phrase:" + " ".join(gram))
        for phrase in q.quoted:
            pieces = [p.strip() for p in re.split(r"\.\.\.|…|<[^>]*>", phrase) if p.strip()]
            if pieces and all(p in t.template for p in pieces):
                score += 10.0
                why.append(f"quote '{phrase}'")
            elif pieces and all(p.lower() in t.template.lower() for p in pieces):
                score += 4.0
                why.append(f"quote~ '{phrase}'")
        hits.append(Hit(t, score, why))
    hits.sort(key=lambda h: (-h.score, -h.template.count))
    if hits and hits[0].score > 0:
        # near-ties (within 5 %) are broken by how common the template is
        top = hits[0].score
        tied = [h for h in hits if h.score >= 0.95 * top]
        tied.sort(key=lambda h: (-h.template.count, -h.score))
        hits = tied + [h for h in hits if h.score < 0.95 * top]
    return hits[:k]


def _match_values(ctx: SystemContext, q: Question) -> list[tuple[str, int, str, Entity]]:
    """Question values (entities, upper-case words) found among stored parameter values."""
    probes: list[Entity] = list(q.entities)
    for w in re.findall(r"\b[A-Z][A-Z0-9_]{1,15}\b", q.text):
        if not any(e.text == w for e in probes) and w not in ("MM", "DD", "HH", "SS", "YYYY", "UTC", "IP", "ID", "IDS"):
            probes.append(Entity(w, "word"))
    # plain words that are not log vocabulary may be values ("attempts for root")
    vocab = {w.lower() for t in ctx.templates for w in re.findall(r"[A-Za-z]+", t.template)}
    for w in re.findall(r"(?<![\w.-])[a-z][a-z0-9_]{2,31}(?![\w.-])", main_clause(q.text)):
        if w in _STOP_WORDS or stem(w) in _GENERIC or w in vocab or any(e.text == w for e in probes):
            continue
        probes.append(Entity(w, "word"))
    out: list[tuple[str, int, str, Entity]] = []
    if not probes:
        return out
    con = ctx.store.cursor()
    for e in probes:
        try:
            rows = con.execute(
                "SELECT template_id, position, value FROM parameter_values WHERE system = ? AND (value = ? OR "
                "(length(?) >= 6 AND contains(value, ?))) ORDER BY count DESC LIMIT 20",
                [ctx.system, e.text, e.text, e.text]).fetchall()
        except duckdb.Error:  # no parameter_values table (an older store): the templates' examples below
            rows = []
        if not rows:
            for t in ctx.templates:
                for p in getattr(t, "params", []):
                    if e.text in p.examples:
                        rows.append((t.template_id, p.position, e.text))
        out.extend((str(r[0]), int(r[1]), str(r[2]), e) for r in rows)
    return out


_STOP_WORDS = frozenset(
    """about above after again against also another answer anyone anybody anything because before being below
    between both could does doing down during each either ever every from give have having here into itself
    just least like made make many more most much must never only other over same should since some such
    than that their them then there these they this those through under until very what when where which
    while whose with within without would your yours line lines message messages times give""".split())


def _label_values(ctx: SystemContext, q: Question) -> dict[str, str]:
    found: dict[str, str] = {}
    for e in q.entities:
        for name, values in ctx.labels.items():
            if e.text in values:
                found.setdefault(name, e.text)
    return found


def retrieve_for(ctx: SystemContext, q: Question, k: int = 8) -> Retrieved:
    hits = rank_templates(ctx, q, k=max(k, 8) * 3)
    hits = _fuse_indexing(ctx, q, hits)
    values = _match_values(ctx, q)
    # templates whose stored values include the question's values are about the same thing
    per_t: dict[str, set[str]] = {}
    for tid, _pos, _v, e in values:
        if e.kind != "word":
            per_t.setdefault(tid, set()).add(e.text)
    if per_t:
        by_id = {h.template.template_id: h for h in hits}
        for tid, ents in per_t.items():
            h = by_id.get(tid)
            if h is None and ctx.template(tid) is not None:
                h = by_id[tid] = Hit(ctx.template(tid), 0.0, [])
            if h is not None:
                h.score += (0.6 if "opposite outcome" in h.why else 1.5) * len(ents)
                h.why.append(f"values:{','.join(sorted(ents))}")
        hits = sorted(by_id.values(), key=lambda h: (-h.score, -h.template.count))
    return Retrieved(hits[:k], values, _label_values(ctx, q))


def _fuse_indexing(ctx: SystemContext, q: Question, hits: list[Hit]) -> list[Hit]:
    """Reciprocal-rank fusion with the indexing package's hybrid retrieval, when present."""
    from logcopilot.indexing import retrieval as kb_retrieval

    try:
        theirs = kb_retrieval.retrieve(ctx.store, ctx.system, q.text, k=10, kinds=("template",))
    except LogCopilotError:
        return hits
    rank: dict[str, float] = {}
    for i, h in enumerate(hits):
        rank[h.template.template_id] = rank.get(h.template.template_id, 0.0) + 1.0 / (3 + i)
    ids = [hit.template_id or hit.ref for hit in theirs.templates]
    for i, tid in enumerate(dict.fromkeys(t for t in ids if t)):
        rank[tid] = rank.get(tid, 0.0) + 0.5 / (3 + i)
    by_id = {h.template.template_id: h for h in hits}
    for tid in rank:
        if tid not in by_id and ctx.template(tid) is not None:
            by_id[tid] = Hit(ctx.template(tid), 0.0, ["embedding"])
    fused = list(by_id.values())
    # lexical score stays primary (quotes are exact evidence); fusion breaks near-ties
    fused.sort(key=lambda h: (-(h.score + rank.get(h.template.template_id, 0.0)), -h.template.count))
    return fused
