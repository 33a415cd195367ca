"""WebSocket push through API Gateway's management API: one `POST @connections/{id}` per message,
SigV4-signed for `execute-api`. The local gateway serves the same endpoint, so this code runs
unchanged on the local stack.

A fan-out makes one call per subscriber and message: with 200 subscribers, each of a run's updates
is 200 calls. They are made on one event loop (a thread of its own) over kept-alive connections, the
request written and the answer read directly, signed by adapters/sigv4.py: 0.03 ms of CPU a call,
against 0.3 ms with botocore's signer and http.client in a thread per call (`scripts/
push_cost_bench.py`). On the local stack the notifier shares two cores with the run it reports on."""

import asyncio
import json
import ssl
import threading
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from planalign.adapters.clients import client_environment
from planalign.adapters.sigv4 import FrozenCredentials, signed_headers
from planalign.settings import get_settings

# Calls in flight at once: the management API answers each in milliseconds to tens of milliseconds,
# and 200 subscribers posted one after another would wait on 200 round trips.
SENDERS = 64
ATTEMPTS = 3  # as botocore's standard retry mode: throttling, server errors, dropped connections
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
BACKOFF_SECONDS = 0.05
TIMEOUT_SECONDS = 5.0
# Answers without a body even when they have no Content-Length.
NO_BODY_STATUS = frozenset({204, 304})

T = TypeVar("T")


class PushError(Exception):
    """The management API refused a message for another reason than a closed connection."""


def _credentials() -> FrozenCredentials:
    """The function's credentials as of now (botocore refreshes them when they are temporary)."""
    credentials: FrozenCredentials = _credentials_for(client_environment()).get_frozen_credentials()
    return credentials


@lru_cache(maxsize=1)
def _credentials_for(environment: tuple[str | None, ...]) -> Any:
    import botocore.session

    credentials = botocore.session.get_session().get_credentials()
    if credentials is None:
        raise PushError("no AWS credentials to sign @connections requests with")
    return credentials


