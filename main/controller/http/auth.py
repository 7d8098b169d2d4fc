"""Who may write (and, with READS_REQUIRE_AUTH, read): an API key sent as `X-API-Key`, or an
OAuth2 bearer token (a JWT) that grants the operation's scope.

Keys are compared in constant time, as digests (so not even their length shows). A
missing or bad credential is a 401 with `WWW-Authenticate` (RFC 6750: `invalid_token`
and, in general terms, why); a valid token without the scope a 403 `insufficient_scope`.
An API key grants every scope. Neither keys nor tokens are ever logged.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from flask import Flask, request

from main.controller.http.context import container
from main.controller.http.errors import ApiError
from main.service.errors import InvalidToken

if TYPE_CHECKING:
    from main.bootstrap import Container

HEADER = "X-API-Key"
WRITE_SCOPE = "companies:write"
READ_SCOPES = ("companies:read", WRITE_SCOPE)
REALM = "company-graph"
# The spec's security schemes (Swagger 2.0 has no bearer type: the header is named instead)
AUTHORIZATIONS = {
    "apikey": {"type": "apiKey", "in": "header", "name": HEADER},
    "bearer": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": (
            "An OAuth2 access token (a JWT from the configured issuer) as `Bearer <token>`; "
            f"writes need the scope `{WRITE_SCOPE}`, protected reads `companies:read`."
        ),
    },
}
EITHER = [{"apikey": []}, {"bearer": []}]


def require_writer(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        authorize(container(), request.headers, (WRITE_SCOPE,))
        return view(*args, **kwargs)

    return wrapper


def protect_reads(app: Flask, prefix: str) -> None:
    """READS_REQUIRE_AUTH: every GET of the API (not the probes) needs a credential too."""

    @app.before_request
    def _reads_need_credentials() -> None:
        if request.method in ("GET", "HEAD") and request.path.startswith(prefix + "/"):
            authorize(container(), request.headers, READ_SCOPES)


def authorize(found: Container, headers: Any, scopes: Collection[str]) -> None:
    """Return if the request carries a credential granting one of `scopes`; ApiError otherwise."""
    authorization = headers.get("Authorization", "")
    if authorization:
        _check_bearer(found, authorization, scopes)
        return
    sent = headers.get(HEADER, "")
    if not sent:
        raise ApiError(
            401,
            "Credentials are required: an API key (X-API-Key) or a bearer token.",
            {HEADER: ["Missing header."]},
            {"WWW-Authenticate": f'Bearer realm="{REALM}"'},
        )
    digest = hashlib.sha256(sent.encode()).digest()
    if not any(
        hmac.compare_digest(digest, hashlib.sha256(k.encode()).digest()) for k in found.settings.api_keys
    ):
        raise ApiError(401, "The API key is not valid.", {HEADER: ["Unknown key."]})


def _check_bearer(found: Container, authorization: str, scopes: Collection[str]) -> None:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _token_refused("invalid_request", "The Authorization header must be `Bearer <token>`.")
    if found.tokens is None:
        raise _token_refused("invalid_token", "This server does not accept bearer tokens.")
    try:
        granted = found.tokens.scopes(token.strip())
    except InvalidToken as exc:
        raise _token_refused("invalid_token", str(exc)) from None
    if not granted & set(scopes):
        needed = " ".join(scopes)
        raise ApiError(
            403,
            f"The token does not grant the scope this needs ({needed}).",
            {"Authorization": ["Insufficient scope."]},
            {"WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", scope="{needed}"'},
        )


def _token_refused(error: str, description: str) -> ApiError:
    challenge = f'Bearer realm="{REALM}", error="{error}", error_description="{description}"'
    return ApiError(401, description, {"Authorization": [description]}, {"WWW-Authenticate": challenge})


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()
