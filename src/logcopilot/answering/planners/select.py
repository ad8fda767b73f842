"""Choosing lines and values from a question: templates, labels, value filters, group-by.

In: the ``SystemContext``, an analysed ``Question`` and ``Retrieved`` knowledge. Out: a
``Selection`` (templates, line filters, stream label matchers) and the parameter or label
the answer is about, with the reasons. Shared by the rules planner and by the structured
planner (which checks and completes a model's choices with it).

The choices are general: quoted phrases select the templates containing them (preferring the
ones where the phrase starts the message); otherwise the best-ranked template and the
templates that share its opening words and matched terms; severities and names in the
question become stream label matchers when the store has such labels; the value to group by
is the parameter whose name, type or neighbouring words match the question's target noun.
"""

from __future__ import annotations

import re
from typing import Any

from logcopilot.answering.plan import Filter, Selection
from logcopilot.answering.question import LEVEL_WORDS, Entity, Question, words
from logcopilot.answering.retrieval import Hit, Retrieved, SystemContext, literal_chunks, ngrams_in, stem

__all__ = [
    "choose_group",
    "choose_levels",
    "choose_templates",
    "content_words",
    "lead_words",
    "named_labels",
    "phrase_pieces",
    "siblings",
    "templates_under",
]

# target nouns -> parameter names/types/context words that carry them
_TARGET_HINTS: dict[str, tuple[str, ...]] = {
    "ip": ("ip", "ip:port", "addr", "address", "host", "client", "rhost"),
    "address": ("ip", "ip:port", "addr", "address", "host", "client"),
    "host": ("host", "ip", "hostname", "addr"),
    "client": ("client", "ip", "addr", "rhost"),
    "datanod": ("ip:port", "ip", "addr", "datanode", "node"),
    "node": ("ip:port", "ip", "node", "host", "addr"),
    "destin": ("dest", "destination", "dst", "to"),
    "dest": ("dest", "destination", "dst"),
    "sourc": ("src", "source", "from"),
    "src": ("src", "source"),
    "port": ("port",),
    "user": ("user", "username", "account", "login"),
    "usernam": ("user", "username"),
    "account": ("user", "account"),
    "size": ("size", "bytes", "len", "length"),
    "byte": ("size", "bytes", "len"),
    "length": ("len", "length", "size"),
    "time": ("time", "duration", "took", "seconds", "latency", "elapsed"),
    "second": ("seconds", "took", "time", "duration"),
    "duration": ("duration", "time", "took", "seconds"),
    "latency": ("latency", "time", "duration"),
    "respons": ("time", "duration", "latency"),
    "statu": ("status", "code", "http_status"),
    "code": ("status", "code"),
    "price": ("price", "cost", "amount"),
    "block": ("block", "blk", "block_id", "id"),
    "instanc": ("instance", "uuid", "instance_id"),
    "request": ("request", "req", "request_id"),
    "order": ("order", "orderid", "order_id"),
    "trace": ("trace", "traceid", "trace_id"),
    "id": ("id", "uuid", "hex", "hex_id"),
    "uuid": ("uuid", "id"),
    "servic": ("service", "svc"),
    "method": ("method", "verb"),
    "file": ("file", "path"),
    "path": ("path", "file", "url"),
    "pid": ("pid", "process"),
}
_IP_WORDS = {"ip", "ips", "address", "addresses", "addr"}
# what people call the thing a stream label / header field names: "which process wrote the
# most lines" asks for the component ("kernel", "chrome.exe"), "which machine" for the host
_LABEL_SYNONYMS: dict[str, tuple[str, ...]] = {
    "component": ("component", "process", "program", "application", "app", "daemon", "module", "logger",
                  "subsystem", "source", "executable", "binary", "service"),
    "program": ("program", "process", "application", "app", "executable", "component"),
    "service": ("service", "microservice", "app", "application", "component"),
    "host": ("host", "hostname", "machine", "server", "computer"),
    "node": ("node", "machine", "host", "server"),
    "user": ("user", "username", "account"),
}


