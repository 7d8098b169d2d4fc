"""Bearer tokens checked by the served API (uWSGI as a process, the issuer's key mounted as a
file), as a publisher holding a token from the identity provider meets them."""

from __future__ import annotations

from pathlib import Path

import requests

from test.e2e.conftest import start_server
from test.helpers import company_event, wait_until
from test.tokens import AUDIENCE, ISSUER, Issuer


def test_a_publisher_with_a_token_writes_and_one_without_the_scope_cannot(tmp_path: Path) -> None:
    issuer = Issuer()
    key = tmp_path / "issuer.pem"
    key.write_text(issuer.public_pem)
    server = start_server(tmp_path, JWT_PUBLIC_KEY_FILE=str(key), JWT_AUDIENCE=AUDIENCE, JWT_ISSUER=ISSUER)
    events = f"{server.url}/api/v1/events"
    try:
        event = company_event(name="Tokened AB")
        token = issuer.token()
        writer = {"Authorization": f"Bearer {token}"}
        assert requests.post(events, json=event, headers=writer, timeout=5).status_code == 202
        company = f"{server.url}/api/v1/companies/{event['data']['id']}"
        assert wait_until(lambda: requests.get(company, timeout=5).status_code == 200, timeout=10)
        reader = {"Authorization": f"Bearer {issuer.token('companies:read')}"}
        refused = requests.post(events, json=company_event(), headers=reader, timeout=5)
        assert refused.status_code == 403 and refused.json()["code"] == 403
        forged = {"Authorization": f"Bearer {Issuer().token()}"}
        assert requests.post(events, json=company_event(), headers=forged, timeout=5).status_code == 401
        assert requests.post(events, json=company_event(), headers={"X-API-Key": "e2e-key"}, timeout=5).ok
    finally:
        server.stop()
    assert token not in server.log.read_text()
