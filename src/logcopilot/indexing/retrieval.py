"""Hybrid retrieval over the knowledge base, and matching of values named in a question.

In: a question and an indexed system (``templates``, ``parameters``, ``summaries``,
``embeddings``, ``parameter_values``). Out: a ``Retrieval`` -- templates, parameters and
workflows ranked by score, and ``ValueMatch``es for the IPs, users, ids... of the question
that occur as stored parameter values.

Scoring: BM25 (k1=1.2, b=0.75) over each document's words (template text, summary,
parameter names and examples), normalized to [0, 1] by the best hit; when vectors are stored
and an embedder is given, the cosine of the question's vector is mixed in (half and half).
With no embedder retrieval is lexical only, and works offline with nothing installed.

Example::

    r = retrieve(store, "openssh", "How many failed password attempts for root?", k=5)
    r.templates[0].ref, r.values[0].name   # ('E10', 'user')
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from logcopilot.engine.store import Store
from logcopilot.indexing.embeddings import load_vectors

__all__ = ["Hit", "Retrieval", "ValueMatch", "bm25_scores", "match_values", "retrieve", "tokenize"]

_STOP = frozenset(
    "a an the of to in on at for from by with and or is was were are be been how many much what which who when "
    "where why did does do has have had there their this that these those it its as per each any all log logs "
    "line lines message messages time times number count total show me give list first last most least".split()
)
_TOKEN = re.compile(r"[A-Za-z]+|\d+")
_QUOTED = re.compile(r'"[^"]*"')
_VALUE_TOKEN = re.compile(r"\"([^\"]+)\"|'([^']+)'|`([^`]+)`|([^\s,;?!()\"'`]+)")


def _stem(w: str) -> str:
    for suf in ("ing", "ed", "es", "s"):
        if len(w) > len(suf) + 2 and w.endswith(suf):
            return w[: -len(suf)]
    return w


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens; camelCase split; stopwords dropped."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", text)
    return [_stem(t.lower()) for t in _TOKEN.findall(spaced) if t.lower() not in _STOP and t != "*"]


def bm25_scores(query: list[str], docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> list[float]:
    n = len(docs)
    if not n or not query:
        return [0.0] * n
    avg = sum(len(d) for d in docs) / n or 1.0
    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d))
    scores = []
    for d in docs:
        tf = Counter(d)
        s = 0.0
        for q in set(query):
            if q not in tf:
                continue
            idf = math.log(1 + (n - df[q] + 0.5) / (df[q] + 0.5))
            s += idf * tf[q] * (k1 + 1) / (tf[q] + k1 * (1 - b + b * len(d) / avg))
        scores.append(s)
    return scores


@dataclass
class Hit:
    kind: str  # 'template' | 'parameter' | 'workflow'
    ref: str  # template id, 'template_id:position', or the session key
    score: float
    text: str
    template_id: str | None = None
    bm25: float = 0.0
    cosine: float | None = None


@dataclass
class ValueMatch:
    value: str  # as stored
    template_id: str
    position: int
    name: str
    type: str
    count: int


@dataclass
class Retrieval:
    question: str
    hits: list[Hit] = field(default_factory=list)
    values: list[ValueMatch] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Hit]:
        return [h for h in self.hits if h.kind == kind]

    @property
    def templates(self) -> list[Hit]:
        return self.of_kind("template")

    @property
    def parameters(self) -> list[Hit]:
        return self.of_kind("parameter")

    @property
    def workflows(self) -> list[Hit]:
        return self.of_kind("workflow")


def _documents(store: Store, system: str) -> list[tuple[str, str, str, str | None]]:
    """(kind, ref, text, template_id) of every retrievable document."""
    from logcopilot.indexing.knowledge import load_templates

    con = store.cursor()
    summaries = {(k, r): t for k, r, t in con.execute(
        "SELECT kind, ref, text FROM summaries WHERE system = ?", [system]).fetchall()}
    templates = {t.template_id: t.template for t in load_templates(store, system)}
    docs: list[tuple[str, str, str, str | None]] = []
    names: dict[str, list[str]] = {}
    for tid, pos, name, typ, ex in con.execute(
            "SELECT template_id, position, name, type, examples FROM parameters WHERE system = ? "
            "ORDER BY template_id, position", [system]).fetchall():
        names.setdefault(tid, []).append(name)
        text = _QUOTED.sub(" ", summaries.get(("parameter", f"{tid}:{pos}"), "")) or (
            f"{name} {typ} {templates.get(tid, '')} " + " ".join(ex or []))
        docs.append(("parameter", f"{tid}:{pos}", f"{name} {text}", tid))
    for tid, tmpl in templates.items():
        # The template text counts twice (it is the title); quoted neighbour templates in the
        # summary would otherwise make a template match the words of the events around it.
        summary = _QUOTED.sub(" ", summaries.get(("template", tid), ""))
        text = f"{tmpl} {tmpl} {summary} {' '.join(names.get(tid, []))}"
        docs.append(("template", tid, text, tid))
    for (kind, ref), text in summaries.items():
        if kind == "workflow":
            docs.append(("workflow", ref, f"workflow session sequence next follow {ref} {_QUOTED.sub(' ', text)}", None))
    return docs


def retrieve(store: Store, system: str, question: str, *, k: int = 10, embedder: Any = None,
             kinds: tuple[str, ...] = ("template", "parameter", "workflow"), alpha: float = 0.5) -> Retrieval:
    """The ``k`` best documents of each kind for ``question``, plus the values it names."""
    docs = [d for d in _documents(store, system) if d[0] in kinds]
    bm = bm25_scores(tokenize(question), [tokenize(d[2]) for d in docs])
    top = max(bm, default=0.0) or 1.0
    cos: dict[tuple[str, str], float] = {}
    if embedder is not None:
        keys, mat, _model = load_vectors(store, system)
        if len(keys):
            out = embedder.embed([question])
            q = np.asarray(getattr(out, "vectors", out), dtype=np.float32)[0]
            q = q / (np.linalg.norm(q) or 1.0)
            cos = dict(zip(keys, (mat @ q).tolist()))
    hits = []
    for (kind, ref, text, tid), s in zip(docs, bm):
        c = cos.get((kind, ref))
        score = s / top if c is None else alpha * s / top + (1 - alpha) * max(c, 0.0)
        hits.append(Hit(kind, ref, score, text, tid, s, c))
    hits.sort(key=lambda h: (-h.score, h.kind, h.ref))
    ranked: list[Hit] = []
    for kind in kinds:
        ranked.extend([h for h in hits if h.kind == kind and h.score > 0][:k])
    ranked.sort(key=lambda h: (-h.score, h.kind, h.ref))
    return Retrieval(question, ranked, match_values(store, system, question))


def _value_tokens(question: str) -> list[str]:
    out = []
    for m in _VALUE_TOKEN.finditer(question):
        tok = next(g for g in m.groups() if g is not None).strip().rstrip(".:")
        if len(tok) >= 2 and tok.lower() not in _STOP:
            out.append(tok)
    return list(dict.fromkeys(out))


def match_values(store: Store, system: str, question: str, *, limit: int = 50) -> list[ValueMatch]:
    """Stored parameter values named in the question (exact, case-insensitive; an IP also matches ip:port)."""
    toks = _value_tokens(question)
    if not toks:
        return []
    lowered = [t.lower() for t in toks]
    ips = [t for t in toks if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", t)]
    cond = "lower(v.value) IN (SELECT unnest(?::VARCHAR[]))"
    args: list[Any] = [system, lowered]
    if ips:
        cond += " OR list_contains(?::VARCHAR[], split_part(v.value, ':', 1))"
        args.append(ips)
    rows = store.cursor().execute(
        f"""SELECT v.value, v.template_id, v.position, p.name, p.type, v.count
            FROM parameter_values v JOIN parameters p USING (system, template_id, position)
            WHERE v.system = ? AND ({cond}) ORDER BY v.count DESC, v.template_id, v.position LIMIT ?""",
        [*args, limit]).fetchall()
    return [ValueMatch(str(a), str(b), int(c), str(d), str(e), int(f)) for a, b, c, d, e, f in rows]
