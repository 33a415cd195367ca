"""Who a request is: the credential it carries (a bearer header, `X-API-Token`, `?token=` on a
WebSocket, or the Studio's session cookie) and the tenant of that credential, a Cognito JWT (its
`sub`) or a tenant API token. The authorizer function and the local gateway both ask this module."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from planalign.adapters.store import Store
from planalign.services.api_tokens import TOKEN_PREFIX, tenant_of_token

# The cookie that carries a Studio user's credential on requests the Studio makes without a header
# (plain links, the import wizard's fetches): set by the front door (AWS) or the local gateway.
SESSION_COOKIE = "planalign_token"


@dataclass(frozen=True)
class Caller:
    tenant_id: str
    credential: str  # "api_token" or "jwt"


def request_credential(
    headers: Mapping[str, str],
    query: Mapping[str, str] | None = None,
    cookies: Mapping[str, str] | None = None,
) -> str | None:
    """The credential of a request, in the order API clients, WebSockets and browsers send it;
    `headers` has lower-case names."""
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    token = headers.get("x-api-token") or (query or {}).get("token")
    if token:
        return token
    return (cookies or {}).get(SESSION_COOKIE) or None


def parse_cookies(values: list[str] | str | None) -> dict[str, str]:
    """`a=1; b=2` (a Cookie header) or ["a=1", "b=2"] (API Gateway's v2 `cookies`) -> {a: 1, b: 2}."""
    parts = values.split(";") if isinstance(values, str) else (values or [])
    cookies: dict[str, str] = {}
    for part in parts:
        name, _, value = part.strip().partition("=")
        if name and name not in cookies:
            cookies[name] = value
    return cookies


def caller_of(credential: str, store: Store | None = None) -> Caller | None:
    """The caller a credential proves, or None (unknown, revoked, expired, forged, wrong audience)."""
    if credential.startswith(TOKEN_PREFIX):
        tenant = tenant_of_token(store or Store(), credential)
        return Caller(tenant, "api_token") if tenant else None
    verifier = jwt_verifier()
    claims = verifier.claims(credential) if verifier is not None else None
    return Caller(str(claims["sub"]), "jwt") if claims else None


class JwtVerifier:
    """Cognito JWTs: RS256 by a key of the pool's JWKS, the pool's issuer, not expired, and the app
    client as audience (`aud` of an ID token, `client_id` of an access token)."""

    def __init__(self, issuer: str, audience: str) -> None:
        import jwt

        self.issuer = issuer
        self.audience = audience
        self.keys = jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json", cache_keys=True)

    def claims(self, token: str) -> dict[str, Any] | None:
        import jwt

        try:
            key = self.keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"verify_aud": False, "require": ["exp", "iss", "sub"]},
            )
        except jwt.PyJWTError:
            return None
        if (claims.get("aud") or claims.get("client_id")) != self.audience:
            return None
        if claims.get("token_use", "id") not in ("id", "access"):
            return None
        return claims


@cache
def jwt_verifier() -> JwtVerifier | None:
    """The pool's verifier, once per container; None where no pool is configured (the local stack)."""
    issuer, audience = os.environ.get("JWT_ISSUER", ""), os.environ.get("JWT_AUDIENCE", "")
    return JwtVerifier(issuer, audience) if issuer and audience else None
