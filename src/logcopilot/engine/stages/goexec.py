"""Runs a parsed :class:`~.gotemplate.Template`: variables, fields, calls and Go's builtins.

In: template nodes and the data (a :class:`~.gotemplate.LabelMap`). Out: text appended to
a list; errors raise :class:`~.gotemplate.TemplateExecError` with Go's message.
Functions are :class:`GoFunc` values: a Python callable plus Go parameter types, so that a
string passed where Go wants an ``int`` fails the way Go fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from logcopilot.engine.stages.gofmt import go_print, go_sprintf, go_type, truth
from logcopilot.engine.stages.gotemplate import FuncError, LabelMap, TemplateExecError, arg_text

__all__ = ["Executor", "GoFunc"]


@dataclass(frozen=True)
class GoFunc:
    """A template function: ``params`` are Go types (``string`` ``int`` ``float64`` ``bool``
    ``any``); ``variadic`` is the type of a trailing ``...`` parameter, if any."""

    impl: Callable[..., Any]
    params: tuple[str, ...] = ()
    variadic: str | None = None


class _Err(Exception):
    """An error raised inside a command, before the location is known."""


class _ErrAt(_Err):
    """An error Go reports at one argument (a wrong type) rather than at the command."""

    def __init__(self, message: str, pos: int, text: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.text = text


def _convert(v: Any, typ: str, literal: str | None) -> Any:
    """Go's argument conversion; ``literal`` is the source text of a constant argument."""
    if typ == "any":
        return v
    if literal is not None:
        # Constants are checked against the parameter type, with Go's wording.
        if typ == "string":
            if isinstance(v, str):
                return v
            raise _Err(f"expected string; found {literal}")
        if typ == "int":
            if isinstance(v, int) and not isinstance(v, bool):
                return v
            raise _Err(f"expected integer; found {literal}")
        if typ == "float64":
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return float(v)
            raise _Err(f"expected float; found {literal}")
        if typ == "bool":
            if isinstance(v, bool):
                return v
            raise _Err(f"expected bool; found {literal}")
    if v is None:
        raise _Err(f"invalid value; expected {typ}")
    if typ == "string":
        if isinstance(v, str):
            return v
    elif typ == "int":
        if isinstance(v, int) and not isinstance(v, bool):
            return v
    elif typ == "float64":
        if isinstance(v, float):
            return v
    elif typ == "bool":
        if isinstance(v, bool):
            return v
    else:
        if getattr(v, "go_type", None) == typ:
            return v
    raise _Err(f"wrong type for value; expected {typ}; got {go_type(v)}")


def _basic_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    return "other"


def _eq(a: Any, *bs: Any) -> bool:
    if not bs:
        raise FuncError("missing argument for comparison")
    for b in bs:
        ka, kb = _basic_kind(a), _basic_kind(b)
        if ka == "other" or kb == "other":
            if a is None or b is None:
                if a is b:
                    return True
                continue
            raise FuncError("invalid type for comparison")
        if ka != kb:
            raise FuncError("incompatible types for comparison")
        if a == b:
            return True
    return False


def _lt(a: Any, b: Any) -> bool:
    ka, kb = _basic_kind(a), _basic_kind(b)
    if ka in ("other", "bool") or kb in ("other", "bool"):
        raise FuncError("invalid type for comparison")
    if ka != kb:
        raise FuncError("incompatible types for comparison")
    return bool(a < b)


def _len(v: Any) -> int:
    if isinstance(v, str):
        return len(v.encode("utf-8"))
    if isinstance(v, (list, dict)):
        return len(v)
    raise FuncError(f"len of type {go_type(v)}")


def _index(v: Any, *keys: Any) -> Any:
    for k in keys:
        if isinstance(v, dict):
            v = v.get(k, "" if isinstance(v, LabelMap) else None)
        elif isinstance(v, (list, str)):
            if not isinstance(k, int) or not 0 <= k < len(v):
                raise FuncError(f"error calling index: index out of range: {k}")
            v = v[k] if isinstance(v, list) else v.encode("utf-8")[k]
        else:
            raise FuncError(f"can't index item of type {go_type(v)}")
    return v


