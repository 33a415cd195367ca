"""The `@connections` client against a small HTTP server playing API Gateway's management API: the
requests are signed as boto3 signs them (the server checks each signature), 410 means gone, throttling
and dropped connections are retried, other refusals raise."""

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from planalign.adapters import push
from planalign.adapters.push import Push, PushError

CREDENTIALS = Credentials("AKIDEXAMPLE", "secret", "session-token")


@dataclass
class Received:
    method: str
    path: str
    body: bytes
    signature_valid: bool


@dataclass
class ManagementApi:
    """Answers each request with the next scripted status (200 once they run out)."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    drop_next: bool = False  # close the connection instead of answering
    chunked: bool = False  # answer with a chunked body
    close_after: bool = False  # answer with `Connection: close`, then close
    connections: set[int] = field(default_factory=set)  # the client ports requests came from


def signature_valid(handler: BaseHTTPRequestHandler, body: bytes) -> bool:
    """Recompute the SigV4 signature of the request as received."""
    authorization = handler.headers["Authorization"]
    signed = dict(part.split("=", 1) for part in authorization.split(" ", 1)[1].split(", "))
    names = signed["SignedHeaders"].split(";")
    url = f"http://{handler.headers['Host']}{handler.path}"
    request = AWSRequest(handler.command, url, data=body, headers={n: handler.headers[n] for n in names})
    request.context["timestamp"] = handler.headers["X-Amz-Date"]
    signer = SigV4Auth(CREDENTIALS, "execute-api", "eu-west-1")
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    scope_ok = signed["Credential"].endswith("/eu-west-1/execute-api/aws4_request")
    return scope_ok and expected == signed["Signature"]


@pytest.fixture
def management_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[ManagementApi]:
    monkeypatch.setattr(push, "_credentials", lambda: CREDENTIALS)
    monkeypatch.setattr(push, "BACKOFF_SECONDS", 0.001)
    state: dict[str, ManagementApi] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            api = state["api"]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if api.drop_next:
                api.drop_next = False
                self.close_connection = True
                return
            api.received.append(Received(self.command, self.path, body, signature_valid(self, body)))
            api.connections.add(self.client_address[1])
            status = api.statuses.pop(0) if api.statuses else 200
            answer = {410: b'{"message": "Gone"}', 403: b'{"message": "Forbidden"}'}.get(status, b"")
            self.send_response(status)
            if api.close_after:
                self.send_header("Connection", "close")
                self.close_connection = True
            if api.chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for part in [part for part in (answer[:5], answer[5:]) if part] + [b""]:
                    self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                return
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_POST = do_DELETE = _answer

    class Server(ThreadingHTTPServer):
        request_queue_size = 2 * push.SENDERS  # the listen backlog: a fan-out connects SENDERS at once

    server = Server(("127.0.0.1", 0), Handler)
    state["api"] = ManagementApi(f"http://127.0.0.1:{server.server_address[1]}/prod")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    push.get_settings.cache_clear()
    yield state["api"]
    push.get_settings.cache_clear()
    server.shutdown()
    server.server_close()


def test_a_message_is_posted_signed_to_its_connection(management_api: ManagementApi) -> None:
    assert Push(management_api.url).send("abc=", {"type": "update", "progress": 12.5}) is True
    [request] = management_api.received
    assert (request.method, request.path) == ("POST", "/prod/@connections/abc%3D")
    assert request.body == b'{"type": "update", "progress": 12.5}'
    assert request.signature_valid


def test_the_request_is_the_one_boto3_would_send(management_api: ManagementApi) -> None:
    boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=management_api.url,
        region_name="eu-west-1",
        aws_access_key_id=CREDENTIALS.access_key,
        aws_secret_access_key=CREDENTIALS.secret_key,
        aws_session_token=CREDENTIALS.token,
    ).post_to_connection(ConnectionId="L0SM9cOFvHcCIhw=", Data=b"{}")
    Push(management_api.url).send("L0SM9cOFvHcCIhw=", {})
    boto3_request, ours = management_api.received
    assert (ours.method, ours.path, ours.body) == (
        boto3_request.method,
        boto3_request.path,
        boto3_request.body,
    )
    assert boto3_request.signature_valid and ours.signature_valid


def test_gone_is_false_and_ends_that_connections_messages(management_api: ManagementApi) -> None:
    first, second = {"n": 1}, {"n": 2}
    management_api.statuses = [410]
    sent, gone = Push(management_api.url).send_each({"closed": [first, second]})
    assert (sent, gone) == (0, ["closed"])
    assert len(management_api.received) == 1


def test_each_connection_gets_its_messages_in_order(management_api: ManagementApi) -> None:
    messages = [{"n": n} for n in range(5)]
    sent, gone = Push(management_api.url).send_each({f"c{k}": messages for k in range(8)})
    assert (sent, gone) == (40, [])
    for k in range(8):
        bodies = [r.body for r in management_api.received if r.path.endswith(f"/c{k}")]
        assert bodies == [f'{{"n": {n}}}'.encode() for n in range(5)]


def test_every_connection_gets_a_message_before_any_gets_the_next(management_api: ManagementApi) -> None:
    """A batch's first message (a run's update) reaches the last subscriber before the second (its
    milestone) reaches anyone: each waits for one message to every subscriber, not for all of them."""
    messages = [{"n": n} for n in range(3)]
    sent, gone = Push(management_api.url).send_each({f"c{k}": messages for k in range(100)})
    assert (sent, gone) == (300, [])
    assert [r.body for r in management_api.received] == [
        f'{{"n": {n}}}'.encode() for n in range(3) for _ in range(100)
    ]


def test_throttling_and_server_errors_are_retried(management_api: ManagementApi) -> None:
    management_api.statuses = [429, 503]
    assert Push(management_api.url).send("c1", {"n": 1}) is True
    assert len(management_api.received) == 3


def test_a_dropped_kept_alive_connection_is_reopened(management_api: ManagementApi) -> None:
    sender = Push(management_api.url)
    assert sender.send("c1", {"n": 1})
    management_api.drop_next = True
    assert sender.send("c1", {"n": 2})
    assert [r.body for r in management_api.received] == [b'{"n": 1}', b'{"n": 2}']


@pytest.mark.parametrize("statuses", [[403], [500, 500, 500]])
def test_a_refusal_that_is_not_gone_raises(management_api: ManagementApi, statuses: list[int]) -> None:
    management_api.statuses = list(statuses)
    with pytest.raises(PushError, match=f"answered {statuses[-1]}"):
        Push(management_api.url).send("c1", {"n": 1})


def test_a_chunked_answer_is_read_whole(management_api: ManagementApi) -> None:
    management_api.chunked = True
    management_api.statuses = [200, 403]
    sender = Push(management_api.url)
    assert sender.send("c1", {"n": 1})  # the connection is reused after a chunked answer
    with pytest.raises(PushError, match=re.escape("""answered 403: b'{"message": "Forbidden"}'""")):
        sender.send("c1", {"n": 2})
    assert len(management_api.connections) == 1


def test_a_connection_the_server_closes_is_not_reused(management_api: ManagementApi) -> None:
    management_api.close_after = True
    sender = Push(management_api.url)
    assert sender.send_each({"c1": [{"n": 1}, {"n": 2}, {"n": 3}]}) == (3, [])
    assert [r.body for r in management_api.received] == [b'{"n": 1}', b'{"n": 2}', b'{"n": 3}']
    assert len(management_api.connections) == 3  # one a request, none of them retried


def test_connections_are_kept_alive_between_fan_outs(management_api: ManagementApi) -> None:
    sender = Push(management_api.url)
    outbox = {f"c{k}": [{"n": k}] for k in range(push.SENDERS * 2)}
    assert sender.send_each(outbox) == (len(outbox), [])
    assert sender.send_each(outbox) == (len(outbox), [])
    assert len(management_api.connections) <= push.SENDERS
