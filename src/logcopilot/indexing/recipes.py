"""LogQL recipes per template: build them, then verify them on the engine.

In: a system's lines with their template ids and params (``entries``) and the named slots
(``indexing.parameters``). Out: one ``Recipe`` per template in the ``recipes`` table:

* a **line filter** that selects exactly the template's lines -- its most selective constant
  text (``|= "..."``), more constants while other templates still match, ``!= "..."`` for the
  distinctive text of templates that contain this one's text (``Failed password for`` vs
  ``Failed password for invalid user``), and a ``|~`` regex of the whole template as a last resort;
* an **extraction** ``| regexp`` whose named groups are the parameter names, built from the
  template (constants escaped, each slot a group shaped by its values).

Each recipe is first checked locally (substring tests through a word index, Python's ``re``),
then **verified on the engine**: ``sum(count_over_time(<selector> <filter> [all]))`` must equal
the template's line count, and the log query with the extraction must return exactly the
template's lines with labels equal to the stored parameter values. The result (verified +
reason) is stored with the recipe.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from logcopilot.engine.store import Store
from logcopilot.errors import StoreError
from logcopilot.indexing.knowledge import TemplateRow, system_where
from logcopilot.indexing.parameters import SLOT, Parameter, split_template

__all__ = [
    "EngineQueries",
    "EngineRunner",
    "Recipe",
    "build_recipe",
    "build_recipes",
    "engine_runner",
    "logql_string",
    "template_regex",
    "verify_recipes",
    "write_recipes",
]

_MIN_PIECE = 3  # shorter constants ("[", ":") select too much to be worth a filter
_MAX_POSITIVE = 3
_MAX_NEGATIVE = 6
_MAX_NEGATIVE_CANDIDATES = 40  # longest constants of a look-alike template tried as != filters
_WORD = re.compile(r"\w+")
# Slots a recipe extracts: a wide template (a record dump with 100+ slots) would otherwise
# carry a regex of its whole text that costs the engine seconds per query; its first slots
# (the ones a question names) are extracted and the rest stays in the line.
MAX_NAMED = 12


class EngineRunner(Protocol):
    """What verification needs from the LogQL engine (see ``engine_runner``)."""

    def count(self, query: str, start_ns: int, end_ns: int) -> float: ...

    def logs(self, query: str, start_ns: int, end_ns: int, limit: int) -> list[tuple[str, dict[str, str]]]: ...


@dataclass
class Recipe:
    template_id: str
    selector: str
    line_filter: str
    extraction: str | None
    expected_count: int
    verified: bool = False
    reason: str = "not verified"
    matched_count: int | None = None
    extracted_ok: int | None = None
    local_ok: bool = False


class EngineQueries:
    """``EngineRunner`` over the embedded executor (``logcopilot.engine.executor``)."""

    def __init__(self, store: Store) -> None:
        from logcopilot.engine.executor import execute_instant, execute_range
        from logcopilot.logql import parse

        self._cur = store.cursor()
        self._parse, self._instant, self._range = parse, execute_instant, execute_range

    def count(self, query: str, start_ns: int, end_ns: int) -> float:
        # The instant window is (end - range, end]: a whole number of seconds covering start.
        seconds = -(-(end_ns - start_ns) // 10**9) + 1
        res = self._instant(self._cur, self._parse(f"sum(count_over_time({query} [{seconds}s]))"), end_ns)
        return float(sum(s.value for s in getattr(res, "samples", [])))

    def logs(self, query: str, start_ns: int, end_ns: int, limit: int) -> list[tuple[str, dict[str, str]]]:
        res = self._range(self._cur, self._parse(query), start_ns, end_ns, limit=limit, direction="forward")
        return [(line, dict(st.labels)) for st in getattr(res, "streams", []) for _, line in st.entries]


def engine_runner(store: Store) -> EngineRunner:
    """The embedded engine as a runner; ``StoreError`` names what is missing when it cannot load."""
    try:
        return EngineQueries(store)
    except ImportError as exc:
        raise StoreError(f"the LogQL engine is not available: {exc}") from None


def logql_string(text: str) -> str:
    """A LogQL string literal: backquoted when possible (no escaping), else double-quoted."""
    if "`" not in text:
        return f"`{text}`"
    return json.dumps(text, ensure_ascii=False)


def _slot_regex(values: Sequence[str], last: bool, follow: str = "", lazy: bool = False) -> str:
    """A slot's regex from its values; ``follow`` is the constant text right after it."""
    vals = [v for v in values if v != ""]
    star = "*" if len(vals) < len(values) or not vals else "+"
    q = star + ("?" if lazy else "")
    if vals and all(v.isdigit() and v.isascii() for v in vals):
        return r"\d" + q
    if vals and all(re.fullmatch(r"-?\d+", v) for v in vals):
        return r"-?\d" + q
    if all(not re.search(r"\s", v) for v in vals):
        # A delimiter that follows the slot (``<*>:<*>``) and occurs in no value ends the slot.
        stop = follow[:1]
        if stop and not stop.isspace() and not stop.isalnum() and all(stop not in v for v in vals):
            return "[^\\s" + re.escape(stop) + "]" + q
        return r"\S" + q
    return ".*" if last and not lazy else ".*?"