_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` on the sending loop (started on first use) and wait for its result. One loop
    per process: the kept-alive connections belong to it, whichever thread sends. The coroutine runs
    in the caller's context (its context variables), as the loop schedules it from the caller."""
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="push", daemon=True).start()
    return asyncio.run_coroutine_threadsafe(coroutine, _loop).result()


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    reusable: bool  # the connection can carry the next request


async def _read_answer(reader: asyncio.StreamReader) -> _Answer:
    """One HTTP/1.1 response: its status, its body (by Content-Length, chunked, or up to the close)
    and whether the connection can carry the next request."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    version, status_text, _ = (head[0] + " ").split(" ", 2)
    status = int(status_text)
    headers = {}
    for line in head[1:-2]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    reusable = version == "HTTP/1.1" and headers.get("connection") != "close"
    if headers.get("transfer-encoding") == "chunked":
        body = await _read_chunks(reader)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif status in NO_BODY_STATUS:
        body = b""
    else:
        body, reusable = await reader.read(), False
    return _Answer(status, body, reusable)


async def _read_chunks(reader: asyncio.StreamReader) -> bytes:
    body = b""
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        body += await reader.readexactly(size)
        await reader.readexactly(2)  # the chunk's CRLF
    while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, up to the empty line
        pass
    return body


class ConnectionsApi:
    """The `@connections` resource of one WebSocket API stage (`https://{api}.execute-api.{region}
    .amazonaws.com/{stage}`), with the kept-alive connections of the sending loop."""

    def __init__(self, endpoint: str, region: str) -> None:
        parts = urlsplit(endpoint)
        self.secure = parts.scheme == "https"
        self.hostname = parts.hostname or ""
        self.port = parts.port or (443 if self.secure else 80)
        # The Host header, and what is signed: without a default port, as botocore signs it.
        self.host = self.hostname if parts.port in (None, 443 if self.secure else 80) else parts.netloc
        self.base_path = parts.path.rstrip("/")
        self.region = region
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(
        self, method: str, connection_id: str, body: bytes, credentials: FrozenCredentials
    ) -> tuple[int, bytes]:
        """The status and body of one signed request, retried on throttling, server errors and
        dropped connections."""
        path = f"{self.base_path}/@connections/{quote(connection_id, safe='')}"
        attempt = 1
        while True:
            try:
                answer = await self._send(method, path, body, credentials)
                if answer.status not in RETRYABLE_STATUS or attempt == ATTEMPTS:
                    return answer.status, answer.body
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                # e.g. a kept-alive connection the server closed meanwhile (it is not reused)
                if attempt == ATTEMPTS:
                    raise
            await asyncio.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            attempt += 1

    async def _send(self, method: str, path: str, body: bytes, credentials: FrozenCredentials) -> _Answer:
        headers = signed_headers(method, self.host, path, body, credentials, self.region, "execute-api")
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = f"{method} {path} HTTP/1.1\r\n{head}content-length: {len(body)}\r\n\r\n".encode() + body
        async with asyncio.timeout(TIMEOUT_SECONDS):
            reader, writer = self._idle.pop() if self._idle else await self._open()
            try:
                writer.write(request)
                answer = await _read_answer(reader)
            except BaseException:
                writer.close()
                raise
        if answer.reusable:
            self._idle.append((reader, writer))
        else:
            writer.close()
        return answer

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        context = ssl.create_default_context() if self.secure else None
        return await asyncio.open_connection(self.hostname, self.port, ssl=context)


@lru_cache(maxsize=4)
def _connections_api(endpoint: str, region: str) -> ConnectionsApi:
    return ConnectionsApi(endpoint, region)


def _encode(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message, default=str).encode()


class Push:
    def __init__(self, endpoint: str | None = None) -> None:
        self._endpoint = endpoint

    def _api(self) -> ConnectionsApi:
        settings = get_settings()
        return _connections_api(self._endpoint or settings.websocket_callback_url, settings.region)

    @staticmethod
    async def _post(
        api: ConnectionsApi, connection_id: str, data: bytes, credentials: FrozenCredentials
    ) -> bool:
        status, answer = await api.request("POST", connection_id, data, credentials)
        if status == 410:  # GoneException
            return False
        if not 200 <= status < 300:
            raise PushError(f"POST @connections/{connection_id} answered {status}: {answer[:300]!r}")
        return True

    def send(self, connection_id: str, message: dict[str, Any]) -> bool:
        """Deliver one message; False when the connection is gone (410), so the caller forgets it."""
        return _run(self._post(self._api(), connection_id, _encode(message), _credentials()))

    def send_each(self, outbox: Mapping[str, Sequence[Mapping[str, Any]]]) -> tuple[int, list[str]]:
        """Deliver each connection's messages in their order, connections concurrently. A message
        shared by many connections is encoded once. Returns the messages sent and the connections
        that are gone (410); a connection gets nothing after its 410.

        In rounds: every connection's first message, then every connection's second, and so on. A
        batch of a run's update and its milestone to 200 subscribers is 400 posts; connection by
        connection, the last subscriber would get the update after all 400, in rounds after 200. A
        round waits for its slowest post: a management API answers each in milliseconds whatever the
        client does (API Gateway, and the local gateway, which buffers the frame)."""
        encoded: dict[int, bytes] = {}
        for messages in outbox.values():
            for message in messages:
                if id(message) not in encoded:
                    encoded[id(message)] = _encode(message)
        if not any(outbox.values()):
            return 0, []
        api, credentials = self._api(), _credentials()
        sent = 0
        gone: set[str] = set()

        async def post_round(index: int) -> None:
            connection_ids = [c for c, messages in outbox.items() if index < len(messages) and c not in gone]
            waiting = iter(connection_ids)  # each sender takes the next connection when it is free

            async def sender() -> None:
                nonlocal sent
                for connection_id in waiting:
                    message = outbox[connection_id][index]
                    if await self._post(api, connection_id, encoded[id(message)], credentials):
                        sent += 1
                    else:
                        gone.add(connection_id)

            senders = [sender() for _ in range(min(SENDERS, len(connection_ids)))]
            # All of them, even when one raised: the next round or batch must not overtake any.
            for outcome in await asyncio.gather(*senders, return_exceptions=True):
                if isinstance(outcome, BaseException):
                    raise outcome

        async def fan_out() -> None:
            for index in range(max(len(messages) for messages in outbox.values())):
                await post_round(index)

        _run(fan_out())
        return sent, [c for c in outbox if c in gone]
