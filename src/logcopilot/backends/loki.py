"""The Loki backend: the same LogQL, sent to a real Grafana Loki (or ``logcopilot serve``).

In: a base URL (``LOKI_BASE_URL``; ``http(s)://host:port`` or ``loki://host:port``), optional
basic auth or bearer token, an optional ``X-Scope-OrgID`` tenant. Out: ``LokiBackend.query``
returns the same ``QueryResult`` objects as the embedded backend (decoded by
``from_loki_json``); ``labels``/``label_values``/``series`` return plain lists; ``push`` sends
one JSON push body.

Failure policy, in one place (``LokiBackend.request``):

- 429 and 5xx answers, timeouts and refused connections are retried with exponential backoff
  (``backoff * 2**attempt``, capped at ``max_backoff``; a ``Retry-After`` header is honoured
  up to the same cap), ``retries`` times;
- a 400 is the query's fault: ``QueryError`` carrying Loki's own message, so the answering
  pipeline's repair loop sees the same kind of error as with the embedded engine;
- anything else, or retries used up: ``BackendError`` with one line saying which URL, what
  failed, and what to check.

Example::

    backend = LokiBackend("http://127.0.0.1:3100", tenant="team-a")
    backend.query('sum(count_over_time({system="openssh"}[1h]))', time=t_ns)
"""

from __future__ import annotations

import time as _time
from urllib.parse import quote
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from logcopilot.backends.base import from_loki_json
from logcopilot.engine.results import QueryResult
from logcopilot.errors import BackendError, ConfigError, QueryError

__all__ = ["LokiBackend", "format_loki_time", "normalize_base_url"]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
API = "/loki/api/v1"


def normalize_base_url(url: str) -> str:
    """``loki://h:p`` -> ``http://h:p``; no trailing slash or ``/loki/api/v1`` suffix.

    >>> normalize_base_url("loki://127.0.0.1:3100/loki/api/v1/")
    'http://127.0.0.1:3100'
    """
    url = url.strip()
    if not url:
        raise ConfigError("no Loki URL given: set LOKI_BASE_URL (e.g. http://127.0.0.1:3100)")
    if url.startswith("loki://"):
        url = "http://" + url[len("loki://"):]
    elif "://" not in url:
        url = "http://" + url
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"unsupported Loki URL {url!r}: use http://, https:// or loki://HOST:PORT")
    url = url.rstrip("/")
    if url.endswith(API):
        url = url[: -len(API)]
    parsed = httpx.URL(url)
    if not parsed.host:
        raise ConfigError(f"Loki URL {url!r} has no host")
    return url.rstrip("/")


def format_loki_time(ns: int) -> str:
    """A ns timestamp as Loki parses it unambiguously.

    Loki reads an integer of up to 10 digits as seconds, so small ns values go as RFC3339.

    >>> format_loki_time(1704067200123456789)
    '1704067200123456789'
    >>> format_loki_time(5)
    '1970-01-01T00:00:00.000000005Z'
    """
    if ns >= 10**10:
        return str(ns)
    secs, frac = divmod(ns, 10**9)
    return datetime.fromtimestamp(secs, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:09d}Z"


