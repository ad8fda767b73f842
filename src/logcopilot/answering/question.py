"""Question analysis: intent, entities, target nouns and answer format, without an LLM.

In: the question text. Out: a ``Question`` record: the intent (one of ``INTENTS``), the
aggregation asked for (avg/max/min/sum), k for top-k, the time bucket for "which hour",
quoted phrases, values named in the question (IPs, ids, hostnames, numbers...), severity
levels, the *target* noun phrase ("which IP address" -> ``ip address``) and the time format
the answer should use.

Everything here reads the *shape* of a question (question words, comparatives, quoted
text, value patterns), never a particular log system.

Example::

    >>> q = analyze("How many distinct IPs failed to log in as root?")
    >>> q.intent, q.target
    ('distinct_count', 'ips')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["INTENTS", "LEVEL_WORDS", "Entity", "Question", "analyze", "words"]

INTENTS = (
    "count",
    "distinct_count",
    "topk",
    "argmax_time",
    "timeseries",
    "first_last",
    "existence",
    "lookup",
    "numeric_agg",
    "ratio",
    "workflow",
    "knowledge",
)

# severity words as people write them -> canonical spellings found in logs
LEVEL_WORDS: dict[str, tuple[str, ...]] = {
    "error": ("ERROR", "ERR", "E"),
    "errors": ("ERROR", "ERR", "E"),
    "warn": ("WARN", "WARNING", "W"),
    "warning": ("WARNING", "WARN", "W"),
    "warnings": ("WARNING", "WARN", "W"),
    "info": ("INFO", "I"),
    "debug": ("DEBUG", "D"),
    "fatal": ("FATAL", "CRITICAL", "F"),
    "critical": ("CRITICAL", "FATAL"),
}

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "single": 1,
}

# value patterns, most specific first; each names the entity type it yields
_VALUE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("uuid", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    ("ip:port", r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}\b"),
    ("ip", r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.]\d)"),
    ("id", r"\b[A-Za-z]+_-?\d{5,}\b"),                     # blk_-123..., job_42...
    ("id", r"\b(?:req|request|trace|span|txn)-[0-9a-fA-F-]{6,}\b"),
    ("hex", r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{12,64}\b"),
    ("name", r"\b[a-z][a-z0-9]*(?:-[a-z0-9]+){2,}\b"),     # ts-order-service, nova-api-x
    ("path", r"(?<!\w)/[\w.\-/]+"),
)

_DATE_LIKE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}:\d{2}(?::\d{2})?\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Entity:
    """A value named in the question: its text and the kind of value it looks like."""

    text: str
    kind: str  # uuid, ip:port, ip, id, hex, name, path, user, quoted, number


@dataclass
class Question:
    text: str
    intent: str = "count"
    agg: str = ""  # avg | max | min | sum for numeric_agg
    k: int = 1
    first: bool = True  # first_last: first (True) or last (False)
    bucket: str = ""  # argmax_time, timeseries: hour | minute | second | day ("" = from the span)
    quoted: list[str] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)  # question words naming severities
    target: str = ""  # noun phrase the answer is about ("ip address", "block size")
    time_format: str = ""  # e.g. "MM-DD HH:MM:SS" when the question asks for one
    negated: list[str] = field(default_factory=list)  # phrases the question excludes
    ratio_of: str = ""  # ratio: the part the question asks the share of
    series_by: str = ""  # timeseries: what each series is ("per hour by component" -> "component")
    keywords: list[str] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)  # value prefixes shown as "req-..." / "blk_<id>"

    @property
    def empty(self) -> bool:
        return not self.text.strip()


_STOP = frozenset(
    """a an the of in on at to for from by with and or not no any all this that these those is are was
    were be been being do does did done have has had how many much what which who whom whose when where
    why there their it its as into than then so such per each every log logs logged line lines message
    messages entry entries time times ever during between after before within over whole total number
    count give answer list show tell me i you we they them one same only also out up down about
    other others use used using can could would should will shall may might""".split()
)


def words(text: str) -> list[str]:
    """Lower-case word tokens, camelCase and snake_case split as well as kept whole."""
    out: list[str] = []
    for tok in re.findall(r"[A-Za-z][A-Za-z0-9_$]*", text):
        low = tok.lower()
        out.append(low)
        parts = re.findall(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+", tok.replace("$", "_"))
        if len(parts) > 1:
            out.extend(p.lower() for p in parts)
    return out


def _quoted(text: str) -> list[str]:
    found: list[str] = []
    for m in re.finditer(r"(?<![A-Za-z])'([^']{2,}?)'(?![A-Za-z])|\"([^\"]{2,}?)\"|`([^`]{2,}?)`|‘([^’]{2,}?)’|“([^”]{2,}?)”", text):
        s = next(g for g in m.groups() if g is not None)
        found.append(s)
    return found


def _entities(text: str, quoted: list[str]) -> list[Entity]:
    seen: set[str] = set()
    out: list[Entity] = []
    masked = text
    for kind, pat in _VALUE_PATTERNS:
        for m in re.finditer(pat, masked):
            val = m.group(0)
            if val in seen or (kind == "path" and _DATE_LIKE.search(val)):
                continue
            seen.add(val)
            out.append(Entity(val, kind))
            masked = masked.replace(val, " " * len(val))
    # user names: "as root", "user admin", "username admin", "account bob"
    for m in re.finditer(r"\b(?:(?:logged|log) in as|as user|user(?:name)?|account)\s+['\"]?([A-Za-z_][\w.-]{0,31})['\"]?", text):
        val = m.group(1)
        if val.lower() in _STOP or val.lower() in {"user", "users", "username", "root?"} or val in seen:
            continue
        if val.lower() in {"invalid", "valid", "existing", "successful", "successfully", "a", "an", "accounts", "account",
                           "names", "name", "logins", "login", "ids", "id", "attempts", "sessions", "requests", "that", "which"}:
            continue
        seen.add(val)
        out.append(Entity(val, "user"))
    # bare numbers that are not times/dates/k (e.g. status 404, port 22)
    for m in re.finditer(r"(?<![\w.:-])(\d{2,})(?![\w.:-])", masked):
        val = m.group(1)
        ctx = text[max(0, m.start() - 12): m.end() + 3]
        if _DATE_LIKE.search(ctx) or val in seen or (len(val) == 4 and val.startswith(("19", "20"))):
            continue
        seen.add(val)
        out.append(Entity(val, "number"))
    return out


_AGG_WORDS = (
    ("avg", r"\b(?:average|avg|mean|on average)\b"),
    ("max", r"\b(?:highest|largest|maximum|max|biggest|longest|greatest|slowest|peak value)\b"),
    ("min", r"\b(?:smallest|lowest|minimum|min|shortest|fastest)\b"),
    ("sum", r"\b(?:sum of|total (?:number of )?(?:bytes|size|seconds|time|duration|amount|price)|in total|added up)\b"),
)
_BUCKETS = ("second", "minute", "hour", "day")


def _target(text: str) -> str:
    """The noun phrase after the question's focus word ("which IP" -> "ip")."""
    low = text.lower()
    pats: tuple[str, ...] = (
        r"\b(?:which|what)\s+(?:are|were)\s+the\s+(?:top\s+)?(?:\d+|one|two|three|four|five|ten)\s+([a-z][\w\s:/-]{0,30}?)(?=\s+(?:of|in|for|with|that|by|from|behind|among)\b|[?,.(]|$)",
        r"\b(?:how many|number of)\s+(?:distinct|different|unique|individual)\s+([a-z][\w\s:()/-]{0,40}?)(?=\s+(?:are|were|is|was|did|do|does|have|has|had|show|appear|tried|got|logged|reported|in|from|with|that|who|which|there|\w+ed)\b|[?,.(]|$)",
        r"\b(?:which|what)\s+(?:\w+\s+)?(?:is|was)\s+the\s+(?:most\s+\w+\s+)?([a-z][\w\s:/-]{0,30}?)(?=\s+(?:of|in|for|with|that|by)\b|[?,.(]|$)",
        r"\b(?:which|what)\s+(?:(?:top\s+)?(?:one|two|three|four|five|\d+)\s+)?([a-z][\w\s:/-]{0,40}?)(?=\s+(?:had|has|have|is|are|was|were|did|do|does|made|appear|appears|received|logged|produced|emitted|show|saw|sent|got|occur|occurs|tried|returned|wrote|reported|logs|log|\w+ed)\b|[?,.(]|$)",
        r"\b(?:average|avg|mean|highest|largest|maximum|max|biggest|longest|smallest|lowest|minimum|min|shortest|total|sum of the|sum of)\s+([a-z][\w\s/-]{0,30}?)(?=\s+(?:in|of|for|seen|reported|from|that|across|among|per|was|is|did)\b|[?,.(]|$)",
        r"\blist\s+(?:the\s+|all\s+)?([a-z][\w\s:/-]{0,30}?)(?=\s+(?:from|that|which|who|in|with|of|for)\b|[?,.(]|$)",
        r"\bhow many\s+([a-z][\w\s-]{0,25}?)(?=\s+(?:did|does|do|were|was|are|is|have|has|had)\b|[?,.]|$)",
        # "name/give/show the top 3 destination addresses for ..."
        r"\btop[\s-]*(?:\d+|one|two|three|four|five|ten)\s+([a-z][\w\s:/-]{0,30}?)(?=\s+(?:of|in|for|with|that|by|from|behind|among|are|were|is|was)\b|[?,.(]|$)",
    )
    if re.match(r"\s*list\b", low):
        pats = (pats[5],) + pats
    for p in pats:
        m = re.search(p, low)
        if m:
            t = re.sub(r"\b(?:the|a|an|distinct|different|unique)\b", " ", m.group(1))
            t = re.sub(r"\s+", " ", t).strip()
            if t:
                return t
    return ""


