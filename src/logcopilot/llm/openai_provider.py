"""The ``openai`` provider: chat and embeddings over any OpenAI-compatible HTTP endpoint.

In: a base URL (OpenAI, vLLM, Ollama, a llama.cpp server, ...), an API key and model names.
Out: ``Completion``s and embedding vectors, through the official ``openai`` SDK.

The SDK's own retries are switched off (``max_retries=0``): ``ChatClient`` retries, so every
try is paced by the rate limiter and visible in the call log. SDK failures become the
LogCopilot error tree here: 429, 5xx, timeouts and dropped connections are
``TransientLLMError`` (retried); a rejected key is ``LLMUnavailableError``; a body that is not
the protocol's JSON is ``LLMResponseError``; other HTTP errors are ``LLMError``.

JSON-schema output uses ``response_format={"type": "json_schema", ...}``, in strict mode when
the schema fits OpenAI's strict subset.

Example::

    provider = OpenAIChatProvider(base_url="http://127.0.0.1:8080/v1", api_key="sk-none",
                                  model="qwen2.5-coder")
    provider.complete(ChatRequest.build("Say hi"))
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from logcopilot.errors import LLMError, LLMResponseError, LLMUnavailableError
from logcopilot.llm.base import ChatProvider, ChatRequest, Completion, TransientLLMError
from logcopilot.llm.schema import is_strict_compatible
from logcopilot.llm.tokens import count_message_tokens, estimate_tokens

__all__ = ["DEFAULT_BASE_URL", "OpenAIChatProvider", "OpenAIEmbeddingProvider", "make_openai_client"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
T = TypeVar("T")


def make_openai_client(base_url: str, api_key: str, timeout_s: float) -> Any:
    """An ``openai.OpenAI`` client with SDK retries off; LLMUnavailableError if not installed."""
    try:
        import openai
    except ImportError:  # pragma: no cover - openai is a core dependency
        raise LLMUnavailableError("the openai package is not installed: pip install openai") from None
    # Local servers (llama.cpp, vLLM, Ollama) ignore the key but the SDK insists on one.
    return openai.OpenAI(
        api_key=api_key or "sk-no-key",
        base_url=base_url or DEFAULT_BASE_URL,
        timeout=timeout_s,
        max_retries=0,
    )


def _retry_after(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    raw = headers.get("retry-after")
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def _guard(call: Callable[[], T], where: str, timeout_s: float) -> T:
    """Run one SDK call, translating its exceptions into the LogCopilot error tree."""
    import openai

    try:
        return call()
    except openai.APITimeoutError:
        raise TransientLLMError(f"{where}: no answer within {timeout_s:g}s (timeout)") from None
    except openai.APIConnectionError as exc:
        cause = exc.__cause__ or exc
        if isinstance(cause, json.JSONDecodeError):
            raise LLMResponseError(f"{where}: malformed JSON in the response body") from None
        raise TransientLLMError(f"{where}: cannot connect ({type(cause).__name__})") from None
    except openai.RateLimitError as exc:
        raise TransientLLMError(f"{where}: HTTP 429 rate limited", retry_after=_retry_after(exc)) from None
    except openai.AuthenticationError:
        raise LLMUnavailableError(f"{where}: HTTP 401, the endpoint rejected the API key (OPENAI_API_KEY)") from None
    except openai.APIStatusError as exc:
        detail = _error_detail(exc)
        if exc.status_code >= 500 or exc.status_code in (408, 409):
            raise TransientLLMError(f"{where}: HTTP {exc.status_code}{detail}", retry_after=_retry_after(exc)) from None
        raise LLMError(f"{where}: HTTP {exc.status_code}{detail}") from None
    except openai.APIResponseValidationError:
        raise LLMResponseError(f"{where}: the response does not follow the OpenAI protocol") from None
    except openai.OpenAIError as exc:
        raise LLMError(f"{where}: {type(exc).__name__}: {exc}") from None
    except json.JSONDecodeError:  # a 200 answer whose body is not JSON
        raise LLMResponseError(f"{where}: malformed JSON in the response body") from None
    except ValueError as exc:  # the SDK's own checks on a decoded body ("No embedding data received")
        raise LLMResponseError(f"{where}: unusable response ({exc})") from None


def _error_detail(exc: Any) -> str:
    body = getattr(exc, "body", None)
    msg = ""
    if isinstance(body, dict):
        inner = body.get("error", body)
        msg = str(inner.get("message", "")) if isinstance(inner, dict) else str(inner)
    msg = " ".join(msg.split())[:160]
    return f" ({msg})" if msg else ""


class OpenAIChatProvider(ChatProvider):
    """Chat completions at an OpenAI-compatible endpoint."""

    name = "openai"

    def __init__(self, *, base_url: str, api_key: str, model: str, timeout_s: float = 60.0) -> None:
        if not model:
            raise LLMUnavailableError("no chat model name for the openai provider (LOGCOPILOT_CHAT_MODEL)")
        self.base_url = base_url or DEFAULT_BASE_URL
        self._model = model
        self.timeout_s = timeout_s
        self._client = make_openai_client(self.base_url, api_key, timeout_s)

    @property
    def model(self) -> str:
        return self._model

    def complete(self, request: ChatRequest) -> Completion:
        kwargs: dict[str, Any] = {
            "model": self._model,
            "messages": request.message_dicts,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if request.stop:
            kwargs["stop"] = list(request.stop)
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.json_schema is not None:
            schema = dict(request.json_schema)
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": is_strict_compatible(schema)},
            }
        where = f"openai chat at {self.base_url}"
        resp = _guard(lambda: self._client.chat.completions.create(**kwargs), where, self.timeout_s)
        choices = getattr(resp, "choices", None)
        if not choices:
            raise LLMResponseError(f"{where}: the response has no choices")
        choice = choices[0]
        text = getattr(getattr(choice, "message", None), "content", None)
        if not isinstance(text, str):
            raise LLMResponseError(f"{where}: the response has no message content")
        usage = getattr(resp, "usage", None)
        prompt_tokens = getattr(usage, "prompt_tokens", None)
        completion_tokens = getattr(usage, "completion_tokens", None)
        return Completion(
            text=text,
            prompt_tokens=int(prompt_tokens) if prompt_tokens is not None else count_message_tokens(request.message_dicts),
            completion_tokens=int(completion_tokens) if completion_tokens is not None else estimate_tokens(text),
            finish_reason=str(getattr(choice, "finish_reason", None) or "stop"),
            model=str(getattr(resp, "model", None) or self._model),
        )

    def close(self) -> None:
        self._client.close()


class OpenAIEmbeddingProvider:
    """Embeddings at an OpenAI-compatible endpoint; one request per batch."""

    name = "openai"

    def __init__(self, *, base_url: str, api_key: str, model: str, timeout_s: float = 60.0) -> None:
        if not model:
            raise LLMUnavailableError("no embedding model name for the openai provider (LOGCOPILOT_EMBEDDING_MODEL)")
        self.base_url = base_url or DEFAULT_BASE_URL
        self.model = model
        self.timeout_s = timeout_s
        self._client = make_openai_client(self.base_url, api_key, timeout_s)

    def embed_batch(self, texts: Sequence[str]) -> tuple[list[list[float]], int]:
        """Vectors for ``texts`` in order, and the prompt tokens the endpoint reported."""
        where = f"openai embeddings at {self.base_url}"
        resp = _guard(
            lambda: self._client.embeddings.create(input=list(texts), model=self.model),
            where,
            self.timeout_s,
        )
        data = getattr(resp, "data", None)
        if not isinstance(data, list) or len(data) != len(texts):
            got = len(data) if isinstance(data, list) else 0
            raise LLMResponseError(f"{where}: expected {len(texts)} vectors, got {got}")
        ordered = sorted(data, key=lambda d: int(getattr(d, "index", 0)))
        vectors: list[list[float]] = []
        for item in ordered:
            vec = getattr(item, "embedding", None)
            if isinstance(vec, str):  # base64 answers are not requested; refuse rather than guess
                raise LLMResponseError(f"{where}: got a base64 embedding, expected a list of floats")
            if not isinstance(vec, list) or not vec:
                raise LLMResponseError(f"{where}: an embedding is missing or empty")
            vectors.append([float(x) for x in vec])
        dims = {len(v) for v in vectors}
        if len(dims) > 1:
            raise LLMResponseError(f"{where}: vectors of different sizes {sorted(dims)}")
        usage = getattr(resp, "usage", None)
        tokens = getattr(usage, "prompt_tokens", None)
        return vectors, int(tokens) if tokens is not None else sum(estimate_tokens(t) for t in texts)

    def close(self) -> None:
        self._client.close()
