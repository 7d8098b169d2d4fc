"""`/openapi.json`: valid OpenAPI 3.1, the same operations and parameters as `/swagger.json`,
and a description of what the API really answers: the demo data's answers validate
against its response schemas, and its event examples against its request body."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from main.bootstrap import bootstrap
from main.controller.cli import DEMO_FILE
from main.controller.http.app import create_app
from main.schema.intake import accept_raw
from main.util.config import Settings
from test.helpers import file_unreadable

OPERATIONS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    folder = tmp_path_factory.mktemp("openapi31")
    settings = Settings(graph_url="memory://", var_dir=folder, api_keys=("k",))
    container = bootstrap(replace(settings), consume=False)
    lines = DEMO_FILE.read_text().splitlines()
    container.sync.apply_batch([accept_raw(line, container.skew).event for line in lines])
    yield create_app(container).test_client()
    container.close()


@pytest.fixture(scope="module")
def document(demo: FlaskClient) -> dict[str, Any]:
    response = demo.get("/openapi.json")
    assert response.status_code == 200 and response.content_type == "application/json"
    return response.json


def operations(paths: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in paths.items():
        for method in OPERATIONS:
            if method in item:
                yield path, method, item[method]


def parameters(item: dict[str, Any], operation: dict[str, Any]) -> set[tuple[str, str, bool]]:
    return {
        (p["name"], p["in"], bool(p.get("required")))
        for p in [*item.get("parameters", []), *operation.get("parameters", [])]
    }


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_both_documents_hold_the_same_operations_and_parameters(
    demo: FlaskClient, document: dict[str, Any]
) -> None:
    swagger = demo.get("/swagger.json").json
    ours = {(path, method): operation for path, method, operation in operations(document["paths"])}
    theirs = {(path, method): operation for path, method, operation in operations(swagger["paths"])}
    assert set(ours) == set(theirs)
    for (path, method), operation in theirs.items():
        counterpart = ours[(path, method)]
        assert counterpart["operationId"] == operation["operationId"]
        body = {p["name"] for p in operation.get("parameters", []) if p["in"] == "body"}
        assert bool(body) == ("requestBody" in counterpart), (path, method)
        assert parameters(document["paths"][path], counterpart) == {
            parameter for parameter in parameters(swagger["paths"][path], operation) if parameter[1] != "body"
        }, (path, method)
        assert set(operation["responses"]) <= set(counterpart["responses"]), (path, method)


def test_every_operation_says_what_it_may_be_refused_with_in_the_one_error_body(
    document: dict[str, Any],
) -> None:
    error = {"$ref": "#/components/schemas/Error"}
    for path, method, operation in operations(document["paths"]):
        responses = operation["responses"]
        for status in ("405", "414", "431"):
            assert responses[status]["content"]["application/json"]["schema"] == error, (path, method, status)
        if path not in ("/health", "/ready"):
            assert "Retry-After" in responses["429"]["headers"], (path, method)
        if path not in ("/health", "/metrics", "/ready"):
            assert responses["503"]["content"]["application/json"]["schema"] == error, (path, method)
            assert "Retry-After" in responses["503"]["headers"], (path, method)
    ready = document["paths"]["/ready"]["get"]["responses"]["503"]["content"]["application/json"]["schema"]
    assert ready == {"$ref": "#/components/schemas/Health"}  # which dependency is down
    post = document["paths"]["/api/v1/events"]["post"]
    assert {"400", "401", "403", "413", "415"} <= set(post["responses"])
    assert post["security"] == [{"apikey": []}, {"bearer": ["companies:write"]}]
    assert set(document["components"]["securitySchemes"]) == {"apikey", "bearer"}


def validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A JSON Schema validator for a schema the document names, its references resolved in it."""
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(document))
    return Draft202012Validator({"$ref": f"urn:openapi{schema['$ref']}"}, registry=registry)


def answer_schema(document: dict[str, Any], path: str, status: str = "200") -> dict[str, Any]:
    return document["paths"][path]["get"]["responses"][status]["content"]["application/json"]["schema"]


