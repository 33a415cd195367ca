"""The APIs' one authorizer (functions/api_authorizer): Cognito JWTs checked against a JWKS (here of a
generated RSA key), tenant API tokens by their hash in the table, for the HTTP API's payload 2.0 and
the WebSocket API's `$connect`; and the tokens themselves (made, listed, revoked, stored hashed)."""

import importlib.util
import json
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from planalign.adapters.clients import forget_clients
from planalign.adapters.store import Store
from planalign.errors import InvalidRequest, NotFound, RunConflict
from planalign.services import api_tokens, credentials
from planalign.settings import get_settings

ROOT = Path(__file__).resolve().parents[2]
ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool"
CLIENT_ID = "studio-client"
KEY_ID = "key-1"


def load_handler() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "api_authorizer_app", ROOT / "functions/api_authorizer/app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


authorizer = load_handler()


@pytest.fixture
def signing_key(monkeypatch: pytest.MonkeyPatch) -> rsa.RSAPrivateKey:
    """The pool's key: its JWKS is what PyJWKClient fetches (no network)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = {"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}
    monkeypatch.setattr(jwt.PyJWKClient, "fetch_data", lambda self: jwks)
    return key


@pytest.fixture
def table_store(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The moto table as the function's own (TABLE_NAME), with the pool configured."""
    monkeypatch.setenv("TABLE_NAME", store.table.name)
    monkeypatch.setenv("JWT_ISSUER", ISSUER)
    monkeypatch.setenv("JWT_AUDIENCE", CLIENT_ID)
    forget_clients()
    for cached in (get_settings, credentials.jwt_verifier):
        cached.cache_clear()
    yield store
    forget_clients()
    for cached in (get_settings, credentials.jwt_verifier):
        cached.cache_clear()


def a_jwt(key: rsa.RSAPrivateKey, **claims: Any) -> str:
    now = int(time.time())
    body = {
        "sub": "tenant-jwt",
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "token_use": "id",
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, "RS256", headers={"kid": KEY_ID})


def http_event(headers: dict[str, str] | None = None, cookies: list[str] | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": "arn:aws:execute-api:us-east-1:123456789012:api/dev/GET/api/workspaces",
        "identitySource": [(headers or {}).get("authorization", "")],
        "headers": headers or {},
    }
    if cookies:
        event["cookies"] = cookies
    return event


def bearer(token: str) -> dict[str, Any]:
    return http_event({"authorization": f"Bearer {token}"})


def websocket_event(token: str) -> dict[str, Any]:
    return {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:ws/dev/$connect",
        "headers": {"Host": "ws.example"},
        "queryStringParameters": {"token": token, "run_id": "run_1"},
        "requestContext": {"routeKey": "$connect", "eventType": "CONNECT"},
    }


def answer(event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = authorizer.handler(event, None)
    return result


# --------------------------------------------------------------------------- Cognito JWTs
def test_a_jwt_of_the_pool_passes_with_its_sub_as_the_tenant(
    table_store: Store, signing_key: rsa.RSAPrivateKey
) -> None:
    assert answer(bearer(a_jwt(signing_key))) == {
        "isAuthorized": True,
        "context": {"sub": "tenant-jwt", "credential": "jwt"},
    }


def test_an_access_token_names_its_client_in_client_id(
    table_store: Store, signing_key: rsa.RSAPrivateKey
) -> None:
    token = a_jwt(signing_key, aud=None, client_id=CLIENT_ID, token_use="access")
    assert answer(bearer(token))["isAuthorized"] is True


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-client"},
        {"aud": None, "client_id": "another-client", "token_use": "access"},
        {"exp": int(time.time()) - 60},
        {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool"},
        {"token_use": "refresh"},
        {"sub": None},
    ],
    ids=["wrong-audience", "wrong-client", "expired", "other-pool", "not-id-or-access", "no-sub"],
)
def test_a_jwt_with_a_wrong_claim_is_refused(
    table_store: Store, signing_key: rsa.RSAPrivateKey, claims: dict[str, Any]
) -> None:
    assert answer(bearer(a_jwt(signing_key, **claims))) == {"isAuthorized": False}


def test_a_jwt_signed_by_another_key_is_refused(table_store: Store, signing_key: rsa.RSAPrivateKey) -> None:
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert answer(bearer(a_jwt(forger))) == {"isAuthorized": False}