def template_regex(template: str, params: Sequence[Parameter], values: Mapping[int, Sequence[str]],
                   *, prefix: str = "", suffix: str = "", named: bool = True, lazy: bool = False,
                   json_escaped: bool = False) -> str:
    """The template as an RE2 regex; slots become (named) groups shaped by their values."""
    pieces = split_template(template)
    if json_escaped:
        # Inside a JSON string the message ends at the closing quote.
        pieces = [_json_escaped(p) for p in pieces]
        pieces[-1] += '"'

    out = [prefix]
    names = {p.position: p.name for p in params}
    for i, piece in enumerate(pieces):
        out.append(r"\s+".join(re.escape(w) for w in re.split(r"\s+", piece)) if piece.strip() else
                   (r"\s+" if piece else ""))
        if i < len(pieces) - 1:
            body = _slot_regex(values.get(i, ()), last=(i == len(pieces) - 2 and not pieces[-1].strip()),
                               follow=pieces[i + 1], lazy=lazy)
            out.append(f"(?P<{names.get(i, f'p{i}')}>{body})" if named else f"(?:{body})")
    out.append(suffix)
    return "".join(out)


class _Lines:
    """The system's lines in memory with a word index, to count candidate filters fast.

    A constant text can only occur in lines holding each word it contains whole (a word
    with a non-word character on both sides inside the text), so the index narrows the
    lines to test; the substring test on those is exact. Filter chains are set algebra.
    """

    def __init__(self, store: Store, system: str) -> None:
        rows = store.cursor().execute(
            f"SELECT line, template_id, params FROM entries WHERE {system_where()} ORDER BY ts, seq",
            [system]).fetchall()
        self.lines = [str(r[0]) for r in rows]
        self.tids = [str(r[1]) if r[1] is not None else "" for r in rows]
        self._by_tid: dict[str, list[tuple[str, list[str]]]] = {}
        self._own: dict[str, set[int]] = {}
        self._index: dict[str, set[int]] = {}
        for i, (line, tid, params) in enumerate(rows):
            self._by_tid.setdefault(str(tid), []).append((str(line), [str(v) for v in (params or [])]))
            self._own.setdefault(str(tid), set()).add(i)
            for w in set(_WORD.findall(str(line))):
                self._index.setdefault(w, set()).add(i)
        self._all = set(range(len(self.lines)))
        self._cache: dict[str, frozenset[int]] = {}

    def match(self, text: str) -> frozenset[int]:
        """Indices of the lines containing ``text``."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        whole = [m.group() for m in _WORD.finditer(text) if m.start() > 0 and m.end() < len(text)]
        pool: set[int] = self._all
        for w in sorted(whole, key=lambda w: len(self._index.get(w, ())))[:2]:
            pool = pool & self._index.get(w, set()) if pool is not self._all else self._index.get(w, set())
        hit = frozenset(i for i in pool if text in self.lines[i])
        self._cache[text] = hit
        return hit

    def own(self, tid: str) -> set[int]:
        return self._own.get(tid, set())

    def select(self, contains: Sequence[str], excludes: Sequence[str] = ()) -> set[int]:
        return self._select(contains, excludes, None)

    def _select(self, contains: Sequence[str], excludes: Sequence[str], regex: str | None) -> set[int]:
        sel: set[int] | None = None
        for c in sorted(contains, key=lambda c: len(self.match(c))):
            sel = set(self.match(c)) if sel is None else sel & self.match(c)
        sel = set(self._all) if sel is None else sel
        for e in excludes:
            sel -= self.match(e)
        if regex is not None:
            rx = re.compile(regex, re.ASCII)
            sel = {i for i in sel if rx.search(self.lines[i])}
        return sel

    def single_counts(self, tid: str, cands: Sequence[str]) -> list[tuple[int, int]]:
        """(own, other) lines containing each candidate."""
        own = self._own.get(tid, set())
        out = []
        for c in cands:
            m = self.match(c)
            n = len(m & own)
            out.append((n, len(m) - n))
        return out

    def counts(self, tid: str, contains: Sequence[str], excludes: Sequence[str] = (),
               regex: str | None = None) -> tuple[int, int]:
        """(lines of ``tid`` selected, other lines selected) by the filter chain."""
        sel = self._select(contains, excludes, regex)
        n = len(sel & self._own.get(tid, set()))
        return n, len(sel) - n

    def regex_others(self, tid: str, contains: Sequence[str], excludes: Sequence[str], regex: str,
                     *, below: int) -> int | None:
        """Other lines the chain plus ``regex`` selects, or None when the regex misses a line of
        ``tid`` or selects ``below`` others or more. Both tests stop at the first deciding line:
        a candidate regex over long lines is the costly part of building recipes."""
        rx = re.compile(regex, re.ASCII)
        own = self._own.get(tid, set())
        if not all(rx.search(self.lines[i]) for i in own):
            return None
        other = 0
        for i in self._select(contains, excludes, None) - own:
            if rx.search(self.lines[i]):
                other += 1
                if other >= below:
                    return None
        return other

    def foreign_templates(self, tid: str, contains: Sequence[str], excludes: Sequence[str]) -> list[str]:
        sel = self._select(contains, excludes, None) - self._own.get(tid, set())
        return [t for t, _ in Counter(self.tids[i] for i in sel).most_common(20) if t]

    def lines_of(self, tid: str) -> list[tuple[str, list[str]]]:
        return self._by_tid.get(tid, [])

    def close(self) -> None:
        self._index.clear()
        self._cache.clear()


def _json_escaped(text: str) -> str:
    """How ``text`` appears inside a JSON string (a message stored in a JSON log line)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _pieces(template: str) -> list[str]:
    """Candidate literal filters: the constant texts between slots, longest first.

    Each also in its JSON-escaped form, for lines that are JSON objects around the message;
    the filter search keeps only the forms every line of the template contains.
    """
    out = {p.strip() for p in split_template(template) if len(p.strip()) >= _MIN_PIECE}
    out |= {w for p in split_template(template) for w in p.split() if len(w) >= _MIN_PIECE}
    # A word with the space before it tells "user=" apart from "ruser=".
    out |= {m.group() for p in split_template(template) for m in re.finditer(r" \S{%d,}" % _MIN_PIECE, p)}
    out |= {_json_escaped(p) for p in out}
    return sorted(out, key=lambda s: (-len(s), s))