def _sprint(*args: Any) -> str:
    out: list[str] = []
    for i, a in enumerate(args):
        if i > 0 and not isinstance(a, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(go_print(a, False))
    return "".join(out)


BUILTINS: dict[str, GoFunc] = {
    "not": GoFunc(lambda a: not truth(a), ("any",)),
    "len": GoFunc(_len, ("any",)),
    "index": GoFunc(_index, ("any",), "any"),
    "print": GoFunc(_sprint, (), "any"),
    "println": GoFunc(lambda *a: " ".join(go_print(x, False) for x in a) + "\n", (), "any"),
    "printf": GoFunc(go_sprintf, ("string",), "any"),
    "eq": GoFunc(_eq, ("any",), "any"),
    "ne": GoFunc(lambda a, b: not _eq(a, b), ("any", "any")),
    "lt": GoFunc(_lt, ("any", "any")),
    "le": GoFunc(lambda a, b: _lt(a, b) or _eq(a, b), ("any", "any")),
    "gt": GoFunc(lambda a, b: not (_lt(a, b) or _eq(a, b)), ("any", "any")),
    "ge": GoFunc(lambda a, b: not _lt(a, b), ("any", "any")),
}


class Executor:
    """Evaluates one template against one data value."""

    __slots__ = ("funcs", "tmpl", "vars")

    def __init__(self, tmpl: Any, data: Any) -> None:
        self.tmpl = tmpl
        self.funcs = tmpl.funcs
        self.vars: list[tuple[str, Any]] = [("$", data)]

    def fail(self, pos: int, text: str, msg: str) -> TemplateExecError:
        return TemplateExecError(f"{self.tmpl.location(pos)} at <{text}>: {msg}")

    def run(self, nodes: list[tuple[Any, ...]], dot: Any, out: list[str]) -> None:
        for node in nodes:
            kind = node[0]
            if kind == "text":
                out.append(node[2])
            elif kind == "action":
                decl = node[2][0]
                value = self.pipeline(node[2], dot)
                if not decl:
                    out.append(go_print(value))
            elif kind in ("if", "with"):
                mark = len(self.vars)
                value = self.pipeline(node[2], dot)
                if truth(value):
                    self.run(node[3], value if kind == "with" else dot, out)
                else:
                    self.run(node[4], dot, out)
                del self.vars[mark:]
            elif kind == "range":
                self._range(node, dot, out)

    def _range(self, node: tuple[Any, ...], dot: Any, out: list[str]) -> None:
        decl, assign, cmds = node[2]
        mark = len(self.vars)
        value = self.pipeline((None, False, cmds), dot)
        if isinstance(value, dict):
            items = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, list):
            items = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [(i, i) for i in range(value)]
        elif value is None:
            items = []
        else:
            raise self.fail(node[1], "range", f"range can't iterate over {go_print(value, False)}")
        if not items:
            self.run(node[4], dot, out)
        for k, v in items:
            if len(decl) == 1:
                self.vars.append((decl[0], v))
            elif len(decl) == 2:
                self.vars.append((decl[0], k))
                self.vars.append((decl[1], v))
            self.run(node[3], v, out)
            del self.vars[mark:]

    def pipeline(self, pipe: tuple[Any, ...], dot: Any) -> Any:
        decl, assign, cmds = pipe
        value: Any = _NOTHING
        for cmd in cmds:
            value = self.command(cmd, dot, value)
        if decl:
            if assign:
                for i in range(len(self.vars) - 1, -1, -1):
                    if self.vars[i][0] == decl[0]:
                        self.vars[i] = (decl[0], value)
                        break
            else:
                self.vars.append((decl[0], value))
        return value

    def command(self, cmd: tuple[Any, ...], dot: Any, final: Any) -> Any:
        pos, args, text, positions = cmd
        first = args[0]
        try:
            if first[0] == "ident":
                return self.call(first[1], args[1:], dot, final, positions)
            if len(args) > 1 or final is not _NOTHING:
                if first[0] in ("field", "var") and first[0] == "field":
                    raise _Err(f"can't evaluate field {first[1][-1]} ... has arguments but cannot be invoked as function")
                raise _Err(f"can't give argument to non-function {_arg_repr(first)}")
            return self.arg(first, dot)
        except _ErrAt as exc:
            raise self.fail(exc.pos, exc.text, str(exc)) from None
        except _Err as exc:
            raise self.fail(pos, text, str(exc)) from None

    def arg(self, a: tuple[Any, ...], dot: Any) -> Any:
        kind = a[0]
        if kind == "field":
            return self.fields(dot, a[1])
        if kind == "dot":
            return dot
        if kind == "var":
            return self.fields(self.lookup(a[1]), a[2])
        if kind in ("str", "num", "bool"):
            return a[1]
        if kind == "nil":
            return None
        if kind == "pipe":
            mark = len(self.vars)
            value = self.pipeline(a[1], dot)
            del self.vars[mark:]
            return value
        if kind == "ident":
            return self.call(a[1], [], dot, _NOTHING, [])
        raise _Err(f"can't handle {kind}")

    def lookup(self, name: str) -> Any:
        for n, v in reversed(self.vars):
            if n == name:
                return v
        raise _Err(f"undefined variable: {name}")

    @staticmethod
    def fields(value: Any, names: list[str]) -> Any:
        for name in names:
            if isinstance(value, LabelMap):
                value = value.get(name, "")
            elif isinstance(value, dict):
                value = value.get(name)
            elif value is None:
                return None  # Go: a field of a nil interface is "no value", not an error
            else:
                raise _Err(f"can't evaluate field {name} in type {go_type(value)}")
        return value

    def call(self, name: str, arg_nodes: list[tuple[Any, ...]], dot: Any, final: Any, positions: list[int]) -> Any:
        """Call ``name``; ``positions`` holds the identifier's then each argument's position."""
        if name in ("and", "or"):
            values: list[Callable[[], Any]] = [partial(self.arg, a, dot) for a in arg_nodes]
            if final is not _NOTHING:
                values.append(lambda: final)
            if not values:
                raise _Err(f"wrong number of args for {name}: want at least 1 got 0")
            result: Any = None
            for get in values:
                result = get()
                if truth(result) != (name == "and"):
                    return result
            return result
        fn = self.funcs.get(name) or BUILTINS.get(name)
        if fn is None:
            raise _Err(f'function "{name}" not defined')
        args: list[Any] = []
        literal: list[str | None] = []
        for k, a in enumerate(arg_nodes):
            try:
                args.append(self.arg(a, dot))
            except _ErrAt:
                raise
            except _Err as exc:  # e.g. a field of a string: Go reports it at the argument
                raise _ErrAt(str(exc), positions[k + 1] if positions else -1, arg_text(a)) from None
            literal.append(arg_text(a) if a[0] in ("num", "str", "bool", "nil") else None)
        if final is not _NOTHING:
            args.append(final)
            literal.append(None)
        n_fixed = len(fn.params)
        if (fn.variadic is None and len(args) != n_fixed) or (fn.variadic is not None and len(args) < n_fixed):
            want = f"{n_fixed}" if fn.variadic is None else f"at least {n_fixed}"
            raise _Err(f"wrong number of args for {name}: want {want} got {len(args)}")
        conv = []
        for i, v in enumerate(args):
            try:
                conv.append(_convert(v, fn.params[i] if i < n_fixed else fn.variadic or "any", literal[i]))
            except _Err as exc:
                # Go reports a bad argument at that argument; a bad piped value at the last
                # explicit argument, or at the function name when there is none.
                j = min(i, len(arg_nodes)) - (1 if i >= len(arg_nodes) else 0)
                if j >= 0 and positions:
                    raise _ErrAt(str(exc), positions[j + 1], arg_text(arg_nodes[j])) from None
                raise _ErrAt(str(exc), positions[0] if positions else -1, name) from None
        try:
            return fn.impl(*conv)
        except FuncError as exc:
            raise _Err(str(exc) if exc.raw else f"error calling {name}: {exc}") from None
        except ZeroDivisionError:
            raise _Err(f"error calling {name}: runtime error: integer divide by zero") from None


def _arg_repr(a: tuple[Any, ...]) -> str:
    return str(a[-1]) if a[0] not in ("dot", "nil") else a[0]


class _Nothing:
    __slots__ = ()


_NOTHING = _Nothing()
