"""OAuth2 bearer tokens as JWTs, checked with PyJWT: the signature (against a PEM public key,
or the issuer's JWKS, fetched and cached by PyJWT's client), expiry, audience and issuer
(all three required), then the scopes granted.

Only asymmetric algorithms are accepted (the configured list; never `none`, never HMAC,
whose secret would be the public key). Scopes come from `scope` (RFC 9068, space
separated) or `scp` (a list, as some providers write it). Why a token failed is said to
the client in general terms only: which check, never the library's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jwt
from jwt import PyJWKClient
from jwt.exceptions import PyJWKClientConnectionError

from main.service.errors import InvalidToken, Unavailable
from main.service.ports import TokenVerifier

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
# Clocks of the issuer and of this service disagree by a little
LEEWAY_SECONDS = 30
JWKS_CACHE_SECONDS = 300
JWKS_TIMEOUT_SECONDS = 3


class JwtVerifier(TokenVerifier):
    def __init__(
        self,
        *,
        audience: str,
        issuer: str,
        algorithms: Sequence[str],
        public_key: str | None = None,
        jwks_url: str | None = None,
    ) -> None:
        if (public_key is None) == (jwks_url is None):
            raise ValueError("give exactly one of public_key and jwks_url")
        refused = set(algorithms) - ASYMMETRIC
        if refused:
            raise ValueError(f"not an asymmetric algorithm: {', '.join(sorted(refused))}")
        self.audience = audience
        self.issuer = issuer
        self.algorithms = list(algorithms)
        self.public_key = public_key
        self.jwks = (
            PyJWKClient(jwks_url, lifespan=JWKS_CACHE_SECONDS, timeout=JWKS_TIMEOUT_SECONDS)
            if jwks_url
            else None
        )

    def scopes(self, token: str) -> frozenset[str]:
        try:
            claims = jwt.decode(
                token,
                self._key(token),
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("The token has expired.") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("The token is not meant for this service (audience).") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("The token is not from the trusted issuer.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"The token has no {exc.claim!r} claim.") from None
        except jwt.PyJWTError:
            raise InvalidToken("The token is not valid.") from None
        return granted(claims)

    def _key(self, token: str) -> Any:
        if self.jwks is None:
            return self.public_key
        try:
            return self.jwks.get_signing_key_from_jwt(token).key
        except PyJWKClientConnectionError as exc:
            raise Unavailable(f"the issuer's keys could not be fetched: {exc}") from exc


def granted(claims: dict[str, Any]) -> frozenset[str]:
    scope = claims.get("scope", claims.get("scp", ""))
    if isinstance(scope, str):
        return frozenset(scope.split())
    if isinstance(scope, list):
        return frozenset(s for s in scope if isinstance(s, str))
    return frozenset()
