"""One pagination helper: parse `page`/`per_page`, and wrap a page in `{data, pagination, links}`."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request
from marshmallow import Schema

from main.controller.http.errors import ApiError
from main.service.model import Page

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Far beyond any real list, and small enough that the row offset it asks for fits the stores' integers
MAX_PAGE = 1_000_000_000


def int_arg(name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            400, f"Query parameter {name!r} must be an integer.", {name: ["Not a valid integer."]}
        ) from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ApiError(400, f"Query parameter {name!r} is out of range.", {name: [f"Must be {bounds}."]})
    return value


def page_args() -> tuple[int, int]:
    return int_arg("page", 1, 1, MAX_PAGE), int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)


def envelope(page: Page, item_schema: Schema) -> dict[str, Any]:
    """Refuse a page past the last one: a client paging by hand gets told, not an empty list."""
    if page.page > page.pages:
        raise ApiError(
            404, f"Page {page.page} is out of range.", {"page": [f"The last page is {page.pages}."]}
        )
    return {
        "data": item_schema.dump(page.items, many=True),
        "pagination": {
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "pages": page.pages,
        },
        "links": {
            "self": _link(page.page),
            "first": _link(1),
            "last": _link(page.pages),
            "next": _link(page.page + 1) if page.page < page.pages else None,
            "prev": _link(page.page - 1) if page.page > 1 else None,
        },
    }


def _link(number: int) -> str:
    args = {k: v for k, v in request.args.items() if k != "page"}
    args["page"] = str(number)
    return f"{request.path}?{urlencode(sorted(args.items()))}"