def _choose_filter(lines: _Lines, t: TemplateRow, texts: dict[str, str]) -> tuple[list[str], list[str], int]:
    """Greedy: positive constants while they help, then negatives from look-alike templates."""
    pieces = _pieces(t.template)
    for c in pieces:  # longest first: the first exact one is the recipe (the common case)
        if lines.single_counts(t.template_id, [c])[0] == (t.count, 0):
            return [c], [], 0
    singles = dict(zip(pieces, lines.single_counts(t.template_id, pieces)))
    cands = [c for c in pieces if singles[c][0] == t.count]
    pos: list[str] = []
    foreign = lines.counts(t.template_id, [])[1]
    for _ in range(_MAX_POSITIVE):
        best: tuple[int, str] | None = None
        for c in cands:
            if c in pos or any(c in p for p in pos):
                continue
            f = singles[c][1] if not pos else lines.counts(t.template_id, [*pos, c])[1]
            if best is None or f < best[0]:
                best = (f, c)
        if best is None or best[0] >= foreign:
            break
        pos.append(best[1])
        foreign = best[0]
        if foreign == 0:
            return pos, [], 0
    neg: list[str] = []
    own = lines.own(t.template_id)
    for other in lines.foreign_templates(t.template_id, pos, neg):
        if foreign == 0 or len(neg) >= _MAX_NEGATIVE:
            break
        selected = lines.select(pos, neg) - own  # the other lines still selected
        best_n: tuple[int, str] | None = None
        for c in _pieces(texts.get(other, ""))[:_MAX_NEGATIVE_CANDIDATES]:
            m = lines.match(c)
            if c in pos or m & own:
                continue  # would drop lines of this template
            f = len(selected) - len(selected & m)
            if f < foreign and (best_n is None or f < best_n[0]):
                best_n = (f, c)
        if best_n is not None:
            neg.append(best_n[1])
            foreign = best_n[0]
    return pos, neg, foreign


