"""The moto server on loopback, executing state machines for real. It sits behind small WSGI layers
that give what moto skips and AWS guarantees: a presigned POST's policy (size range, expiry), and
DynamoDB requests that are atomic per request. Item responses skip moto's generic serializer."""

import base64
import io
import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _s3_error(start_response: StartResponse, status: str, code: str, message: str) -> list[bytes]:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body.encode()]


class PresignedPostPolicy:
    """Checks the `policy` of multipart POST uploads before moto stores the object."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        content_type = environ.get("CONTENT_TYPE", "")
        if environ.get("REQUEST_METHOD") != "POST" or not content_type.startswith("multipart/form-data"):
            return self.app(environ, start_response)
        from werkzeug.formparser import parse_form_data

        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        probe = {**environ, "wsgi.input": io.BytesIO(body)}
        _, form, files = parse_form_data(probe)
        policy_text = form.get("policy") or form.get("Policy")
        upload = files.get("file")
        if policy_text and upload is not None:
            problem = self._violation(policy_text, len(upload.read()))
            if problem:
                return _s3_error(start_response, "400 Bad Request", *problem)
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)

    @staticmethod
    def _violation(policy_text: str, size: int) -> tuple[str, str] | None:
        policy = json.loads(base64.b64decode(policy_text))
        expiration = policy.get("expiration")
        if expiration and time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()) > expiration[:19] + "Z":
            return "AccessDenied", "Invalid according to Policy: Policy expired."
        for condition in policy.get("conditions", []):
            if isinstance(condition, list) and condition[0] == "content-length-range":
                low, high = int(condition[1]), int(condition[2])
                if size > high:
                    return "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
                if size < low:
                    return "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
        return None


class AtomicRequests:
    """Requests that AWS answers atomically and moto's threaded server interleaves:
    - DynamoDB, one request at a time: concurrent UpdateItems on one item let ReturnValues show
      other requests' changes (seen: 19 threads adding to one counter got back 3 twice and 10
      twice); the run history's sequence numbers and the ensemble's member count rely on it.
    - S3 writes, one at a time per key: two PutObjects of one key made moto read the first one's
      closed buffer (a 500, "I/O operation on closed file"), as when runs import the same census."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.dynamodb = threading.Lock()
        self.guard = threading.Lock()
        self.s3_keys: dict[str, threading.Lock] = {}

    def _lock_for(self, environ: dict[str, Any]) -> "threading.Lock | None":
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self.dynamodb
        if environ.get("REQUEST_METHOD") in ("PUT", "DELETE") and "/s3/aws4_request" in environ.get(
            "HTTP_AUTHORIZATION", ""
        ):
            with self.guard:
                return self.s3_keys.setdefault(environ.get("PATH_INFO", ""), threading.Lock())
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        lock = self._lock_for(environ)
        if lock is None:
            return self.app(environ, start_response)
        with lock:
            return list(self.app(environ, start_response))


# The DynamoDB operations whose result moto already holds in DynamoDB's JSON wire form.
ITEM_OPERATIONS = frozenset(
    {"GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem"}
)


def item_response(
    operation: str, result: Any, members: Iterable[str]
) -> tuple[int, dict[str, str], str] | None:
    """DynamoDB's answer to an item operation, written straight from moto's result (only the
    operation's output `members`: moto's result may hold more); None for the operations (and the
    rare values, like timestamps) that need moto's serializer."""
    if operation not in ITEM_OPERATIONS or not isinstance(result, dict):
        return None
    answer = {name: result[name] for name in members if name in result}
    try:
        body = json.dumps(answer, default=_wire_value, separators=(",", ":"))
    except TypeError:
        return None
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, body


def _wire_value(value: Any) -> str:
    if isinstance(value, bytes):  # binary attributes travel base64-encoded
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} is not a DynamoDB item value")


def install_fast_item_responses() -> None:
    """moto 5.2 serializes every response by walking its botocore shape, attribute by attribute: a
    Query of 200 small items took 75 ms of the server's CPU (15 ms with `item_response`), and the
    WebSocket notifier reads every subscriber list that way. Item results are already wire-shaped,
    so they skip that walk; errors and all other operations keep moto's path."""
    from moto.dynamodb.responses import DynamoResult

    moto_execute_result = DynamoResult.execute_result
    if getattr(moto_execute_result, "fast_item_responses", False):
        return

    def execute_result(self: Any, context: Any) -> Any:
        operation = context.operation_model
        members = operation.output_shape.members if operation.output_shape else ()
        return item_response(operation.name, self.result, members) or moto_execute_result(self, context)

    execute_result.fast_item_responses = True  # type: ignore[attr-defined]
    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]


class QuietRequestHandler:
    """moto's request handler without a log line per request."""

    @staticmethod
    def wrap(handler: type) -> type:
        return type("QuietMotoRequestHandler", (handler,), {"log_request": lambda self, *args: None})


class MotoServer:
    def __init__(self, host: str, port: int) -> None:
        from moto.core.config import default_user_config
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        install_fast_item_responses()
        app = AtomicRequests(PresignedPostPolicy(DomainDispatcherApplication(create_backend_app)))
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=QuietRequestHandler.wrap(MotoRequestHandler)
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        self._server.server_close()
