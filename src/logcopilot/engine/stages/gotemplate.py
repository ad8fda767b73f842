"""A Go ``text/template`` interpreter for ``line_format`` / ``label_format``.

In: template source and a name (``line`` for line_format). Out: :class:`Template` with
``render(data, funcs) -> str``; a runtime error raises :class:`TemplateExecError` whose
``str()`` is Go's text, e.g. ``template: line:1:3: executing "line" at <div 1 0>: error
calling div: runtime error: integer divide by zero``. A template that does not parse raises
:class:`~logcopilot.errors.SemanticError` at compile time.

Supported: text, ``{{- -}}`` trimming, comments, pipelines ``a | f b``, fields ``.a.b``,
``$`` and ``$x`` variables (``:=``, ``=``), literals, parentheses, ``if``/``else if``/
``else``/``end``, ``with``, ``range`` (lists and maps) and Go's builtins (and or not len
index print printf println eq ne lt le gt ge slice html js urlquery). Other functions come
from :mod:`.templatefuncs`.

Values: Python ``str``/``int``/``float``/``bool``/``None``/``dict``/``list`` stand for
Go's string/int/float64/bool/nil/map/slice. The root data is a :class:`LabelMap`: a missing
key reads as ``""`` (a ``map[string]string``); any other map gives ``None`` (printed as
``<no value>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from logcopilot.errors import SemanticError, UnsupportedError
from logcopilot.logql.gotext import go_unquote
from logcopilot.logql.tmplcheck import GO_TEMPLATE_BUILTINS, TEMPLATE_FUNCTIONS

if TYPE_CHECKING:  # goexec imports this module: a runtime import would be circular
    from logcopilot.engine.stages.goexec import GoFunc

__all__ = ["FuncError", "LabelMap", "Template", "TemplateExecError", "arg_text", "compile_template"]


class LabelMap(dict[str, str]):
    """The template's root data: Loki's labels as ``map[string]string``."""


class TemplateExecError(Exception):
    """A runtime error; ``str()`` is Go's message."""


class FuncError(Exception):
    """Raised by a template function: Go's ``error calling f: <msg>`` (or a raw message)."""

    def __init__(self, message: str, raw: bool = False) -> None:
        super().__init__(message)
        self.raw = raw


# ----------------------------------------------------------------------------- nodes
# Nodes are tuples for speed: (kind, pos, ...). Kinds:
#   text(s) action(pipe) if(pipe, list, else) with(...) range(pipe, list, else)
#   pipe: (decl_vars, is_assign, cmds)   cmd: (pos, args, text)
#   args: ("field", names) ("var", name, names) ("dot",) ("str", s) ("num", v) ("bool", b)
#         ("nil",) ("ident", name) ("pipe", pipe, text) with chained fields ("chain", node, names)


class _Lexer:
    def __init__(self, src: str, start: int, end: int) -> None:
        self.s = src
        self.i = start
        self.end = end

    def tokens(self) -> list[tuple[str, str, int]]:
        s, i, end = self.s, self.i, self.end
        out: list[tuple[str, str, int]] = []
        while i < end:
            c = s[i]
            if c in " \t\r\n":
                i += 1
            elif c == "|":
                out.append(("pipe", c, i)); i += 1
            elif c == "(":
                out.append(("lparen", c, i)); i += 1
            elif c == ")":
                out.append(("rparen", c, i)); i += 1
            elif c == ",":
                out.append(("comma", c, i)); i += 1
            elif s.startswith(":=", i):
                out.append(("declare", ":=", i)); i += 2
            elif c == "=":
                out.append(("assign", "=", i)); i += 1
            elif c == '"':
                j = i + 1
                while j < end and s[j] != '"':
                    j += 2 if s[j] == "\\" else 1
                if j >= end:
                    raise SemanticError("template: unterminated quoted string")
                out.append(("str", s[i : j + 1], i)); i = j + 1
            elif c == "`":
                j = s.find("`", i + 1, end)
                if j < 0:
                    raise SemanticError("template: unterminated raw quoted string")
                out.append(("str", s[i : j + 1], i)); i = j + 1
            elif c == "'":
                j = s.find("'", i + 1, end)
                out.append(("char", s[i : j + 1], i)); i = j + 1
            elif c == "." and (i + 1 >= end or not s[i + 1].isdigit()):
                j = i + 1
                while j < end and (s[j].isalnum() or s[j] in "_."):
                    j += 1
                out.append(("field", s[i:j], i)); i = j
            elif c == "$":
                j = i + 1
                while j < end and (s[j].isalnum() or s[j] in "_."):
                    j += 1
                out.append(("var", s[i:j], i)); i = j
            elif c.isdigit() or c in "+-." :
                j = i + 1
                while j < end and (s[j].isalnum() or s[j] in "._+-"):
                    if s[j] in "+-" and s[j - 1] not in "eEpP":
                        break
                    j += 1
                out.append(("num", s[i:j], i)); i = j
            elif c.isalpha() or c == "_":
                j = i + 1
                while j < end and (s[j].isalnum() or s[j] == "_"):
                    j += 1
                word = s[i:j]
                # a field chained on an identifier call is rare; keep the word
                out.append(("ident", word, i)); i = j
            else:
                raise SemanticError(f"template: unexpected {c!r} in command")
        return out


