"""Replay the recorded Loki 3.7.6 corpus against a real ``logcopilot`` server.

Starts the HTTP API on 127.0.0.1 (free port, temporary DuckDB file), pushes the four corpus
payloads over ``POST /loki/api/v1/push`` and compares every recorded call with the corpus'
own ``compare.py`` rules. Ratchet: cases listed in
``tests/fixtures/conformance_known_failures.txt`` may fail; any other failure fails the test,
and so does a listed case that now passes (so the list only ever shrinks).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from live_server import LiveServer
from shared_data import SHARED

CORPUS = SHARED / "loki-corpus"
KNOWN = Path(__file__).resolve().parents[1] / "fixtures" / "conformance_known_failures.txt"

pytestmark = pytest.mark.skipif(not (CORPUS / "cases.jsonl").exists(), reason="Loki corpus not available")


def _compare_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("loki_corpus_compare", CORPUS / "compare.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _known_failures() -> dict[str, str]:
    out: dict[str, str] = {}
    if KNOWN.exists():
        for raw in KNOWN.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            case_id, _, reason = line.partition(" ")
            out[case_id] = reason.strip()
    return out


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory):
    from logcopilot.engine.store import Store
    from logcopilot.server.app import create_app

    store = Store(tmp_path_factory.mktemp("corpus") / "corpus.duckdb")
    live = LiveServer(create_app(store))
    yield live.url
    live.stop()
    store.close()


def test_loki_corpus_conformance(server_url: str) -> None:
    cmp = _compare_module()
    for f in sorted((CORPUS / "data").glob("*.json")):
        status, body = cmp.http(
            server_url + "/loki/api/v1/push", "POST", f.read_bytes(), {"Content-Type": "application/json"}
        )
        assert status // 100 == 2, (f.name, status, body[:200])
    cases = [json.loads(line) for line in (CORPUS / "cases.jsonl").read_text(encoding="utf-8").splitlines() if line]
    known = _known_failures()
    failed: dict[str, str] = {}
    for case in cases:
        status, resp = cmp.call(server_url, case["endpoint"], case["params"], timeout=60)
        d = cmp.compare_case(case, status, resp)
        if d is not None:
            failed[case["id"]] = d
    passed = len(cases) - len(failed)
    unexpected = {k: v for k, v in failed.items() if k not in known}
    fixed = sorted(k for k in known if k not in failed)
    rate = passed / len(cases)
    print(f"conformance: {rate:.3f} ({passed}/{len(cases)})")
    assert not unexpected, f"{len(unexpected)} new failures: " + "\n".join(
        f"{k}: {v}" for k, v in sorted(unexpected.items())[:20]
    )
    assert not fixed, f"cases now pass, remove them from {KNOWN.name}: {fixed}"
    assert rate >= 0.98
