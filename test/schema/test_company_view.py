"""The hand-written views write exactly what the response schemas write."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from main.schema.responses import (
    Company,
    Graph,
    PlaceCount,
    RelatedCompany,
    encode,
    graph_view,
    place_count_view,
)
from main.service.company_json import company_json, company_view
from main.service.model import Neighbourhood

text = st.text(max_size=12)
json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False) | text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
CONTRACT_FIELDS = set(Company().fields) - {"properties"}
number = st.none() | st.integers(-(10**6), 10**6) | st.floats(-1e6, 1e6, allow_nan=False)


def optional(**fields: st.SearchStrategy) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts holding any subset of `fields`: the store leaves out what an event did not send."""
    return st.fixed_dictionaries({}, optional=fields)


ref = optional(key=text, name=st.none() | text)
city = optional(key=text, name=st.none() | text, latitude=number, longitude=number)
place = st.none() | optional(
    country=st.none() | ref, state=st.none() | ref, city=st.none() | city, raw=st.none() | text
)
company = optional(
    id=text,
    name=st.none() | text,
    industries=st.none() | st.lists(ref, max_size=3),
    place=place,
    location=json_values,
    website=st.none() | text,
    description=st.none() | text,
    founded=st.none() | st.integers(-(10**4), 10**4),
    employees=st.none() | st.integers(0, 10**9),
    updatedAt=st.none() | text,
).flatmap(
    # fields beyond the contract, a `properties` of the publisher's own among them (never a
    # contract field's name: the intake validated those, so a stored one is never a list)
    lambda doc: st.dictionaries(
        text.filter(lambda key: key not in CONTRACT_FIELDS), json_values, max_size=3
    ).map(lambda extra: {**extra, **doc})
)


@settings(max_examples=400, deadline=None)
@given(company)
def test_company_view_writes_what_the_company_schema_writes(doc: dict[str, Any]) -> None:
    expected = Company().dump(doc)
    written = company_view(doc)
    assert written == expected
    assert list(written) == list(expected), "the same order of keys, so the same bytes"


@settings(max_examples=200, deadline=None)
@given(company, st.floats(0, 100, allow_nan=False), st.lists(text, max_size=4))
def test_a_related_item_holding_the_stored_body_writes_what_the_related_schema_writes(
    doc: dict, score: float, shared: list[str]
) -> None:
    """A related list copies each company's stored body (company_json) into its items."""
    item = {"company": orjson.Fragment(company_json(doc)), "score": score, "shared": shared}
    expected = RelatedCompany().dump({"company": doc, "score": score, "shared": shared})
    assert orjson.loads(encode(item)) == orjson.loads(encode(expected))


place_count = optional(
    key=text,
    name=st.none() | text,
    companies=st.none() | st.integers(0, 10**7),
    country=st.none() | text,
    state=st.none() | text,
    latitude=number,
    longitude=number,
)


@settings(max_examples=300, deadline=None)
@given(place_count)
def test_place_count_view_writes_what_the_place_count_schema_writes(item: dict[str, Any]) -> None:
    expected = PlaceCount().dump(item)
    written = place_count_view(item)
    assert written == expected
    assert list(written) == list(expected)


graph_node = optional(
    id=text, collection=text, key=text, properties=st.dictionaries(text, json_values, max_size=3)
)
graph_edge = optional(key=text, kind=text, to=text, **{"from": text})
neighbourhood = st.builds(
    Neighbourhood,
    nodes=st.lists(graph_node, max_size=4),
    edges=st.lists(graph_edge, max_size=4),
    omitted=st.dictionaries(text, st.integers(0, 10**6), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(neighbourhood)
def test_graph_view_writes_what_the_graph_schema_writes(graph: Neighbourhood) -> None:
    expected = Graph().dump(graph)
    written = graph_view(graph)
    assert written == expected
    assert list(written) == list(expected)
    assert [list(node) for node in written["nodes"]] == [list(node) for node in expected["nodes"]]