def test_what_the_api_answers_on_the_demo_data_is_what_the_document_describes(
    demo: FlaskClient, document: dict[str, Any]
) -> None:
    companies = demo.get("/api/v1/companies?per_page=100").json
    page = validator(document, answer_schema(document, "/api/v1/companies"))
    assert list(page.iter_errors({**companies, "data": [{"id": 5}]}))  # the check can fail
    checked = 0
    for path, url in (
        ("/api/v1/companies", "/api/v1/companies?per_page=100"),
        ("/api/v1/companies", "/api/v1/companies?q=and&country=US&per_page=5"),
        ("/api/v1/countries", "/api/v1/countries"),
        ("/api/v1/cities", "/api/v1/cities?per_page=100"),
        ("/api/v1/industries/{key}/companies", "/api/v1/industries/software/companies"),
    ):
        errors = list(validator(document, answer_schema(document, path)).iter_errors(demo.get(url).json))
        assert not errors, (url, errors[0].message)
        checked += 1
    item = validator(document, answer_schema(document, "/api/v1/companies/{company_id}"))
    graph = validator(document, answer_schema(document, "/api/v1/companies/{company_id}/graph"))
    related = validator(document, answer_schema(document, "/api/v1/companies/{company_id}/related"))
    for company in companies["data"]:
        key = company["id"]
        for check, url in (
            (item, f"/api/v1/companies/{key}"),
            (graph, f"/api/v1/companies/{key}/graph?depth=2"),
            (related, f"/api/v1/companies/{key}/related"),
        ):
            errors = list(check.iter_errors(demo.get(url).json))
            assert not errors, (url, errors[0].message)
            checked += 1
    assert any(company["place"]["state"] is None for company in companies["data"])  # nulls checked too
    error = validator(document, answer_schema(document, "/api/v1/companies/{company_id}", "404"))
    assert not list(error.iter_errors(demo.get("/api/v1/companies/nobody").json))
    assert checked > 300


def test_the_demo_events_given_as_examples_are_valid_request_bodies(document: dict[str, Any]) -> None:
    body = document["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]["application/json"]
    check = validator(document, body["schema"])
    assert {"company-created", "company-updated"} <= set(body["examples"])
    for example in body["examples"].values():
        assert not list(check.iter_errors(example["value"]))
    nameless = {**body["examples"]["company-created"]["value"]}
    nameless["data"] = {key: value for key, value in nameless["data"].items() if key != "name"}
    assert list(check.iter_errors(nameless)), "a company created without a name is refused by the intake"
    as_object = {
        **body["examples"]["company-updated"]["value"],
        "data": {"id": "x", "location": {"city": "Zug"}},
    }
    assert not list(check.iter_errors(as_object))
    listed = {**as_object, "data": {"id": "x", "industry": ["Software", "Media"]}}
    assert not list(check.iter_errors(listed))
    discriminator = document["components"]["schemas"]["EventBody"]["discriminator"]
    assert set(discriminator["mapping"]) == {"company-created", "company-updated", "company-deleted"}


def test_a_store_that_is_down_is_a_503_that_says_when_to_retry(client: FlaskClient, container) -> None:
    with file_unreadable(container.store):
        response = client.get("/api/v1/companies/anyone")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json["code"] == 503


def test_with_reads_behind_authentication_every_read_may_be_refused_and_the_probes_stay_open(
    tmp_path,
) -> None:
    settings = Settings(graph_url="memory://", var_dir=tmp_path, api_keys=("k",), reads_require_auth=True)
    container = bootstrap(settings, consume=False)
    client = create_app(container).test_client()
    document = client.get("/openapi.json").json
    validate(document)
    assert document["security"] == [{"apikey": []}, {"bearer": ["companies:read"]}]
    for path, method, operation in operations(document["paths"]):
        if path.startswith("/api/v1/"):
            assert {"401", "403"} <= set(operation["responses"]), (path, method)
            assert "security" not in operation or operation["security"], (path, method)
        else:
            assert operation["security"] == [], path
            assert client.get(path).status_code in (200, 503), path
    refused = client.get("/api/v1/companies")
    assert refused.status_code == 401 and refused.json["code"] == 401
    container.close()
