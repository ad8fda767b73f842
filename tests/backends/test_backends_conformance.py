"""The same LogQL through both backends gives identical results.

The query cases of the Loki corpus (``/query`` and ``/query_range``; every other case by
default to keep the suite fast, all 808 with ``LOGCOPILOT_FULL_CONFORMANCE=1``) run through
``EmbeddedBackend`` directly and through ``LokiBackend`` against a real ``logcopilot serve``
app on 127.0.0.1 over the same store. Results must be equal as Loki JSON; a query that fails
must fail on both with the same message (Loki's text, carried through the HTTP error body).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from backends_support import CORPUS

from logcopilot.backends import EmbeddedBackend
from logcopilot.backends.loki import LokiBackend
from logcopilot.engine.results import loki_envelope
from logcopilot.errors import BackendError, LogCopilotError
from logcopilot.server.params import parse_instant_params, parse_range_params


def _cases() -> list[dict[str, Any]]:
    path = CORPUS / "cases.jsonl"
    if not path.exists():
        return []
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(raw)
        if case["endpoint"] in ("/loki/api/v1/query", "/loki/api/v1/query_range") and "interval" not in case["params"]:
            out.append(case)
    return out


CASES = _cases() if os.environ.get("LOGCOPILOT_FULL_CONFORMANCE") else _cases()[::2]


def _run(backend: Any, case: dict[str, Any]) -> tuple[str, Any]:
    p = case["params"]
    try:
        if case["endpoint"].endswith("/query"):
            ip = parse_instant_params(p)
            res = backend.query(ip.query, time=ip.time_ns, limit=ip.limit, direction=ip.direction)
        else:
            rp = parse_range_params(p)
            res = backend.query(rp.query, start=rp.start_ns, end=rp.end_ns, step=rp.step_ns, limit=rp.limit,
                                direction=rp.direction)
    except LogCopilotError as exc:
        return "error", str(exc)
    return "ok", loki_envelope(res)


@pytest.mark.skipif(not CASES, reason="Loki corpus not available")
def test_both_backends_agree_on_every_corpus_query(corpus_store, serve_factory) -> None:
    srv = serve_factory(corpus_store)
    embedded = EmbeddedBackend(corpus_store)
    remote = LokiBackend(srv.url, retries=1, backoff=0.01)
    ok = errors = 0
    mismatches: list[str] = []
    for case in CASES:
        kind_e, out_e = _run(embedded, case)
        kind_r, out_r = _run(remote, case)
        if kind_e == "ok":
            ok += 1
            if kind_r != "ok" or out_r != out_e:
                mismatches.append(f"{case['id']}: embedded ok, http {kind_r} {str(out_r)[:200]}")
        else:
            errors += 1
            # a 5xx is retried and wrapped in BackendError; its text still carries the engine's message
            if kind_r != "error" or (out_r != out_e and out_e not in out_r):
                mismatches.append(f"{case['id']}: embedded error {out_e[:120]!r}, http {kind_r} {str(out_r)[:120]!r}")
    assert not mismatches, "\n".join(mismatches[:20])
    assert ok > 300 and errors > 25  # both kinds of outcome were exercised
    remote.close()


def test_metadata_helpers_match_the_store(corpus_store, serve_factory) -> None:
    srv = serve_factory(corpus_store)
    remote = LokiBackend(srv.url, retries=0)
    names = remote.labels()
    assert {"system", "job"} <= set(names)
    assert remote.label_values("system") == sorted({s.labels["system"] for s in corpus_store.streams() if "system" in s.labels})
    series = remote.series(['{system="openssh"}'], start=0, end=2**62)
    assert series and all(s["system"] == "openssh" for s in series)
    assert remote.ready()
    with pytest.raises(BackendError):
        LokiBackend(srv.url + "/nope", retries=0).labels()