def _filter_text(pos: Sequence[str], neg: Sequence[str], regex: str | None) -> str:
    parts = [f"|= {logql_string(c)}" for c in pos] + [f"!= {logql_string(c)}" for c in neg]
    if regex is not None:
        parts.append(f"|~ {logql_string(regex)}")
    return " ".join(parts)


def _extraction_ok(rx: str, lines: Sequence[tuple[str, list[str]]]) -> bool:
    try:
        comp = re.compile(rx, re.ASCII)
    except re.error:
        return False
    for line, params in lines:
        m = comp.search(line)
        if m is None or list(m.groups()) != params:
            return False
    return True


# Where the message starts and ends in the raw line is not known here (headers differ), so
# recipes try, in order: unanchored; after whitespace or a header delimiter; and anchored at
# the end of the line (the message is the last field of header formats).
_PREFIXES = ("", r"(?:^|\s)", r"(?:^|[\s:\]\[(,])")
_ANCHORS = tuple((p, s) for s in ("", r"\s*$") for p in _PREFIXES)
_EXTRACTION_VARIANTS = tuple((p, s, lazy, js) for js in (False, True) for lazy in (False, True) for p, s in _ANCHORS)


def build_recipe(lines: _Lines, t: TemplateRow, params: Sequence[Parameter], texts: dict[str, str],
                 selector: str) -> Recipe:
    """The recipe for one template, checked against the stored lines (not yet the engine)."""
    tl = lines.lines_of(t.template_id)
    values = {i: sorted({p[i] for _, p in tl if i < len(p)}) for i in range(t.template.count(SLOT))}
    sample = tl[:2000]
    extraction: str | None = None
    ext_rx: str | None = None
    ext_text = t.template
    if len(params) > MAX_NAMED:
        # The head up to the constant after the last named slot; no end anchor (the rest varies).
        ext_text = SLOT.join(split_template(t.template)[:MAX_NAMED + 1])
        params = params[:MAX_NAMED]
        sample = [(line, vals[:MAX_NAMED]) for line, vals in sample]
    ext_variants = _EXTRACTION_VARIANTS if ext_text == t.template else \
        tuple(v for v in _EXTRACTION_VARIANTS if not v[1])
    if params:
        for prefix, suffix, lazy, js in ext_variants:
            rx = template_regex(ext_text, params, values, prefix=prefix, suffix=suffix, lazy=lazy, json_escaped=js)
            if js and ext_text != t.template:
                rx = rx[:-1]  # a head ends inside the JSON string: no closing quote
            if _extraction_ok(rx, sample):
                ext_rx = rx
                break
        ext_rx = ext_rx or template_regex(ext_text, params, values)
        extraction = f"| regexp {logql_string(ext_rx)}"
    pos, neg, foreign = _choose_filter(lines, t, texts)
    regex: str | None = None
    if foreign:
        # Wide templates try a regex of their first slots first: shorter regexes are cheaper
        # to run on every line, and the opening of a message usually tells templates apart.
        pieces = split_template(t.template)
        heads = [SLOT.join(pieces[:k + 1]) for k in (4, 8, 16) if len(pieces) - 1 > k]
        tries = [(h, p, "", js) for h in heads for js in (False, True) for p in _PREFIXES]
        tries += [(t.template, p, sfx, js) for js in (False, True) for p, sfx in _ANCHORS]
        for text, prefix, suffix, js in tries:
            rx = template_regex(text, params, values, prefix=prefix, suffix=suffix, named=False, json_escaped=js)
            if js and not suffix and text != t.template:
                rx = rx[:-1]  # a head ends inside the JSON string: no closing quote
            try:
                other = lines.regex_others(t.template_id, pos, neg, rx, below=foreign)
            except Exception:  # noqa: BLE001 - an RE2-invalid regex is simply not a candidate
                continue
            if other is not None:
                regex, foreign = rx, other
                if other == 0:
                    break
    own, _ = lines.counts(t.template_id, pos, neg, regex=regex)
    r = Recipe(t.template_id, selector, _filter_text(pos, neg, regex) or "|= ``", extraction, t.count)
    problems = []
    if own != t.count or foreign:
        others = ", ".join(lines.foreign_templates(t.template_id, pos, neg)[:3])
        problems.append(f"filter selects {own}/{t.count} own lines and {foreign} lines of other templates "
                        f"({others}) that share its text")
    if ext_rx is not None and not _extraction_ok(ext_rx, sample):
        problems.append("extraction does not reproduce the stored parameters")
    r.local_ok = not problems
    r.reason = "; ".join(problems) or "not verified on the engine"
    return r


