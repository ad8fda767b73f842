"""The benchmark harness: ingest and index the systems a question file names, answer every
question, write the answers file the scorer reads, and report accuracy and cost.

In: a questions JSONL (``id``, ``system``, ``question``, ``category``, ``answer``), a
``systems.json`` (per system: ``log_file`` relative to a data directory, year, session key),
a store, a planner and an optional chat client. Out: an answers JSONL (one object per line:
``id``, ``value``, ``answer``, plus ``logql``, ``planner``, ``ok``, ``error``, ``cost``) and a
``BenchReport`` with accuracy per system and per category (using the ``score.py`` found next
to the questions file, when there is one) and the cost per question.

Resumable: ids already in the answers file are not asked again.

Example::

    report = run_bench(store, "dev.jsonl", "systems.json", data_dir, "answers.jsonl", planner="rules")
    report.overall
"""

from __future__ import annotations

import importlib.util
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from logcopilot.engine.store import Store
from logcopilot.errors import InputError

__all__ = ["BenchReport", "find_log_file", "load_jsonl", "prepare_system", "run_bench"]

Progress = Callable[[str, int, int], None]


def load_jsonl(path: str | Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    p = Path(path)
    if not p.is_file():
        raise InputError(f"no such file: {p}")
    for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{p} line {n} is not JSON: {exc}") from None
        if isinstance(obj, dict):
            rows.append(obj)
    return rows


def find_log_file(data_dir: Path, log_file: str) -> Path:
    """``data_dir/log_file``, or a file of the same name near ``data_dir`` (its parent's tree)."""
    direct = data_dir / log_file
    if direct.is_file():
        return direct
    name = Path(log_file).name
    for root in (data_dir, data_dir.parent):
        if not root.is_dir():
            continue
        for depth in ("*", "*/*", "*/*/*"):
            hits = sorted(root.glob(f"{depth}/{name}")) + sorted(root.glob(name))
            if hits:
                return hits[0]
    raise InputError(f"log file {log_file} not found under {data_dir}")


def _indexed(store: Store, system: str) -> bool:
    try:
        row = store.cursor().execute(
            "SELECT count(*) FROM index_state WHERE system = ? AND stage = 'parameters'", [system]).fetchone()
        return bool(row and row[0])
    except Exception:
        return False


def _lines(store: Store, system: str) -> int:
    row = store.cursor().execute(
        "SELECT count(*) FROM entries WHERE stream_id IN (SELECT stream_id FROM streams "
        "WHERE json_extract_string(labels, '$.system') = ?)", [system]).fetchone()
    return int(row[0]) if row else 0


def prepare_system(store: Store, name: str, spec: dict[str, Any], data_dir: Path, *,
                   llm: Any = None, progress: Progress | None = None, index: bool = True) -> dict[str, Any]:
    """Ingest and index one system unless the store already holds it; returns what was done."""
    system = name.lower()
    done: dict[str, Any] = {"system": system}
    if _lines(store, system) == 0:
        from logcopilot.ingest.pipeline import ingest_files

        path = find_log_file(data_dir, str(spec.get("log_file", "")))
        fmt: str | None = None
        try:
            from logcopilot.ingest.presets import resolve_format

            resolve_format(name)
            fmt = name
        except Exception:
            fmt = None  # let ingest detect the format
        t0 = time.perf_counter()
        ingest_files(store, [str(path)], system=system, fmt=fmt, year=spec.get("year"))
        done["ingested"] = {"file": str(path), "lines": _lines(store, system), "seconds": round(time.perf_counter() - t0, 2)}
    if index and not _indexed(store, system):
        from logcopilot.indexing.pipeline import index_system

        key = (spec.get("session_key") or {}).get("name")
        t0 = time.perf_counter()
        stage_progress = (lambda stage, d, t: progress(f"index {system}: {stage}", d, t)) if progress else None
        try:
            rep = index_system(store, system, session_key=key, llm=llm, progress=stage_progress)
        except Exception:
            rep = index_system(store, system, session_key=None, llm=llm, progress=stage_progress)
        done["indexed"] = {"templates": rep.templates, "verified_recipes": rep.verified_recipes,
                           "session_key": rep.session_key, "seconds": round(time.perf_counter() - t0, 2)}
    return done


def _scorer(questions_path: Path) -> Any:
    path = questions_path.parent / "score.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("_lc_bench_score", path)
    if spec is None or spec.loader is None:
        return None
    mod = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(mod)
    except Exception:
        return None
    return mod if hasattr(mod, "correct") else None


@dataclass
class BenchReport:
    answers_path: str
    questions: int = 0
    asked: int = 0
    reused: int = 0
    by_system: dict[str, list[int]] = field(default_factory=dict)  # name -> [correct, total]
    by_category: dict[str, list[int]] = field(default_factory=dict)
    correct: int = 0
    scored: bool = False
    cost: dict[str, float] = field(default_factory=dict)  # per question averages
    prepared: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overall(self) -> float:
        return self.correct / self.questions if self.questions else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "overall": round(self.overall, 4)}