def test_no_jwt_passes_where_no_pool_is_configured(
    table_store: Store, signing_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWT_ISSUER", "")
    credentials.jwt_verifier.cache_clear()
    assert answer(bearer(a_jwt(signing_key))) == {"isAuthorized": False}


# --------------------------------------------------------------------------- API tokens
def test_an_api_token_passes_as_its_tenant(table_store: Store) -> None:
    token, _ = api_tokens.create_token(table_store, "tenant-a", "studio build")
    assert answer(bearer(token)) == {
        "isAuthorized": True,
        "context": {"sub": "tenant-a", "credential": "api_token"},
    }


def test_an_api_token_in_x_api_token_or_the_session_cookie_passes_too(table_store: Store) -> None:
    token, _ = api_tokens.create_token(table_store, "tenant-a")
    assert answer(http_event({"x-api-token": token}))["context"]["sub"] == "tenant-a"
    assert (
        answer(http_event(cookies=["theme=dark", f"planalign_token={token}"]))["context"]["sub"] == "tenant-a"
    )


def test_a_revoked_token_is_refused(table_store: Store) -> None:
    token, record = api_tokens.create_token(table_store, "tenant-a")
    api_tokens.revoke_token(table_store, record["id"])
    assert answer(bearer(token)) == {"isAuthorized": False}
    assert answer(websocket_event(token))["policyDocument"]["Statement"][0]["Effect"] == "Deny"


def test_another_tenants_token_is_that_tenant_not_this_one(table_store: Store) -> None:
    mine, _ = api_tokens.create_token(table_store, "tenant-a")
    theirs, _ = api_tokens.create_token(table_store, "tenant-b")
    assert answer(bearer(mine))["context"]["sub"] == "tenant-a"
    assert answer(bearer(theirs))["context"]["sub"] == "tenant-b"


@pytest.mark.parametrize(
    "token",
    ["pat_" + "x" * 43, "not-a-token", "", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln"],
    ids=["unknown", "junk", "empty", "hs256"],
)
def test_an_unknown_or_malformed_credential_is_refused(
    table_store: Store, signing_key: rsa.RSAPrivateKey, token: str
) -> None:
    assert answer(bearer(token)) == {"isAuthorized": False}
    assert answer(http_event()) == {"isAuthorized": False}


def test_connect_with_a_token_in_the_query_is_allowed_as_its_tenant(
    table_store: Store, signing_key: rsa.RSAPrivateKey
) -> None:
    token, _ = api_tokens.create_token(table_store, "tenant-a")
    for credential, tenant in ((token, "tenant-a"), (a_jwt(signing_key), "tenant-jwt")):
        policy = answer(websocket_event(credential))
        assert policy["principalId"] == tenant
        assert policy["context"]["sub"] == tenant
        assert policy["policyDocument"]["Statement"] == [
            {
                "Action": "execute-api:Invoke",
                "Effect": "Allow",
                "Resource": "arn:aws:execute-api:us-east-1:123456789012:ws/dev/$connect",
            }
        ]
    refused = answer(websocket_event("pat_unknown"))
    assert refused["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert "context" not in refused


# --------------------------------------------------------------------------- the tokens
def test_a_token_is_random_and_only_its_hash_is_stored(store: Store) -> None:
    first, record = api_tokens.create_token(store, "tenant-a", "ci")
    second, _ = api_tokens.create_token(store, "tenant-a", "ci")
    assert first != second and first.startswith("pat_") and len(first) == 4 + 43
    stored = json.dumps(store.table.scan()["Items"], default=str)
    assert first not in stored and second not in stored
    assert api_tokens.token_hash(first) in stored
    assert record["hint"] == first[:8]


def test_tokens_are_listed_newest_first_by_tenant_and_revoked_ones_stay_listed(store: Store) -> None:
    _, a1 = api_tokens.create_token(store, "tenant-a", "one")
    _, b1 = api_tokens.create_token(store, "tenant-b", "two")
    _, a2 = api_tokens.create_token(store, "tenant-a", "three")
    assert [r["id"] for r in api_tokens.list_tokens(store)] == [a2["id"], b1["id"], a1["id"]]
    assert [r["id"] for r in api_tokens.list_tokens(store, "tenant-a")] == [a2["id"], a1["id"]]
    revoked = api_tokens.revoke_token(store, a1["id"])
    assert revoked["revoked_at"] and revoked["tenant_id"] == "tenant-a"
    listed = {r["id"]: r for r in api_tokens.list_tokens(store)}
    assert listed[a1["id"]]["revoked_at"] == revoked["revoked_at"] and "revoked_at" not in listed[a2["id"]]
    assert set(listed[a2["id"]]) == {"id", "tenant_id", "name", "hint", "created_at"}


def test_revoking_twice_or_an_unknown_id_says_so(store: Store) -> None:
    _, record = api_tokens.create_token(store, "tenant-a")
    api_tokens.revoke_token(store, record["id"])
    with pytest.raises(RunConflict, match="revoked already"):
        api_tokens.revoke_token(store, record["id"])
    with pytest.raises(NotFound, match="tok_missing"):
        api_tokens.revoke_token(store, "tok_missing")


@pytest.mark.parametrize("tenant", ["", " spaced", "a/b", "x" * 129])
def test_a_token_needs_a_plain_tenant_id(store: Store, tenant: str) -> None:
    with pytest.raises(InvalidRequest, match="tenant"):
        api_tokens.create_token(store, tenant)