def _unquote(tok: str) -> str:
    if tok[0] == "`":
        return tok[1:-1]
    try:
        return go_unquote(tok[1:-1])
    except ValueError as exc:
        raise SemanticError(f"template: bad string {tok}") from exc


def _number(tok: str) -> int | float:
    t = tok.replace("_", "")
    try:
        return int(t, 0)
    except ValueError:
        try:
            return float(t)
        except ValueError as exc:
            raise SemanticError(f"template: bad number syntax: {tok!r}") from exc


class _Parser:
    def __init__(self, src: str, funcs: frozenset[str]) -> None:
        self.src = src
        self.funcs = funcs

    # -- top level: split into text and actions
    def parse(self) -> list[tuple[Any, ...]]:
        src = self.src
        items: list[tuple[str, Any, int]] = []  # ("text", s, pos) / ("action", (start,end), pos)
        i = 0
        n = len(src)
        trim_next = False
        while i < n:
            j = src.find("{{", i)
            if j < 0:
                text = src[i:]
                if trim_next:
                    text = text.lstrip(" \t\r\n")
                items.append(("text", text, i))
                break
            text = src[i:j]
            if trim_next:
                text = text.lstrip(" \t\r\n")
            start = j + 2
            if src.startswith("- ", start) or src.startswith("-\t", start) or src.startswith("-\n", start):
                text = text.rstrip(" \t\r\n")
                start += 1
            items.append(("text", text, i))
            close = self._find_close(start)
            end = close
            trim_next = False
            if close - 1 >= start and src[close - 1] == "-" and close - 2 >= start and src[close - 2] in " \t\r\n":
                trim_next = True
                end = close - 1
            items.append(("action", (start, end), start))
            i = close + 2
        self.items = items
        self.k = 0
        nodes, stop = self._list()
        if stop is not None:
            raise SemanticError(f"template: unexpected {{{{{stop}}}}}")
        return nodes

    def _find_close(self, start: int) -> int:
        src = self.src
        i = start
        n = len(src)
        while i < n:
            c = src[i]
            if c == '"':
                i += 1
                while i < n and src[i] != '"':
                    i += 2 if src[i] == "\\" else 1
                i += 1
            elif c == "`":
                i = src.find("`", i + 1) + 1
                if i == 0:
                    break
            elif src.startswith("}}", i):
                return i
            else:
                i += 1
        raise SemanticError("template: unclosed action")

    def _list(self) -> tuple[list[tuple[Any, ...]], str | None]:
        nodes: list[tuple[Any, ...]] = []
        while self.k < len(self.items):
            kind, val, pos = self.items[self.k]
            self.k += 1
            if kind == "text":
                if val:
                    nodes.append(("text", pos, val))
                continue
            start, end = val
            body = self.src[start:end].strip()
            if body.startswith("/*"):
                continue
            toks = _Lexer(self.src, start, end).tokens()
            if not toks:
                raise SemanticError("template: missing value for command")
            head = toks[0]
            if head[0] == "ident" and head[1] in ("end", "else"):
                if head[1] == "else":
                    self._else_toks = toks[1:]
                return nodes, head[1]
            if head[0] == "ident" and head[1] in ("if", "with", "range"):
                pipe = self._pipeline(toks[1:], head[2], allow_decl=True)
                body_nodes, stop = self._list()
                else_nodes: list[tuple[Any, ...]] = []
                if stop == "else":
                    else_nodes, stop = self._else_chain()
                if stop != "end":
                    raise SemanticError("template: unexpected EOF")
                nodes.append((head[1], head[2], pipe, body_nodes, else_nodes))
                continue
            if head[0] == "ident" and head[1] in ("define", "template", "block", "break", "continue"):
                raise SemanticError(f"template: {head[1]} is not supported")
            nodes.append(("action", head[2], self._pipeline(toks, head[2], allow_decl=True)))
        return nodes, None

    def _else_chain(self) -> tuple[list[tuple[Any, ...]], str | None]:
        rest = self._else_toks
        if rest and rest[0][0] == "ident" and rest[0][1] in ("if", "with"):
            pipe = self._pipeline(rest[1:], rest[0][2], allow_decl=True)
            body, stop = self._list()
            els: list[tuple[Any, ...]] = []
            if stop == "else":
                els, stop = self._else_chain()
            return [(rest[0][1], rest[0][2], pipe, body, els)], stop
        return self._list()

    def _pipeline(self, toks: list[tuple[str, str, int]], pos: int, allow_decl: bool) -> tuple[Any, ...]:
        decl: list[str] = []
        assign = False
        if allow_decl and len(toks) >= 2 and toks[0][0] == "var":
            j = 0
            names = []
            while j < len(toks) and toks[j][0] == "var":
                names.append(toks[j][1])
                if j + 1 < len(toks) and toks[j + 1][0] == "comma":
                    j += 2
                    continue
                j += 1
                break
            if j < len(toks) and toks[j][0] in ("declare", "assign"):
                decl = names
                assign = toks[j][0] == "assign"
                toks = toks[j + 1 :]
        cmds: list[tuple[Any, ...]] = []
        cur: list[tuple[str, str, int]] = []
        depth = 0
        for t in toks:
            if t[0] == "lparen":
                depth += 1
            elif t[0] == "rparen":
                depth -= 1
            if t[0] == "pipe" and depth == 0:
                cmds.append(self._command(cur))
                cur = []
            else:
                cur.append(t)
        if not cur:
            raise SemanticError("template: missing command")
        cmds.append(self._command(cur))
        return (decl, assign, cmds)

    def _command(self, toks: list[tuple[str, str, int]]) -> tuple[Any, ...]:
        if not toks:
            raise SemanticError("template: empty command")
        args: list[tuple[Any, ...]] = []
        positions: list[int] = []
        i = 0
        while i < len(toks):
            kind, text, pos = toks[i]
            positions.append(pos)
            if kind == "lparen":
                depth = 1
                j = i + 1
                while j < len(toks) and depth:
                    if toks[j][0] == "lparen":
                        depth += 1
                    elif toks[j][0] == "rparen":
                        depth -= 1
                    j += 1
                inner = toks[i + 1 : j - 1]
                pipe = self._pipeline(inner, pos, allow_decl=False)
                text_repr = "(" + self.src[inner[0][2] : toks[j - 1][2]].strip() + ")" if inner else "()"
                args.append(("pipe", pipe, text_repr))
                i = j
                continue
            if kind == "field":
                names = [p for p in text.split(".")[1:] if p]
                args.append(("field", names, text) if names else ("dot",))
            elif kind == "var":
                name, *rest = text.split(".")
                args.append(("var", name, rest, text))
            elif kind == "str":
                args.append(("str", _unquote(text), text))
            elif kind == "num":
                args.append(("num", _number(text), text))
            elif kind == "char":
                args.append(("num", ord(_unquote('"' + text[1:-1] + '"')), text))
            elif kind == "ident":
                if text in ("true", "false"):
                    args.append(("bool", text == "true", text))
                elif text == "nil":
                    args.append(("nil",))
                else:
                    if text not in self.funcs and text not in GO_TEMPLATE_BUILTINS:
                        if text in TEMPLATE_FUNCTIONS:
                            # Loki defines it; answering without it would be a guess.
                            raise UnsupportedError(
                                f'template function "{text}" is not supported by the embedded engine'
                            )
                        raise SemanticError(f'template: {text!r} function "{text}" not defined')
                    args.append(("ident", text, text))
            else:
                raise SemanticError(f"template: unexpected {text!r}")
            i += 1
        first, last = toks[0][2], toks[-1]
        text_repr = self.src[first : last[2] + len(last[1])]
        # (position, args, text as Go prints the node, position of each arg)
        return (toks[0][2], args, " ".join(_arg_text(a) for a in args) if args else text_repr, positions)