def run_bench(
    store: Store,
    questions_path: str | Path,
    systems_path: str | Path,
    data_dir: str | Path | None,
    out_path: str | Path,
    *,
    planner: str = "rules",
    llm: Any = None,
    results_dir: str | Path | None = None,
    progress: Progress | None = None,
    limit: int | None = None,
    index: bool = True,
) -> BenchReport:
    """Answer every question of ``questions_path``; see the module docstring."""
    from logcopilot.answering.pipeline import ask

    qpath = Path(questions_path)
    questions = load_jsonl(qpath)[: limit if limit else None]
    systems = json.loads(Path(systems_path).read_text(encoding="utf-8"))
    base = Path(data_dir) if data_dir else Path(systems_path).resolve().parent.parent / "datasets" / "loghub-2k"
    out = Path(out_path)
    report = BenchReport(str(out), questions=len(questions))
    done: dict[str, dict[str, Any]] = {}
    if out.is_file():
        for row in load_jsonl(out):
            if "id" in row:
                done[str(row["id"])] = row
    names = list(dict.fromkeys(str(q.get("system", "")) for q in questions))
    by_lower = {k.lower(): k for k in systems}
    for name in names:
        key = name if name in systems else by_lower.get(name.lower())
        if key is None:
            report.prepared.append({"system": name, "error": "not in systems.json"})
            continue
        try:
            report.prepared.append(prepare_system(store, key, systems[key], base, llm=llm, progress=progress,
                                                  index=index))
        except Exception as exc:  # a system that cannot be prepared: its questions answer with the error
            report.prepared.append({"system": key, "error": str(exc)})
    totals = {"seconds": 0.0, "llm_calls": 0.0, "prompt_tokens": 0.0, "completion_tokens": 0.0}
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as fh:
        for i, q in enumerate(questions):
            qid = str(q.get("id", i))
            if progress:
                progress("questions", i, len(questions))
            if qid in done:
                report.reused += 1
                row = done[qid]
            else:
                a = ask(store, str(q.get("system", "")), str(q.get("question", "")), planner=planner, llm=llm,
                        results_dir=results_dir)
                row = {"id": qid, "value": a.value if a.ok else None, "answer": a.answer, "logql": a.logql,
                       "planner": a.planner, "ok": a.ok, "error": a.error, "cost": a.cost}
                fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
                fh.flush()
                report.asked += 1
            for k in totals:
                totals[k] += float((row.get("cost") or {}).get(k) or 0)
        if progress:
            progress("questions", len(questions), len(questions))
    n = max(1, len(questions))
    report.cost = {k: round(v / n, 4) for k, v in totals.items()}
    scorer = _scorer(qpath)
    answers = {**done}
    for row in load_jsonl(out):
        answers[str(row.get("id"))] = row
    for q in questions:
        if scorer is None or "answer" not in q:
            continue
        report.scored = True
        value = (answers.get(str(q.get("id"))) or {}).get("value")
        try:
            ok = bool(scorer.correct(q["answer"], value))
        except Exception:
            ok = False
        report.correct += ok
        for d, k in ((report.by_system, str(q.get("system"))), (report.by_category, str(q.get("category")))):
            d.setdefault(k, [0, 0])
            d[k][0] += ok
            d[k][1] += 1
    return report