def build_recipes(store: Store, system: str, templates: Sequence[TemplateRow], params: Sequence[Parameter],
                  *, selector: str, progress: Callable[[int, int], None] | None = None) -> list[Recipe]:
    by_t: dict[str, list[Parameter]] = {}
    for p in params:
        by_t.setdefault(p.template_id, []).append(p)
    texts = {t.template_id: t.template for t in templates}
    lines = _Lines(store, system)
    out = []
    try:
        for i, t in enumerate(templates, 1):
            out.append(build_recipe(lines, t, sorted(by_t.get(t.template_id, []), key=lambda p: p.position),
                                    texts, selector))
            if progress:
                progress(i, len(templates))
    finally:
        lines.close()
    return out


def verify_recipes(store: Store, system: str, recipes: Sequence[Recipe], params: Sequence[Parameter],
                   runner: EngineRunner, *, progress: Callable[[int, int], None] | None = None) -> None:
    """Run every recipe on the engine and record whether it selects and extracts exactly."""
    row = store.cursor().execute(f"SELECT min(ts), max(ts) FROM entries WHERE {system_where()}", [system]).fetchone()
    if not row or row[0] is None:
        return
    start, end = int(row[0]), int(row[1]) + 1
    names: dict[str, list[str]] = {}
    for p in sorted(params, key=lambda p: p.position):
        if p.position < MAX_NAMED:  # the slots a recipe extracts (see build_recipe)
            names.setdefault(p.template_id, []).append(p.name)
    con = store.cursor()
    for i, r in enumerate(recipes, 1):
        local = r.reason
        try:
            _verify_one(con, system, r, names.get(r.template_id, []), runner, start, end)
        except Exception as exc:  # noqa: BLE001 - any engine failure is this recipe's check result
            r.verified, r.reason = False, f"engine error: {type(exc).__name__}: {exc}"[:500]
        if not r.local_ok and r.verified:  # the engine agreed with a recipe the local check doubted
            r.reason += f" (local check: {local})"
        elif not r.local_ok:
            r.reason += f"; local check: {local}"
        if progress:
            progress(i, len(recipes))


def _verify_one(con: object, system: str, r: Recipe, names: list[str], runner: EngineRunner,
                start: int, end: int) -> None:
    query = f"{r.selector} {r.line_filter}"
    r.matched_count = int(round(runner.count(query, start, end)))
    if r.matched_count != r.expected_count:
        r.verified = False
        r.reason = f"engine selected {r.matched_count} lines, template has {r.expected_count}"
        return
    if r.extraction is None:
        r.verified, r.reason, r.extracted_ok = True, "engine count matches; no parameters", r.expected_count
        return
    got = runner.logs(f"{query} {r.extraction}", start, end, r.expected_count + 10)
    rows = con.execute(  # type: ignore[attr-defined]
        f"SELECT line, params FROM entries WHERE {system_where()} AND template_id = ?",
        [system, r.template_id]).fetchall()
    # A log query returns identical (timestamp, line) entries once, as Loki does, so the check
    # compares distinct (line, values) pairs; extracted_ok counts the stored lines they cover.
    want = Counter((str(line), tuple(str(v) for v in (params or [])[:len(names)])) for line, params in rows)
    have = {(line, tuple(labels.get(n, "\x00missing") for n in names)) for line, labels in got}
    r.extracted_ok = sum(n for key, n in want.items() if key in have)
    errors = sum(1 for _, labels in got if "__error__" in labels)
    if have == set(want) and not errors:
        r.verified, r.reason = True, f"engine count {r.matched_count} matches; {r.extracted_ok} lines extract the stored values"
    else:
        r.verified = False
        r.reason = (f"extraction differs on {r.expected_count - r.extracted_ok} of {r.expected_count} lines"
                    + (f" ({errors} __error__)" if errors else ""))


def write_recipes(store: Store, system: str, recipes: Sequence[Recipe]) -> None:
    con = store.cursor()
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM recipes WHERE system = ?", [system])
    con.executemany(
        "INSERT INTO recipes (system, template_id, line_filter, extraction, selector, expected_count, "
        "matched_count, extracted_ok, verified, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[system, r.template_id, r.line_filter, r.extraction, r.selector, r.expected_count, r.matched_count,
          r.extracted_ok, r.verified, r.reason] for r in recipes])
    con.execute("COMMIT")
