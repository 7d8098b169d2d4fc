"""One python-arango client per process, made when the store is built (after uWSGI forks:
lazy-apps), with connection pools sized by the URL's `pool`, a timeout on every request,
and what the client raises turned into the service's errors.

python-arango's HTTP client retries GET and HEAD, which are idempotent; AQL runs through
POST, and its host resolver would send a request that lost its connection to the next
host, once per host: a statement of a batch that did run would then run twice in its
transaction. So a POST, PUT or DELETE that lost its connection is not sent again
(`SentOnce`): the store sends a read again itself (store.py), and a failed batch is rolled
back and played again by the worker; hosts are taken in turn, so both go to the next.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import requests
from arango import ArangoClient
from arango.database import StandardDatabase
from arango.exceptions import ArangoClientError, ArangoServerError
from arango.http import DefaultHTTPClient, HTTPClient
from arango.response import Response
from requests import Session

from main.resources.arango.address import ArangoAddress
from main.service.errors import Conflict, Unavailable

# ArangoDB's error numbers: a write-write conflict, a lock not taken in time
CONFLICT, LOCK_TIMEOUT, DATABASE_NOT_FOUND = 1200, 18, 1228
# an answer that says the server or the cluster cannot serve now, not that we asked wrong
OUTAGE_STATUS = frozenset({500, 502, 503, 504})


class WrongSetup(Exception):
    """The server answered, and what it said will not change until someone fixes the setup."""


class LostConnection(Exception):
    """A request that lost its connection and was not sent again: it may have run."""


class SentOnce(HTTPClient):
    """Any HTTP client, with python-arango's resending to another host kept to GET and HEAD."""

    def __init__(self, inner: HTTPClient) -> None:
        self.inner = inner

    def create_session(self, host: str) -> Session:
        return self.inner.create_session(host)

    def send_request(self, session, method, url, headers=None, params=None, data=None, auth=None) -> Response:
        try:
            return self.inner.send_request(session, method, url, headers, params, data, auth)
        except (requests.ConnectionError, ConnectionError) as exc:
            if method.lower() in {"get", "head"}:
                raise
            raise LostConnection(f"{method.upper()} {url}: {exc}") from exc


def http_client(address: ArangoAddress) -> HTTPClient:
    return DefaultHTTPClient(
        request_timeout=address.timeout, pool_connections=len(address.hosts), pool_maxsize=address.pool
    )


def connect(
    address: ArangoAddress, transport: HTTPClient | None = None
) -> tuple[ArangoClient, StandardDatabase, StandardDatabase]:
    """The client, the `_system` database (to create ours) and ours."""
    client = ArangoClient(
        hosts=list(address.hosts),
        host_resolver="roundrobin",
        http_client=SentOnce(transport or http_client(address)),
    )
    login = {"username": address.username, "password": address.password}
    return client, client.db("_system", **login), client.db(address.database, **login)


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """A conflict is the graph writer's to retry; an unreachable, timing-out or failing
    server is an outage (the worker waits and retries; never a dead letter); a refusal of
    our credentials or a missing database is a setup error, said plainly."""
    try:
        yield
    except ArangoServerError as exc:
        if exc.error_code in (CONFLICT, LOCK_TIMEOUT):
            raise Conflict(f"ArangoDB: {exc.error_message}") from exc
        if exc.http_code in (401, 403):
            raise WrongSetup(f"ArangoDB refused the credentials of GRAPH_URL: {exc.error_message}") from exc
        if exc.http_code == 404 and exc.error_code == 1228:
            raise WrongSetup(
                f"ArangoDB: {exc.error_message} (create it, or let the store create it)"
            ) from exc
        if exc.http_code in OUTAGE_STATUS:
            raise Unavailable(f"ArangoDB: {exc.error_message or exc.http_code}") from exc
        raise
    except (
        requests.ConnectionError,
        requests.Timeout,
        ConnectionError,
        LostConnection,
        ArangoClientError,
    ) as exc:
        raise Unavailable(f"ArangoDB unreachable: {exc}") from exc
