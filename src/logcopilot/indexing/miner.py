"""Template mining: group log messages by event and write each group's template.

In: messages (the free-text part of log lines). Out: a ``MiningResult`` with one template
per cluster (``<*>`` for variables) and the cluster of every message.

The pipeline, each step general (no rule names a log system):

1. **mask** common value shapes (``masking.Masker``: numbers, IPs, ids, paths, ...) and
   split on whitespace;
2. **cluster** the distinct masked sequences, most frequent first, Drain-style: candidates
   share the length and the first word; a sequence joins the most similar cluster when at
   least ``similarity`` of the positions agree and the disagreeing positions differ in a
   value (digits, a mask, punctuation around a value), with plain words differing in at
   most ``max_word_diffs`` positions and never in the first (it names the event);
3. **variables from statistics**: a position whose tokens differ inside a cluster is a
   variable; the shared punctuation around it stays (``(uid=<*>)``, ``<*>,``,
   ``com.apple.<*>:``), so punctuation-joined tokens keep their constant parts;
4. **split over-merged clusters**: a position whose differing part is a word (or an
   identifier) with at most ``split_max_values`` values is an event name (``VM Paused`` /
   ``VM Resumed``), unless a value keyword precedes it (``user alice``), or the values are
   seen once each after a preposition (``for alice``) or carry digits;
   (before clustering, a comma-separated run of two or more blocks of the same shape --
   ``[Trip(id=<*>, ...), Trip(id=<*>, ...)]``, ``[<*>, <*>, <*>]`` -- becomes one ``<*>``:
   a list of varying length is one variable, not a template per length with a slot per item);
5. **merge over-split clusters**: clusters whose templates become equal when each stretch
   of variables collapses, and an optional parenthesised value (``(3.9 KB)``) is dropped,
   are one event whose variable spans a varying number of words; the merged template is
   aligned so that it still matches every member.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from logcopilot.indexing.masking import VAR, Masker

__all__ = ["MinerConfig", "MiningResult", "TemplateMiner", "collapse_repeats", "generalise_tokens", "tokenize"]

_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"^[A-Za-z][A-Za-z_'-]*[A-Za-z]$|^[A-Za-z]$")
_PREFIX_END = frozenset("([{\"'=:#@,;|-.")
_SUFFIX_START = frozenset(")]}\"',;:.!?|")
_PAREN_VAR = re.compile(r" \((?:<\*>[^()\s]*)(?: [A-Za-z]+)?\)")
_ID = re.compile(r"^[\w.-]*\d[\w.-]*$")
_PUNCT_ONLY = re.compile(r"^(?:(?!<\*>)[^\w])+$")  # punctuation, and not a masked value
_VARISH = re.compile(r"^[^\w]*<\*>(?:[^\w]*<\*>)*[^\w]*$")


@dataclass(frozen=True)
class MinerConfig:
    """One shared configuration; the defaults are what the benchmark measures."""

    similarity: float = 0.5  # share of positions that must agree to join a cluster
    max_word_diffs: int = 1  # positions where two plain words may disagree
    split_max_values: int = 4  # a word position with at most this many values may be an event name
    split_min_support: int = 2  # ... and, after a preposition, each value is seen this often
    # words after which a token is a value even when it looks like a word (user root)
    value_after: frozenset[str] = frozenset(
        {"user", "users", "username", "login", "host", "hostname", "file", "domain", "node", "name", "account"}
    )
    weak_value_after: frozenset[str] = frozenset({"for", "from", "to", "by", "as", "at", "of", "with", "on", "in"})


@dataclass
class MiningResult:
    templates: list[str]  # template text per cluster id
    assignment: list[int]  # cluster id per input message
    sizes: list[int] = field(default_factory=list)  # messages per cluster


def tokenize(masked: str) -> tuple[str, ...]:
    return tuple(masked.split())


_OPEN = "[({"
_CLOSE = ")]}"
_MAX_BLOCK = 24  # tokens per repeated block (a record of ~20 fields)
# Tokens a run must span: short fixed lists ("{{<*>, <*>}, {<*>, <*>}}", "[<*>, <*>, <*>]") stay
# slot by slot as in Loghub's templates; longer lists, whose length varies, collapse.
_MIN_RUN = 6
_NESTED = re.compile(r"[\"'()\[\]{}]")
_RECORD = re.compile(r"^[A-Za-z]\w*[({]\w+=")  # a record's first field: Ticket(seatNo=...


def _shape(token: str) -> str:
    """What a list item's token looks like regardless of its value: ``key=`` or a value mark."""
    core = token.strip(_OPEN + _CLOSE + ",;")
    if "=" in core:
        key, value = core.split("=", 1)
        # a value with its own quotes or brackets ("x)]},[vary:\"a\"") is not one field of the list
        return key + "=" if not _NESTED.search(value) else token
    return "\x00" if _value_like(core) else core


