"""AWS request signatures checked as AWS checks them, for the local stack's endpoints: SigV4 in the
Authorization header or the query string (any service), S3's SigV2 query string (what boto3 presigns
with in us-east-1), and the signatures of presigned POST policies (V4 and V2). The stack's functions
sign with the stack's own secret, so an unsigned or forged request is refused as AWS refuses it."""

import base64
import calendar
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, quote

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60  # SigV4 requests are refused once their X-Amz-Date is 15 minutes off
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
# Query parameters that are part of an S3 SigV2 string to sign (the "sub-resources").
S3_SUB_RESOURCES = frozenset(
    {
        "acl",
        "cors",
        "delete",
        "lifecycle",
        "location",
        "logging",
        "notification",
        "partNumber",
        "policy",
        "requestPayment",
        "response-cache-control",
        "response-content-disposition",
        "response-content-encoding",
        "response-content-language",
        "response-content-type",
        "response-expires",
        "restore",
        "tagging",
        "torrent",
        "uploadId",
        "uploads",
        "versionId",
        "versioning",
        "versions",
        "website",
    }
)


class SignatureRefused(Exception):
    """The request is unsigned, signed with another key, altered after signing, or expired; the
    message says which, as AWS's error does."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SignedRequest:
    """What a signature covers: the method, the path and query exactly as they came on the wire,
    the headers (lower-case names) and the body."""

    method: str
    raw_path: str
    raw_query: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class Signer:
    """The one key pair the local stack's functions and clients hold."""

    access_key: str
    secret_key: str

    # ------------------------------------------------------------------ SigV4
    def signing_key(self, date: str, region: str, service: str) -> bytes:
        return _signing_key(self.secret_key, date, region, service)

    def check(self, request: SignedRequest, now: float | None = None) -> str:
        """Checks a SigV4-signed request (header or query string) and returns the service it was
        signed for; raises SignatureRefused otherwise. S3's SigV2 query strings are checked too."""
        now = time.time() if now is None else now
        authorization = request.headers.get("authorization", "")
        query = parse_qsl(request.raw_query, keep_blank_values=True)
        names = {name for name, _ in query}
        if authorization.startswith(ALGORITHM + " "):
            fields = _authorization_fields(authorization[len(ALGORITHM) + 1 :])
            credential, signed_headers, signature = (
                fields.get("Credential", ""),
                fields.get("SignedHeaders", ""),
                fields.get("Signature", ""),
            )
            amz_date = request.headers.get("x-amz-date", "")
            _check_fresh(amz_date, now, expires=None)
            presigned = False
        elif "X-Amz-Signature" in names:
            values = dict(query)
            if values.get("X-Amz-Algorithm") != ALGORITHM:
                raise SignatureRefused(
                    "AuthorizationQueryParametersError", "X-Amz-Algorithm must be AWS4-HMAC-SHA256"
                )
            credential, signed_headers = (
                values.get("X-Amz-Credential", ""),
                values.get("X-Amz-SignedHeaders", ""),
            )
            signature, amz_date = values["X-Amz-Signature"], values.get("X-Amz-Date", "")
            _check_fresh(amz_date, now, expires=int(values.get("X-Amz-Expires") or 0))
            query = [(name, value) for name, value in query if name != "X-Amz-Signature"]
            presigned = True
        elif "Signature" in names and "AWSAccessKeyId" in names:
            self._check_v2_query(request, query, now)
            return "s3"
        else:
            raise SignatureRefused("AccessDenied", "Access Denied: the request is not signed")
        date, region, service = self._scope(credential)
        canonical = "\n".join(
            [
                request.method.upper(),
                _canonical_path(request.raw_path, service),
                _canonical_query(query),
                "".join(
                    f"{name}:{_header_value(request.headers, name)}\n" for name in signed_headers.split(";")
                ),
                signed_headers,
                self._payload_hash(request, service, presigned),
            ]
        )
        string_to_sign = "\n".join(
            [
                ALGORITHM,
                amz_date,
                f"{date}/{region}/{service}/aws4_request",
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )
        expected = hmac.new(self.signing_key(date, region, service), string_to_sign.encode(), hashlib.sha256)
        if "host" not in signed_headers.split(";") or not hmac.compare_digest(
            expected.hexdigest(), signature
        ):
            raise SignatureRefused(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided",
            )
        return service

    def _scope(self, credential: str) -> tuple[str, str, str]:
        parts = credential.split("/")
        if len(parts) != 5 or parts[4] != "aws4_request":
            raise SignatureRefused("AuthorizationHeaderMalformed", f"malformed credential {credential!r}")
        if parts[0] != self.access_key:
            raise SignatureRefused("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist")
        return parts[1], parts[2], parts[3]

    @staticmethod
    def _payload_hash(request: SignedRequest, service: str, presigned: bool) -> str:
        if service == "s3":
            if presigned:
                return UNSIGNED_PAYLOAD
            claimed = request.headers.get("x-amz-content-sha256", "")
            if not claimed:
                raise SignatureRefused("InvalidRequest", "Missing required header x-amz-content-sha256")
            if claimed != UNSIGNED_PAYLOAD and claimed != hashlib.sha256(request.body).hexdigest():
                raise SignatureRefused(
                    "XAmzContentSHA256Mismatch",
                    "The provided 'x-amz-content-sha256' header does not match what was computed",
                )
            return claimed
        return hashlib.sha256(request.body).hexdigest()

    # ------------------------------------------------------------------ S3 SigV2 (presigned URLs)
    def _check_v2_query(self, request: SignedRequest, query: list[tuple[str, str]], now: float) -> None:
        values = dict(query)
        if values["AWSAccessKeyId"] != self.access_key:
            raise SignatureRefused("InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist")
        expires = values.get("Expires", "")
        if not expires.isdigit() or int(expires) < now:
            raise SignatureRefused("AccessDenied", "Request has expired")
        amz_headers = {name.lower(): value for name, value in query if name.lower().startswith("x-amz-")}
        for name, value in request.headers.items():
            if name.startswith("x-amz-"):
                amz_headers.setdefault(name, value)
        sub_resources = sorted((name, value) for name, value in query if name in S3_SUB_RESOURCES)
        resource = request.raw_path + (
            "?" + "&".join(f"{name}={value}" if value else name for name, value in sub_resources)
            if sub_resources
            else ""
        )
        string_to_sign = "\n".join(
            [
                request.method.upper(),
                request.headers.get("content-md5", ""),
                request.headers.get("content-type", ""),
                expires,
                "".join(f"{name}:{amz_headers[name]}\n" for name in sorted(amz_headers)) + resource,
            ]
        )
        if not hmac.compare_digest(self._v2_signature(string_to_sign), values["Signature"]):
            raise SignatureRefused(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided",
            )

    def _v2_signature(self, text: str) -> str:
        digest = hmac.new(self.secret_key.encode(), text.encode(), hashlib.sha1).digest()
        return base64.b64encode(digest).decode()

    # ------------------------------------------------------------------ presigned POST policies
    def check_post_policy(self, fields: Mapping[str, str], policy: str) -> None:
        """The signature of a POST form's base64 `policy`: SigV4 (`x-amz-signature` with
        `x-amz-credential`) or SigV2 (`signature` with `AWSAccessKeyId`). Field names are
        case-insensitive, as S3 reads them."""
        if "x-amz-signature" in fields:
            if fields.get("x-amz-algorithm") != ALGORITHM:
                raise SignatureRefused("InvalidArgument", "x-amz-algorithm must be AWS4-HMAC-SHA256")
            date, region, service = self._scope(fields.get("x-amz-credential", ""))
            expected = hmac.new(self.signing_key(date, region, service), policy.encode(), hashlib.sha256)
            matches = hmac.compare_digest(expected.hexdigest(), fields["x-amz-signature"])
        elif "signature" in fields:
            if fields.get("awsaccesskeyid") != self.access_key:
                raise SignatureRefused(
                    "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist"
                )
            matches = hmac.compare_digest(self._v2_signature(policy), fields["signature"])
        else:
            raise SignatureRefused("AccessDenied", "Access Denied: the form has no signature")
        if not matches:
            raise SignatureRefused(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided",
            )


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


# A key is good for a day, a region and a service, and every request of the stack needs one (four
# HMACs each, a tenth of a fan-out post's CPU): derived once.
@lru_cache(maxsize=64)
def _signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(f"AWS4{secret_key}".encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


@lru_cache(maxsize=256)
def _signed_at(amz_date: str) -> int:
    """X-Amz-Date as epoch seconds; requests signed in the same second share one parse (strptime
    was a tenth of a post's CPU)."""
    try:
        return calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        raise SignatureRefused("AccessDenied", f"X-Amz-Date {amz_date!r} is not a date") from None


def _authorization_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in text.split(","):
        name, _, value = part.strip().partition("=")
        fields[name] = value
    return fields


def _check_fresh(amz_date: str, now: float, *, expires: int | None) -> None:
    """A signed header must be within 15 minutes of now either way; a presigned URL lasts `expires`."""
    signed_at = _signed_at(amz_date)
    if expires is None and abs(now - signed_at) > MAX_SKEW_SECONDS:
        raise SignatureRefused(
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large",
        )
    if expires is not None and now > signed_at + expires:
        raise SignatureRefused("AccessDenied", "Request has expired")


def _canonical_path(raw_path: str, service: str) -> str:
    """S3 signs the path as sent; every other service signs it URI-encoded once more."""
    if service == "s3":
        return raw_path or "/"
    return quote(raw_path or "/", safe="/~")


def _canonical_query(query: list[tuple[str, str]]) -> str:
    encoded = sorted((quote(name, safe="-_.~"), quote(value, safe="-_.~")) for name, value in query)
    return "&".join(f"{name}={value}" for name, value in encoded)


def _header_value(headers: Mapping[str, str], name: str) -> str:
    return " ".join(headers.get(name, "").split())