def _label_named(name: str, target_stems: list[str]) -> bool:
    """Does the target noun name this label/field, directly or by a common synonym?"""
    if stem(name) in target_stems:
        return True
    return any(stem(w) in target_stems for w in _LABEL_SYNONYMS.get(name, ()))
_NUMERIC_TYPES = {"int", "float", "duration", "size", "number"}


def phrase_pieces(phrase: str) -> list[str]:
    """'Receiving block ... src: ... dest: ...' -> ['Receiving block', 'src:', 'dest:']."""
    pieces = [p.strip() for p in re.split(r"\.\.\.|…|<[^<>]*>", phrase)]
    return [p for p in pieces if p]


def lead_words(template: str, n: int = 2) -> str:
    """The first ``n`` literal words of a template, skipping leading slots and bracketed prefixes."""
    t = re.sub(r"^(?:\s*(?:<\*>|\[[^\]]*\]))+", " ", template)
    toks = [w for w in t.split() if "<*>" not in w]
    return " ".join(toks[:n])


def _words_before(template: str, piece: str) -> int:
    i = template.find(piece)
    if i < 0:
        i = template.lower().find(piece.lower())
    head = template[:max(i, 0)]
    head = re.sub(r"\[[^\]]*\]|<\*>", " ", head)
    return len([w for w in head.split() if re.search(r"[A-Za-z]", w)])


def _negated_quotes(q: Question) -> set[str]:
    neg: set[str] = set()
    for phrase in q.quoted:
        i = q.text.find(phrase)
        before = q.text[max(0, i - 24): i].lower()
        if re.search(r"\b(?:not|no|excluding|except|without|ignore|ignoring|other than)\b[^'\"]*['\"`‘“]?$", before):
            neg.add(phrase)
    return neg


def _format_quote(phrase: str) -> bool:
    """Quotes that describe the answer's shape ('SpanID: <id> ', 'MM-DD') select nothing."""
    return bool(re.fullmatch(r"[\sA-Z:-]*(?:MM|HH|DD|YYYY)[\sA-Z:-]*", phrase))


def choose_templates(ctx: SystemContext, q: Question, r: Retrieved, notes: list[str],
                     exclude_phrases: tuple[str, ...] = (), labels: dict[str, str] | None = None) -> list[str]:
    """Template ids selecting the lines the question is about ([] = no template restriction)."""
    if labels:
        allowed = templates_under(ctx, labels)
        kept = [h for h in r.hits if h.template.template_id in allowed]
        if len(kept) < len(r.hits):
            notes.append(f"only templates logged under {labels}")
        r = type(r)(kept, r.values, r.label_values)
    neg = _negated_quotes(q) | set(exclude_phrases)
    pos = [p for p in q.quoted if p not in neg and not _format_quote(p)]
    temps = ctx.templates
    chosen: list[Any] = []
    for phrase in pos:
        pieces = phrase_pieces(phrase)
        if not pieces:
            continue
        exact = [t for t in temps if all(p in t.template for p in pieces)]
        loose = exact or [t for t in temps if all(p.lower() in t.template.lower() for p in pieces)]
        if not loose:
            continue
        best = min(_words_before(t.template, pieces[0]) for t in loose)
        picked = [t for t in loose if _words_before(t.template, pieces[0]) == best]
        notes.append(f"quote '{phrase}' -> {len(picked)} template(s)")
        chosen = [t for t in chosen if t in picked] or picked if chosen else picked
        if chosen and len(chosen) == 1:
            break
    if not pos and q.entities and re.search(r"\b(?:contain|containing|contains|mention|mentions|mentioning|anywhere|references?)\b", q.text, re.I):
        notes.append("the question asks for lines containing a value, wherever it appears")
        return []
    if not chosen and not pos and not content_words(ctx, q):
        notes.append("the question names no particular message: all lines")
        return []
    if not chosen and r.hits and r.hits[0].score > 0.5:
        chosen = _group_of_top(r.hits, notes, q, ctx)
    if len(chosen) > 1 and not pos:
        chosen = _discriminate(ctx, q, chosen, notes)
    if labels and chosen:
        allowed = templates_under(ctx, labels)
        chosen = [t for t in chosen if t.template_id in allowed] or chosen
    if neg:
        keep = [t for t in chosen if not any(all(pc.lower() in t.template.lower() for pc in phrase_pieces(n)) for n in neg)]
        if keep:
            if len(keep) < len(chosen):
                notes.append(f"excluded templates containing {sorted(neg)}")
            chosen = keep
    return [t.template_id for t in chosen]


