"""Who may write, and read when reads are protected: API keys, and bearer tokens signed by
an issuer the tests create (a PEM key or a JWKS served over HTTP)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import jwt
import pytest
from flask.testing import FlaskClient
from pytest_httpserver import HTTPServer

from main.bootstrap import bootstrap
from main.controller.http.app import create_app
from main.util.config import ConfigError, Settings
from test.conftest import API_KEY
from test.helpers import company_event
from test.tokens import AUDIENCE, ISSUER, Issuer

EVENTS = "/api/v1/events"


@pytest.fixture(scope="module")
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture
def make_client(tmp_path: Path, geocoder) -> Iterator[Callable[..., FlaskClient]]:
    """A client of an app built from these environment variables (plus a store of its own)."""
    built = []

    def make(**env: str) -> FlaskClient:
        settings = Settings.from_env(
            {"GRAPH_URL": f"sqlite:///{tmp_path}/graph.db", "VAR_DIR": str(tmp_path / "var"), **env}
        )
        container = bootstrap(settings, geocoder=geocoder)
        built.append(container)
        return create_app(container).test_client()

    yield make
    for container in built:
        container.close()


@pytest.fixture
def pem_client(make_client, issuer: Issuer, tmp_path: Path) -> FlaskClient:
    key = tmp_path / "issuer.pem"
    key.write_text(issuer.public_pem)
    return make_client(
        API_KEYS=API_KEY, JWT_PUBLIC_KEY_FILE=str(key), JWT_AUDIENCE=AUDIENCE, JWT_ISSUER=ISSUER
    )


def post(client: FlaskClient, **headers: str):
    return client.post(EVENTS, json=company_event(name="Authorized Ltd"), headers=headers)


def bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_token_granting_companies_write_may_post(pem_client: FlaskClient, issuer: Issuer) -> None:
    assert post(pem_client, Authorization=bearer(issuer.token())).status_code == 202
    assert post(pem_client, Authorization=bearer(issuer.token(["companies:write"]))).status_code == 202
    assert post(pem_client, Authorization=bearer(issuer.token("openid companies:write"))).status_code == 202


def test_the_api_key_still_works_beside_tokens(pem_client: FlaskClient) -> None:
    assert post(pem_client, **{"X-API-Key": API_KEY}).status_code == 202


def _unsigned(issuer: Issuer) -> str:
    claims = jwt.decode(issuer.token(), options={"verify_signature": False})
    head = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{body}."


def _hmac_with_the_public_key(issuer: Issuer) -> str:
    """The algorithm-confusion attack: HS256 keyed with the (public) PEM the server holds."""
    claims = jwt.decode(issuer.token(), options={"verify_signature": False})
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    signature = hmac.new(issuer.public_pem.encode(), header + b"." + payload, hashlib.sha256).digest()
    return (header + b"." + payload + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()


REFUSED = {
    "expired": (lambda i: i.token(exp=int(time.time()) - 120), "expired"),
    "another audience": (lambda i: i.token(aud="someone-else"), "audience"),
    "another issuer": (lambda i: i.token(iss="https://evil.example.test/"), "issuer"),
    "no expiry": (lambda i: i.token(exp=None), "'exp'"),
    "signed by another key": (lambda i: Issuer().token(), "not valid"),
    "unsigned (alg none)": (_unsigned, "not valid"),
    "HS256 keyed with the public key": (_hmac_with_the_public_key, "not valid"),
    "not a JWT": (lambda i: "not-a-token", "not valid"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_token_that_proves_nothing_is_a_401_saying_why(
    pem_client: FlaskClient, issuer: Issuer, case: str
) -> None:
    make, why = REFUSED[case]
    answer = post(pem_client, Authorization=bearer(make(issuer)))
    assert answer.status_code == 401, answer.get_json()
    assert why in answer.get_json()["message"]
    assert answer.headers["WWW-Authenticate"].startswith(
        'Bearer realm="company-graph", error="invalid_token"'
    )


def test_a_valid_token_without_the_scope_is_a_403(pem_client: FlaskClient, issuer: Issuer) -> None:
    answer = post(pem_client, Authorization=bearer(issuer.token("companies:read")))
    assert answer.status_code == 403
    assert 'error="insufficient_scope", scope="companies:write"' in answer.headers["WWW-Authenticate"]
    assert post(pem_client, Authorization=bearer(issuer.token(None))).status_code == 403


def test_no_credential_is_a_401_with_a_challenge(pem_client: FlaskClient) -> None:
    answer = post(pem_client)
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == 'Bearer realm="company-graph"'
    assert post(pem_client, Authorization="Basic dXNlcjpwYXNz").status_code == 401
    assert post(pem_client, Authorization="Bearer ").status_code == 401


def test_a_server_without_an_issuer_refuses_tokens(client: FlaskClient, issuer: Issuer) -> None:
    answer = post(client, Authorization=bearer(issuer.token()))
    assert answer.status_code == 401 and "does not accept bearer tokens" in answer.get_json()["message"]


def test_keys_come_from_the_issuers_jwks(make_client, httpserver: HTTPServer) -> None:
    rotating = Issuer(kid="2026-12", curve=True)
    httpserver.expect_request("/jwks.json").respond_with_data(
        rotating.jwks(), content_type="application/json"
    )
    client = make_client(
        JWT_JWKS_URL=httpserver.url_for("/jwks.json"), JWT_AUDIENCE=AUDIENCE, JWT_ISSUER=ISSUER
    )
    assert post(client, Authorization=bearer(rotating.token())).status_code == 202
    assert post(client, Authorization=bearer(Issuer(kid="unknown").token())).status_code == 401


def test_an_issuer_whose_keys_cannot_be_fetched_is_a_503_not_a_401(
    make_client, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/jwks.json").respond_with_data("down", status=500)
    client = make_client(
        JWT_JWKS_URL=httpserver.url_for("/jwks.json"), JWT_AUDIENCE=AUDIENCE, JWT_ISSUER=ISSUER
    )
    assert post(client, Authorization=bearer(Issuer().token())).status_code == 503


def test_protected_reads_need_a_credential_and_probes_stay_open(
    make_client, issuer: Issuer, tmp_path: Path
) -> None:
    key = tmp_path / "issuer.pem"
    key.write_text(issuer.public_pem)
    client = make_client(
        API_KEYS=API_KEY,
        JWT_PUBLIC_KEY_FILE=str(key),
        JWT_AUDIENCE=AUDIENCE,
        JWT_ISSUER=ISSUER,
        READS_REQUIRE_AUTH="true",
    )
    assert client.get("/api/v1/companies").status_code == 401
    reader = {"Authorization": bearer(issuer.token("companies:read"))}
    assert client.get("/api/v1/companies", headers=reader).status_code == 200
    assert client.get("/api/v1/countries", headers={"X-API-Key": API_KEY}).status_code == 200
    assert (
        client.get("/api/v1/companies", headers={"Authorization": bearer(issuer.token("other"))}).status_code
        == 403
    )
    for probe in ("/health", "/ready", "/metrics", "/swagger.json"):
        assert client.get(probe).status_code == 200, probe
    assert client.get("/swagger.json").get_json()["security"] == [{"apikey": []}, {"bearer": []}]


def test_reads_are_open_by_default(client: FlaskClient) -> None:
    assert client.get("/api/v1/companies").status_code == 200
    assert "security" not in client.get("/swagger.json").get_json()


def test_the_spec_declares_both_schemes_on_writes(client: FlaskClient) -> None:
    spec = client.get("/swagger.json").get_json()
    assert set(spec["securityDefinitions"]) == {"apikey", "bearer"}
    post_op = spec["paths"]["/api/v1/events"]["post"]
    assert post_op["security"] == [{"apikey": []}, {"bearer": []}]
    assert {"401", "403"} <= set(post_op["responses"])


def test_neither_keys_nor_tokens_reach_the_logs(
    pem_client: FlaskClient, issuer: Issuer, caplog: pytest.LogCaptureFixture
) -> None:
    token = issuer.token()
    caplog.set_level(logging.DEBUG)
    post(pem_client, Authorization=bearer(token))
    post(pem_client, **{"X-API-Key": API_KEY})
    post(pem_client, **{"X-API-Key": "wrong-key-123"})
    post(pem_client, Authorization=bearer(issuer.token(aud="x")))
    assert pem_client.application.extensions["company_graph"].bus.drain()
    logged = "\n".join(record.getMessage() + repr(record.__dict__) for record in caplog.records)
    assert "outcome=applied" in logged, "the accepted events were logged"
    for secret in (token, token.split(".")[2], API_KEY, "wrong-key-123"):
        assert secret not in logged


def test_api_keys_come_from_a_mounted_file_too(tmp_path: Path) -> None:
    keys = tmp_path / "api-keys"
    keys.write_text("# rotated 2026-12-01\nkey-one\n\n  key-two  \n")
    settings = Settings.from_env({"API_KEYS": "key-zero", "API_KEYS_FILE": str(keys)})
    assert settings.api_keys == ("key-zero", "key-one", "key-two")
    assert "key-one" not in repr(settings)
    with pytest.raises(ConfigError, match="API_KEYS_FILE"):
        Settings.from_env({"API_KEYS_FILE": str(tmp_path / "missing")})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"JWT_JWKS_URL": "https://id/jwks"}, "need JWT_AUDIENCE and JWT_ISSUER"),
        ({"JWT_JWKS_URL": "https://id/jwks", "JWT_PUBLIC_KEY_FILE": __file__}, "not both"),
    ],
)
def test_token_settings_that_cannot_be_right_fail_at_start(env: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_a_symmetric_algorithm_is_refused_at_start(tmp_path: Path, issuer: Issuer, geocoder) -> None:
    key = tmp_path / "issuer.pem"
    key.write_text(issuer.public_pem)
    settings = Settings.from_env(
        {
            "GRAPH_URL": f"sqlite:///{tmp_path}/graph.db",
            "JWT_PUBLIC_KEY_FILE": str(key),
            "JWT_AUDIENCE": AUDIENCE,
            "JWT_ISSUER": ISSUER,
            "JWT_ALGORITHMS": "RS256,HS256",
        }
    )
    with pytest.raises(ConfigError, match="HS256"):
        bootstrap(settings, geocoder=geocoder)
