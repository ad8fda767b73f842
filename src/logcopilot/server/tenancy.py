"""Tenants and the optional bearer token, as an ASGI middleware in front of the Loki API.

In: every HTTP request and WebSocket handshake. Out: the request passed on with the tenant
it belongs to in its ``X-Scope-OrgID`` header, or a 401 in the one error-body shape (plain
text). A refused WebSocket handshake gets the same status and text as an HTTP answer (the ASGI
denial-response extension, which uvicorn has), or a close with 1008 (policy violation) and the
text as reason where the server lacks it.

As Loki's ``auth_enabled``:

- **disabled** (the default): every request is tenant ``fake`` (``DEFAULT_TENANT``), whatever
  ``X-Scope-OrgID`` says, so a single-user server never splits its data by accident;
- **enabled**: ``X-Scope-OrgID`` is required (``no org id`` otherwise, 401) and isolates
  tenants: each sees and pushes only its own streams. Loki's multi-tenant queries
  (``a|b``) are refused, since the store keeps one tenant per stream. ``/ready``,
  ``/openapi.json``, build info and the UI's config and LogQL-parse endpoints hold no tenant
  data and need no tenant; the rest of the UI's ``/api/v1`` reads the whole store, so it is
  refused (403) while tenants are isolated.

The web UI's pages and ``/static`` assets hold no data and pass without a token or tenant (a
browser cannot add headers to a page load); their scripts send the token with each API call.

A bearer token (``--token`` / ``LOGCOPILOT_TOKEN``), when set, is required on every endpoint
but ``/ready``; it is compared in constant time.

Request bodies are capped at ``max_body`` bytes (``LOGCOPILOT_MAX_BODY_BYTES``, default 64 MiB):
a larger ``Content-Length`` is answered 413 before anything is read, and a body that grows
past the cap while streaming fails the request with 413 before the store is touched.

Example::

    app = TenancyMiddleware(app, auth_enabled=True, token="s3cret")
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from logcopilot.engine.store import DEFAULT_TENANT
from logcopilot.errors import InputError

__all__ = ["DEFAULT_MAX_BODY", "TenancyMiddleware", "auth_from_env", "tenant_error"]

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]
_OPEN_PATHS = frozenset({"/ready"})  # no token needed
_NO_TENANT_PATHS = frozenset({"/ready", "/openapi.json", "/loki/api/v1/status/buildinfo",
                              "/api/v1/config", "/api/v1/logql/parse"})  # no tenant data
# The web UI's pages and assets hold no data (their scripts call the API, which is checked), and
# a browser cannot add headers to a page load: they need neither a token nor a tenant.
_PAGE_PATHS = frozenset({"/", "/ask", "/query", "/knowledge", "/status", "/favicon.ico"})
_PAGE_PREFIX = "/static/"
# The web UI's JSON API reads the whole store; with tenants isolated it would leak across them.
_WHOLE_STORE_PREFIX = "/api/v1/"
_TENANT_MAX = 150  # Loki's limit on a tenant id's length
_TENANT_BAD = frozenset('/\\')
DEFAULT_MAX_BODY = 64 << 20


def auth_from_env(environ: MutableMapping[str, str] | None = None) -> tuple[bool, str | None]:
    """Settings ``auth_enabled`` (1/true/yes/on) and ``serve_token``: environment
    (``LOGCOPILOT_AUTH_ENABLED``, ``LOGCOPILOT_TOKEN``), ``.env`` or the config file."""
    from logcopilot.config import load_settings

    settings = load_settings(env=environ)
    enabled = settings.get("auth_enabled").strip().lower() in ("1", "true", "yes", "on")
    return enabled, settings.get("serve_token") or None


def tenant_error(org: str) -> str | None:
    """Why an ``X-Scope-OrgID`` value is unusable, or None."""
    if not org:
        return "no org id"
    if "|" in org:
        return "multi-tenant queries are not supported: send one tenant in X-Scope-OrgID"
    if len(org) > _TENANT_MAX:
        return f"tenant ID is too long: max {_TENANT_MAX} characters"
    if org in (".", "..") or any(c in _TENANT_BAD or ord(c) < 32 for c in org):
        return f"tenant ID '{org}' contains unsupported character"
    return None


class TenancyMiddleware:
    """Sets the request's tenant, checks the bearer token; plain-text 401 on failure."""

    def __init__(
        self, app: ASGIApp, *, auth_enabled: bool = False, token: str | None = None, max_body: int | None = None
    ) -> None:
        self.app = app
        self.auth_enabled = auth_enabled
        self.token = token.encode() if token else None
        if max_body is None:
            raw = os.environ.get("LOGCOPILOT_MAX_BODY_BYTES", "")  # the max_body_bytes setting
            max_body = int(raw) if raw.isdigit() else DEFAULT_MAX_BODY
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refuse = _websocket_denials(scope, send) if scope["type"] == "websocket" else send  # what _deny sends with
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or [])
        path = scope.get("path", "")
        if path in _PAGE_PATHS or path.startswith(_PAGE_PREFIX):
            await self.app(scope, receive, send)
            return
        if self.token is not None and path not in _OPEN_PATHS:
            auth = next((v for k, v in headers if k == b"authorization"), b"")
            given = auth[7:] if auth[:7].lower() == b"bearer " else b""
            if not hmac.compare_digest(given, self.token):
                await _deny(refuse, "unauthorized: a valid bearer token is required (Authorization: Bearer <token>)")
                return
        rest = [(k, v) for k, v in headers if k != b"x-scope-orgid"]
        if self.auth_enabled:
            org = next((v for k, v in headers if k == b"x-scope-orgid"), b"").decode("utf-8", "replace").strip()
            if path not in _NO_TENANT_PATHS:
                if path.startswith(_WHOLE_STORE_PREFIX):
                    await _deny(refuse, "the web UI's API reads the whole store and is off while tenants are isolated "
                                      "(--auth-enabled); query through /loki/api/v1 with X-Scope-OrgID", 403)
                    return
                problem = tenant_error(org)
                if problem:
                    await _deny(refuse, problem)
                    return
            tenant = org or DEFAULT_TENANT
        else:
            tenant = DEFAULT_TENANT
        length = next((v for k, v in headers if k == b"content-length"), b"")
        if length.isdigit() and int(length) > self.max_body:
            await _deny(refuse, f"request body of {int(length):,} bytes is over the {self.max_body:,} byte limit", 413)
            return
        scope = dict(scope)
        scope["headers"] = rest + [(b"x-scope-orgid", tenant.encode("utf-8"))]
        await self.app(scope, self._capped(receive) if scope["type"] == "http" else receive, send)

    def _capped(self, receive: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
        seen = 0

        async def capped() -> Any:
            nonlocal seen
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    # raised inside the endpoint's body read, so its error handler answers 413
                    raise InputError(f"request body is over the {self.max_body:,} byte limit", status=413)
            return message

        return capped


def _websocket_denials(scope: Scope, send: Callable[[Any], Awaitable[None]]) -> Callable[[Any], Awaitable[None]]:
    """The ``send`` that ``_deny`` uses on a WebSocket handshake: its HTTP answer goes out as a
    denial response, or as a 1008 close where the server has no denial extension."""
    if "websocket.http.response" in (scope.get("extensions") or {}):
        async def denial(message: Any) -> None:
            kind = message.get("type", "")
            if kind.startswith("http.response."):
                message = {**message, "type": "websocket." + kind}
            await send(message)

        return denial

    async def close(message: Any) -> None:
        kind = message.get("type", "")
        if kind == "http.response.start":
            return
        if kind == "http.response.body":
            reason = message.get("body", b"")[:123].decode("utf-8", "ignore")
            await send({"type": "websocket.close", "code": 1008, "reason": reason})
        else:
            await send(message)

    return close


async def _deny(send: Callable[[Any], Awaitable[None]], text: str, status: int = 401) -> None:
    body = text.encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