def _step_text(step_ns: int) -> str:
    """A step as float seconds, the form both Loki and Prometheus durations accept."""
    if step_ns % 10**9 == 0:
        return str(step_ns // 10**9)
    return repr(step_ns / 1e9)


class LokiBackend:
    """An HTTP client for Loki's query, metadata and push APIs, with retries."""

    name = "loki"

    def __init__(
        self,
        base_url: str,
        *,
        tenant: str | None = None,
        token: str | None = None,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.25,
        max_backoff: float = 8.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = _time.sleep,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        if token and user:
            raise ConfigError("set either a Loki bearer token or a basic-auth user, not both")
        headers = {"User-Agent": "logcopilot"}
        if tenant:
            headers["X-Scope-OrgID"] = tenant
        if token:
            headers["Authorization"] = f"Bearer {token}"
        auth = httpx.BasicAuth(user, password or "") if user else None
        self.tenant = tenant
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self._sleep = sleep
        self.client = httpx.Client(
            base_url=self.base_url, headers=headers, auth=auth, timeout=timeout, transport=transport
        )

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> LokiBackend:
        """From ``Settings`` (``loki_base_url``, ``loki_tenant``, ``loki_token``, ``loki_user``/``_password``)."""
        return cls(
            settings.get("loki_base_url"),
            tenant=settings.get("loki_tenant") or None,
            token=settings.get("loki_token") or None,
            user=settings.get("loki_user") or None,
            password=settings.get("loki_password") or None,
            **kwargs,
        )

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> LokiBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport with retries ------------------------------------------------------
    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            after = response.headers.get("retry-after", "")
            try:
                return min(max(float(after), 0.0), self.max_backoff)
            except ValueError:
                pass
        return min(self.backoff * (2**attempt), self.max_backoff)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str]] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        raise_for_400: bool = True,
    ) -> httpx.Response:
        """Send one request, retrying 429/5xx and connection failures with backoff."""
        url = self.base_url + path
        last = ""
        for attempt in range(self.retries + 1):
            response: httpx.Response | None = None
            try:
                response = self.client.request(method, path, params=list(params or ()), content=content, headers=headers)
            except httpx.TimeoutException as exc:
                last = f"timed out ({type(exc).__name__})"
            except httpx.TransportError as exc:
                last = f"connection failed ({exc or type(exc).__name__})"
            else:
                if response.status_code not in RETRY_STATUSES:
                    return self._check(response, url, raise_for_400)
                last = f"HTTP {response.status_code}: {_short(response.text)}"
            if attempt < self.retries:
                self._sleep(self._delay(attempt, response))
        raise BackendError(
            f"Loki at {url} failed after {self.retries + 1} attempts: {last}; "
            "check that Loki is running and reachable at that URL (LOKI_BASE_URL or --target)"
        )

    def _check(self, response: httpx.Response, url: str, raise_for_400: bool) -> httpx.Response:
        code = response.status_code
        if code < 400 or (code == 400 and not raise_for_400):
            return response
        if code == 400:
            # Loki's own message, verbatim: the repair loop and users read it as the engine's
            raise QueryError(response.text or "Loki rejected the request (400)", status=400)
        text = _short(response.text)
        if code in (401, 403):
            raise BackendError(
                f"Loki at {url} refused the request ({code}: {text}); "
                "check LOKI_TOKEN or LOKI_USER/LOKI_PASSWORD, and LOKI_TENANT (X-Scope-OrgID)"
            )
        if code == 404:
            raise BackendError(
                f"Loki at {url} answered 404 ({text}); check that LOKI_BASE_URL is Loki's root URL "
                "(without /loki/api/v1)"
            )
        raise BackendError(f"Loki at {url} answered {code}: {text}")

    def _data(self, path: str, params: Sequence[tuple[str, str]]) -> Any:
        response = self.request("GET", path, params=params)
        try:
            doc = response.json()
        except ValueError:
            raise BackendError(f"Loki at {self.base_url + path} sent a body that is not JSON: {_short(response.text)}") from None
        if not isinstance(doc, dict) or doc.get("status", "success") != "success":
            raise BackendError(f"Loki at {self.base_url + path} answered {_short(response.text)}")
        return doc.get("data")

    # -- queries ---------------------------------------------------------------------
    def query(
        self,
        logql: str,
        *,
        time: int | None = None,
        start: int | None = None,
        end: int | None = None,
        step: int | None = None,
        limit: int | None = None,
        direction: str = "backward",
    ) -> QueryResult:
        """Run LogQL: instant at ``time``, or a range over ``start``..``end`` (ns)."""
        params: list[tuple[str, str]] = [("query", logql), ("direction", direction)]
        if limit is not None:
            params.append(("limit", str(int(limit))))
        if time is not None and start is None:
            params.append(("time", format_loki_time(int(time))))
            data = self._data(API + "/query", params)
        else:
            if start is None or end is None:
                raise ValueError("a range query needs start and end")
            params += [("start", format_loki_time(int(start))), ("end", format_loki_time(int(end)))]
            if step is not None:
                params.append(("step", _step_text(int(step))))
            data = self._data(API + "/query_range", params)
        if not isinstance(data, dict):
            raise BackendError(f"Loki at {self.base_url} answered a query without a data object")
        return from_loki_json(data)

    def _range(self, start: int | None, end: int | None) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if start is not None:
            out.append(("start", format_loki_time(int(start))))
        if end is not None:
            out.append(("end", format_loki_time(int(end))))
        return out

    def labels(self, *, start: int | None = None, end: int | None = None, query: str | None = None) -> list[str]:
        """Label names (``/labels``), sorted."""
        params = self._range(start, end) + ([("query", query)] if query else [])
        return sorted(self._data(API + "/labels", params) or [])

    def label_values(
        self, name: str, *, start: int | None = None, end: int | None = None, query: str | None = None
    ) -> list[str]:
        """Values of one label (``/label/<name>/values``), sorted."""
        params = self._range(start, end) + ([("query", query)] if query else [])
        return sorted(self._data(f"{API}/label/{quote(name, safe='')}/values", params) or [])

    def series(self, matches: Sequence[str], *, start: int | None = None, end: int | None = None) -> list[dict[str, str]]:
        """Label sets of the streams matching any selector in ``matches`` (``/series``)."""
        params = [("match[]", m) for m in matches] + self._range(start, end)
        return [dict(s) for s in self._data(API + "/series", params) or []]

    def ready(self) -> bool:
        """True when ``/ready`` answers 200 (no retries: this is a probe)."""
        try:
            return self.client.get("/ready").status_code == 200
        except httpx.HTTPError:
            return False

    def push(self, body: bytes) -> httpx.Response:
        """POST one JSON push body; a 400 (rejected entries) is returned, not raised."""
        return self.request(
            "POST", API + "/push", content=body, headers={"Content-Type": "application/json"}, raise_for_400=False
        )


def _short(text: str, limit: int = 2000) -> str:
    """Loki's message on one line, otherwise unchanged (it may quote log lines)."""
    one = text.strip().replace("\r", " ").replace("\n", " ")
    return one if len(one) <= limit else one[: limit - 3] + "..."
