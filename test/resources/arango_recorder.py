"""A recording transport for python-arango's `http_client` hook: it keeps every request the
ArangoDB adapter sends, so tests can check what was sent (collections declared, the
transaction on each statement, bind variables, the order of begin, abort and commit).

It answers only what lets the client go on (that a collection exists, an empty cursor, a
transaction id, or a failure a test asks for); no test may read a query's result from it
as if a server had answered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from arango.http import HTTPClient
from arango.response import Response
from requests import Session
from requests.structures import CaseInsensitiveDict

from main.resources.arango.documents import DOCUMENT_COLLECTIONS, EDGE_COLLECTIONS


@dataclass
class Sent:
    method: str
    url: str
    headers: dict[str, str]
    body: Any

    @property
    def path(self) -> str:
        return self.url.split("/_db/", 1)[-1].partition("/")[2].split("?")[0]

    @property
    def transaction(self) -> str | None:
        return self.headers.get("x-arango-trx-id")


@dataclass
class RecordingTransport(HTTPClient):
    """`fail(sent)` may return (status, body) to answer a request with an error instead."""

    fail: Callable[[Sent], tuple[int, dict] | None] = lambda sent: None
    sent: list[Sent] = field(default_factory=list)
    transactions: int = 0

    def create_session(self, host: str) -> Session:
        return Session()

    def send_request(self, session, method, url, headers=None, params=None, data=None, auth=None) -> Response:
        body = json.loads(data) if isinstance(data, str | bytes) and data else data
        sent = Sent(method, url, dict(headers or {}), body)
        self.sent.append(sent)
        status, answer = self.fail(sent) or (200, self._answer(sent))
        return Response(method, url, CaseInsensitiveDict(), status, "", json.dumps(answer))

    def _answer(self, sent: Sent) -> dict:
        path = sent.path
        if path == "_api/database/current":
            return {"result": {"name": "company_graph", "id": "1", "path": "", "isSystem": False}}
        if path == "_api/collection":
            return {"result": [{"name": name} for name in (*DOCUMENT_COLLECTIONS, *EDGE_COLLECTIONS)]}
        if path == "_api/transaction/begin":
            self.transactions += 1
            return {"result": {"id": str(self.transactions), "status": "running"}}
        if path.startswith("_api/transaction/"):
            status = "committed" if sent.method == "put" else "aborted"
            return {"result": {"id": path.rpartition("/")[2], "status": status}}
        if path == "_api/cursor":
            # a RETURN of one value gives one row; every other query, none
            single = sent.body["query"].lstrip().startswith("RETURN")
            return {"result": [None] if single else [], "hasMore": False, "error": False, "code": 201}
        return {"error": False, "code": 200, "id": "x/1", "_key": "schema"}

    def queries(self) -> list[Sent]:
        return [sent for sent in self.sent if sent.path == "_api/cursor"]


def server_error(status: int, number: int, message: str) -> tuple[int, dict]:
    return status, {"error": True, "code": status, "errorNum": number, "errorMessage": message}
