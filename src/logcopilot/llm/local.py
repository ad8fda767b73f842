"""The ``local`` provider: a GGUF model run in-process by llama-cpp-python, fully offline.

In: a GGUF path (default: Qwen2.5-Coder-0.5B-Instruct from ``weights.py``) and a
``ChatRequest``. Out: a ``Completion`` with exact token counts from the model's tokenizer.

How a call runs:

1. the messages are rendered with the chat template stored in the GGUF (Jinja, as
   llama-cpp-python's own chat handler does) and tokenized once, so the prompt's token
   count is exact and the context length is checked before any work;
2. a ``json_schema`` becomes a llama.cpp grammar (``LlamaGrammar.from_json_schema``), so
   the model can only emit JSON of that shape: types, ``enum``/``const``, properties,
   ``required``, ``additionalProperties``, ``items`` with ``minItems``/``maxItems``, string
   ``minLength``/``maxLength`` and ``pattern``, ``anyOf``/``oneOf``/``allOf``, ``$ref``.
   Numeric ``minimum``/``maximum`` are not expressible in the grammar; ``ChatClient``'s
   schema check refuses an out-of-range number (``LLMResponseError``) instead;
3. guards against small-model loops: ``max_tokens`` is clamped to the context left, free
   text gets a mild repeat penalty (JSON does not: keys and braces repeat legitimately), and
   a stopping criterion ends generation when the last tokens are one short sequence
   repeated (``RepetitionGuard``); the completion is then marked ``finish_reason="repetition"``.

A loaded model is shared by every provider in the process that asks for the same file and
settings (loading is the slow part), and calls are serialized (a llama context is not
thread-safe).

Example::

    provider = LocalChatProvider(model_path)      # or LocalChatProvider.default(home)
    provider.complete(ChatRequest.build("Say hi", max_tokens=16))
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from logcopilot.errors import LLMError, LLMResponseError, LLMUnavailableError
from logcopilot.llm.base import ChatProvider, ChatRequest, Completion

__all__ = ["LocalChatProvider", "RepetitionGuard", "default_threads", "llama_available"]

_MODELS: dict[tuple[str, int, int], tuple[Any, float]] = {}  # (path, n_ctx, threads) -> (Llama, load s)
_MODELS_LOCK = threading.Lock()
FREE_TEXT_REPEAT_PENALTY = 1.1


def llama_available() -> bool:
    """True when llama-cpp-python can be imported (the ``local`` extra is installed)."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        return False
    return True


