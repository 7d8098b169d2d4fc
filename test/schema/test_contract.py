"""The published contract matches what the worker accepts, in JSON Schema and in Avro."""

from __future__ import annotations

import io
import json

import fastavro
import jsonschema
import pytest
from flask.testing import FlaskClient
from marshmallow import ValidationError

from main.controller.cli import DEMO_FILE
from main.schema.contract import avro_schema, json_schema, to_avro_record
from main.schema.loading import load_event
from test.helpers import company_event

DEMO = [json.loads(line) for line in DEMO_FILE.read_text().splitlines()]
VALID = [
    *DEMO,
    company_event(
        occurred_at="2026-11-22T10:00:00Z", location={"city": "Tel Aviv", "state": None, "country": "IL"}
    ),
    {"eventType": "company-deleted", "data": {"id": "gone"}},
]
INVALID = [
    {"eventType": "company-created", "data": {"id": "no-name"}},
    {"eventType": "company-merged", "data": {"id": "x"}},
    {"eventType": "company-updated", "data": {"id": "x", "founded": "1999"}},
    {"eventType": "company-updated", "data": {"id": "x", "location": 12}},
    {"eventType": "company-updated"},
]


def test_the_json_schema_accepts_what_the_worker_accepts() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    jsonschema.Draft202012Validator.check_schema(json_schema())
    for event in VALID:
        load_event(event)
        assert not list(validator.iter_errors(event)), event


@pytest.mark.parametrize("event", INVALID)
def test_the_json_schema_refuses_what_the_worker_refuses(event: dict) -> None:
    with pytest.raises(ValidationError):
        load_event(event)
    assert list(jsonschema.Draft202012Validator(json_schema()).iter_errors(event))


def test_every_valid_event_round_trips_through_avro() -> None:
    schema = fastavro.parse_schema(avro_schema())
    records = [to_avro_record(event) for event in VALID]
    buffer = io.BytesIO()
    fastavro.writer(buffer, schema, records)
    buffer.seek(0)
    assert list(fastavro.reader(buffer)) == records
    assert records[0]["data"]["id"] == VALID[0]["data"]["id"]


def test_fields_beyond_the_contract_travel_in_extra() -> None:
    record = to_avro_record(company_event(ticker="ACME", tags=["b2b"]))
    assert record["data"]["extra"] == {"ticker": '"ACME"', "tags": '["b2b"]'}
    fastavro.validation.validate(record, fastavro.parse_schema(avro_schema()))


def test_the_contract_is_served(client: FlaskClient) -> None:
    listing = client.get("/api/v1/schemas").json["data"]
    assert {item["href"] for item in listing} == {
        "/api/v1/schemas/company-event.json",
        "/api/v1/schemas/company-event.avsc",
    }
    assert client.get("/api/v1/schemas/company-event.json").json == json_schema()
    assert client.get("/api/v1/schemas/company-event.avsc").json["name"] == "CompanyEvent"
