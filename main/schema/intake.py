"""The one intake of events: bytes or text in, a validated event and the body to publish out.

Events arrive over HTTP (`POST /api/v1/events`), from a file (`import`, `publish`)
and from RabbitMQ (the worker). All four decode and check them here, so they
accept and refuse exactly the same events with the same reasons.

Beyond the contract, the intake refuses what JSON could decode but the rest of
the path cannot carry, because an event refused here gets a clear answer while an
event that fails after a 202 or after it left the queue would be lost:

* NaN and Infinity (and numbers too large for a double, which Python reads as
  infinity): JSON has no such values, so a company holding one could never be
  served as valid JSON again;
* integers beyond 64 bits: neither SQLite nor ArangoDB stores them exactly; and, so that
  the rule is one the OpenAPI spec can state (JSON Schema has one `minimum` and `maximum`
  for every number, and counts 1e300 as an integer), any number outside that range;
* lone UTF-16 surrogates (`"\\ud800"`): they have no UTF-8 form, so no store,
  log line or hash takes them; and the NUL character, which SQLite's text
  functions and ArangoDB keys stop at;
* nesting deeper than `MAX_DEPTH`: a recursion bomb for every JSON codec on the way.

Every door passes the receiving clock's `SkewBound`: an event dated too far ahead is
refused here too (service/clock_skew.py says why).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from marshmallow import ValidationError

from main.schema.loading import load_event
from main.service.clock_skew import SkewBound
from main.service.errors import InvalidEvent
from main.service.model import Event

MAX_DEPTH = 32
INT64 = 2**63
_MAX_INT_DIGITS = len(str(INT64))
# Only bodies holding one of these escapes can hold a lone surrogate or a NUL once decoded.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")


class _Unrepresentable(ValueError):
    """A JSON token the decoder read but the service cannot keep; raised from the decoder's hooks."""


def _refuse_constant(token: str) -> Any:
    raise _Unrepresentable(f"{token} is not a JSON number.")


def _finite_float(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise _Unrepresentable(f"The number {token[:40]} is out of range for a double.")
    if not -INT64 <= value < INT64:
        raise _Unrepresentable(f"The number {token[:40]} is beyond the 64-bit range of every number.")
    return value


def _int64(token: str) -> int:
    value = _clamped_int(token)
    if not -INT64 <= value < INT64:
        raise _Unrepresentable(f"The integer {token[:40]}{'...' if len(token) > 40 else ''} exceeds 64 bits.")
    return value


def _clamped_int(token: str) -> int:
    """Any integer too long to convert is beyond 64 bits anyway: the walk refuses it by value."""
    return int(token) if len(token.lstrip("-")) <= _MAX_INT_DIGITS else INT64


_decoder = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_int64)
# For a JSON array of events: decode it all, then refuse each unrepresentable event on its own.
_lenient_decoder = json.JSONDecoder(parse_int=_clamped_int)


@dataclass(frozen=True)
class Accepted:
    """A valid event and the JSON body to publish for it, with its event id filled in."""

    event: Event
    body: bytes


def decode(raw: bytes | str, field: str = "body") -> Any:
    """The JSON value of `raw`, or `InvalidEvent` naming `field` and what is wrong with it."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = _decoder.decode(text)
    except UnicodeDecodeError as exc:
        raise InvalidEvent("invalid JSON: not UTF-8", {field: [f"Not UTF-8: {exc.reason}."]}) from None
    except RecursionError:
        raise InvalidEvent("invalid JSON: nested too deep", {field: [_too_deep()]}) from None
    except _Unrepresentable as exc:
        raise InvalidEvent("invalid JSON: unrepresentable value", {field: [str(exc)]}) from None
    except ValueError as exc:
        raise InvalidEvent(f"invalid JSON: {exc}", {field: [f"Not valid JSON: {exc}."]}) from None
    check_representable(value, text, field)
    return value


def check_representable(value: Any, text: str | None = None, field: str = "body") -> None:
    """Refuse nesting, text and numbers the service cannot carry (see the module's docstring).

    `text` is the JSON the value was decoded from: when given, the walk is skipped
    for the usual event, whose text shows it cannot hold what the walk looks for.
    """
    if (
        text is not None
        and text.count("{") + text.count("[") <= MAX_DEPTH
        and not _SUSPECT_ESCAPE.search(text)
    ):
        return
    problem = _first_problem(value)
    if problem:
        raise InvalidEvent("invalid JSON: unrepresentable value", {field: [problem]})


def _first_problem(value: Any) -> str | None:
    for depth, item in _walk(value):
        if depth > MAX_DEPTH:
            return _too_deep()
        if isinstance(item, str):
            if "\x00" in item:
                return "Text may not contain the NUL character (\\u0000)."
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "Text may not contain a lone UTF-16 surrogate (\\ud800-\\udfff)."
        elif isinstance(item, float) and not math.isfinite(item):
            return "NaN and Infinity are not JSON numbers."
        elif isinstance(item, float) and not -INT64 <= item < INT64:
            return "Numbers must be within the 64-bit range."
        elif isinstance(item, int) and not isinstance(item, bool) and not -INT64 <= item < INT64:
            return "Integers must fit in 64 bits."
    return None


def _walk(value: Any) -> Iterator[tuple[int, Any]]:
    """Every value and object key with its depth, without recursion (the value may be a bomb)."""
    stack = [(1, value)]
    while stack:
        depth, item = stack.pop()
        yield depth, item
        if depth > MAX_DEPTH:
            return
        if isinstance(item, dict):
            stack.extend((depth + 1, part) for pair in item.items() for part in pair)
        elif isinstance(item, list):
            stack.extend((depth + 1, part) for part in item)


def _too_deep() -> str:
    return f"Nested deeper than {MAX_DEPTH} levels."


def event_of(payload: Any, skew: SkewBound) -> Event:
    """Validate a decoded event, turning schema errors into `InvalidEvent` with the fields."""
    try:
        event = load_event(payload)
    except ValidationError as exc:
        raise InvalidEvent("schema violation", exc.normalized_messages()) from None
    return skew.check(event)


def accept(payload: Any, skew: SkewBound) -> Accepted:
    """Validate a decoded event: the event and its body to publish, or `InvalidEvent` with the fields."""
    event = event_of(payload, skew)
    body = json.dumps({**payload, "eventId": event.event_id}, ensure_ascii=False, allow_nan=False)
    return Accepted(event, body.encode("utf-8"))


def accept_raw(raw: bytes | str, skew: SkewBound) -> Accepted:
    """`accept` of the event in `raw` JSON."""
    return accept(decode(raw), skew)


def accept_array(text: str, skew: SkewBound) -> Iterator[Accepted | InvalidEvent]:
    """Each event of a JSON array, checked as if it had come alone; one error if the array is not JSON."""
    try:
        items = _lenient_decoder.decode(text)
    except RecursionError:
        yield InvalidEvent("invalid JSON array: nested too deep", {"body": [_too_deep()]})
        return
    except ValueError as exc:
        yield InvalidEvent(f"invalid JSON array: {exc}")
        return
    if not isinstance(items, list):
        yield InvalidEvent("invalid JSON array: not an array")
        return
    for item in items:
        try:
            check_representable(item)
            yield accept(item, skew)
        except InvalidEvent as exc:
            yield exc
