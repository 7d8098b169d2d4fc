"""One pagination helper: read `page`, `per_page` and `cursor`; wrap a page in `{data, pagination, links}`.

Lists page by keyset: `links.next` carries a cursor (the sort key where the page ended),
so following it costs the same on page 2 and on page 50,000. Page numbers are kept for
the first `MAX_OFFSET` items, where skipping is cheap; beyond, a page number is a 400
that says to follow `links.next`.

A cursor is a position, nothing more: any position of a list is a place to go on from
("the items after this sort key"), so every string the spec allows is one the API takes,
and a client's fuzzer or generator cannot build a cursor the API refuses (a cursor that
was a signed token was refused as "not a cursor this API gave" though the spec's
`string` allowed it). Its bytes are a tag choosing among the list's shapes of position,
then the values; it is base64url, unpadded (`CURSOR_PATTERN`), and it is decoded whatever
it holds: text is read as UTF-8 with replacement, numbers as 64-bit big-endian. It needs
no signature: it is only ever a bound in a parameterised keyset query. A cursor of
another list is a position in this one, as a Stripe `starting_after` is.
"""

from __future__ import annotations

import base64
import re
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
# base64url without padding: any length but 1 more than a multiple of 4 decodes
CURSOR_PATTERN = "^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$"
CURSOR_MAX = 4096
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


# documented for the largest per_page, so that every page the spec allows is served; with
# fewer per page, pages go on to item 10,000
PAGE_NUMBERS = MAX_OFFSET // MAX_PER_PAGE + 1
PAGE_PARAMS = {
    "page": integer_param(
        f"Page number, from 1, while it reaches at most item {MAX_OFFSET:,}; a cursor wins over it",
        1,
        PAGE_NUMBERS,
        1,
    ),
    "per_page": integer_param("Items per page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE),
    "cursor": {
        "description": "Where the previous page ended: follow links.next. Any cursor is a position"
        " (the items after it), so any string of this form is taken",
        "type": "string",
        "pattern": CURSOR_PATTERN,
        "maxLength": CURSOR_MAX,
    },
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
    # beside a cursor, which wins over it, a page is held to the bound the spec documents
    page = int_arg(request, "page", 1, 1, PAGE_NUMBERS if cursor else None)
    if cursor:
        return Window(per_page, 0, _decode(cursor, shapes))
    last_page = MAX_OFFSET // per_page + 1
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
            "next": _link(request, _paging(request, "cursor", _encode(page.next_after)))
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


def _encode(position: Position) -> str:
    """The tag is the position's shape among SHAPES; each value follows as written by _VALUES."""
    last = len(position) - 1
    values = b"".join(_VALUES[type(v)][0](v, i == last) for i, v in enumerate(position))
    shape = tuple(type(value) for value in position)
    return base64.urlsafe_b64encode(bytes([SHAPES.index(shape)]) + values).decode().rstrip("=")


def _decode(cursor: str, shapes: tuple[tuple[type, ...], ...]) -> Position:
    if len(cursor) > CURSOR_MAX or not _CURSOR.match(cursor):
        raise ApiError(
            400,
            "The cursor is not valid.",
            {"cursor": [f"Follow links.next: base64url of at most {CURSOR_MAX} characters."]},
        )
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    wanted = SHAPES[raw[0] % len(SHAPES)]
    shape = wanted if wanted in shapes else shapes[0]
    values, rest = [], raw[1:]
    for index, kind in enumerate(shape):
        value, rest = _VALUES[kind][1](rest, index == len(shape) - 1)
        values.append(value)
    return tuple(values)


def _text(value: str, last: bool) -> bytes:
    encoded = value.encode("utf-8")
    return encoded if last else encoded + b"\x00"


def _read_text(raw: bytes, last: bool) -> tuple[str, bytes]:
    text, _, rest = (raw, b"", b"") if last else raw.partition(b"\x00")
    return text.decode("utf-8", "replace").replace("\x00", ""), rest


def _number(value: int, _last: bool) -> bytes:
    return value.to_bytes(8, "big", signed=True)


def _read_number(raw: bytes, _last: bool) -> tuple[int, bytes]:
    return int.from_bytes(raw[:8].ljust(8, b"\x00"), "big", signed=True), raw[8:]


# Every shape of position a list hands out; a cursor's first byte picks one (modulo their
# number), and a shape this list does not page by falls back to its first
SHAPES: tuple[tuple[type, ...], ...] = ((str, str), (int,), (int, str))
_VALUES = {str: (_text, _read_text), int: (_number, _read_number)}
_CURSOR = re.compile(CURSOR_PATTERN)
