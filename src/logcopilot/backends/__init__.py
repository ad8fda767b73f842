"""Where queries run: the embedded DuckDB engine (``EmbeddedBackend``) or, through the same
``Backend`` protocol, a Loki-compatible HTTP endpoint (``LokiBackend``: a real Grafana Loki, or
``logcopilot serve``).

In: settings (or a URL) and, for the embedded engine, a ``Store``. Out: a ``Backend`` whose
``query(...)`` returns ``QueryResult`` objects, whichever engine ran the query.

``get_backend`` picks: an explicit URL wins; else ``loki_base_url`` (``LOKI_BASE_URL``) from
the settings selects ``LokiBackend``; else the embedded engine over ``store``.

Example::

    backend = get_backend(load_settings(), store)        # embedded unless LOKI_BASE_URL is set
    backend = get_backend("loki://127.0.0.1:3100")       # a Loki (or `logcopilot serve`)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from logcopilot.backends.base import Backend, from_loki_json
from logcopilot.backends.embedded import EmbeddedBackend
from logcopilot.errors import ConfigError

if TYPE_CHECKING:
    from logcopilot.backends.loki import LokiBackend
    from logcopilot.config import Settings
    from logcopilot.engine.store import Store

__all__ = ["Backend", "EmbeddedBackend", "LokiBackend", "from_loki_json", "get_backend"]


def __getattr__(name: str) -> Any:
    # httpx is imported only when a Loki backend is actually used
    if name == "LokiBackend":
        from logcopilot.backends.loki import LokiBackend

        return LokiBackend
    raise AttributeError(name)


def get_backend(source: Settings | str | None = None, store: Store | None = None, **kwargs: Any) -> Backend:
    """A backend from a URL, or from settings (``LOKI_BASE_URL`` set -> Loki), else embedded.

    ``kwargs`` go to ``LokiBackend`` (``timeout``, ``retries``, ``tenant``, ...).
    """
    from logcopilot.backends.loki import LokiBackend

    if isinstance(source, str) and source.strip():
        return LokiBackend(source, **kwargs)
    if source is not None and not isinstance(source, str) and source.get("loki_base_url"):
        return LokiBackend.from_settings(source, **kwargs)
    if store is None:
        raise ConfigError("no store for the embedded engine and no Loki URL (set LOKI_BASE_URL or pass --db)")
    return EmbeddedBackend(store)