def arg_text(a: tuple[Any, ...]) -> str:
    """An argument node as Go prints it in error messages."""
    return _arg_text(a)


def _arg_text(a: tuple[Any, ...]) -> str:
    kind = a[0]
    if kind == "dot":
        return "."
    if kind == "nil":
        return "nil"
    if kind == "var":
        return a[3]
    return str(a[2])


class Template:
    """A parsed template; :meth:`render` runs it."""

    __slots__ = ("funcs", "name", "nodes", "src")

    def __init__(self, src: str, name: str, funcs: Mapping[str, GoFunc]) -> None:
        self.src = src
        self.name = name
        self.funcs = funcs
        self.nodes = _Parser(src, frozenset(funcs)).parse()

    def render(self, data: Any) -> str:
        from logcopilot.engine.stages.goexec import Executor

        out: list[str] = []
        Executor(self, data).run(self.nodes, data, out)
        return "".join(out)

    def location(self, pos: int) -> str:
        before = self.src[:pos]
        line = 1 + before.count("\n")
        nl = before.rfind("\n")
        col = len(before[nl + 1 :].encode("utf-8"))
        return f"template: {self.name}:{line}:{col}: executing \"{self.name}\""


def compile_template(src: str, name: str, funcs: Mapping[str, GoFunc]) -> Template:
    return Template(src, name, funcs)

