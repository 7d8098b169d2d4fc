"""The app's two pages: the explorer (`GET /graph`) and Swagger UI (`GET /docs`).

Both are static files whose own scripts fetch everything they show from the API (no
template, no Node at run time: cytoscape.js and Swagger UI are vendored under
static/vendor by scripts/vendor_npm.py). The explorer's Content-Security-Policy allows
scripts, styles and requests from this origin only and nothing inline, so a company's
name can only ever be text; it is the app's header, which nginx passes on unchanged.
Swagger UI keeps its own headers: it styles its page inline. It offers both documents,
OpenAPI 3.1 first, by relative URLs, so it works behind any proxy.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

STATIC = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

pages = Blueprint("pages", __name__, static_folder=STATIC, static_url_path="/static")


@pages.get("/graph")
def explorer() -> Response:
    response = send_from_directory(STATIC / "explorer", "graph.html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@pages.get("/docs")
def swagger_ui() -> Response:
    return send_from_directory(STATIC / "docs", "index.html")
