"""One pagination helper: read `page`, `per_page` and `cursor`; wrap a page in `{data, pagination, links}`.

Lists page by keyset: `links.next` carries an opaque cursor (the sort key where
the page ended), so following it costs the same on page 2 and on page 50,000.
Page numbers are kept for the first `MAX_OFFSET` items, where skipping is cheap;
beyond, a page number is a 400 that says to follow `links.next`. A cursor is
validated, not trusted: it must decode, have the shape of a position of this
list, and carry the fingerprint of the same query (a cursor of another search
is refused), else it is a 400 naming `cursor`. It needs no signature: it is only
ever a bound in a parameterised keyset query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request

from main.controller.http.errors import ApiError
from main.service.model import Page, Position, Window

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
# Page numbers reach this many items in (Elasticsearch's max_result_window); links.next goes on.
MAX_OFFSET = 10_000
CURSOR_VERSION = 1
# The parameters that define a list; a cursor of the same list may change only page and per_page.
PAGING = ("page", "per_page", "cursor")


def integer_param(description: str, minimum: int, maximum: int, default: int) -> dict[str, Any]:
    """A query parameter documented as the integer it is (restx would call it a string)."""
    return {
        "description": description,
        "type": "integer",
        "minimum": minimum,
        "maximum": maximum,
        "default": default,
    }


PAGE_PARAMS = {
    # documented for the largest per_page, so that every page the spec allows is served; with
    # fewer per page, pages go on to item 10,000
    "page": integer_param(
        f"Page number, from 1, while it reaches at most item {MAX_OFFSET:,}; a cursor wins over it",
        1,
        MAX_OFFSET // MAX_PER_PAGE + 1,
        1,
    ),
    "per_page": integer_param("Items per page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE),
    "cursor": {"description": "Where the previous page ended: follow links.next", "type": "string"},
}


def int_arg(request: Request, name: str, default: int, minimum: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    # ASCII digits only: int() would also take a sign, spaces, underscores and any
    # Unicode digit (Arabic-Indic one is 1), none of which the spec's integer allows
    if not (raw.isascii() and raw.isdigit()):
        raise ApiError(400, f"Query parameter {name!r} must be an integer.", {name: ["Not a valid integer."]})
    value = int(raw) if len(raw) <= 18 else 10**18  # beyond every bound, and int() caps digits
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ApiError(400, f"Query parameter {name!r} is out of range.", {name: [f"Must be {bounds}."]})
    return value


def window_arg(request: Request, *shapes: tuple[type, ...]) -> Window:
    """The window the request asks for: after a cursor, or at a page number within MAX_OFFSET.

    `shapes` are the shapes this list's positions may have, against which a cursor is checked.
    """
    per_page = int_arg(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    cursor = request.args.get("cursor")
    if cursor:
        return Window(per_page, 0, _decode(request, cursor, shapes))
    last_page = MAX_OFFSET // per_page + 1
    page = int_arg(request, "page", 1, 1)
    if page > last_page:
        raise ApiError(
            400,
            f"Page numbers reach item {MAX_OFFSET:,}; follow links.next (a cursor) beyond it.",
            {"page": [f"At most {last_page} with per_page={per_page}."]},
        )
    return Window(per_page, (page - 1) * per_page)


def envelope(request: Request, page: Page, view: Callable[[Any], Any]) -> dict[str, Any]:
    """The list envelope of the page `request` asked for, each item written by `view` (a
    schema's dump, its faster twin, or `orjson.Fragment` for companies the store keeps as
    clients read them). Refuse a page past the last one: a client paging by hand gets told,
    not an empty list."""
    by_number = not request.args.get("cursor")
    number = page.offset // page.per_page + 1 if by_number else None
    pages = max(1, -(-page.total // page.per_page)) if page.total_exact else None
    if by_number and page.offset and not page.items and page.next_after is None:
        last = f"The last page is {pages}." if pages else "There are fewer items."
        raise ApiError(404, f"Page {number} is out of range.", {"page": [last]})
    last_reachable = pages is not None and (pages - 1) * page.per_page <= MAX_OFFSET
    return {
        "data": [view(item) for item in page.items],
        "pagination": {
            "page": number,
            "per_page": page.per_page,
            "total": page.total,
            "total_exact": page.total_exact,
            "pages": pages,
        },
        "links": {
            "self": _link(request, request.args.to_dict()),
            "first": _link(request, _paging(request, "page", 1)),
            "last": _link(request, _paging(request, "page", pages)) if last_reachable else None,
            "next": _link(request, _paging(request, "cursor", _encode(request, page.next_after)))
            if page.next_after is not None
            else None,
            "prev": _link(request, _paging(request, "page", number - 1)) if number and number > 1 else None,
        },
    }


def _paging(request: Request, name: str, value: object) -> dict[str, str]:
    """This request's parameters, its page size kept, read at another page or cursor."""
    args = {k: v for k, v in request.args.items() if k not in PAGING or k == "per_page"}
    return {**args, name: str(value)}


def _link(request: Request, args: dict[str, str]) -> str:
    return f"{request.path}?{urlencode(sorted(args.items()))}"


def _fingerprint(request: Request) -> str:
    """What makes this list this list: the path and every parameter but the paging ones."""
    defining = sorted((k, v) for k, v in request.args.items(multi=True) if k not in PAGING)
    return hashlib.sha256(json.dumps([request.path, defining]).encode()).hexdigest()[:16]


def _encode(request: Request, position: Position) -> str:
    raw = json.dumps([CURSOR_VERSION, _fingerprint(request), list(position)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(request: Request, cursor: str, shapes: tuple[tuple[type, ...], ...]) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, fingerprint, position = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise _bad_cursor("It is not a cursor this API gave.") from None
    if version != CURSOR_VERSION or not isinstance(position, list):
        raise _bad_cursor("It is not a cursor this API gave.")
    if fingerprint != _fingerprint(request):
        raise _bad_cursor("It belongs to another list: keep the parameters it came with.")
    if tuple(type(value) for value in position) not in shapes:
        raise _bad_cursor("It is not a cursor this API gave.")
    return tuple(position)


def _bad_cursor(why: str) -> ApiError:
    return ApiError(400, "The cursor is not valid.", {"cursor": [why]})
