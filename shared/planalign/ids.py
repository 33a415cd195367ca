"""Ids that sort by creation time (so "newest first" is a key order) and leak nothing."""

import secrets
import time
import uuid

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id(prefix: str) -> str:
    """`{prefix}_` + 10 characters of milliseconds + 12 random characters (Crockford base32)."""
    millis = int(time.time() * 1000)
    stamp = "".join(_ALPHABET[(millis >> shift) & 31] for shift in range(45, -1, -5))
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{prefix}_{stamp}{tail}"


def new_run_id() -> str:
    """A run's id: a random UUID (version 4), as the Studio's backend makes them. The Studio offers a
    run's provenance report and audit download only for ids of that form. Runs are listed by their
    creation time (their list key), not by id, so a run id need not sort by time."""
    return str(uuid.uuid4())


def utc_now() -> str:
    """ISO 8601 in UTC with milliseconds and the offset, as the API promises."""
    return utc_iso(time.time())


def utc_ago(seconds: float) -> str:
    """utc_now() of `seconds` ago: these strings compare in time order."""
    return utc_iso(time.time() - seconds)


def utc_iso(epoch: float) -> str:
    """An epoch (seconds) as utc_now() writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"