def _literal_stems(template: str) -> set[str]:
    return {stem(w) for w in words(re.sub(r"<\*>", " ", template)) if len(w) > 2}


def _discriminate(ctx: SystemContext, q: Question, chosen: list[Any], notes: list[str]) -> list[Any]:
    """Among equally good templates, keep the ones carrying a question word the others lack
    ("spawning" picks 'Took <*> seconds to spawn' over '... to destroy' with the same tail)."""
    cw = content_words(ctx, q)
    stems = [_literal_stems(t.template) for t in chosen]
    for w in sorted(cw):
        has = [t for t, st in zip(chosen, stems) if w in st]
        if has and len(has) < len(chosen):
            notes.append(f"'{w}' is only in {len(has)} of {len(chosen)} candidate templates: kept those")
            return has
    return chosen


def siblings(ctx: SystemContext, top: Any, q: Question) -> list[Any]:
    """Templates equal to ``top`` but for one literal word (``"GET`` / ``"POST``), when the
    question names none of those words: the miner split one event by a value."""
    toks = top.template.split()
    qwords = {w.lower() for w in re.findall(r"[A-Za-z]+", q.text)}
    out = [top]
    diff_words: set[str] = set()
    for t in ctx.templates:
        if t is top:
            continue
        tt = t.template.split()
        if len(tt) != len(toks):
            continue
        diffs = [i for i, (a, b) in enumerate(zip(toks, tt)) if a != b]
        if len(diffs) == 1 and "<*>" not in toks[diffs[0]] + tt[diffs[0]]:
            out.append(t)
            diff_words |= {w.lower() for w in re.findall(r"[A-Za-z]+", tt[diffs[0]] + " " + toks[diffs[0]])}
    if len(out) == 1 or diff_words & qwords:
        return [top]
    return out


_NUMWORDS = {"one", "two", "three", "four", "five", "ten", "level", "severity", "single", "whole", "entire", "file",
             "written", "write", "wrote", "logged", "produced", "emitted", "busiest", "minute", "hour", "second", "day",
             "utc", "date", "mm", "dd", "hh", "ss", "term", "terms", "overall", "anywhere", "contain", "contains",
             "containing", "mention", "mentions", "mentioning", "only", "prefix", "refer", "reference",
             "has", "have", "had", "largest", "highest", "biggest", "greatest", "smallest", "lowest", "fewest",
             # time-window wording
             "between", "until", "till", "since", "during", "including", "inclusive", "exclusive", "am", "pm"}


def content_words(ctx: SystemContext, q: Question) -> set[str]:
    """Main-clause words that can only come from a message (not intent, target, level, system)."""
    from logcopilot.answering.retrieval import _GENERIC, main_clause

    drop = set(_GENERIC) | {stem(w) for w in _NUMWORDS} | {stem(ctx.system)}
    # the system's own name, however it is written ("TrainTicket" -> train, ticket)
    for tok in re.findall(r"[A-Za-z][\w-]*", q.text):
        if re.sub(r"[\W_]", "", tok.lower()) == re.sub(r"[\W_]", "", ctx.system.lower()):
            drop |= {stem(w) for w in words(tok)}
    if q.intent in ("distinct_count", "topk", "lookup", "numeric_agg"):
        drop |= {stem(w) for w in words(q.target)}  # the value asked for, not the message
    drop |= {stem(w) for w in q.levels} | {stem(w) for lw in q.levels for w in LEVEL_WORDS.get(lw.lower(), ())}
    for e in q.entities:
        drop |= {stem(w) for w in words(e.text)}
    for name in ctx.labels:
        drop.add(stem(name))
    return {stem(w) for w in words(main_clause(q.text)) if len(w) > 2} - drop


