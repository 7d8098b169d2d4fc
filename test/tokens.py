"""An identity provider of the tests' own: keys generated per run, tokens signed with them."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

AUDIENCE = "company-graph"
ISSUER = "https://id.example.test/"


class Issuer:
    def __init__(self, kid: str = "k1", curve: bool = False) -> None:
        self.kid = kid
        self.algorithm = "ES256" if curve else "RS256"
        self.private = (
            ec.generate_private_key(ec.SECP256R1()) if curve else rsa.generate_private_key(65537, 2048)
        )

    @property
    def public_pem(self) -> str:
        return (
            self.private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    def jwks(self) -> str:
        algorithm = jwt.get_algorithm_by_name(self.algorithm)
        key = json.loads(algorithm.to_jwk(self.private.public_key()))
        return json.dumps({"keys": [{**key, "kid": self.kid, "use": "sig", "alg": self.algorithm}]})

    def token(self, scope: str | list[str] | None = "companies:write", **claims: Any) -> str:
        now = int(time.time())
        body: dict[str, Any] = {
            "sub": "client-1",
            "aud": AUDIENCE,
            "iss": ISSUER,
            "iat": now,
            "exp": now + 300,
        }
        if isinstance(scope, list):
            body["scp"] = scope
        elif scope is not None:
            body["scope"] = scope
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, self.private, algorithm=self.algorithm, headers={"kid": self.kid})