def default_threads() -> int:
    """Generation threads: about the physical cores (usable CPUs / 2), between 1 and 8.

    llama.cpp's threads spin while they wait for each other, so one thread per hyper-thread,
    or a thread count equal to the CPUs of a busy machine, is much slower than fewer
    threads: on a 2-CPU machine shared with other work, 1 thread measured 5-9 tokens/s and
    2 threads 0.6 tokens/s with the 0.5B model.
    """
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    return max(1, min(8, n // 2))


class RepetitionGuard:
    """A llama-cpp-python stopping criterion that fires on a looping tail.

    It fires when the last generated tokens are a block of ``p`` tokens (``p`` up to
    ``max_period``) repeated back to back over at least ``min_span`` tokens and at least
    ``min_repeats`` times: 32 copies of one token, 8 of a 4-token phrase, 3 of a 16-token
    sentence. Legitimate output rarely repeats that exactly; looping small models do.
    """

    def __init__(self, prompt_len: int, *, max_period: int = 48, min_span: int = 32, min_repeats: int = 3) -> None:
        self.prompt_len = prompt_len
        self.max_period = max_period
        self.min_span = min_span
        self.min_repeats = min_repeats
        self.fired_at: int | None = None  # generated-token count when it fired

    def __call__(self, input_ids: Any, logits: Any) -> bool:
        generated = len(input_ids) - self.prompt_len
        if generated < self.min_span or self.fired_at is not None:
            return self.fired_at is not None
        window = max(self.min_span, self.max_period * self.min_repeats)
        tail = [int(t) for t in input_ids[-min(generated, window) :]]
        if self.looping(tail):
            self.fired_at = generated
            return True
        return False

    def looping(self, tail: list[int]) -> bool:
        """Is the end of ``tail`` one block repeated (see the class docstring)?"""
        for p in range(1, self.max_period + 1):
            span = max(self.min_span, p * self.min_repeats)
            if span > len(tail):
                break
            seg = tail[-span:]
            if seg[p:] == seg[:-p]:
                return True
        return False


class LocalChatProvider(ChatProvider):
    """Chat with a GGUF model through llama-cpp-python."""

    name = "local"

    def __init__(
        self,
        model_path: str | Path,
        *,
        n_ctx: int = 8192,
        n_threads: int | None = None,
        model_name: str | None = None,
    ) -> None:
        try:
            import llama_cpp
        except ImportError:
            raise LLMUnavailableError(
                "the local provider needs llama-cpp-python: install the extra with "
                "`bash scripts/setup.sh` or `pip install \"logcopilot[local]\"` (see README)"
            ) from None
        self._llama_cpp = llama_cpp
        self.path = Path(model_path)
        if not self.path.is_file():
            raise LLMUnavailableError(f"model file not found: {self.path}")
        self.n_threads = n_threads or default_threads()
        self._model_name = model_name or self.path.name
        self.llm, self.load_seconds = _load(self.path, n_ctx, self.n_threads)
        self.n_ctx = int(self.llm.n_ctx())
        self._lock = threading.Lock()
        self.last_tokens_per_s = 0.0  # generation speed of the latest call, for reports
        self._formatter = self._make_formatter()

    @property
    def model(self) -> str:
        return self._model_name

    def count_tokens(self, text: str) -> int:
        """Exact: the model's own tokenizer (no BOS, special tokens as plain text)."""
        if not text:
            return 0
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def render_prompt(self, messages: list[dict[str, str]]) -> tuple[str, list[str]]:
        """The prompt text the model sees for ``messages``, and the template's stop strings."""
        if self._formatter is None:
            # GGUFs without a template: ChatML, which Qwen and most instruct models use.
            parts = [f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages]
            return "".join(parts) + "<|im_start|>assistant\n", ["<|im_end|>"]
        out = self._formatter(messages=messages)
        stop = out.stop if isinstance(out.stop, list) else ([out.stop] if out.stop else [])
        return out.prompt, [s for s in stop if s]

    def complete(self, request: ChatRequest) -> Completion:
        prompt, template_stop = self.render_prompt(request.message_dicts)
        tokens = self.llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
        room = self.n_ctx - len(tokens)
        if room < 8:
            raise LLMError(
                f"prompt is {len(tokens)} tokens, the local model's context holds {self.n_ctx}; shorten the prompt"
            )
        max_tokens = min(request.max_tokens, room)
        grammar = None
        if request.json_schema is not None:
            try:
                grammar = self._llama_cpp.LlamaGrammar.from_json_schema(
                    json.dumps(request.json_schema), verbose=False
                )
            except Exception as exc:  # noqa: BLE001 - the converter raises bare exceptions on schemas it cannot compile
                raise LLMError(f"local model cannot enforce this JSON schema: {exc}") from None
        guard = RepetitionGuard(len(tokens))
        started = time.perf_counter()
        with self._lock:
            try:
                out = self.llm.create_completion(
                    tokens,
                    max_tokens=max_tokens,
                    temperature=request.temperature,
                    top_k=1 if request.temperature == 0 else 40,
                    repeat_penalty=1.0 if grammar is not None else FREE_TEXT_REPEAT_PENALTY,
                    stop=[*template_stop, *request.stop],
                    seed=request.seed,
                    grammar=grammar,
                    stopping_criteria=self._llama_cpp.StoppingCriteriaList([guard]),
                )
            except (RuntimeError, ValueError) as exc:
                raise LLMResponseError(f"local model failed: {exc}") from None
        elapsed = time.perf_counter() - started
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        finish = str(choice.get("finish_reason") or "stop")
        if guard.fired_at is not None:
            finish = "repetition"
        completion_tokens = int(usage.get("completion_tokens", 0))
        self.last_tokens_per_s = completion_tokens / elapsed if elapsed > 0 else 0.0
        return Completion(
            text=str(choice.get("text", "")),
            prompt_tokens=int(usage.get("prompt_tokens", len(tokens))),
            completion_tokens=completion_tokens,
            finish_reason=finish,
            model=self._model_name,
        )

    def _make_formatter(self) -> Any:
        template = self.llm.metadata.get("tokenizer.chat_template")
        if not template:
            return None
        eos_id = self.llm.token_eos()
        bos_id = self.llm.token_bos()
        eos = self.llm._model.token_get_text(eos_id) if eos_id != -1 else ""
        bos = self.llm._model.token_get_text(bos_id) if bos_id != -1 else ""
        return self._llama_cpp.llama_chat_format.Jinja2ChatFormatter(
            template=template, eos_token=eos, bos_token=bos, stop_token_ids=[eos_id]
        )


def _close_all() -> None:
    """Free cached models at exit, while the interpreter can still run llama.cpp's cleanup.

    Left to garbage collection at interpreter teardown, ``Llama.__del__`` runs after its
    module globals are gone and prints an ignored ``TypeError``.
    """
    with _MODELS_LOCK:
        for llm, _ in _MODELS.values():
            llm.close()
        _MODELS.clear()


def _load(path: Path, n_ctx: int, n_threads: int) -> tuple[Any, float]:
    key = (str(path.resolve()), n_ctx, n_threads)
    with _MODELS_LOCK:
        if key in _MODELS:
            return _MODELS[key][0], 0.0
        import llama_cpp

        if not _MODELS:
            atexit.register(_close_all)

        started = time.perf_counter()
        try:
            llm = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                seed=0,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise LLMUnavailableError(f"llama.cpp cannot load {path}: {exc}") from None
        seconds = time.perf_counter() - started
        _MODELS[key] = (llm, seconds)
        return llm, seconds
