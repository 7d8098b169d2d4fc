"""Whatever JSON a client POSTs, the server never answers 5xx, and every 202 ends in the graph."""

from __future__ import annotations

import json
import uuid

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note
from hypothesis import strategies as st

from main.bootstrap import Container
from test.conftest import API_KEY

# Stands for an integer of 5,000 digits, written into the body as text (Python will not print one).
HUGE = "<5000 digits>"
# Text of every kind: lone surrogates, NUL and other control characters included.
any_text = st.text(st.characters(codec=None, categories=None), max_size=8)
numbers = (
    st.integers(-(2**70), 2**70)
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.just(HUGE)
)
json_like = st.recursive(
    st.none() | st.booleans() | numbers | any_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=10,
)
deep = st.integers(1, 80).map(lambda depth: json.loads("[" * depth + "]" * depth))
extras = st.dictionaries(st.sampled_from(["ticker", "tags", "meta", "\x00", "\ud800"]), json_like | deep)


@st.composite
def events(draw: st.DrawFn) -> dict:
    data = {"id": uuid.uuid4().hex, "name": draw(any_text | st.just("Acme Ltd")), **draw(extras)}
    if draw(st.booleans()):
        data["industry"] = draw(any_text | st.lists(any_text, max_size=3))
    if draw(st.booleans()):
        data["location"] = draw(any_text | st.just("Paris, France"))
    event = {"eventType": "company-created", "data": data}
    if draw(st.booleans()):
        event["eventId"] = draw(any_text) + uuid.uuid4().hex  # event ids are unique by contract
    return event


def post(client: FlaskClient, event: dict):
    # json.dumps writes NaN, Infinity and lone surrogates (as \\ud800) as a sloppy publisher would
    body = json.dumps(event, allow_nan=True).replace(json.dumps(HUGE), "9" * 5000)
    return client.post(
        "/api/v1/events", data=body, content_type="application/json", headers={"X-API-Key": API_KEY}
    )


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(event=events())
def test_any_posted_json_is_refused_with_a_4xx_or_ends_in_the_graph(
    client: FlaskClient, container: Container, event: dict
) -> None:
    response = post(client, event)
    note(f"answered {response.status_code}")
    assert response.status_code < 500, response.data
    assert response.is_json
    json.loads(response.get_data(as_text=True))  # strict: no NaN written back
    if response.status_code != 202:
        assert response.json["errors"], "a refusal names what is wrong"
        return
    assert container.bus.drain()
    assert not container.bus.dead_letters, container.bus.dead_letters
    stored = client.get(response.headers["Location"])
    assert stored.status_code == 200, stored.data
    company = stored.json
    assert company["name"] == event["data"]["name"]
    sent_extras = {k: v for k, v in event["data"].items() if k not in ("id", "name", "industry", "location")}
    assert company["properties"] == sent_extras
