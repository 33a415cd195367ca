"""S3's rules for a browser's POST upload, applied before the local S3 stores anything: the policy's
signature, its expiration, and every condition (bucket, key exact or starts-with, content-length-range,
Content-Type, x-amz-* fields), and no form field that the policy does not name."""

import base64
import calendar
import json
import time
from collections.abc import Mapping
from typing import Any

from planalign.local.signatures import SignatureRefused, Signer

# Fields that S3 does not require a condition for (the signature's own fields and the file).
UNCONDITIONED_FIELDS = frozenset({"policy", "x-amz-signature", "signature", "awsaccesskeyid", "file"})


class PolicyRefused(Exception):
    """The POST is refused: `status` and `code` as S3 answers them."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def check_post(
    signer: Signer,
    bucket: str,
    form: Mapping[str, str],
    filename: str,
    size: int,
    now: float | None = None,
) -> str:
    """Checks a POST upload's form against its policy and returns the object key it writes
    (`${filename}` replaced); raises PolicyRefused with S3's status and code."""
    fields = {name.lower(): value for name, value in form.items()}
    policy_text = fields.get("policy")
    if not policy_text:
        raise PolicyRefused(403, "AccessDenied", "Access Denied: an anonymous POST needs a policy")
    try:
        signer.check_post_policy(fields, policy_text)
    except SignatureRefused as refused:
        raise PolicyRefused(403, refused.code, refused.message) from None
    try:
        policy = json.loads(base64.b64decode(policy_text, validate=True))
    except ValueError:
        raise PolicyRefused(
            400, "InvalidPolicyDocument", "Invalid Policy: the policy is not base64 JSON"
        ) from None
    if not isinstance(policy, dict) or not isinstance(policy.get("conditions"), list):
        raise PolicyRefused(400, "InvalidPolicyDocument", "Invalid Policy: no conditions")
    _check_expiration(policy.get("expiration"), time.time() if now is None else now)
    key = fields.get("key", "").replace("${filename}", filename)
    values = {**fields, "key": key, "bucket": bucket}
    covered: set[str] = set()
    for condition in policy["conditions"]:
        covered |= _check_condition(condition, values, size)
    extra = sorted(
        set(fields) - covered - UNCONDITIONED_FIELDS - {n for n in fields if n.startswith("x-ignore-")}
    )
    if extra:
        raise PolicyRefused(
            403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}"
        )
    if not key:
        raise PolicyRefused(400, "InvalidArgument", "Bucket POST must contain a field named 'key'")
    return key


def _check_expiration(expiration: Any, now: float) -> None:
    if not isinstance(expiration, str):
        raise PolicyRefused(400, "InvalidPolicyDocument", "Invalid Policy: Policy missing expiration")
    try:
        expires = calendar.timegm(time.strptime(expiration[:19], "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        raise PolicyRefused(
            400, "InvalidPolicyDocument", f"Invalid Policy: expiration {expiration!r}"
        ) from None
    if now > expires:
        raise PolicyRefused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")


def _failed(condition: Any) -> PolicyRefused:
    return PolicyRefused(
        403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}"
    )


def _check_condition(condition: Any, values: Mapping[str, str], size: int) -> set[str]:
    """Checks one condition; returns the (lower-case) field names it covers."""
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, expected),) = condition.items()
        if values.get(name.lower(), "") != str(expected):
            raise _failed(condition)
        return {name.lower()}
    if not isinstance(condition, list) or len(condition) != 3:
        raise PolicyRefused(
            400, "InvalidPolicyDocument", f"Invalid Policy: condition {json.dumps(condition)}"
        )
    operator = str(condition[0]).lower()
    if operator == "content-length-range":
        low, high = int(condition[1]), int(condition[2])
        if size > high:
            raise PolicyRefused(
                400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
            )
        if size < low:
            raise PolicyRefused(
                400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
            )
        return set()
    if operator not in ("eq", "starts-with") or not str(condition[1]).startswith("$"):
        raise PolicyRefused(
            400, "InvalidPolicyDocument", f"Invalid Policy: condition {json.dumps(condition)}"
        )
    name, expected = str(condition[1])[1:].lower(), str(condition[2])
    value = values.get(name, "")
    if (operator == "eq" and value != expected) or (
        operator == "starts-with" and not value.startswith(expected)
    ):
        raise _failed(condition)
    return {name}
