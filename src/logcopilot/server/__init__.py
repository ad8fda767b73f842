"""The Loki-compatible HTTP API over the embedded store.

``create_app(store)`` returns the Starlette app (``logcopilot serve`` runs it with uvicorn):
``app`` (routes and error bodies), ``params`` (Loki's parameter rules and texts), ``meta``
(labels, series, index stats and volume).
"""

from logcopilot.server.app import create_app

__all__ = ["create_app"]
