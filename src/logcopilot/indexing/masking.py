"""Variable masks as data: ordered (name, regex, replacement) rules applied to a message.

In: a log message (the ``Content`` part of a line). Out: the message with every span that
matches a rule replaced by the rule's replacement (``<*>`` by default), ready for mining.

The rules follow the conventions of the Loghub-2.0 corrected templates, generically: an
``ip:port`` becomes ``<*>:<*>``, a path or URL is one ``<*>``, a number is ``<*>`` even inside
a word (``node-12`` -> ``node-<*>``), a decimal is one ``<*>``. Rules are data: load your own
list from a JSON or TOML file with ``load_mask_rules`` (a list of ``{name, regex,
replacement?}`` tables, under the key ``rules`` in TOML). No rule names a particular system.

Example::

    >>> Masker().mask("Served block blk_-42 to /10.0.0.1:50010 in 3.5 ms")
    'Served block <*> to <*>:<*> in <*> ms'
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from logcopilot.errors import ConfigError

__all__ = ["DEFAULT_MASK_RULES", "MaskRule", "Masker", "load_mask_rules"]

VAR = "<*>"

# a value cannot start right after a word character or a dot (it would be part of a word)
_B = r"(?<![\w.])"
# ... and cannot run into a word character, or a dot followed by more word characters
_E = r"(?![\w]|\.\w)"
_IP = r"(?:\d{1,3}\.){3}\d{1,3}"
_HEX = r"[0-9a-fA-F]"
_SPLIT = re.compile(r"(\s+)")


@dataclass(frozen=True)
class MaskRule:
    """One mask: every match of ``regex`` becomes ``replacement`` (``re.sub`` syntax)."""

    name: str
    regex: str
    replacement: str = VAR  # may name groups of the regex (\\1)
    requires: str = ""  # a cheap pre-test: the rule runs only when one of these characters is present
    contains: str = ""  # ... and only when this text is present

    @property
    def spans_words(self) -> bool:
        """Can a match contain whitespace? (a space or ``\\s`` outside a character class)"""
        outside = re.sub(r"\[(?:\\.|[^\]\\])*\]", "", self.regex)
        return " " in outside or "\\s" in outside

    def compiled(self) -> re.Pattern[str]:
        try:
            return re.compile(self.regex)
        except re.error as exc:
            raise ConfigError(f"mask rule {self.name!r}: bad regex: {exc}") from None


# Order matters: wider shapes first, so a URL is one variable, not a host plus a path.
DEFAULT_MASK_RULES: tuple[MaskRule, ...] = (
    # a URL does not end in sentence punctuation: "see http://x/y." or "url://a/b: failed"
    MaskRule("url", r"\b[a-zA-Z][a-zA-Z0-9+-]*://[^\s\"'<>]*[^\s\"'<>.,:;!?)\]}]", requires=":"),
    # the target and protocol of an HTTP request line are one value: "GET <*>"
    MaskRule("http_target", r"\b(GET|POST|PUT|DELETE|HEAD|PATCH|OPTIONS) \S+ HTTP/\d(?:\.\d)?(?=\W|$)", r"\1 <*>", contains=" HTTP/"),
    MaskRule("uuid", rf"\b{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}\b", requires="-"),
    MaskRule("mac_address", rf"\b{_HEX}{{2}}(?::{_HEX}{{2}}){{5}}\b", requires=":"),
    MaskRule("ip_port", rf"/?{_B}{_IP}:\d{{1,5}}\b", "<*>:<*>", requires=":"),
    # host:port, but not file.c:123 (a source line): the last label is a word, not an extension
    MaskRule(
        "host_port",
        r"(?<![\w.:/-])[a-zA-Z][\w-]*(?:\.[\w-]+)*\.(?!(?:c|cc|cpp|h|hpp|py|java|go|rs|js|ts|rb|scala|cs|kt):)"
        r"[a-zA-Z][\w-]*:\d{1,5}\b|(?<!\S)[a-zA-Z][\w-]*:\d{2,5}(?=\s|$)",
        "<*>:<*>",
        requires=":",
    ),
    MaskRule("ip", rf"/?{_B}{_IP}{_E}", requires="."),
    MaskRule("hostname", r"(?<![\w.:/-])(?:[a-zA-Z0-9-]+\.){2,}(?:com|net|org|edu|gov|io|local|[a-z]{2})(?![\w.-])", requires="."),
    MaskRule("path", r"(?<![\w.:/<>*])(?:/(?:[\w.@%+~$#-]|<\*>)+){2,}/?(?![\w/])|(?<![\w.:/<>*])/[\w.@%+~-]*\d[\w.@%+~-]*(?![\w/])", requires="/"),
    # a relative path: two or more separators, a letter (not a date like 2005/11/09) and a
    # digit or a dot (not words such as seq/ack/win)
    MaskRule(
        "relative_path",
        r"(?<![\w/.:<>*-])(?=[\w./-]*[A-Za-z])(?=[\w./-]*[\d.])[\w.-]+(?:/[\w.-]+){2,}/?(?![\w/])",
        requires="/",
    ),
    # a compound identifier: three or more parts joined by - or :, the first with a digit,
    # letters and at least two digits in all (R25-M1-N2, R62-M1-Nf-C:J03-U11); dates (digits
    # only) keep their parts
    MaskRule(
        "compound_id",
        r"(?<![\w.:-])(?=[\w:-]*[A-Za-z])(?=(?:[A-Za-z:-]*\d){2})[A-Za-z]*\d[A-Za-z0-9]*(?:[-:][A-Za-z0-9]+){2,}(?![\w-])",
        requires="-",
    ),
    MaskRule("block_id", r"\bblk_-?\d+\b", requires="_"),
    MaskRule("hex", rf"{_B}0[xX]{_HEX}+\b", requires="0123456789"),
    MaskRule("hex_id", rf"(?<![\w.-])(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F]){_HEX}{{8,}}(?![\w-])", requires="0123456789"),
    # ctime/syslog dates: "Thu Aug  4 12:00:00 PDT 2005"
    MaskRule(
        "ctime",
        r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} "
        r"\d{2}:\d{2}:\d{2}(?: [A-Z]{3,4})?(?: \d{4})?\b",
        requires=":",
    ),
    MaskRule("datetime", r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\b", requires="T"),
    # a number glued to its unit (16K, 3.5GB, 3.60GHz, 1024Kbytes) or a dimension (80x25)
    MaskRule(
        "size",
        rf"{_B}-?\d+(?:\.\d+)?(?:[KMGTP]i?B|[kKMGT]b|[KMGTP]bytes|[KMGTP]|B|bytes|[kMG]?Hz)(?![\w])|{_B}\d+x\d+(?![\w])",
        requires="0123456789",
    ),
    MaskRule("duration", rf"{_B}-?\d+(?:\.\d+)?(?:ms|us|µs|ns|sec|secs|s|min|mins|h)(?![\w])", requires="0123456789"),
    # "<1 sec": an abbreviated unit after a space is part of the value ("12 seconds" is not)
    MaskRule("duration_spaced", rf"{_B}<?\d+(?:\.\d+)? (?:sec|secs)(?![\w])", contains=" sec"),
    # key=value: a value with a digit is one variable, whatever its inner punctuation
    MaskRule("kv_value", r"(?<=[A-Za-z]=)(?=[^\s,;)\]}<>\"':]*\d)[^\s,;)\]}<>\"':]+(?=[\s,;)\]}]|$)", requires="="),
    # a number: its own token (a minus sign belongs to it, a plus sign does not), or a
    # numeric run inside a word (node-12, r24=, id#7)
    MaskRule("number", r"(?:(?<![\w.+-])-)?(?<![\w.])\d+(?:\.\d+)*(?![\w]|\.\w)|(?<=[_=:#(\[.-])\d+(?![\w]|\.\w)", requires="0123456789"),
    # booleans, null and the default account names are values (Loghub-2.0's convention)
    MaskRule("literal", r"(?<![\w.-])(?:true|false|null|root|admin|TRUE|FALSE|NULL|True|False|Root)(?![\w-])"),
)


def load_mask_rules(path: str | Path) -> list[MaskRule]:
    """Read rules from a JSON list or a TOML file with ``[[rules]]`` tables."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"no such mask rules file: {p}")
    try:
        if p.suffix.lower() == ".toml":
            data: object = tomllib.loads(p.read_text(encoding="utf-8")).get("rules", [])
        else:
            data = json.loads(p.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                data = data.get("rules", [])
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{p}: cannot parse mask rules: {exc}") from None
    if not isinstance(data, list):
        raise ConfigError(f"{p}: mask rules must be a list")
    rules: list[MaskRule] = []
    for i, item in enumerate(data):
        if isinstance(item, (list, tuple)) and len(item) in (2, 3):
            item = dict(zip(("name", "regex", "replacement"), item, strict=False))
        if not isinstance(item, dict) or "name" not in item or "regex" not in item:
            raise ConfigError(f"{p}: rule {i + 1} needs a name and a regex")
        rule = MaskRule(
            str(item["name"]),
            str(item["regex"]),
            str(item.get("replacement", VAR)),
            str(item.get("requires", "")),
            str(item.get("contains", "")),
        )
        rule.compiled()
        rules.append(rule)
    return rules


class Masker:
    """Applies mask rules in order; spans already masked are left alone.

    Rules whose matches can contain whitespace run on the whole message first; the others
    run on each whitespace-separated word, and a word seen before is not masked again, which
    makes masking cheap on real logs where words repeat.
    """

    _CACHE_LIMIT = 200_000

    def __init__(self, rules: Sequence[MaskRule] | None = None) -> None:
        self.rules: tuple[MaskRule, ...] = tuple(DEFAULT_MASK_RULES if rules is None else rules)
        compiled = [(r, r.compiled(), frozenset(r.requires)) for r in self.rules]
        self._message_rules = [c for c in compiled if c[0].spans_words]
        self._word_rules = [c for c in compiled if not c[0].spans_words]
        self._words: dict[str, str] = {}

    @staticmethod
    def _apply(text: str, rules: list[tuple[MaskRule, re.Pattern[str], frozenset[str]]]) -> str:
        chars = set(text)
        for rule, pattern, needs in rules:
            if (needs and needs.isdisjoint(chars)) or (rule.contains and rule.contains not in text):
                continue
            text = pattern.sub(rule.replacement, text)
        return text

    def _word(self, word: str) -> str:
        masked = self._words.get(word)
        if masked is None:
            if len(self._words) >= self._CACHE_LIMIT:
                self._words.clear()
            masked = self._words[word] = self._apply(word, self._word_rules)
        return masked

    def mask(self, message: str) -> str:
        text = self._apply(message, self._message_rules)
        parts = _SPLIT.split(text)
        # parts alternate word, whitespace, word, ...: mask the words only
        return "".join(p if i % 2 else self._word(p) for i, p in enumerate(parts))

    def mask_all(self, messages: Iterable[str]) -> list[str]:
        """Masked messages; each distinct message is masked once."""
        seen: dict[str, str] = {}
        out: list[str] = []
        for m in messages:
            masked = seen.get(m)
            if masked is None:
                masked = seen[m] = self.mask(m)
            out.append(masked)
        return out
