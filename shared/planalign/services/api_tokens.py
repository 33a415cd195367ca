"""Tenant API tokens: long-lived random secrets issued per tenant (what a Studio build's
`VITE_PLANALIGN_API_TOKEN` holds). A token is shown once, when it is made; the table keeps only its
SHA-256, which the authorizer looks up. Tokens are listed and revoked by their id."""

import hashlib
import re
import secrets
from typing import Any

from planalign.adapters.store import Store
from planalign.errors import InvalidRequest, NotFound, RunConflict
from planalign.ids import new_id, utc_now

TOKEN_PREFIX = "pat_"  # tells an API token from a JWT without a lookup
KIND = "APITOKEN"  # pk = APITOKEN#{sha256 of the token}
LIST_KEY = "APITOKENS"  # gsi1pk of every token, gsi1sk its id
TENANT_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}")
RECORD_FIELDS = ("id", "tenant_id", "name", "hint", "created_at", "revoked_at")


def token_hash(token: str) -> str:
    """A token holds 256 random bits, so a plain SHA-256 is as good as a slow hash here."""
    return hashlib.sha256(token.encode()).hexdigest()


def _record(item: dict[str, Any]) -> dict[str, Any]:
    return {field: item[field] for field in RECORD_FIELDS if field in item}


def create_token(store: Store, tenant_id: str, name: str = "") -> tuple[str, dict[str, Any]]:
    """A new token of `tenant_id`: (the token, shown only now; its record as `list_tokens` shows it)."""
    if not TENANT_PATTERN.fullmatch(tenant_id):
        raise InvalidRequest(
            f"tenant: {tenant_id!r} is not a tenant id (1-128 letters, digits and . _ @ : -)"
        )
    if len(name) > 200:
        raise InvalidRequest("name: longer than 200 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = {
        "id": new_id("tok"),
        "tenant_id": tenant_id,
        "name": name,
        "hint": token[: len(TOKEN_PREFIX) + 4],
        "created_at": utc_now(),
    }
    store.create(KIND, token_hash(token), {**record, "gsi1pk": LIST_KEY, "gsi1sk": record["id"]})
    return token, record


def list_tokens(store: Store, tenant_id: str | None = None) -> list[dict[str, Any]]:
    """Every token's record (never the token), newest first; only `tenant_id`'s when given."""
    return [
        _record(item)
        for item in store.list_all(LIST_KEY)
        if tenant_id is None or item.get("tenant_id") == tenant_id
    ]


def revoke_token(store: Store, token_id: str) -> dict[str, Any]:
    """Marks the token revoked (kept, so the list still shows it); its next check is refused.
    An authorizer that cached an answer for it keeps that answer until its cache expires."""
    item = next((i for i in store.list_all(LIST_KEY) if i.get("id") == token_id), None)
    if item is None:
        raise NotFound(f"token {token_id} not found")
    try:
        updated = store.update(
            KIND,
            str(item["pk"]).split("#", 1)[1],
            {"revoked_at": utc_now()},
            condition="attribute_exists(pk) AND attribute_not_exists(revoked_at)",
        )
    except RunConflict as error:
        raise RunConflict(f"token {token_id} is revoked already") from error
    return _record(updated)


def tenant_of_token(store: Store, token: str) -> str | None:
    """The tenant of a token that exists and is not revoked; None for anything else."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    try:
        item = store.get(KIND, token_hash(token))
    except NotFound:
        return None
    if item.get("revoked_at"):
        return None
    return str(item["tenant_id"])
