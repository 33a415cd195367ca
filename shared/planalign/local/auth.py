"""Who a local request is: the tenant of its credential (a bearer header, `X-API-Token`, `?token=` on a
WebSocket, or the session cookie), asked of the template's authorizer function as API Gateway asks it
(so API tokens made by `planalign tokens create` work here as in AWS), with the tokens of
`PLANALIGN_API_TOKENS` as a shortcut for tests; or, with `--no-auth`, the one open tenant that a
loopback-only stack serves without any token, as the Studio's own backend does without a token."""

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from planalign.local.template import ACCOUNT_ID, REGION, Authorizer
from planalign.services.credentials import SESSION_COOKIE, request_credential

if TYPE_CHECKING:
    from planalign.local.lambda_runner import LambdaRunner

__all__ = ["LOOPBACK_HOSTS", "SESSION_COOKIE", "LocalAuth", "LocalAuthorizer", "request_credential"]

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class LocalAuthorizer:
    """The template's authorizers, invoked in-process: the HTTP API's with a payload 2.0 event (the
    gateway, as the front door does, has put the credential in the Authorization header) and its
    answer cached per credential for the template's TTL, as API Gateway caches it; `$connect`'s with
    the WebSocket REQUEST event, uncached."""

    def __init__(self, runner: "LambdaRunner", http: Authorizer | None, websocket: Authorizer | None) -> None:
        self.runner = runner
        self.http = http
        self.websocket = websocket
        self._cache: dict[str, tuple[str | None, float]] = {}
        self._lock = threading.Lock()

    def http_tenant(self, credential: str) -> str | None:
        if self.http is None:
            return None
        with self._lock:
            tenant, expires = self._cache.get(credential, (None, 0.0))
        if time.monotonic() < expires:
            return tenant
        answer = self._invoke(self.http.function, self._http_event(credential))
        tenant = answer.get("context", {}).get("sub") if answer.get("isAuthorized") else None
        if self.http.cache_seconds:
            with self._lock:
                self._cache[credential] = (tenant, time.monotonic() + self.http.cache_seconds)
        return tenant

    def forget_answers(self) -> None:
        """What the cache's expiry does (API Gateway offers no flush: a redeploy of the stage is one)."""
        with self._lock:
            self._cache.clear()

    def websocket_tenant(self, credential: str) -> str | None:
        if self.websocket is None:
            return None
        answer = self._invoke(self.websocket.function, self._websocket_event(credential))
        statements = answer.get("policyDocument", {}).get("Statement", [])
        allowed = bool(statements) and all(s.get("Effect") == "Allow" for s in statements)
        return answer.get("context", {}).get("sub") if allowed else None

    def _invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        from planalign.local.lambda_runtime import LambdaError

        try:
            answer = self.runner.invoke(function, event)
        except LambdaError:
            return {}  # API Gateway answers 500 here; locally the request is simply refused
        return answer if isinstance(answer, dict) else {}

    @staticmethod
    def _http_event(credential: str) -> dict[str, Any]:
        return {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:local/$default/*",
            "identitySource": [f"Bearer {credential}"],
            "headers": {"authorization": f"Bearer {credential}"},
            "requestContext": {"accountId": ACCOUNT_ID, "apiId": "local", "stage": "$default"},
        }

    @staticmethod
    def _websocket_event(credential: str) -> dict[str, Any]:
        return {
            "type": "REQUEST",
            "methodArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:local/local/$connect",
            "queryStringParameters": {"token": credential},
            "requestContext": {
                "routeKey": "$connect",
                "eventType": "CONNECT",
                "apiId": "local",
                "stage": "local",
                "requestId": uuid.uuid4().hex,
            },
        }


@dataclass(frozen=True)
class LocalAuth:
    tokens: dict[str, str] = field(default_factory=dict)  # token -> tenant (PLANALIGN_API_TOKENS)
    open_tenant: str | None = None  # --no-auth: every request is this tenant
    authorizer: LocalAuthorizer | None = None

    def tenant_of(self, token: str | None, *, websocket: bool = False) -> str | None:
        if self.open_tenant is not None:
            return self.open_tenant
        if not token:
            return None
        if token in self.tokens:
            return self.tokens[token]
        if self.authorizer is None:
            return None
        return self.authorizer.websocket_tenant(token) if websocket else self.authorizer.http_tenant(token)

    def session_token(self) -> str | None:
        """The token a Studio served by the gateway gets as its session cookie, so the links it opens
        without headers (exports, artifacts) carry it; None when no token is needed."""
        if self.open_tenant is not None or not self.tokens:
            return None
        return next(iter(self.tokens))