def _time_format(text: str) -> str:
    m = re.search(r"\b((?:YYYY-)?MM-DD(?:[ T]HH(?::MM|:00)?(?::SS|:00)?)?|HH:MM(?::SS)?)\b", text)
    return m.group(1) if m else ""


def analyze(text: str) -> Question:
    """Read intent, entities and answer shape from a question."""
    q = Question(text=text or "")
    t = q.text.strip()
    if not t:
        return q
    low = t.lower()
    q.quoted = _quoted(t)
    q.entities = _entities(t, q.quoted)
    q.time_format = _time_format(t)
    q.shapes = [m.group(1) for m in re.finditer(r"(?<![\w])([A-Za-z]{2,12}[-_])(?:\.\.\.|…|<[^<>]{1,12}>|\*)", t)]
    q.target = _target(t)
    plain = t
    for e in q.entities:  # values are matched against stored values, not as message words
        if e.kind in ("uuid", "ip:port", "ip", "id", "hex", "name", "path"):
            plain = plain.replace(e.text, " ")
    q.keywords = [w for w in words(plain) if w not in _STOP and len(w) > 1]
    if re.search(r"\b(?:log(?:ged|s)? ?in|sign(?:ed)? ?in)\b", low):
        q.keywords.append("login")
    for wm in re.finditer(r"[A-Za-z]+", t):
        w = wm.group(0)
        lw = w.lower()
        after = low[wm.end(): wm.end() + 12]
        before = low[max(0, wm.start() - 7): wm.start()]
        if lw in LEVEL_WORDS and (
            (w.isupper() and len(w) > 1)
            or re.match(r"[- ]?(?:level|severity|lines?|messages?|entries)\b", after)
            or re.search(r"\blevel\s*$", before)
        ):
            q.levels.append(w)
    for nm in re.finditer(r"\bnot (?:the |an? )?['\"]?([^'\")]{3,40}?)['\"]? (?:ones|lines|messages)\b", t):
        q.negated.append(nm.group(1))
    # k for top-k
    m = re.search(r"\btop[\s-]*(\d+|one|two|three|four|five|ten)\b|\b(?:which|what|list(?: the)?)\s+(\d+|two|three|four|five|ten)\b", low)
    if m:
        k_txt = m.group(1) or m.group(2)
        q.k = int(k_txt) if k_txt.isdigit() else _NUMBER_WORDS.get(k_txt, 1)
    # "what does X mean" asks for a meaning, not an average
    low_agg = re.sub(r"\b(?:does|do|did)\b([^?]*?)\bmean\b", r"\1", low)
    for agg, pat in _AGG_WORDS:
        if re.search(pat, low_agg):
            q.agg = agg
            break
    q.intent = _intent(low, q)
    if q.intent == "numeric_agg":
        # the value aggregated is the noun after the aggregate word ("the mean time to spawn"),
        # not the whole phrase after "what is the"
        m = re.search(r"\b(?:average|avg|mean|highest|largest|maximum|max|biggest|longest|smallest|lowest|minimum|min|shortest|total|sum of the|sum of)"
                      r"\s+([a-z][\w\s/-]{0,30}?)(?=\s+(?:in|of|for|seen|reported|from|that|across|among|per|was|is|did|to|taken|it|spent|on|by)\b|[?,.(]|$)", low)
        if m and m.group(1).strip() not in ("number", "value", "amount"):
            q.target = re.sub(r"\s+", " ", re.sub(r"\b(?:the|a|an)\b", " ", m.group(1))).strip()
    if q.intent == "first_last":
        q.first = not re.search(r"\b(?:last|latest|most recent|final|lastly)\b", low)
    if q.intent == "timeseries":
        m = _PER_UNIT.search(low)
        if m:  # "hourly" -> hour; no unit ("over time"): the compiler picks one from the span
            q.bucket = m.group(1) or {"hourly": "hour", "daily": "day", "minutely": "minute"}[m.group(2)]
        for g in re.finditer(r"\b(?:by|per|for each|for every|broken down by|grouped by|split by)\s+(?:the\s+|each\s+)?"
                             r"([a-z][\w-]*(?:\s+(?:address|name|id|code))?)", low):
            if g.group(1).split()[0] not in _SERIES_NOT_BY:
                q.series_by = g.group(1)
                break
    if q.intent == "argmax_time":
        for b in _BUCKETS:
            if re.search(rf"\b{b}\b", low):
                q.bucket = b
        if not q.bucket:
            q.bucket = {"MM-DD HH:00": "hour", "MM-DD HH:MM": "minute", "MM-DD": "day"}.get(q.time_format, "hour")
    if q.intent == "ratio":
        m = re.search(r"\bwhat (?:fraction|share|percentage|proportion|percent|part|ratio)\b.*?\b(?:were|was|are|is|had|have|ended|came|end)\s+(.+?)(?:\?|$)", low)
        if m:
            q.ratio_of = m.group(1)
    return q


