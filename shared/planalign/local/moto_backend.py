"""The moto server on loopback, executing state machines for real. It sits behind small WSGI layers
that give what moto skips and AWS guarantees: every request signed with the stack's key (SigV4, or a
presigned POST's policy with every condition checked), DynamoDB requests that are atomic per request,
and an answer sent only once what the request changed is durable (`persistence.Journal`). Item
responses skip moto's generic serializer."""

import base64
import contextlib
import copy
import io
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from werkzeug.serving import BaseWSGIServer, make_server

from planalign.local.post_policy import PolicyRefused, check_post
from planalign.local.signatures import SignatureRefused, SignedRequest, Signer

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
ObjectObserver = Callable[[str, str], None]  # (bucket, key)


def _error(
    start_response: StartResponse, environ: dict[str, Any], status: str, code: str, message: str
) -> list[bytes]:
    """An error as the service answers it: JSON for the JSON protocols (DynamoDB, Step Functions),
    XML for S3."""
    if environ.get("HTTP_X_AMZ_TARGET"):
        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = "application/x-amz-json-1.0"
    else:
        text = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
        body, content_type = text.encode(), "application/xml"
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def _raw_target(environ: dict[str, Any]) -> tuple[str, str]:
    """The path and query as they came on the wire (signatures cover those, not the decoded path)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
    path, _, query = raw.partition("?")
    return path, query


def _is_form_post(environ: dict[str, Any]) -> bool:
    return environ.get("REQUEST_METHOD") == "POST" and environ.get("CONTENT_TYPE", "").startswith(
        "multipart/form-data"
    )


def _read_body(environ: dict[str, Any]) -> bytes:
    body: bytes = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    environ["wsgi.input"] = io.BytesIO(body)
    return body


class SignedRequests:
    """Refuses what AWS refuses: a request not signed with the stack's key (unsigned, another key,
    altered after signing, expired), moto's own unauthenticated `/moto-api/` (which can reset or
    show everything), and a browser POST upload whose form breaks its policy."""

    def __init__(self, app: WSGIApp, signer: Signer) -> None:
        self.app = app
        self.signer = signer

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        raw_path, raw_query = _raw_target(environ)
        if raw_path.startswith("/moto-api"):
            return _error(start_response, environ, "403 Forbidden", "AccessDenied", "Access Denied")
        if environ.get("REQUEST_METHOD") == "OPTIONS":
            return self.app(environ, start_response)  # a browser's CORS preflight is never signed
        body = _read_body(environ)
        if _is_form_post(environ) and not raw_query:
            return self._form_post(environ, start_response, raw_path, body)
        request = SignedRequest(
            environ.get("REQUEST_METHOD", "GET"), raw_path, raw_query, _headers(environ), body
        )
        try:
            environ["planalign.service"] = self.signer.check(request)
        except SignatureRefused as refused:
            return _error(start_response, environ, "403 Forbidden", refused.code, refused.message)
        return self.app(environ, start_response)

    def _form_post(
        self, environ: dict[str, Any], start_response: StartResponse, raw_path: str, body: bytes
    ) -> Iterable[bytes]:
        from werkzeug.formparser import parse_form_data

        _, form, files = parse_form_data({**environ, "wsgi.input": io.BytesIO(body)})
        upload = files.get("file")
        if upload is None:
            return _error(
                start_response, environ, "400 Bad Request", "InvalidArgument", "POST requires a file"
            )
        size = len(upload.read())
        bucket = _bucket_of(environ, raw_path)
        try:
            key = check_post(self.signer, bucket, dict(form.items()), upload.filename or "", size)
        except PolicyRefused as refused:
            status = "403 Forbidden" if refused.status == 403 else "400 Bad Request"
            return _error(start_response, environ, status, refused.code, refused.message)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["planalign.service"] = "s3"
        environ["planalign.s3_key"] = f"/{bucket}/{key}"
        return self.app(environ, start_response)


def _bucket_of(environ: dict[str, Any], raw_path: str) -> str:
    """The bucket of a path-style (`/bucket/...`) or virtual-hosted (`bucket.host`) request."""
    host = environ.get("HTTP_HOST", "").split(":")[0]
    first = unquote(raw_path.lstrip("/").split("/")[0])
    if first or host.replace(".", "").isdigit() or host in ("localhost", ""):
        return first
    return host.split(".")[0]


class AtomicRequests:
    """Requests that AWS answers atomically and moto's threaded server interleaves, and answers that
    wait until what the request changed is durable:
    - DynamoDB, one request at a time: concurrent UpdateItems on one item let ReturnValues show
      other requests' changes (seen: 19 threads adding to one counter got back 3 twice and 10
      twice); the run history's sequence numbers and the ensemble's member count rely on it.
    - S3 writes, one at a time per key: two PutObjects of one key made moto read the first one's
      closed buffer (a 500, "I/O operation on closed file"), as when runs import the same census.
    - With a journal, each request's changes are appended while its lock is held (so a line reads
      the state the request left) and fsynced after it is released (one fsync for every request
      waiting), before the answer goes out."""

    def __init__(self, app: WSGIApp, journal: Any = None) -> None:
        self.app = app
        self.journal = journal
        self.dynamodb = threading.Lock()
        self.guard = threading.Lock()
        self.s3_keys: dict[str, threading.Lock] = {}

    def _lock_for(self, environ: dict[str, Any]) -> "threading.Lock | None":
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self.dynamodb
        if environ.get("planalign.service") == "s3" and environ.get("REQUEST_METHOD") in (
            "PUT",
            "DELETE",
            "POST",
        ):
            key = environ.get("planalign.s3_key") or environ.get("PATH_INFO", "")
            with self.guard:
                return self.s3_keys.setdefault(key, threading.Lock())
        return None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        lock = self._lock_for(environ)
        if self.journal is None:
            if lock is None:
                return self.app(environ, start_response)
            with lock:
                return list(self.app(environ, start_response))
        statuses: list[str] = []

        def remember_status(status: str, headers: Any, exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        with lock or contextlib.nullcontext():
            self.journal.begin()
            succeeded = False
            try:
                body = list(self.app(environ, remember_status))
                succeeded = bool(statuses) and statuses[-1].startswith("2")
            finally:
                position = self.journal.commit(succeeded)
        self.journal.sync(position)
        return body


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


_object_observers: list[ObjectObserver] = []


def observe_objects(observers: Iterable[ObjectObserver]) -> None:
    """Call `observers` with (bucket, key) of every object moto puts or deletes (PutObject, a POST
    upload, CopyObject, CompleteMultipartUpload, DeleteObject(s)), inside the request."""
    from moto.s3.models import S3Backend

    _object_observers[:] = list(observers)
    if getattr(S3Backend.put_object, "observed", False):
        return
    moto_put, moto_delete = S3Backend.put_object, S3Backend.delete_object

    def put_object(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        new_key = moto_put(self, bucket_name, key_name, *args, **kwargs)
        for observer in _object_observers:
            observer(bucket_name, key_name)
        return new_key

    def delete_object(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        result = moto_delete(self, bucket_name, key_name, *args, **kwargs)
        for observer in _object_observers:
            observer(bucket_name, key_name)
        return result

    put_object.observed = True  # type: ignore[attr-defined]
    S3Backend.put_object = put_object  # type: ignore[method-assign]
    S3Backend.delete_object = delete_object  # type: ignore[method-assign]


def sign_state_machine_calls() -> None:
    """moto's state machine executor calls Lambda and S3 over HTTP with the fixed key "ak"/"sk" (a
    key anyone can read in moto's source); here it signs with the process's credentials, as the
    functions do, so the endpoint can refuse every other key."""
    import importlib
    import importlib.util
    import pkgutil
    from pathlib import Path

    import boto3
    from moto.stepfunctions.parser.asl.utils import boto_client

    if getattr(boto_client.boto_client_for, "signed_with_process_credentials", False):
        return
    moto_boto_client_for = boto_client.boto_client_for

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        client = moto_boto_client_for(region, service, state_credentials)
        return boto3.client(  # type: ignore[call-overload]
            service, region_name=region, endpoint_url=client.meta.endpoint_url, config=client.meta.config
        )

    boto_client_for.signed_with_process_credentials = True  # type: ignore[attr-defined]
    import moto.stepfunctions.parser.asl as asl

    for module_info in pkgutil.walk_packages(asl.__path__, asl.__name__ + "."):
        spec = importlib.util.find_spec(module_info.name)
        origin = spec.origin if spec is not None else None
        if origin is None or not origin.endswith(".py") or "boto_client_for" not in Path(origin).read_text():
            continue  # (some of moto's parser modules do not import at all)
        module = importlib.import_module(module_info.name)
        if getattr(module, "boto_client_for", None) is moto_boto_client_for:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]
    boto_client.boto_client_for = boto_client_for


def keep_stopped_executions_aborted() -> None:
    """After StopExecution moto's executor runs no later state (it checks before each state and
    retry), as AWS; but a task that fails after the stop (a stage that meets its cancelled run at its
    next conditional write) turned the execution FAILED. In AWS it stays ABORTED."""
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped

    if getattr(Environment.set_error, "keeps_stopped", False):
        return
    moto_set_error, moto_set_timed_out = Environment.set_error, Environment.set_timed_out

    def set_error(self: Any, error: Any) -> None:
        if not isinstance(self._program_state, ProgramStopped):
            moto_set_error(self, error)

    def set_timed_out(self: Any) -> None:
        if not isinstance(self._program_state, ProgramStopped):
            moto_set_timed_out(self)

    set_error.keeps_stopped = True  # type: ignore[attr-defined]
    Environment.set_error = set_error  # type: ignore[method-assign]
    Environment.set_timed_out = set_timed_out  # type: ignore[method-assign]


def list_moto_modules_once() -> None:
    """moto finds the service of each request among the folders of its own package, listing them from
    the disk on every request (22,000 listings in one 2,000 x 2 run): list them once."""
    from moto import backends

    if getattr(backends.list_of_moto_modules, "listed_once", False):
        return
    modules = tuple(backends.list_of_moto_modules())

    def list_of_moto_modules() -> tuple[str, ...]:
        return modules

    list_of_moto_modules.listed_once = True  # type: ignore[attr-defined]
    backends.list_of_moto_modules = list_of_moto_modules


def parse_each_definition_once() -> None:
    """moto parses a state machine's definition (ANTLR, 60-190 ms for ours) at the start of every
    execution, each ensemble member's too: parse each definition once and give every execution its
    own copy of the parsed program (4 ms), as it may keep state while it runs."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    if getattr(AmazonStateLanguageParser.parse, "parsed_once", False):
        return
    moto_parse = AmazonStateLanguageParser.parse
    parsed: dict[str, Any] = {}
    lock = threading.Lock()

    def parse(definition: str) -> Any:
        with lock:
            if definition not in parsed:
                parsed[definition] = moto_parse(definition)
            program, tree = parsed[definition]
        return copy.deepcopy(program), tree

    parse.parsed_once = True  # type: ignore[attr-defined]
    AmazonStateLanguageParser.parse = staticmethod(parse)  # type: ignore[method-assign]


def reset_moto() -> None:
    """Empty moto's backends (module state), as `POST /moto-api/reset` does, from inside the process."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


class MotoServer:
    def __init__(self, host: str, port: int, signer: Signer, journal: Any = None) -> None:
        from moto.core.config import default_user_config
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        from planalign.local import moto_items

        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        install_fast_item_responses()
        moto_items.install()
        sign_state_machine_calls()
        keep_stopped_executions_aborted()
        list_moto_modules_once()
        parse_each_definition_once()
        app = SignedRequests(AtomicRequests(DomainDispatcherApplication(create_backend_app), journal), signer)
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
