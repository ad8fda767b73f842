"""Go's ``fmt`` as the template engine needs it: printing values and ``printf``.

In: Python stand-ins for Go values (see :mod:`.gotemplate`). Out: the text Go prints.
"""

from __future__ import annotations

import re
from typing import Any

from logcopilot.logql.gotext import go_format_float, go_quote

__all__ = ["go_print", "go_sprintf", "go_type", "truth"]


def go_type(v: Any) -> str:
    """Go's type name for a value, as error messages show it."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return "map[string]string" if type(v).__name__ == "LabelMap" else "map[string]interface {}"
    if isinstance(v, list):
        return "[]interface {}"
    return getattr(v, "go_type", type(v).__name__)


def go_print(v: Any, top: bool = True) -> str:
    """``fmt.Sprint(v)``; at top level a nil prints as ``<no value>`` (template rule)."""
    if isinstance(v, str):
        return v
    if v is None:
        return "<no value>" if top else "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_format_float(v)
    if isinstance(v, dict):
        return "map[" + " ".join(f"{go_print(k, False)}:{go_print(v[k], False)}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(go_print(x, False) for x in v) + "]"
    return str(v)


def truth(v: Any) -> bool:
    """Go template truthiness: false, 0, nil and empty values are false."""
    if v is None:
        return False
    if isinstance(v, (bool, int, float, str, list, dict)):
        return bool(v)
    return True


_VERB = re.compile(r"%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d+)?)?([a-zA-Z%])")


def _pad(s: str, width: int | None, minus: bool, zero: bool) -> str:
    if width is None or len(s) >= width:
        return s
    if minus:
        return s + " " * (width - len(s))
    if zero:
        sign = s[0] if s[:1] in "+-" else ""
        return sign + "0" * (width - len(s)) + s[len(sign) :]
    return " " * (width - len(s)) + s


def _bad(verb: str, v: Any) -> str:
    return f"%!{verb}({go_type(v)}={go_print(v, False)})"


def _fmt_one(flags: str, width: int | None, prec: int | None, verb: str, v: Any) -> str:
    plus = "+" in flags
    if verb in "vs":
        if verb == "s" and not isinstance(v, str) and not isinstance(v, (list, dict)) and v is not None \
                and isinstance(v, (int, float, bool)):
            s = _bad(verb, v)
        else:
            s = go_print(v, False)
        if prec is not None and isinstance(v, str):
            s = s[:prec]
        return s
    if verb == "q":
        if isinstance(v, str):
            return go_quote(v)
        if isinstance(v, int) and not isinstance(v, bool):
            return "'" + chr(v) + "'"
        return _bad(verb, v)
    if verb == "d":
        if isinstance(v, int) and not isinstance(v, bool):
            return ("+" if plus and v >= 0 else "") + str(v)
        return _bad(verb, v)
    if verb in "feEgG" or verb == "F":
        if isinstance(v, (int, float)) and not isinstance(v, bool) and isinstance(v, float):
            if verb in "gG" and prec is None:
                s = go_format_float(v)
            else:
                s = format(v, f"{'+' if plus else ''}.{6 if prec is None else prec}{verb.lower() if verb == 'F' else verb}")
                if verb in "eE":
                    s = re.sub(r"([eE][+-])(\d)$", r"\g<1>0\2", s)
            return s
        return _bad(verb, v)
    if verb in "xX":
        if isinstance(v, str):
            s = v.encode("utf-8").hex()
        elif isinstance(v, int) and not isinstance(v, bool):
            s = format(v, "x")
        else:
            return _bad(verb, v)
        return s.upper() if verb == "X" else s
    if verb == "t":
        return ("true" if v else "false") if isinstance(v, bool) else _bad(verb, v)
    if verb == "c":
        return chr(v) if isinstance(v, int) else _bad(verb, v)
    if verb == "T":
        return go_type(v)
    if verb in "ob":
        if isinstance(v, int) and not isinstance(v, bool):
            return format(v, verb)
        return _bad(verb, v)
    return f"%!{verb}({go_type(v)}={go_print(v, False)})"


def go_sprintf(fmt: str, *args: Any) -> str:
    """``fmt.Sprintf`` for the common verbs (v s q d f e g x t c T with flags/width/precision)."""
    out: list[str] = []
    pos = 0
    ai = 0
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos : m.start()])
        pos = m.end()
        flags, width_s, prec_s, verb = m.groups()
        if verb == "%":
            out.append("%")
            continue
        width = int(width_s) if width_s and width_s != "*" else None
        prec = int(prec_s) if prec_s and prec_s != "*" else (0 if m.group(0).find(".") >= 0 and prec_s is None else None)
        if ai >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        v = args[ai]
        ai += 1
        s = _fmt_one(flags, width, prec, verb, v)
        out.append(_pad(s, width, "-" in flags, "0" in flags and verb not in "sqvT"))
    out.append(fmt[pos:])
    if ai < len(args):
        out.append("%!(EXTRA " + ", ".join(f"{go_type(a)}={go_print(a, False)}" for a in args[ai:]) + ")")
    return "".join(out)