_PER_UNIT = re.compile(r"\b(?:per|each|every|by(?: the)?|a|an)\s+(second|minute|hour|day)\b|\b(hourly|daily|minutely)\b")
_OVER_TIME = re.compile(r"\bover time\b|\btime ?series\b|\btimeline\b|\btrend\b|\bhistogram\b|\bevolution\b|\bper time\b")


# words after "by"/"per" that are not what a series is split by
_SERIES_NOT_BY = frozenset({"second", "minute", "hour", "day", "week", "month", "time", "the", "a", "an", "each",
                            "every", "which", "what", "how"})


def _timeseries(low: str) -> bool:
    """A count per time bucket ("per hour", "hourly", "over time"); an average rate per
    bucket ("on average per hour") is a number, not a series."""
    if re.search(r"\b(?:average|avg|mean|typical|distinct|unique|different)\b", low):
        return False
    if _OVER_TIME.search(low):
        return True
    return bool(_PER_UNIT.search(low)) and bool(re.search(
        r"\b(?:how many|how much|number of|count|volume|rate|show|plot|chart|graph|breakdown|distribution|lines|events|errors|messages)\b", low))


def _intent(low: str, q: Question) -> str:
    # "what does X mean" / "meaning of X", but not "what is the mean time" (an average)
    if re.search(r"\bwhat (?:does|do)\b.*\b(?:mean|means)\b|\bmeaning\b|\bexplain\b|\bwhat is meant\b", low) and "how many" not in low:
        return "knowledge"
    if re.search(r"\b(?:next|right after|directly after|immediately after|comes after|follows?|followed by|successor|subsequent)\b", low) and re.search(r"\b(?:what|which)\b", low):
        return "workflow"
    if re.search(r"\bwhat (?:\w+ )?(?:happens|comes|is logged|gets logged|is written|occurs)\b[^?]*\bafter\b", low) and "how many" not in low:
        return "workflow"
    if re.search(r"\b(?:fraction|percentage|proportion|share|ratio|percent)\b", low):
        return "ratio"
    if re.search(r"\b(?:which|what|during which|in which)\s+(?:\w+\s+)?(?:hour|minute|second|day)\b", low) and re.search(
        r"\b(?:most|busiest|peak|highest|largest|greatest|max)\b", low
    ):
        return "argmax_time"
    if _timeseries(low):
        return "timeseries"
    if re.search(r"^\s*(?:when|at what time|what time)\b", low) or re.search(
        r"\b(?:earliest|latest|first|last|most recent|final)\s+(?:time|timestamp|occurrence|date|moment)\b", low) or (
        re.search(r"\b(?:when|what time|timestamp)\b", low) and re.search(r"\b(?:first|last|earliest|latest|most recent)\b", low)
    ):
        return "first_last"
    if re.search(r"^\s*(?:did|was|were|is|are|has|have|does|do|had|can)\b", low) or re.search(r"\b(?:ever|at least once|any\b.*\?$)", low) and not re.search(r"^\s*(?:how|which|what)\b", low):
        return "existence"
    if q.agg and re.search(r"\b(?:how many|how much|how long|what|which)\b", low) and not re.search(r"\b(?:which|what)\b[^?]*\b(?:most|least|(?:largest|highest|greatest|biggest|smallest|lowest) (?:number|count|amount) of)\b[^?]*\b(?:lines?|messages?|times|often|requests|attempts|entries|events|errors|warnings|failures)\b", low):
        if q.agg != "min" or re.search(r"\b(?:smallest|lowest|minimum|min|shortest|fastest)\b", low):
            if not re.search(r"\bhow many (?:distinct|different|unique)\b", low):
                return "numeric_agg"
    if re.search(r"\b(?:how many|number of|count)\s+(?:the\s+)?(?:distinct|different|unique)\b|\b(?:distinct|unique)\s+\w+\s+(?:are|were)\s+there\b", low):
        return "distinct_count"
    if re.search(r"\b(?:most|top|busiest|most often|most frequent|most common|largest number|highest number)\b", low) and re.search(
        r"\b(?:which|what|who|list|name)\b", low
    ):
        return "topk"
    if re.search(r"\b(?:how many|how often|number of|count)\b", low):
        return "count"
    if re.search(r"^\s*(?:which|what|who|list|name|show)\b", low):
        return "lookup"
    return "count"
