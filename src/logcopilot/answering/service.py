"""Answering for a long-running server: one question at a time, chat clients kept, history kept.

In: a ``Store`` and the settings; per question the text, the system, the planner (``auto`` |
``rules`` | ``structured`` | ``free``), the LLM (``none`` | ``local`` | ``openai`` | ``auto``)
and the number of evidence lines. Out: the history record of the answer (``{"id",
"asked_at", **Answer.to_dict()}``), recorded whether the answer is ok or not.

Rules:

- questions are answered one at a time (a lock): the local model is not thread-safe;
- a chat client is built once per provider and reused (the local model loads once);
- an LLM that is asked for but cannot run: the rules planner answers, with a note saying
  why; when the planner itself needs the LLM (``structured``/``free``), ``InputError``;
- bad names, an empty question, an unknown system: ``InputError`` (400, or 404 for the
  system) before anything is answered or recorded.

``llm_options`` says which LLMs could run, cheaply (no model load, no request).

Example::

    asker = Asker(store)
    rec = asker.ask("Which IP failed most?", "openssh", planner="rules")
    rec["id"], rec["value"], rec["attempts"]
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

from logcopilot.config import Settings, load_settings
from logcopilot.engine.store import Store
from logcopilot.errors import InputError, LogCopilotError

__all__ = ["Asker", "LLMS", "MAX_EVIDENCE", "PLANNERS", "llm_options"]

PLANNERS = ("auto", "rules", "structured", "free")
LLMS = ("none", "local", "openai", "auto")
MAX_EVIDENCE = 100


def llm_options(settings: Settings) -> list[dict[str, Any]]:
    """``[{"name", "available", "detail"}]`` for none, local and openai, without loading anything."""
    from logcopilot.llm.weights import DEFAULT_MODEL, MODELS, installed_parts, is_ready

    local_ok, local_detail = False, ""
    model = settings.get("model_path") or DEFAULT_MODEL
    if importlib.util.find_spec("llama_cpp") is None:
        local_detail = "llama-cpp-python is not installed (bash scripts/setup.sh)"
    elif model not in MODELS:
        local_ok, local_detail = True, f"model file {model}"
    elif is_ready(MODELS[model], settings.home) or installed_parts(MODELS[model]) is not None:
        local_ok, local_detail = True, f"model {model}"
    else:
        local_detail = f"model {model} is not installed (logcopilot llm setup)"
    base = settings.get("openai_base_url")
    openai_ok = bool(settings.get("openai_api_key") or base)
    openai_detail = (f"model {settings.get('chat_model')} at {base or 'api.openai.com'}" if openai_ok
                     else "set OPENAI_API_KEY or OPENAI_BASE_URL")
    return [
        {"name": "none", "available": True, "detail": "no LLM: the rules planner answers"},
        {"name": "local", "available": local_ok, "detail": local_detail},
        {"name": "openai", "available": openai_ok, "detail": openai_detail},
    ]


class Asker:
    """Answers questions about one store and records them in its history."""

    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings if settings is not None else load_settings()
        self._lock = threading.Lock()
        self._clients: dict[str, Any] = {}

    def _client(self, llm: str) -> tuple[Any, str]:
        """(chat client, '') or (None, why there is none). Call with the lock held."""
        if llm == "none":
            return None, "no LLM was asked for"
        if llm in self._clients:
            return self._clients[llm], ""
        option = next((o for o in llm_options(self.settings) if o["name"] == llm), None)
        if option is not None and not option["available"]:  # e.g. openai with no key: no request to fail
            return None, str(option["detail"])
        from logcopilot.llm import get_chat_client

        try:
            client = get_chat_client(self.settings, provider=None if llm == "auto" else llm, store=self.store)
        except LogCopilotError as exc:  # not configured, not installed, bad settings: say so, try again next time
            return None, str(exc)
        self._clients[llm] = client
        return client, ""

    def ask(self, question: object, system: object, *, planner: object = "auto", llm: object = "none",
            evidence: object = 5) -> dict[str, Any]:
        """Answer and record one question; return the history record.

        The arguments may come straight from a JSON body: their types are checked here.
        """
        from logcopilot.answering.history import record_answer
        from logcopilot.answering.pipeline import ask
        from logcopilot.indexing.catalog import require_system

        if not isinstance(question, str) or not question.strip():
            raise InputError("missing question: send {\"question\": \"...\", \"system\": \"...\"}")
        if not isinstance(system, str) or not system.strip():
            raise InputError("missing system: send the name of an ingested system")
        if not isinstance(planner, str) or planner not in PLANNERS:
            raise InputError(f"unknown planner {planner!r} ({', '.join(PLANNERS)})")
        if not isinstance(llm, str) or llm not in LLMS:
            raise InputError(f"unknown llm {llm!r} ({', '.join(LLMS)})")
        if isinstance(evidence, bool) or not isinstance(evidence, int) or not 0 <= evidence <= MAX_EVIDENCE:
            raise InputError(f"invalid evidence {evidence!r}: must be an integer between 0 and {MAX_EVIDENCE}")
        name = require_system(self.store, system)
        with self._lock:
            client, why = self._client(llm)
            if client is None and planner in ("structured", "free"):
                raise InputError(f"the {planner} planner needs an LLM: {why}")
            answer = ask(self.store, name, question, planner=planner, llm=client, evidence=evidence)
            if client is None and llm in ("local", "openai"):
                answer.notes.insert(0, f"the {llm} LLM is unavailable ({why}): answered with the rules planner")
            return record_answer(self.store, answer, source="api", llm=llm, planner=planner)
