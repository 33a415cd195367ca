"""$connect authorizer: checks the `?token=` Cognito JWT (signature, issuer, audience, expiry) and
passes the tenant (`sub`) to the routes, as the HTTP API's JWT authorizer does for HTTP."""

import os
from functools import lru_cache
from typing import Any

import jwt


@lru_cache(maxsize=1)
def _jwks() -> jwt.PyJWKClient:
    return jwt.PyJWKClient(f"{os.environ['JWT_ISSUER']}/.well-known/jwks.json")


def _policy(effect: str, resource: str, sub: str = "anonymous") -> dict[str, Any]:
    return {
        "principalId": sub,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": {"sub": sub},
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    token = (event.get("queryStringParameters") or {}).get("token", "")
    try:
        key = _jwks().get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["RS256"],
            issuer=os.environ["JWT_ISSUER"],
            options={"verify_aud": False},
        )
    except (jwt.PyJWTError, KeyError):
        return _policy("Deny", event["methodArn"])
    audience = claims.get("aud") or claims.get("client_id")
    if audience != os.environ["JWT_AUDIENCE"]:
        return _policy("Deny", event["methodArn"])
    return _policy("Allow", event["methodArn"], str(claims["sub"]))
