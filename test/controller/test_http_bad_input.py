"""Every kind of bad input gets a JSON error naming the problem and the field, never a trace."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from main.bootstrap import Container
from test.conftest import API_KEY
from test.helpers import company_event

HEADERS = {"X-API-Key": API_KEY}


def post_raw(client: FlaskClient, data: bytes | str, content_type: str = "application/json", **headers: str):
    return client.post("/api/v1/events", data=data, content_type=content_type, headers={**HEADERS, **headers})


def assert_error(response, code: int, field: str | None = None) -> dict:
    assert response.status_code == code, response.data
    assert response.is_json
    body = response.json
    assert body["code"] == code and body["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    if field:
        assert field in json.dumps(body.get("errors", {})), body
    return body


def test_broken_json_is_a_400_naming_the_body(client: FlaskClient) -> None:
    assert_error(post_raw(client, '{"eventType": '), 400, "body")


def test_a_body_that_is_not_utf8_is_a_400(client: FlaskClient) -> None:
    assert_error(post_raw(client, b"\xff\xfe{}"), 400, "body")


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "null"])
def test_a_body_that_is_not_an_object_is_a_400(client: FlaskClient, body: str) -> None:
    assert_error(post_raw(client, body), 400, "_schema")


def test_a_missing_company_id_is_a_400_naming_data_id(client: FlaskClient) -> None:
    body = assert_error(
        client.post("/api/v1/events", json={"eventType": "company-deleted", "data": {}}, headers=HEADERS), 400
    )
    assert body["errors"] == {"data": {"id": ["Missing data for required field."]}}


def test_a_create_without_a_name_is_a_400_naming_data_name(client: FlaskClient) -> None:
    event = company_event()
    del event["data"]["name"]
    body = assert_error(client.post("/api/v1/events", json=event, headers=HEADERS), 400)
    assert body["errors"] == {"data": {"name": ["Missing data for required field."]}}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("founded", "1999"),
        ("employees", -1),
        ("name", 7),
        ("industry", [1, 2]),
        ("location", 12),
        ("location", {"city": "X", "planet": "Mars"}),
        ("id", "has/slash"),
        ("id", 123),
    ],
)
def test_wrong_types_are_a_400_naming_the_field(client: FlaskClient, field: str, value: object) -> None:
    event = company_event()
    event["data"][field] = value
    body = assert_error(client.post("/api/v1/events", json=event, headers=HEADERS), 400)
    assert field in body["errors"]["data"]


def test_a_bad_occurred_at_is_a_400(client: FlaskClient) -> None:
    event = company_event(occurred_at="yesterday")
    assert_error(client.post("/api/v1/events", json=event, headers=HEADERS), 400, "occurredAt")


def test_an_unknown_event_type_is_a_400_naming_event_type(client: FlaskClient) -> None:
    event = company_event()
    event["eventType"] = "company-merged"
    assert_error(client.post("/api/v1/events", json=event, headers=HEADERS), 400, "eventType")


def test_an_unknown_envelope_field_is_a_400(client: FlaskClient) -> None:
    event = {**company_event(), "evenType": "typo"}
    assert_error(client.post("/api/v1/events", json=event, headers=HEADERS), 400, "evenType")


def test_a_body_over_one_megabyte_is_a_413(client: FlaskClient) -> None:
    event = company_event(description="x" * 1_100_000)
    assert_error(post_raw(client, json.dumps(event)), 413)


def test_a_wrong_content_type_is_a_415_naming_it(client: FlaskClient) -> None:
    assert_error(
        post_raw(client, json.dumps(company_event()), content_type="text/plain"), 415, "Content-Type"
    )


def test_a_missing_api_key_is_a_401(client: FlaskClient) -> None:
    response = client.post("/api/v1/events", json=company_event())
    assert_error(response, 401, "X-API-Key")


def test_a_wrong_api_key_is_a_401(client: FlaskClient) -> None:
    response = client.post("/api/v1/events", json=company_event(), headers={"X-API-Key": "guess"})
    assert_error(response, 401, "X-API-Key")


def test_an_unknown_company_is_a_404_naming_it(client: FlaskClient) -> None:
    for path in ("/api/v1/companies/NOPE", "/api/v1/companies/NOPE/related", "/api/v1/companies/NOPE/graph"):
        assert_error(client.get(path), 404, "company")


def test_an_unknown_place_is_a_404(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/countries/ZZ/companies"), 404, "country")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=-3", "page"),
        ("page=two", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
    ],
)
def test_bad_page_numbers_are_a_400_naming_the_parameter(client: FlaskClient, query: str, field: str) -> None:
    assert_error(client.get(f"/api/v1/companies?{query}"), 400, field)


def test_a_page_past_the_last_is_a_404_naming_page(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/companies?page=99"), 404, "page")


def test_a_bad_graph_depth_is_a_400(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/companies/X/graph?depth=3"), 400, "depth")


def test_an_unknown_path_and_a_wrong_method_are_json_errors(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/nothing-here"), 404)
    assert_error(client.delete("/api/v1/companies"), 405)


def test_refused_input_is_never_applied_and_accepted_input_is_never_lost(
    client, container: Container
) -> None:
    good = company_event(company_id="kept")
    client.post("/api/v1/events", json=good, headers=HEADERS)
    client.post("/api/v1/events", json={**good, "eventType": "nope"}, headers=HEADERS)
    post_raw(client, "{broken")
    assert container.bus.drain()
    assert client.get("/api/v1/companies/kept").status_code == 200
    assert client.get("/api/v1/companies").json["pagination"]["total"] == 1


def test_an_unexpected_error_is_a_500_without_details(client: FlaskClient, container: Container) -> None:
    def explode(*_args: object) -> None:
        raise RuntimeError("secret internals")

    container.lookup.get = explode
    response = client.get("/api/v1/companies/ANY")
    body = assert_error(response, 500)
    assert "secret" not in json.dumps(body)