def _group_of_top(hits: list[Hit], notes: list[str], q: Question | None = None, ctx: SystemContext | None = None) -> list[Any]:
    top = hits[0]
    if q is not None and ctx is not None:
        grams = ngrams_in(q, top.template.template)
        if grams:
            first = grams[0][0]
            group = []
            for t in ctx.templates:
                tg = {" ".join(g): pos for g, pos in ngrams_in(q, t.template)}
                if all(" ".join(g) in tg for g, _ in grams):
                    group.append((tg[" ".join(first)], t))
            if group:
                top_pos = next((p for p, t in group if t is top.template), None)
                best = top_pos if top_pos is not None else min(p for p, _ in group)
                picked = [t for p, t in group if p == best]
                notes.append(f"phrase '{' '.join(first)}' (+{len(grams) - 1} more) -> {len(picked)} template(s)")
                return picked
    if q is not None and ctx is not None:
        sibs = siblings(ctx, top.template, q)
        if len(sibs) > 1:
            notes.append(f"best template {top.template.template_id} and {len(sibs) - 1} sibling(s) differing in one word the question does not name")
            return sibs
    matched = {w.split("~")[0] for w in top.why if not w.startswith("quote")}
    lead = lead_words(top.template.template)
    group = [top.template]
    for h in hits[1:]:
        hm = {w.split("~")[0] for w in h.why if not w.startswith("quote")}
        if not matched <= hm or h.score < 0.6 * top.score:
            continue
        if lead and lead_words(h.template.template) == lead:
            group.append(h.template)
    notes.append(f"best template {top.template.template_id} ({top.score:.2f}: {', '.join(top.why[:6])})"
                 + (f" + {len(group) - 1} sharing '{lead}'" if len(group) > 1 else ""))
    return group


def choose_levels(ctx: SystemContext, q: Question, notes: list[str]) -> tuple[dict[str, str], list[Filter]]:
    """Severity words -> a ``level`` label matcher (or a line filter when there is no such label)."""
    labels: dict[str, str] = {}
    filters: list[Filter] = []
    for w in q.levels:
        cands = LEVEL_WORDS.get(w.lower(), ())
        known = ctx.labels.get("level")
        if known:
            by_low = {v.lower(): v for v in known}
            exact = by_low.get(w.lower()) if w.isupper() else None
            pick = exact or next((by_low[c.lower()] for c in cands if c.lower() in by_low), None)
            if pick:
                labels["level"] = pick
                notes.append(f"severity '{w}' -> level=\"{pick}\"")
                continue
        spelled = w.upper() if w.isupper() else (cands[0] if cands else w.upper())
        filters.append(Filter("|=", f" {spelled} "))
        notes.append(f"severity '{w}' -> line filter ' {spelled} '")
    return labels, filters


def _label_shape(values: list[str]) -> tuple[str, str] | None:
    """Common prefix/suffix shared by most values of a label (``ts-``/``-service``)."""
    if len(values) < 3:
        return None
    pre = min(values, key=len)
    for v in values:
        while pre and not v.startswith(pre):
            pre = pre[:-1]
    suf = min(values, key=len)
    for v in values:
        while suf and not v.endswith(suf):
            suf = suf[1:]
    return (pre, suf) if len(pre) + len(suf) >= 3 else None


def entity_labels(ctx: SystemContext, q: Question, template_ids: list[str], notes: list[str]) -> tuple[dict[str, str], list[Entity]]:
    """Entities naming a stream label value -> matchers; the rest are returned for line filters."""
    params_values: set[str] = set()
    for tid in template_ids:
        t = ctx.template(tid)
        for p in getattr(t, "params", []) if t is not None else []:
            params_values.update(p.examples)
    labels: dict[str, str] = {}
    rest: list[Entity] = []
    for e in q.entities:
        placed = False
        if e.text not in params_values and not _in_phrase(q, e.text):
            for name, values in ctx.labels.items():
                if name == "level":
                    continue
                shape = _label_shape(list(values))
                if e.text in values or (shape and e.text.startswith(shape[0]) and e.text.endswith(shape[1]) and e.kind == "name"):
                    # two values of one label ("both A and B") select either
                    labels[name] = f"{labels[name]}|{e.text}" if name in labels else e.text
                    notes.append(f"'{e.text}' is a {name} label value" + ("" if e.text in values else " (no lines)"))
                    placed = True
                    break
        if not placed:
            rest.append(e)
    return labels, rest