def collapse_repeats(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Each long bracketed, comma-separated run of same-shaped blocks holding values becomes one ``<*>``.

    >>> collapse_repeats(tuple(("ids: [" + ", ".join(["<*>"] * 20) + "] done").split()))
    ('ids:', '[<*>]', 'done')
    """
    if len(tokens) < _MIN_RUN or sum(1 for t in tokens if t.endswith(",")) < 2:
        return tokens  # the common case: no list at all
    shapes = [_shape(t) for t in tokens]
    n = len(tokens)
    out: list[str] = []
    i = 0
    while i < n:
        best_p, best_k = 0, 1
        if not (tokens[i].startswith(tuple(_OPEN)) or _RECORD.match(tokens[i])):
            # a list opens with a bracket ([a, b, ...]) or is a run of records (Ticket(seatNo=1, ...), ...)
            out.append(tokens[i])
            i += 1
            continue
        for p in range(1, min(_MAX_BLOCK, (n - i) // 2) + 1):
            block = shapes[i:i + p]
            if "\x00" not in block and not any("=" in s for s in block):
                continue  # a repeated block of plain words is text, not a list of values
            k = 1
            while (i + (k + 1) * p <= n and shapes[i + k * p:i + (k + 1) * p] == block
                   and tokens[i + k * p - 1].endswith(",")):
                k += 1
            if k >= 2 and k * p >= _MIN_RUN and k * p > best_k * best_p:
                best_p, best_k = p, k
        if best_k < 2:
            out.append(tokens[i])
            i += 1
            continue
        first, last = tokens[i], tokens[i + best_k * best_p - 1]
        lead = first[:len(first) - len(first.lstrip(_OPEN))]
        trail = last[len(last.rstrip(_CLOSE + ",;")):]  # the brackets that close the list
        out.append(lead + VAR + trail)
        i += best_k * best_p
    return tuple(out)


def _value_like(token: str) -> bool:
    """Could this token be a parameter value? Words and bare punctuation are not."""
    if VAR in token or _DIGIT.search(token):
        return True
    if _PUNCT_ONLY.match(token):
        return False
    return not _WORD.match(token.strip(".,;:!?()[]{}\"'=#*"))


def _common_prefix(values: Sequence[str]) -> str:
    first = values[0]
    n = len(first)
    for v in values[1:]:
        n = min(n, len(v))
        i = 0
        while i < n and first[i] == v[i]:
            i += 1
        n = i
    return first[:n]


def _edges(values: Sequence[str]) -> tuple[str, str]:
    """Shared prefix and suffix of differing tokens, cut at punctuation boundaries."""
    prefix = _common_prefix(values)
    # never cut inside a word or a <*>: back off to a separator character
    while prefix and (prefix[-1] not in _PREFIX_END or prefix.endswith("<*>")):
        prefix = prefix[:-1]
    rest = [v[len(prefix) :] for v in values]
    suffix = _common_prefix([v[::-1] for v in rest])[::-1]
    while suffix and (suffix[0] not in _SUFFIX_START or suffix.startswith("<*>")):
        suffix = suffix[1:]
    if any(len(prefix) + len(suffix) > len(v) for v in values):
        suffix = ""
    return prefix, suffix


def generalise_tokens(values: Sequence[str]) -> str:
    """One template token for differing tokens: their shared edges around ``<*>``.

    >>> generalise_tokens(["(uid=0)", "(uid=1000)"])
    '(uid=<*>)'
    """
    first = values[0]
    if all(v == first for v in values):
        return first
    prefix, suffix = _edges(values)
    return prefix + VAR + suffix


@lru_cache(maxsize=65536)
def _word_diff(t: str, s: str) -> bool:
    """Do two differing tokens differ in words (an event name), not in a value?"""
    prefix, suffix = _edges([t, s])
    mt, ms = t[len(prefix) : len(t) - len(suffix)], s[len(prefix) : len(s) - len(suffix)]
    if t != VAR and (_value_like(mt) or _value_like(ms)):
        return False
    return not (_value_like(s) and t == VAR)


def _aligned_name(texts: Sequence[str]) -> str:
    """One template for texts that differ by optional stretches ("<*> bytes (<*> KB) sent"
    and "<*> bytes sent"): differing stretches, with the token before an optional one,
    become one variable, so the template still matches every member."""
    base = max(texts, key=lambda t: (len(t.split(" ")), t)).split(" ")
    var = [False] * len(base)
    for other in texts:
        sm = difflib.SequenceMatcher(a=base, b=other.split(" "), autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal":
                continue
            lo = max(0, i1 - 1) if (i1 == i2 or j1 == j2) else i1
            for k in range(lo, max(i2, lo + 1)):
                var[min(k, len(base) - 1)] = True
    out: list[str] = []
    for tok, v in zip(base, var, strict=True):
        if not v:
            out.append(tok)
        elif not out or out[-1] != VAR:
            out.append(VAR)
    return " ".join(out)


class _Cluster:
    __slots__ = ("members", "template", "word_diffs")

    def __init__(self, tokens: tuple[str, ...]) -> None:
        self.template: list[str] = list(tokens)
        self.members: list[tuple[str, ...]] = [tokens]
        self.word_diffs: set[int] = set()


class TemplateMiner:
    """Mine templates from messages. ``mine`` is batch; the stage matches known templates
    first and mines only what is left, which makes indexing incremental."""

    def __init__(self, masker: Masker | None = None, config: MinerConfig | None = None) -> None:
        self.masker = masker or Masker()
        self.config = config or MinerConfig()

    # -- step 2: clustering --------------------------------------------------------
    def _fits(self, cluster: _Cluster, seq: tuple[str, ...]) -> tuple[float, set[int]] | None:
        n = len(seq)
        same = sum(1 for t, s in zip(cluster.template, seq, strict=True) if t == s)
        if same == 0 or (n > 1 and same / n < self.config.similarity):
            return None  # cheap test first: most candidates fail here
        words: set[int] = set()
        for i, (t, s) in enumerate(zip(cluster.template, seq, strict=True)):
            if t == s:
                continue
            if _PUNCT_ONLY.match(s) or _PUNCT_ONLY.match(cluster.members[0][i]):
                return None  # separators such as "****" or "--" are structure
            if t == VAR and i in cluster.word_diffs:
                continue
            if not _word_diff(t if t == VAR else cluster.members[0][i], s):
                continue
            if i == 0:
                return None  # the first word names the event, as in Drain's prefix tree
            words.add(i)
        if len(words | cluster.word_diffs) > self.config.max_word_diffs:
            return None
        return same / n, words

    def _cluster(self, counts: Counter[tuple[str, ...]]) -> list[_Cluster]:
        # candidates share the length and the first word (a value-like first token
        # shares the bucket of all value-like first tokens), as in Drain's tree
        buckets: dict[tuple[int, str], list[_Cluster]] = defaultdict(list)
        for seq, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            best: _Cluster | None = None
            best_sim = -1.0
            best_words: set[int] = set()
            key = (len(seq), seq[0] if seq and not _value_like(seq[0]) else VAR)
            for c in buckets[key]:
                fit = self._fits(c, seq)
                if fit is not None and fit[0] > best_sim:
                    best, best_sim, best_words = c, fit[0], fit[1]
            if best is None:
                buckets[key].append(_Cluster(seq))
                continue
            best.members.append(seq)
            best.word_diffs |= best_words
            for i, (t, s) in enumerate(zip(best.template, seq, strict=True)):
                if t != s:
                    best.template[i] = VAR
        return [c for cs in buckets.values() for c in cs]

    # -- steps 3-4: variables and splitting ----------------------------------------
    def _template(self, members: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
        return tuple(generalise_tokens([m[i] for m in members]) for i in range(len(members[0])))

    def is_event_name(self, values: Counter[str], prev: str) -> bool:
        """Do these values of one position (differing parts only, with their counts) name
        events rather than carry a parameter? ``prev`` is the constant word before them."""
        cfg = self.config
        if not 2 <= len(values) <= cfg.split_max_values:
            return False
        if any(VAR in v or not v for v in values):
            return False
        prev = prev.lower().strip(":=")
        if prev in cfg.value_after:
            return False
        # identifiers (eth0) and words after a preposition (for alice) seen once each
        # are parameters; event names recur
        rare = min(values.values()) < cfg.split_min_support
        return not (rare and (prev in cfg.weak_value_after or any(_DIGIT.search(v) for v in values)))

    def _split(
        self, members: list[tuple[str, ...]], counts: Counter[tuple[str, ...]]
    ) -> list[list[tuple[str, ...]]]:
        for i in range(len(members[0])):
            tokens: Counter[str] = Counter()
            for m in members:
                tokens[m[i]] += counts[m]
            if len(tokens) < 2:
                continue
            # compare what differs: "dcbf....<*>" and "icbi....<*>" differ in a word
            prefix, suffix = _edges(list(tokens))
            middles: Counter[str] = Counter()
            for tok, n in tokens.items():
                middles[tok[len(prefix) : len(tok) - len(suffix)]] += n
            prev = members[0][i - 1] if i > 0 else ""
            if i > 0 and any(m[i - 1] != prev for m in members):
                prev = ""
            if not self.is_event_name(middles, prev):
                continue
            groups: dict[str, list[tuple[str, ...]]] = defaultdict(list)
            for m in members:
                groups[m[i]].append(m)
            out: list[list[tuple[str, ...]]] = []
            for g in groups.values():
                out.extend(self._split(g, counts))
            return out
        return [members]

    # -- step 5: merging ------------------------------------------------------------
    @staticmethod
    def _runs(tokens: Sequence[str]) -> list[str]:
        """Tokens with each variable stretch joined into one item: a run of two or more
        value-like tokens, or a single token made only of variables and punctuation."""
        out: list[str] = []
        i = 0
        while i < len(tokens):
            j = i
            while j < len(tokens) and (_VARISH.match(tokens[j]) or _ID.match(tokens[j])):
                j += 1
            if j - i >= 2 or (j == i + 1 and _VARISH.match(tokens[i])):
                out.append(" ".join(tokens[i:j]))
                i = j
            else:
                out.append(tokens[i])
                i += 1
        return out

    def _collapsed(self, text: str, *, drop_parens: bool) -> str:
        if drop_parens:  # an optional parenthesised value "(3.9 KB)" does not make another event
            text = _PAREN_VAR.sub("", text)
        runs = self._runs(text.split(" "))
        return " ".join(VAR if (" " in r or _VARISH.match(r)) else r for r in runs)

    def _merge_groups(self, texts: Sequence[str]) -> list[list[str]]:
        """Texts that are one event: equal once variable stretches collapse, with or
        without optional parenthesised values (union of both criteria)."""
        parent = list(range(len(texts)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for drop in (False, True):
            first: dict[str, int] = {}
            for i, t in enumerate(texts):
                j = first.setdefault(self._collapsed(t, drop_parens=drop), i)
                parent[find(i)] = find(j)
        groups: dict[int, list[str]] = defaultdict(list)
        for i, t in enumerate(texts):
            groups[find(i)].append(t)
        return list(groups.values())

    def _merged_name(self, texts: list[str]) -> str:
        runs = [self._runs(t.split(" ")) for t in texts]
        if len({len(r) for r in runs}) > 1:  # aligned only after dropping "(<*> KB)"
            return _aligned_name(texts)
        return " ".join(generalise_tokens(col) if len(set(col)) > 1 else col[0] for col in zip(*runs, strict=True))

    def mine(self, messages: Sequence[str]) -> MiningResult:
        """Cluster ``messages`` and name each cluster by its template.

        >>> r = TemplateMiner().mine(["user ann took 3 ms", "user bob took 12 ms", "closed"])
        >>> [r.templates[c] for c in r.assignment]
        ['user <*> took <*> ms', 'user <*> took <*> ms', 'closed']
        """
        collapsed: dict[str, tuple[str, ...]] = {}
        seqs = []
        for m in self.masker.mask_all(messages):
            seq = collapsed.get(m)
            if seq is None:
                seq = collapsed[m] = collapse_repeats(tokenize(m))
            seqs.append(seq)
        counts: Counter[tuple[str, ...]] = Counter(seqs)
        clusters = self._cluster(counts)
        groups: list[list[tuple[str, ...]]] = []
        for c in clusters:
            groups.extend(self._split(c.members, counts))
        template_of: dict[tuple[str, ...], str] = {}
        by_text: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for g in groups:
            text = " ".join(self._template(g))
            by_text[text].extend(g)
        # over-split: same event with a variable spanning a varying number of tokens
        final: list[str] = []
        for texts in self._merge_groups(list(by_text)):
            name = texts[0] if len(texts) == 1 else self._merged_name(texts)
            for t in texts:
                for seq in by_text[t]:
                    template_of[seq] = name
            if name not in final:  # two merges may arrive at the same text
                final.append(name)
        index = {t: i for i, t in enumerate(final)}
        assignment = [index[template_of[s]] for s in seqs]
        sizes = [0] * len(final)
        for a in assignment:
            sizes[a] += 1
        return MiningResult(final, assignment, sizes)
