"""Our SigV4 signer against botocore's: the same headers and signature for the same request and time."""

import datetime
from unittest import mock

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from planalign.adapters.sigv4 import signed_headers

NOW = datetime.datetime(2026, 12, 1, 23, 59, 58, tzinfo=datetime.UTC)


def botocore_headers(url: str, body: bytes, credentials: Credentials, region: str) -> dict[str, str]:
    request = AWSRequest("POST", url, data=body)
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW.replace(tzinfo=None)):
        SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return {name.lower(): value for name, value in request.headers.items()}


@pytest.mark.parametrize(
    ("url", "host", "path"),
    [
        # A connection id as API Gateway makes them ends in '=': encoded once on the wire, twice signed.
        (
            "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/@connections/L0SM9cOFvHcCIhw%3D",
            "abc123.execute-api.eu-west-1.amazonaws.com",
            "/prod/@connections/L0SM9cOFvHcCIhw%3D",
        ),
        ("http://127.0.0.1:3001/local/@connections/c-1_x", "127.0.0.1:3001", "/local/@connections/c-1_x"),
        ("https://example.com:443/@connections/a", "example.com", "/@connections/a"),
    ],
)
@pytest.mark.parametrize("token", [None, "session-token"])
def test_the_signature_is_botocores(url: str, host: str, path: str, token: str | None) -> None:
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    body = b'{"type": "update", "data": {"progress": 12.5}}'
    ours = signed_headers(
        "POST",
        host,
        path,
        body,
        credentials.get_frozen_credentials(),
        "eu-west-1",
        "execute-api",
        now=NOW.timestamp(),
    )
    expected = botocore_headers(url, body, credentials, "eu-west-1")
    assert ours["authorization"] == expected["authorization"]
    assert ours["x-amz-date"] == expected["x-amz-date"] == "20261201T235958Z"
    assert ours.get("x-amz-security-token") == expected.get("x-amz-security-token") == token
    assert ours["host"] == host


def test_a_different_body_or_day_signs_differently() -> None:
    credentials = Credentials("AKIDEXAMPLE", "secret").get_frozen_credentials()
    sign = lambda body, now: signed_headers(  # noqa: E731
        "POST", "h", "/@connections/a", body, credentials, "us-east-1", "execute-api", now=now
    )["authorization"]
    today = NOW.timestamp()
    assert sign(b"{}", today) != sign(b"{ }", today)
    assert sign(b"{}", today) != sign(b"{}", today + 2)  # the next day's key: 23:59:58 + 2 s