def named_labels(ctx: SystemContext, q: Question, notes: list[str]) -> dict[str, str]:
    """Stream label values the question names by a distinctive part: ``DataBlockScanner`` for
    ``dfs.DataBlockScanner`` (exact, mixed case), or ``metadata service`` for
    ``nova.metadata.wsgi.server`` (a dotted segment followed by service/server/component)."""
    found: dict[str, str] = {}
    for name, values in ctx.labels.items():
        if name in ("level",):
            continue
        seg_map: dict[str, set[str]] = {}
        for v in values:
            for seg in re.split(r"[.$]", v):
                if len(seg) >= 5:
                    seg_map.setdefault(seg, set()).add(v)
        for seg, owners in seg_map.items():
            if len(owners) != 1:
                continue
            owner = next(iter(owners))
            mixed = seg != seg.lower() and seg != seg.upper()
            at = q.text.lower().find(seg.lower())
            if at >= 0 and re.search(r"(?:\band|\bor|,)\s*$", q.text[max(0, at - 8):at].lower()):
                continue  # "the API and metadata servers": more than one
            if mixed and re.search(rf"(?<![\w.$]){re.escape(seg)}(?![\w])", q.text):
                found[name] = owner
            elif re.search(rf"\b{re.escape(seg.lower())}\s+(?:service|server|servers|component|module|logger)\b", q.text.lower()):
                found[name] = owner
        if name in found:
            notes.append(f"'{found[name]}' named in the question -> {name} label")
    return found


def templates_under(ctx: SystemContext, labels: dict[str, str]) -> set[str]:
    """Template ids that have lines in the streams the label matchers select."""
    from logcopilot.answering.retrieval import coverage

    return {t for t, n in coverage(ctx, [], labels).items() if n > 0}


def _in_phrase(q: Question, text: str) -> bool:
    low = q.text.lower()
    i = low.find(text.lower())
    return i > 0 and bool(re.search(r"\b(?:for|to|of|about|available for|named)\s+$", low[max(0, i - 16):i]))


