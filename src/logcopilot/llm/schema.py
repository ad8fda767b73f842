"""JSON-schema helpers for structured output: checking answers, and OpenAI's strict subset.

In: a JSON value and a JSON schema. Out: a list of problems (empty when the value fits).

Grammar-constrained runtimes (llama.cpp) and OpenAI's strict mode guarantee the shape, but
an arbitrary OpenAI-compatible server may only *try*; ``ChatClient`` checks every structured
answer with ``schema_errors`` so callers never get a wrong shape silently. The checker covers
the subset planners use: ``type`` (incl. lists of types), ``properties``, ``required``,
``additionalProperties: false``, ``items``, ``enum``, ``const``, ``minimum``/``maximum``,
``minItems``/``maxItems``, ``minLength``/``maxLength``, ``anyOf``.

Example::

    >>> schema_errors({"n": "3"}, {"type": "object", "properties": {"n": {"type": "integer"}}})
    ['$.n: expected integer, got string']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["is_strict_compatible", "schema_errors"]

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _type_name(value: Any) -> str:
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is_type(value, name):
            return name
    return type(value).__name__


def _is_type(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES.get(name, (object,)))


def schema_errors(value: Any, schema: Mapping[str, Any], path: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema`` (within the supported subset), as ``path: reason``."""
    errs: list[str] = []
    if "anyOf" in schema:
        options = [schema_errors(value, sub, path) for sub in schema["anyOf"]]
        if all(options):
            errs.append(f"{path}: matches none of anyOf")
    wanted = schema.get("type")
    if wanted is not None:
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        if not any(_is_type(value, n) for n in names):
            return [*errs, f"{path}: expected {' or '.join(names)}, got {_type_name(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        errs.append(f"{path}: {value!r} is not one of {schema['enum']!r}")
    if "const" in schema and value != schema["const"]:
        errs.append(f"{path}: must be {schema['const']!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errs.append(f"{path}: {value} < minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errs.append(f"{path}: {value} > maximum {schema['maximum']}")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errs.append(f"{path}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errs.append(f"{path}: longer than {schema['maxLength']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errs.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errs.append(f"{path}: more than {schema['maxItems']} items")
        items = schema.get("items")
        if isinstance(items, Mapping):
            for i, item in enumerate(value):
                errs.extend(schema_errors(item, items, f"{path}[{i}]"))
    if isinstance(value, dict):
        props: Mapping[str, Any] = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errs.append(f"{path}: missing required {key!r}")
        for key, item in value.items():
            if key in props:
                errs.extend(schema_errors(item, props[key], f"{path}.{key}"))
            elif schema.get("additionalProperties") is False:
                errs.append(f"{path}: unexpected property {key!r}")
    return errs


def is_strict_compatible(schema: Mapping[str, Any]) -> bool:
    """True when OpenAI's strict mode accepts ``schema``: every object closed, all keys required."""
    if schema.get("type") == "object" or "properties" in schema:
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is not False:
            return False
        if set(schema.get("required", [])) != set(props):
            return False
        if not all(is_strict_compatible(p) for p in props.values()):
            return False
    items = schema.get("items")
    if isinstance(items, Mapping) and not is_strict_compatible(items):
        return False
    return all(is_strict_compatible(s) for s in schema.get("anyOf", []))
