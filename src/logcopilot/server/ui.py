"""The web UI: ask, query, knowledge and ingest-status pages next to the Loki API.

In: nothing but the packaged assets under ``server/static/`` (HTML fragments, CSS, ES modules;
no CDN, so the pages work offline). Out: Starlette routes -- ``/`` (redirects to ``/ask``),
``/ask``, ``/query``, ``/knowledge``, ``/status`` (text/html) and the ``/static`` mount.

Pages are a fixed shell plus one fragment each; the server fills in only trusted constants
(the page name and title). Everything the pages show comes from the same JSON API scripts use
(``/api/v1/...`` and ``/loki/api/v1/...``) and is inserted as text by the scripts, never as
HTML: log lines are untrusted input. A Content-Security-Policy forbids inline script and
any other origin as a second line of defence.

Example::

    app = Starlette(routes=[*ui_routes(), ...])
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

__all__ = ["PAGES", "STATIC_DIR", "render_page", "ui_routes"]

STATIC_DIR = Path(__file__).with_name("static")

# page name -> title; each has static/pages/<name>.html and static/js/<name>.js
PAGES: dict[str, str] = {
    "ask": "Ask",
    "query": "Query",
    "knowledge": "Knowledge",
    "status": "Ingest status",
}

_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@functools.lru_cache(maxsize=None)
def render_page(name: str) -> str:
    """The HTML of page ``name`` (a key of ``PAGES``): the shell with its fragment."""
    shell = (STATIC_DIR / "pages" / "shell.html").read_text(encoding="utf-8")
    body = (STATIC_DIR / "pages" / f"{name}.html").read_text(encoding="utf-8")
    return (shell.replace("__TITLE__", PAGES[name])
                 .replace("__PAGE__", name)
                 .replace("__BODY__", body))


def _page(name: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return HTMLResponse(render_page(name), headers={
            "Content-Security-Policy": _CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-cache",
        })
    return endpoint


async def _home(request: Request) -> Response:
    return RedirectResponse("/ask", status_code=307)


def ui_routes() -> list[BaseRoute]:
    """The page routes and the static mount."""
    routes: list[BaseRoute] = [Route("/", _home, methods=["GET"])]
    routes += [Route(f"/{name}", _page(name), methods=["GET"]) for name in PAGES]
    routes.append(Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"))
    return routes
