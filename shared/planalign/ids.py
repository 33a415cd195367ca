"""Ids that sort by creation time (so "newest first" is a key order) and leak nothing."""

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id(prefix: str) -> str:
    """`{prefix}_` + 10 characters of milliseconds + 12 random characters (Crockford base32)."""
    millis = int(time.time() * 1000)
    stamp = "".join(_ALPHABET[(millis >> shift) & 31] for shift in range(45, -1, -5))
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{prefix}_{stamp}{tail}"


def utc_now() -> str:
    """ISO 8601 in UTC with milliseconds and the offset, as the API promises."""
    return utc_iso(time.time())


def utc_ago(seconds: float) -> str:
    """utc_now() of `seconds` ago: these strings compare in time order."""
    return utc_iso(time.time() - seconds)


def utc_iso(epoch: float) -> str:
    """An epoch (seconds) as utc_now() writes it."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"
