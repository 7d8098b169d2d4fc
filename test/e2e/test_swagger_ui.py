"""Swagger UI (`/docs`, version 5, vendored) in Debian's chromium against the real app: it
reads the OpenAPI 3.1 document first, offers Swagger 2.0 beside it, and draws every
operation of each, with no console error and no uncaught exception."""

from __future__ import annotations

import requests
from playwright.sync_api import expect

from test.browser import Watched
from test.e2e.conftest import Server


def test_swagger_ui_draws_every_operation_of_both_documents(watched: Watched, server: Server) -> None:
    page = watched.page
    operations = {
        document: sum(
            method in ("get", "post", "put", "patch", "delete")
            for item in requests.get(f"{server.url}/{document}", timeout=10).json()["paths"].values()
            for method in item
        )
        for document in ("openapi.json", "swagger.json")
    }
    page.goto(f"{server.url}/docs")
    chosen = page.get_by_label("Select a definition")
    expect(chosen).to_have_value("openapi.json")  # the 3.1 document first
    expect(page.locator(".opblock")).to_have_count(operations["openapi.json"])
    expect(page.get_by_text("OAS 3.1").first).to_be_visible()
    chosen.select_option(label="Swagger 2.0 (swagger.json)")
    expect(page.get_by_text("OAS 2.0").first).to_be_visible()
    expect(page.locator(".opblock")).to_have_count(operations["swagger.json"])
