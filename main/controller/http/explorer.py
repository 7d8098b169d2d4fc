"""`GET /graph`: the graph explorer, a static page whose own script draws what the API answers.

The page and its script and stylesheet are files under static/ (no template, no Node at
run time: cytoscape.js is vendored under static/vendor). Its Content-Security-Policy
allows scripts, styles and requests from this origin only and nothing inline, so a
company's name can only ever be text; it is the app's header, which nginx passes on
unchanged. Swagger UI (`/docs`) keeps its own headers: its page runs inline scripts.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_from_directory

STATIC = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

explorer = Blueprint("explorer", __name__, static_folder=STATIC, static_url_path="/static")


@explorer.get("/graph")
def graph_page() -> Response:
    response = send_from_directory(STATIC / "explorer", "graph.html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
