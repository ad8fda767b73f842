"""Traces: every run leaves a process file and a finalized answer file.

In: a results directory and what each stage did. Out: ``<dir>/<run id>/process.json``
(question, retrieved context, plans, every generated query and attempt with its result or
error, LLM calls with tokens) and ``<dir>/<run id>/answer.json`` (the final answer), as the
published system writes its process and answer files.

Example::

    t = Trace("How many...?", "openssh")
    t.add("retrieval", {...})
    t.write(Path("results"), answer_dict)
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Trace"]


@dataclass
class Trace:
    question: str
    system: str
    started: float = field(default_factory=time.time)
    steps: list[dict[str, Any]] = field(default_factory=list)
    llm_calls: list[dict[str, Any]] = field(default_factory=list)

    def add(self, stage: str, data: Any) -> None:
        self.steps.append({"stage": stage, "t": round(time.time() - self.started, 4), "data": data})

    def llm(self, stage: str, response: Any, error: str = "") -> None:
        rec: dict[str, Any] = {"stage": stage}
        if response is not None:
            for k in ("provider", "model", "prompt_tokens", "completion_tokens", "latency_s", "cached", "call_id"):
                rec[k] = getattr(response, k, None)
            rec["response"] = str(getattr(response, "text", ""))[:4000]
        if error:
            rec["error"] = error
        self.llm_calls.append(rec)

    @property
    def run_id(self) -> str:
        h = hashlib.sha1(f"{self.system}\x00{self.question}\x00{self.started}".encode()).hexdigest()[:10]
        return time.strftime("%Y%m%dT%H%M%S", time.gmtime(self.started)) + "-" + h

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "system": self.system, "started": self.started,
                "steps": self.steps, "llm_calls": self.llm_calls}

    def write(self, results_dir: str | Path, answer: dict[str, Any]) -> Path:
        """Write process.json and answer.json; returns the run directory."""
        d = Path(results_dir).expanduser() / self.run_id
        d.mkdir(parents=True, exist_ok=True)
        (d / "process.json").write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        (d / "answer.json").write_text(json.dumps(answer, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        return d
