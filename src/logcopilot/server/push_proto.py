"""Loki's protobuf push body (``Content-Type: application/x-protobuf``) -> the JSON push shape.

In: the raw body: a snappy block-compressed ``logproto.PushRequest``, as Promtail, Alloy and
the Go client send it. Out: ``{"streams": [{"stream": {labels}, "values": [[ns, line,
{metadata}?], ...]}]}``, the document ``engine.push.push_payload`` stores, so both encodings
share one validation and one write path.

The protobuf wire format is decoded by hand (a few dozen lines): no generated code and no
protobuf runtime. The messages, with their field numbers::

    PushRequest  { repeated Stream streams = 1; }
    Stream       { string labels = 1; repeated Entry entries = 2; uint64 hash = 3; }
    Entry        { Timestamp timestamp = 1; string line = 2; repeated LabelPair metadata = 3; }
    Timestamp    { int64 seconds = 1; int32 nanos = 2; }
    LabelPair    { string name = 1; string value = 2; }

Unknown fields are skipped, as protobuf requires. Anything malformed is an ``InputError``.
``encode_push`` writes the same format (for tests and for pushing to a Loki).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import cramjam

from logcopilot.errors import InputError

__all__ = ["MAX_DECOMPRESSED", "decode_push", "encode_push"]

MAX_DECOMPRESSED = 64 << 20  # refuse bombs: a body may not inflate beyond this


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise InputError("malformed protobuf push body: truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise InputError("malformed protobuf push body: varint too long")


def _fields(buf: bytes) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value): ints for varints, bytes for length-delimited."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise InputError("malformed protobuf push body: field number 0")
        value: int | bytes
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            size, pos = _varint(buf, pos)
            if pos + size > len(buf):
                raise InputError("malformed protobuf push body: length past the end")
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise InputError(f"malformed protobuf push body: unsupported wire type {wire}")
        if pos > len(buf):
            raise InputError("malformed protobuf push body: truncated field")
        yield number, wire, value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, bytes):
        raise InputError(f"malformed protobuf push body: {what} is not a string")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"malformed protobuf push body: {what} is not valid UTF-8") from None


def _signed64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _labels(text: str) -> dict[str, str]:
    """``{a="x", b="y"}`` (Prometheus' label string) -> a dict, via our LogQL parser."""
    from logcopilot.errors import LogQLError
    from logcopilot.logql import ast, parse

    try:
        expr = parse(text)
    except LogQLError as exc:
        raise InputError(f"invalid stream labels {text!r}: {exc}") from None
    if not isinstance(expr, ast.LogQuery) or expr.pipeline:
        raise InputError(f"invalid stream labels {text!r}")
    out: dict[str, str] = {}
    for m in expr.selector.matchers:
        if m.op != "=":
            raise InputError(f"invalid stream labels {text!r}: only name=\"value\" pairs are allowed")
        out[m.name] = m.value
    return out


def _entry(buf: bytes) -> list[Any]:
    seconds = nanos = 0
    line = ""
    metadata: dict[str, str] = {}
    for number, wire, value in _fields(buf):
        if number == 1 and wire == 2:
            for n2, w2, v2 in _fields(value):
                if n2 == 1 and w2 == 0:
                    seconds = _signed64(v2)
                elif n2 == 2 and w2 == 0:
                    nanos = _signed64(v2)
        elif number == 2 and wire == 2:
            line = _text(value, "line")
        elif number == 3 and wire == 2:
            pair = {n3: _text(v3, "metadata") for n3, w3, v3 in _fields(value) if w3 == 2 and n3 in (1, 2)}
            if pair.get(1):
                metadata[pair[1]] = pair.get(2, "")
    out: list[Any] = [str(seconds * 10**9 + nanos), line]
    if metadata:
        out.append(metadata)
    return out


def decode_push(body: bytes, *, compressed: bool = True) -> dict[str, Any]:
    """A protobuf push body -> the JSON push document (see the module docstring)."""
    raw = body
    if compressed:
        if not body:
            raise InputError("empty protobuf push body")
        size, _ = _varint(body, 0)  # snappy's block header: the uncompressed length
        if size > MAX_DECOMPRESSED:
            raise InputError(f"push body inflates to {size:,} bytes, over the {MAX_DECOMPRESSED:,} byte limit", status=413)
        try:
            raw = bytes(cramjam.snappy.decompress_raw(body))
        except Exception as exc:  # cramjam raises its own DecompressionError
            raise InputError(f"push body is not valid snappy data: {exc}") from None
    streams: list[dict[str, Any]] = []
    for number, wire, value in _fields(raw):
        if number != 1 or wire != 2:
            continue
        labels: dict[str, str] = {}
        values: list[list[Any]] = []
        for n2, w2, v2 in _fields(value):
            if n2 == 1 and w2 == 2:
                labels = _labels(_text(v2, "labels"))
            elif n2 == 2 and w2 == 2:
                values.append(_entry(v2))
        streams.append({"stream": labels, "values": values})
    return {"streams": streams}


def _put_varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _put(number: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return _put_varint(number << 3) + _put_varint(payload)
    return _put_varint(number << 3 | 2) + _put_varint(len(payload)) + payload


def encode_push(doc: dict[str, Any], *, compress: bool = True) -> bytes:
    """The JSON push document -> a (snappy-compressed) protobuf push body."""
    from logcopilot.engine.results import labels_string

    out = bytearray()
    for st in doc.get("streams", []):
        body = _put(1, labels_string(st["stream"]).encode())
        for value in st.get("values", []):
            ns = int(value[0])
            ts = _put(1, ns // 10**9) + _put(2, ns % 10**9)
            entry = _put(1, ts) + _put(2, str(value[1]).encode())
            for k, v in (value[2] if len(value) > 2 and value[2] else {}).items():
                entry += _put(3, _put(1, k.encode()) + _put(2, v.encode()))
            body += _put(2, entry)
        out += _put(1, body)
    return bytes(cramjam.snappy.compress_raw(bytes(out))) if compress else bytes(out)
