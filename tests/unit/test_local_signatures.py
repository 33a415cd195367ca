"""The local stack checks AWS signatures as AWS does: what botocore signs passes, and anything
unsigned, altered, expired or signed with another key is refused."""

import base64
import json
import time
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from planalign.local.post_policy import PolicyRefused, check_post
from planalign.local.signatures import SignatureRefused, SignedRequest, Signer

SIGNER = Signer("testing", "the-stack-secret")
ENDPOINT = "http://127.0.0.1:4566"


def signed(
    method: str, url: str, body: bytes, service: str, secret: str = "the-stack-secret"
) -> SignedRequest:
    request = AWSRequest(method, url, data=body)
    signer = S3SigV4Auth if service == "s3" else SigV4Auth  # S3 signs the path as sent
    signer(Credentials("testing", secret, "token"), service, "us-east-1").add_auth(request)
    parts = urlsplit(url)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = parts.netloc
    return SignedRequest(method, parts.path, parts.query, headers, body)


def test_a_sigv4_header_request_passes_and_names_its_service() -> None:
    body = json.dumps({"TableName": "t"}).encode()
    assert SIGNER.check(signed("POST", f"{ENDPOINT}/", body, "dynamodb")) == "dynamodb"
    assert (
        SIGNER.check(signed("POST", f"{ENDPOINT}/@connections/a%3Db", b"{}", "execute-api")) == "execute-api"
    )


def test_another_secret_a_changed_body_or_an_unsigned_request_is_refused() -> None:
    with pytest.raises(SignatureRefused, match="does not match"):
        SIGNER.check(signed("POST", f"{ENDPOINT}/", b"{}", "dynamodb", secret="guessed"))
    good = signed("POST", f"{ENDPOINT}/", b'{"a": 1}', "dynamodb")
    with pytest.raises(SignatureRefused, match="does not match"):
        SIGNER.check(SignedRequest(good.method, good.raw_path, good.raw_query, good.headers, b'{"a": 2}'))
    with pytest.raises(SignatureRefused, match="not signed"):
        SIGNER.check(SignedRequest("PUT", "/bucket/key", "", {"host": "127.0.0.1:4566"}, b"x"))


def test_an_s3_put_must_carry_the_hash_of_the_body_it_sends() -> None:
    put = signed("PUT", f"{ENDPOINT}/bucket/a%20b/c.csv", b"hello", "s3")
    assert SIGNER.check(put) == "s3"
    with pytest.raises(SignatureRefused, match="x-amz-content-sha256"):
        SIGNER.check(SignedRequest(put.method, put.raw_path, put.raw_query, put.headers, b"other"))


def test_a_signature_older_than_fifteen_minutes_is_refused() -> None:
    request = signed("POST", f"{ENDPOINT}/", b"{}", "dynamodb")
    with pytest.raises(SignatureRefused, match="too large"):
        SIGNER.check(request, now=time.time() + 16 * 60)


def s3_client(signature_version: str) -> object:
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="the-stack-secret",
        aws_session_token="token",
        config=Config(signature_version=signature_version),
    )


@pytest.mark.parametrize("version", ["s3", "s3v4"], ids=["sigv2", "sigv4"])
def test_presigned_urls_pass_until_they_expire(version: str) -> None:
    client = s3_client(signature_version=version)
    url = client.generate_presigned_url(  # type: ignore[attr-defined]
        "get_object",
        Params={
            "Bucket": "b",
            "Key": "a b/c.csv",
            "ResponseContentDisposition": 'attachment; filename="c.csv"',
        },
        ExpiresIn=60,
    )
    parts = urlsplit(url)
    request = SignedRequest("GET", parts.path, parts.query, {"host": parts.netloc})
    assert SIGNER.check(request) == "s3"
    with pytest.raises(SignatureRefused, match="expired"):
        SIGNER.check(request, now=time.time() + 120)
    with pytest.raises(SignatureRefused):
        SIGNER.check(
            SignedRequest("GET", parts.path.replace("c.csv", "d.csv"), parts.query, {"host": parts.netloc})
        )


def presigned_form(version: str, expires: int = 60) -> dict[str, str]:
    client = s3_client(signature_version=version)
    post = client.generate_presigned_post(  # type: ignore[attr-defined]
        "bucket",
        "uploads/ws_1/up_1/census.csv",
        Fields={"Content-Type": "text/csv"},
        Conditions=[["content-length-range", 1, 100], {"Content-Type": "text/csv"}],
        ExpiresIn=expires,
    )
    fields: dict[str, str] = post["fields"]
    return fields


@pytest.mark.parametrize("version", ["s3", "s3v4"], ids=["sigv2", "sigv4"])
def test_a_presigned_form_passes_as_it_was_handed_out(version: str) -> None:
    assert (
        check_post(SIGNER, "bucket", presigned_form(version), "census.csv", 10)
        == "uploads/ws_1/up_1/census.csv"
    )


@pytest.mark.parametrize(
    ("change", "size", "status", "code"),
    [
        ({"key": "uploads/ws_2/up_2/census.csv"}, 10, 403, "AccessDenied"),
        ({"Content-Type": "text/html"}, 10, 403, "AccessDenied"),
        ({"x-amz-meta-owner": "x"}, 10, 403, "AccessDenied"),
        ({}, 101, 400, "EntityTooLarge"),
        ({}, 0, 400, "EntityTooSmall"),
    ],
    ids=["other key", "other type", "extra field", "too large", "empty"],
)
def test_a_form_that_breaks_its_policy_is_refused(
    change: dict[str, str], size: int, status: int, code: str
) -> None:
    with pytest.raises(PolicyRefused) as refused:
        check_post(SIGNER, "bucket", {**presigned_form("s3v4"), **change}, "census.csv", size)
    assert (refused.value.status, refused.value.code) == (status, code)


def test_a_form_for_another_bucket_an_expired_one_or_a_forged_policy_is_refused() -> None:
    with pytest.raises(PolicyRefused, match="Condition failed"):
        check_post(SIGNER, "other-bucket", presigned_form("s3v4"), "census.csv", 10)
    with pytest.raises(PolicyRefused, match="Policy expired"):
        check_post(SIGNER, "bucket", presigned_form("s3v4"), "census.csv", 10, now=time.time() + 120)
    fields = presigned_form("s3v4")
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if "key" not in c]
    forged = {**fields, "policy": base64.b64encode(json.dumps(policy).encode()).decode(), "key": "anything"}
    with pytest.raises(PolicyRefused, match="does not match"):
        check_post(SIGNER, "bucket", forged, "census.csv", 10)


def test_starts_with_conditions_and_the_filename_variable_apply_as_s3_applies_them() -> None:
    client = s3_client(signature_version="s3v4")
    post = client.generate_presigned_post(  # type: ignore[attr-defined]
        "bucket",
        "uploads/ws_1/${filename}",
        Conditions=[["starts-with", "$key", "uploads/ws_1/"]],
        ExpiresIn=60,
    )
    assert check_post(SIGNER, "bucket", post["fields"], "census.csv", 3) == "uploads/ws_1/census.csv"
    with pytest.raises(PolicyRefused, match="Condition failed"):
        check_post(SIGNER, "bucket", {**post["fields"], "key": "uploads/ws_2/x.csv"}, "x.csv", 3)
