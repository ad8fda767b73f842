"""The one response shape of every endpoint: compact JSON on success, Loki's plain-text
error body with the error's own status code on failure, and the request's tenant."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from logcopilot.engine.store import DEFAULT_TENANT
from logcopilot.errors import LogCopilotError

__all__ = ["error_response", "json_response", "request_tenant"]


def json_response(doc: Any, status: int = 200) -> Response:
    body = json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Response(body.encode("utf-8", "replace"), status_code=status, media_type="application/json")


def error_response(exc: Exception) -> Response:
    """Plain text with the error's status, as Loki answers errors."""
    if isinstance(exc, LogCopilotError):
        return PlainTextResponse(str(exc), status_code=exc.status)
    return PlainTextResponse(f"internal error: {exc}", status_code=500)


def request_tenant(request: Request) -> str:
    """``X-Scope-OrgID``, or Loki's single tenant when auth is off."""
    return request.headers.get("x-scope-orgid") or DEFAULT_TENANT