def choose_group(ctx: SystemContext, q: Question, template_ids: list[str], notes: list[str],
                 numeric: bool = False) -> tuple[str, str, str]:
    """(name, source 'param'|'label', value type) of what the answer is about, or ('', '', '')."""
    target = q.target or ""
    tw = [stem(w) for w in words(target)] or [stem(w) for w in q.keywords]
    # a stream label named by the target noun (component, service, host, level)
    for w in tw:
        for name in ctx.labels:
            if stem(name) == w and not numeric:
                notes.append(f"group by stream label {name}")
                return name, "label", ""
    # "process ids" / "how many processes" count pids, not program names
    syn_ok = not ({"id", "pid", "number"} & set(tw)) and q.intent not in ("distinct_count", "count")
    if not numeric and q.target and syn_ok:
        for name in ctx.labels:
            if name != "level" and _label_named(name, tw):
                notes.append(f"'{target}' names the stream label {name}")
                return name, "label", ""
    field = _field_match(ctx, tw, synonyms=syn_ok)
    if not template_ids:
        if field:
            notes.append(f"group by header field {field}")
            return field, "field", ""
        if set(words(target)) & _IP_WORDS:
            notes.append("group by any IP address in the line")
            return "ip", "param", "ip"
        if "uuid" in words(target):
            return "uuid", "param", "uuid"
        return "", "", ""
    hints: list[str] = []
    for w in tw:
        hints.extend(_TARGET_HINTS.get(w, ()))
        hints.append(w)
    if set(words(target)) & _IP_WORDS:  # "IPs" stems to itself: still an IP address
        hints.extend(_TARGET_HINTS["ip"])
    best: tuple[float, str, str] | None = None
    wants_ip_any = bool(set(words(target)) & _IP_WORDS)
    for tid in template_ids:
        t = ctx.template(tid)
        if t is None:
            continue
        for p in t.params:
            if numeric and p.type not in _NUMERIC_TYPES:
                continue
            ctx_words = _slot_context(t.template, p.position)
            pname = [stem(x) for x in re.split(r"[_\W]+", p.name) if x]
            score = 0.0
            for h in hints:
                hs = stem(h)
                if hs in pname or h == p.name:
                    score += 3
                if h == p.type:
                    score += 2
                if hs in ctx_words:
                    score += 2
            if wants_ip_any and p.type not in ("ip", "ip:port") and any(
                    re.search(r"\d+\.\d+\.\d+\.\d+", str(x)) for x in p.examples[:5]):
                score += 2  # a list or a glued form of IPs ("10.0.0.1,10.0.0.2", "/10.0.0.1")
            if numeric and score == 0:
                score = 0.1
            score += min(p.distinct_count, 50) / 1000.0
            if best is None or score > best[0]:
                best = (score, p.name, p.type)
    if field and (best is None or best[0] < 3) and not numeric:
        notes.append(f"group by header field {field}")
        return field, "field", ""
    if (best is None or best[0] < 2) and not numeric:
        from logcopilot.answering.compile import borrowed_regex

        for h in hints:
            names = {p.name for t in ctx.templates for p in t.params if stem(p.name) == stem(h) or p.name == h}
            for nm in sorted(names):
                if borrowed_regex(ctx, template_ids, nm):
                    notes.append(f"group by {nm}: literal in the chosen template, regex borrowed from another template")
                    return nm, "borrowed", ""
    if (best is None or best[0] <= 0.05) and not numeric:
        # the target noun is not a parameter name ("which time server" -> a slot named
        # 'value'), but the chosen message has one non-numeric slot: that slot is the answer
        slots = {(p.name, p.type) for tid in template_ids if (t := ctx.template(tid)) is not None
                 for p in t.params if p.type not in _NUMERIC_TYPES}
        if len(slots) == 1:
            name, typ = next(iter(slots))
            notes.append(f"group by parameter {name}: the only non-numeric slot of the chosen template(s)")
            return name, "param", ""
    if best is None or best[0] <= 0.05:
        return "", "", ""
    name, typ = best[1], best[2]
    vtype = ""
    wants_ip = bool(set(words(target)) & _IP_WORDS) or "ip" in words(target)
    if re.search(r"\bip:port\b|\bip and port\b|\baddress and port\b", q.text, re.I) and typ in ("ip", "ip:port"):
        vtype = "ip:port"
    elif wants_ip and "port" not in target.lower():
        vtype = "ip"
    elif typ in ("int", "float") or numeric:
        vtype = "number" if typ != "int" else "int"
    notes.append(f"group by parameter {name} ({typ}{', as ' + vtype if vtype else ''})")
    return name, "param", vtype


def _field_match(ctx: SystemContext, target_stems: list[str], synonyms: bool = True) -> str:
    """A header field (``trace_id``, ``pid``) whose leading word the target names."""
    from logcopilot.answering.fields import header_fields

    fields = header_fields(ctx)
    for name in fields:
        first = stem(name.split("_")[0])
        if first in target_stems:
            return name
    for name in fields if synonyms else ():  # by a synonym: "which process" -> the component field
        if _label_named(name, target_stems):
            return name
    if "pid" in fields and {stem("process"), stem("pid")} & set(target_stems):
        return "pid"
    return ""


def _slot_context(template: str, position: int) -> set[str]:
    parts = re.split(r"<\*>", template)
    before = parts[position] if position < len(parts) else ""
    after = parts[position + 1] if position + 1 < len(parts) else ""
    toks = words(before)[-3:] + words(after)[:1]
    return {stem(t) for t in toks}


def level_or_label_only(sel: Selection) -> bool:
    return not sel.templates and not sel.filters and bool(sel.labels)


def literal_of(ctx: SystemContext, tid: str) -> str:
    t = ctx.template(tid)
    if t is None:
        return ""
    return max(literal_chunks(t.template), key=len, default="").strip()
