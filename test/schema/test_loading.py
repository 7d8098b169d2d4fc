"""The compiled contract and marshmallow give the same answer for every event, valid or not."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from main.controller.cli import DEMO_FILE
from main.schema.events import load_with_marshmallow
from main.schema.loading import load_accepted, load_event
from main.service.model import EVENT_TYPES, Event

DEMO = [json.loads(line) for line in DEMO_FILE.read_text().splitlines()]
REFUSED = "refused"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


def near(valid: st.SearchStrategy, *odd: object) -> st.SearchStrategy:
    """Valid values nine times in ten, else values at the edges of the limits or of any kind."""
    wrong = st.sampled_from(odd) | json_values if odd else json_values
    return st.integers(0, 9).flatmap(lambda n: wrong if n == 0 else valid)


company_ids = near(
    st.from_regex(r"[A-Za-z0-9_\-:.@()+,=;$!*'%]{1,12}", fullmatch=True),
    "",
    "a b",
    "é",
    "x" * 200,
    "x" * 201,
    "abc\n",
    " padded ",
)
texts = st.text(max_size=12)
names = near(texts, "", "n" * 301, "n" * 10_000, "n" * 10_001, None)
industries = near(
    st.one_of(texts, st.lists(texts, max_size=4)),
    None,
    [],
    ["ok", 3],
    ["x" * 101],
    ["a; " * 40],
    ["x" * 10_000],
    ["x" * 10_001],
    ["i"] * 51,
    ["i"] * 1_000,
    ["i"] * 1_001,
    "  ",
)
locations = near(
    st.one_of(
        texts,
        st.fixed_dictionaries({}, optional={k: st.none() | texts for k in ("city", "state", "country")}),
    ),
    None,
    "l" * 1_001,
    "l" * 10_000,
    "l" * 10_001,
    {"city": "c" * 201},
    {"city": "c" * 2_001},
    {"city": "Paris", "planet": "Earth"},
    {"city": 3},
)
years = near(st.integers(900, 3100), 1999.0, 1999.5, True, "1999", None)
headcounts = near(st.integers(-5, 10**12), 10.0, False, -1, None)
moments = near(
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    "2026-11-01T00:00:00Z",
    "2026-11-01t00:00:00z",
    "2026-11-01T00:00:00",
    "2026-11-01 00:00:00+00:00",
    "2026-11-01T00:00:60Z",
    "2026-02-30T00:00:00Z",
    "2026-11-01T00:00:00.1234567+0100",
    "tomorrow",
    None,
)
data = st.fixed_dictionaries(
    {"id": company_ids},
    optional={
        "name": names,
        "industry": industries,
        "location": locations,
        "website": near(texts, "w" * 2_001, "w" * 10_001, None),
        "description": near(texts, None),
        "founded": years,
        "employees": headcounts,
        "ticker": json_values,
    },
)
bodies = st.fixed_dictionaries(
    {
        "eventType": near(st.sampled_from(EVENT_TYPES), "company-merged", None),
        "data": near(data, None, [], "x", {}),
    },
    optional={"eventId": near(texts, "", "e" * 201, "e" * 10_001, None), "occurredAt": moments},
)
events = st.integers(0, 19).flatmap(
    lambda n: json_values if n == 0 else bodies.map(lambda b: {**b, "extra": 1}) if n == 1 else bodies
)


def outcome(load, body: object) -> Event | str:
    try:
        return load(body)
    except ValidationError:
        return REFUSED


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events)
def test_the_fast_check_and_marshmallow_agree_on_every_event(body: object) -> None:
    assert outcome(load_event, body) == outcome(load_with_marshmallow, body)


@pytest.mark.parametrize("body", DEMO[:200], ids=lambda b: b["data"]["id"])
def test_the_demo_events_take_the_fast_path(body: dict) -> None:
    event = load_accepted(body)
    assert event is not None
    assert event == load_with_marshmallow(body)


def test_a_refused_event_still_says_why() -> None:
    with pytest.raises(ValidationError) as refused:
        load_event({"eventType": "company-created", "data": {"id": "acme", "founded": 1999.5}})
    assert refused.value.normalized_messages() == {"data": {"founded": ["Not a valid integer."]}}


@pytest.mark.parametrize("given", [1999.0, 1.999e3])
def test_a_whole_number_written_as_a_float_is_the_integer_as_the_contract_says(given: float) -> None:
    event = load_event(
        {"eventType": "company-created", "data": {"id": "acme", "name": "Acme", "founded": given}}
    )
    assert event.data["founded"] == 1999 and type(event.data["founded"]) is int
    for refused in (1999.5, "1999", True):
        with pytest.raises(ValidationError):
            load_event(
                {"eventType": "company-created", "data": {"id": "acme", "name": "Acme", "founded": refused}}
            )
