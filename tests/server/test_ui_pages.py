"""The web UI's pages and assets as the server ships them (no browser: see tests/ui for that)."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from logcopilot.server.ui import PAGES, STATIC_DIR, render_page, ui_routes


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(Starlette(routes=ui_routes()))


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_served_with_nav_and_strict_csp(client: TestClient, name: str) -> None:
    r = client.get(f"/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert f'<main id="page-{name}"' in r.text
    assert f'src="/static/js/{name}.js"' in r.text
    for page in PAGES:
        assert f'data-page="{page}"' in r.text


def test_root_redirects_to_ask(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code in (302, 307) and r.headers["location"] == "/ask"


def test_every_referenced_asset_exists_and_is_served(client: TestClient) -> None:
    for name in PAGES:
        html = render_page(name)
        assert "__TITLE__" not in html and "__PAGE__" not in html and "__BODY__" not in html
        for ref in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
            r = client.get(ref)
            assert r.status_code == 200, ref
    assert client.get("/static/js/ask.js").headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
    assert client.get("/static/nope.js").status_code == 404


def test_module_imports_resolve_to_exported_names() -> None:
    """Every `import { a, b } from "./m.js"` names a module that exists and exports a and b."""
    js = {p.name: p.read_text(encoding="utf-8") for p in (STATIC_DIR / "js").glob("*.js")}
    exports = {name: set(re.findall(r"^export (?:async )?(?:function|const|let|class) ([\w$]+)", src, re.M)) for name, src in js.items()}
    for name, src in js.items():
        for names, mod in re.findall(r'import \{([^}]*)\} from "\./([\w.]+)"', src):
            assert mod in js, f"{name} imports missing module {mod}"
            for n in (x.strip() for x in names.split(",") if x.strip()):
                imported = n.split(" as ")[0].strip()
                assert imported in exports[mod], f"{name} imports {imported} which {mod} does not export"
    for page in PAGES:
        assert f"{page}.js" in js


def test_scripts_never_insert_html() -> None:
    """Log lines are untrusted: the front end builds DOM nodes with text, never markup strings."""
    for p in (STATIC_DIR / "js").glob("*.js"):
        src = p.read_text(encoding="utf-8")
        for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert banned not in src, f"{p.name} uses {banned}"


def test_no_external_urls_in_assets() -> None:
    """The pages work offline: no CDN, no font service, nothing fetched from another origin."""
    for p in STATIC_DIR.rglob("*"):
        if p.suffix in (".js", ".css", ".html"):
            assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", p.read_text(encoding="utf-8")), p


def test_pages_need_no_credentials_but_the_api_does(tmp_path) -> None:
    """A browser cannot add headers to a page load: pages and assets (no data) pass; data does not."""
    from logcopilot.engine.store import Store
    from logcopilot.server.app import create_app

    store = Store(tmp_path / "s.duckdb")
    try:
        with TestClient(create_app(store, auth_enabled=False, token="s3cret")) as c:
            assert c.get("/ask").status_code == 200
            assert c.get("/static/js/api.js").status_code == 200
            assert c.get("/api/v1/systems").status_code == 401
            assert c.get("/api/v1/systems", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        with TestClient(create_app(store, auth_enabled=True, token=None)) as c:
            assert c.get("/knowledge").status_code == 200
            # the UI's API reads the whole store: refused while tenants are isolated, with the reason
            r = c.get("/api/v1/systems", headers={"X-Scope-OrgID": "team-a"})
            assert r.status_code == 403 and "tenants are isolated" in r.text
            # parsing LogQL holds no tenant data, so the query page's checker still works
            r = c.get("/api/v1/logql/parse", params={"query": "{a=\"b\"} |= "})
            assert r.status_code == 200 and r.json()["ok"] is False and r.json()["error"]["col"] > 0
            assert c.get("/loki/api/v1/labels").status_code == 401  # Loki's API still needs a tenant
    finally:
        store.close()


def test_every_asset_is_shipped_in_the_package() -> None:
    """A file type missing from pyproject's package-data would be absent from an installed wheel."""
    import fnmatch
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["*"]
    for p in STATIC_DIR.rglob("*"):
        if p.is_file():
            assert any(fnmatch.fnmatch(p.name, pat) for pat in patterns), f"{p.name} is not in package-data"
