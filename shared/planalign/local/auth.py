"""Who a local request is: the tenant of its token (a bearer header, `X-API-Token`, `?token=` on a
WebSocket, or the session cookie a served Studio gets), or, with `--no-auth`, the one open tenant that
a loopback-only stack serves without any token, as the Studio's own backend does without a token."""

from dataclasses import dataclass, field
from typing import Any

SESSION_COOKIE = "planalign_token"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class LocalAuth:
    tokens: dict[str, str] = field(default_factory=dict)  # token -> tenant
    open_tenant: str | None = None  # --no-auth: every request is this tenant

    def tenant_of(self, token: str | None) -> str | None:
        if self.open_tenant is not None:
            return self.open_tenant
        return self.tokens.get(token or "")

    def session_token(self) -> str | None:
        """The token a Studio served by the gateway gets as its session cookie, so the links it opens
        without headers (exports, artifacts) carry it; None when no token is needed."""
        if self.open_tenant is not None or not self.tokens:
            return None
        return next(iter(self.tokens))


def request_token(headers: Any, query: Any = None, cookies: Any = None) -> str | None:
    """The token a request carries, in the order API clients, WebSockets and browsers send it."""
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return str(authorization[7:].strip())
    token = headers.get("x-api-token") or (query.get("token") if query is not None else None)
    if token:
        return str(token)
    return cookies.get(SESSION_COOKIE) if cookies is not None else None
