"""The local API Gateway and front door: routes HTTP requests by the template's HttpApi events, asks the
template's authorizer about the credential, and invokes the routed function in-process with an API
Gateway v2 event; WebSockets on the Studio's paths are rewritten as the front door rewrites them."""

import base64
import json
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from planalign.local.auth import SESSION_COOKIE, LocalAuth, request_credential
from planalign.local.lambda_runner import LambdaRunner
from planalign.local.lambda_runtime import LambdaError
from planalign.local.signatures import SignatureRefused, SignedRequest, Signer
from planalign.local.template import ACCOUNT_ID, Route

TEXT_TYPES = ("application/json", "text/", "application/xml", "application/x-www-form-urlencoded")
CONNECTIONS_PATH = "/@connections/"  # API Gateway's management API: POST, GET, DELETE per connection
# What the template's HttpApi CorsConfiguration sets; the allowed origin is added per request (cors_headers).
CORS_HEADERS = {
    "access-control-allow-headers": "authorization,content-type,x-api-token",
    "access-control-allow-methods": "GET,POST,PUT,PATCH,DELETE,OPTIONS",
    "access-control-expose-headers": (
        "link,location,x-planalign-run-warning,x-planalign-active-run-id,x-planalign-result-run-id"
    ),
}
API_PREFIX = "/api/"
# Without the template's StudioOrigins, a page of this machine on any port (a Studio's `vite` dev server
# or `vite preview`) may call the local API; no other site may read its answers.
LOOPBACK_ORIGIN = re.compile(r"http://(localhost|127\.0\.0\.1|\[::1\])(:[0-9]{1,5})?")


def cors_headers(origin: str | None, origins: tuple[str, ...]) -> dict[str, str]:
    """The CORS headers of an answer to a request from `origin`: it is named as allowed when it is one
    of `origins` (the template's StudioOrigins) or, without them, a loopback page."""
    if origin is None or not (origin in origins if origins else LOOPBACK_ORIGIN.fullmatch(origin)):
        return CORS_HEADERS
    return {**CORS_HEADERS, "access-control-allow-origin": origin}


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True


class HttpGateway:
    """The HTTP API's routes; with `studio_dir`, also a Studio build on the same origin (every path
    outside /api/ is a file of it, or its index.html for the Studio's client-side routes)."""

    def __init__(
        self,
        routes: list[Route],
        runner: LambdaRunner,
        auth: LocalAuth,
        studio_dir: Path | None = None,
        origins: tuple[str, ...] = (),
        stopping: threading.Event | None = None,
    ) -> None:
        self.routes = routes
        self.runner = runner
        self.auth = auth
        self.studio_dir = studio_dir.resolve() if studio_dir is not None else None
        self.origins = origins
        # Set when the stack stops: the gateway still delivers what is in flight (@connections), but
        # takes no new work, whose answer would promise what the stopping stack cannot finish.
        self.stopping = stopping or threading.Event()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method not in (method, "ANY"):
                continue
            found = route.pattern.match(path)
            if found:
                return route, {k: v for k, v in found.groupdict().items() if v is not None}
        return None

    async def handle(self, request: Request) -> Response:
        response = await self.answer(request)
        for name, value in cors_headers(request.headers.get("origin"), self.origins).items():
            response.headers.setdefault(name, value)  # a function's own header wins, as in API Gateway
        response.headers.append("vary", "origin")
        return response

    async def answer(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204)
        matched = self.match(request.method, request.url.path)
        if matched is None:
            if self.studio_dir is not None and not request.url.path.startswith(API_PREFIX):
                return self.studio_file(request)
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        route, path_parameters = matched
        if self.stopping.is_set():
            return JSONResponse(
                {"detail": "the local stack is stopping: send this again once it has restarted"},
                status_code=503,
            )
        # As API Gateway: a route without an authorizer (Auth: NONE) gets no authorizer context.
        tenant = None
        if not route.public:
            credential = request_credential(request.headers, cookies=request.cookies)
            tenant = await run_in_threadpool(self.auth.tenant_of, credential)
        if not route.public and tenant is None:
            return JSONResponse({"detail": "missing or invalid token"}, status_code=401)
        event = self.event(request, await request.body(), route, path_parameters, tenant)
        try:
            result = await run_in_threadpool(self.runner.invoke, route.function, event)
        except LambdaError as error:
            return JSONResponse(
                {"detail": f"internal error in {route.function}: {error.error_type}"},
                status_code=502,
            )
        response = self.response(result)
        # As the front door's viewer-response function: a credential sent in a header that got an
        # answer becomes the session cookie, for the Studio's header-less fetches and plain links.
        header_credential = request_credential(request.headers)
        if (
            header_credential
            and response.status_code < 400
            and request.cookies.get(SESSION_COOKIE) != header_credential
        ):
            response.set_cookie(SESSION_COOKIE, header_credential, httponly=True, samesite="strict", path="/")
        return response

    def studio_file(self, request: Request) -> Response:
        """A file of the Studio's build, or its index.html. Opening the page (a navigation, not the
        favicon) without a session gets the stack's token as its session cookie when the API needs one,
        so the links the Studio opens without headers are signed in too; a session opened at
        /api/signin is kept."""
        path = request.url.path
        assert self.studio_dir is not None
        wanted = (self.studio_dir / path.lstrip("/")).resolve()
        if wanted.is_file() and wanted.is_relative_to(self.studio_dir):
            return FileResponse(wanted)
        response = FileResponse(self.studio_dir / "index.html", headers={"cache-control": "no-cache"})
        token = self.auth.session_token()
        navigation = request.headers.get("sec-fetch-dest", "document") == "document"
        if token is not None and navigation and SESSION_COOKIE not in request.cookies:
            response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/")
        return response

    @staticmethod
    def event(
        request: Request, body: bytes, route: Route, path_parameters: dict[str, str], tenant: str | None
    ) -> dict[str, Any]:
        headers: dict[str, str] = {}
        for key, value in request.headers.items():
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        content_type = headers.get("content-type", "")
        # API Gateway passes a text body as text only when it is UTF-8; anything else goes as base64.
        is_text = not body or (content_type.startswith(TEXT_TYPES) and _is_utf8(body))
        now = time.time()
        route_key = f"{route.method} {route.path}" if route.method != "ANY" else f"ANY {route.path}"
        query = request.url.query
        context: dict[str, Any] = {
            "accountId": ACCOUNT_ID,
            "apiId": "local",
            "domainName": request.url.hostname or "localhost",
            "domainPrefix": "local",
            "http": {
                "method": request.method,
                "path": request.url.path,
                "protocol": "HTTP/1.1",
                "sourceIp": request.client.host if request.client else "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        }
        if tenant is not None:
            context["authorizer"] = {"lambda": {"sub": tenant}}
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": route_key,
            "rawPath": request.url.path,
            "rawQueryString": query,
            "headers": headers,
            "requestContext": context,
            "isBase64Encoded": not is_text,
            "body": body.decode() if is_text else base64.b64encode(body).decode(),
        }
        if query:
            event["queryStringParameters"] = dict(parse_qsl(query, keep_blank_values=True))
        if path_parameters:
            event["pathParameters"] = path_parameters
        cookies = headers.get("cookie")
        if cookies:
            event["cookies"] = [c.strip() for c in cookies.split(";")]
        return event

    @staticmethod
    def response(result: dict[str, Any]) -> Response:
        body = result.get("body") or ""
        content = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        headers.pop("content-length", None)
        response = Response(content=content, status_code=int(result.get("statusCode", 200)), headers=headers)
        for cookie in result.get("cookies") or []:
            response.raw_headers.append((b"set-cookie", cookie.encode()))
        for key, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                response.raw_headers.append((key.lower().encode(), str(value).encode()))
        return response


def build_app(http: HttpGateway, websocket: "WebSocketGateway") -> ASGIApp:
    """The gateway's one ASGI app: `/@connections/...` straight to the WebSocket side, every other
    HTTP path to the HTTP API's routes, and the WebSocket paths routed by Starlette."""
    routed = Starlette(routes=websocket.routes_for_app())
    # Every HTTP path goes to the HTTP API's routes unrouted: Starlette's `{path:path}` does not match
    # a path with a newline (`%0A`), which then got Starlette's plain-text 404 instead of ours.
    http_app = request_response(http.handle)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(CONNECTIONS_PATH):
            await websocket.connections(scope, receive, send)
        elif scope["type"] == "http":
            await http_app(scope, receive, send)
        else:
            await routed(scope, receive, send)

    return app


async def _answer(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    content_type = [(b"content-type", b"application/json")] if body else []
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*content_type, (b"content-length", str(len(body)).encode()), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


# The Studio's WebSocket paths and the query parameter that carries their id to $connect.
STUDIO_SOCKET_PATHS = {"simulation": "run_id", "batch": "batch_id"}
STUDIO_SOCKET_PATH = re.compile(r"/ws/(simulation|batch)/([A-Za-z0-9_-]+)")


def studio_socket_query(path: str, query: dict[str, str], cookies: dict[str, str]) -> dict[str, str] | None:
    """The query string that `$connect` gets for a socket opened on `path`, or None (404): the
    Studio's `/ws/simulation/{run_id}` and `/ws/batch/{batch_id}` put their id in it, as the WebSocket
    API's one URL takes it; `/ws` is that URL itself; a session cookie stands in for a missing
    `token`. The front door's CloudFront Function makes the same rewrite in AWS (one table of cases
    tests both)."""
    if path in ("/ws", "/ws/"):
        rewritten = dict(query)
    elif found := STUDIO_SOCKET_PATH.fullmatch(path):
        rewritten = {**query, STUDIO_SOCKET_PATHS[found.group(1)]: found.group(2)}
    else:
        return None
    if not rewritten.get("token") and cookies.get(SESSION_COOKIE):
        rewritten["token"] = cookies[SESSION_COOKIE]
    return rewritten


class WebSocketGateway:
    """The WebSocket side: `$connect`/`$disconnect`/action routes invoke their functions, and
    `/@connections/{id}` delivers to a socket (410 once it is closed), as API Gateway does. As in AWS
    (IAM on the management API), a `@connections` call must be SigV4-signed with the stack's key."""

    def __init__(self, routes: dict[str, str], runner: LambdaRunner, auth: LocalAuth, signer: Signer) -> None:
        self.routes = routes
        self.runner = runner
        self.auth = auth
        self.signer = signer
        self.sockets: dict[str, Any] = {}

    def _event(
        self,
        route: str,
        connection_id: str,
        tenant: str,
        body: str | None = None,
        query: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
        event: dict[str, Any] = {
            "requestContext": {
                "routeKey": route,
                "eventType": event_type,
                "connectionId": connection_id,
                "domainName": "localhost",
                "stage": "local",
                "apiId": "local",
                "requestId": uuid.uuid4().hex,
                "connectedAt": int(time.time() * 1000),
                "authorizer": {"principalId": tenant, "sub": tenant},
            },
            "isBase64Encoded": False,
        }
        if body is not None:
            event["body"] = body
        if query:
            event["queryStringParameters"] = query
        return event

    async def _invoke(
        self,
        route: str,
        connection_id: str,
        tenant: str,
        body: str | None = None,
        query: dict[str, str] | None = None,
    ) -> int:
        function = self.routes.get(route) or self.routes["$default"]
        try:
            result = await run_in_threadpool(
                self.runner.invoke, function, self._event(route, connection_id, tenant, body, query)
            )
        except LambdaError:
            return 500
        return int((result or {}).get("statusCode", 200))

    async def connect(self, websocket: Any) -> None:
        from starlette.websockets import WebSocketDisconnect

        query = studio_socket_query(websocket.scope["path"], dict(websocket.query_params), websocket.cookies)
        if query is None:
            if "websocket.http.response" in websocket.scope.get("extensions", {}):
                await websocket.send_denial_response(JSONResponse({"message": "Not Found"}, status_code=404))
            else:
                await websocket.close(code=4404)
            return
        tenant = await run_in_threadpool(
            self.auth.tenant_of, request_credential(websocket.headers, query), websocket=True
        )
        if tenant is None:
            await websocket.close(code=4401, reason="missing or invalid token")
            return
        connection_id = base64.urlsafe_b64encode(uuid.uuid4().bytes[:12]).decode()
        # As API Gateway: the handshake completes only once $connect said yes, and until then a post
        # to the connection is a 410 (the notifier retries its first snapshot while the socket opens).
        if await self._invoke("$connect", connection_id, tenant, query=query) != 200:
            await websocket.close(code=4403)
            return
        await websocket.accept()
        self.sockets[connection_id] = websocket
        try:
            while True:
                text = await websocket.receive_text()
                try:
                    action = json.loads(text).get("action")
                except (ValueError, AttributeError):
                    action = None
                route = action if isinstance(action, str) and action in self.routes else "$default"
                await self._invoke(route, connection_id, tenant, text)
        except WebSocketDisconnect:
            pass
        finally:
            self.sockets.pop(connection_id, None)
            await self._invoke("$disconnect", connection_id, tenant)

    async def connections(self, scope: Scope, receive: Receive, send: Send) -> None:
        """`/@connections/{id}` as plain ASGI: a fan-out posts here once per subscriber, and a fan-out
        to 200 sockets took 105-110 ms through a Starlette route, about 80 ms this way."""
        connection_id = scope["path"][len(CONNECTIONS_PATH) :]
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        refused = self._refusal(scope, body)
        if refused is not None:
            await _answer(send, 403, refused, [(b"x-amzn-errortype", b"AccessDeniedException")])
            return
        websocket = self.sockets.get(connection_id)
        if websocket is None:
            await _answer(send, 410, b'{"message": "Gone"}', [(b"x-amzn-errortype", b"GoneException")])
            return
        method = scope["method"]
        if method == "DELETE":
            self.sockets.pop(connection_id, None)
            await websocket.close()
            await _answer(send, 204, b"")
        elif method == "GET":
            await _answer(send, 200, json.dumps({"connectionId": connection_id}).encode())
        elif method != "POST":
            await _answer(send, 405, b'{"message": "Method Not Allowed"}')
        else:
            try:
                await websocket.send_text(body.decode())
            except Exception:
                self.sockets.pop(connection_id, None)
                await _answer(send, 410, b'{"message": "Gone"}', [(b"x-amzn-errortype", b"GoneException")])
                return
            await _answer(send, 200, b"")

    def _refusal(self, scope: Scope, body: bytes) -> bytes | None:
        """The 403 body for a call that is not signed with the stack's key for execute-api."""
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
        }
        raw_path = scope.get("raw_path") or scope["path"].encode()
        request = SignedRequest(
            scope["method"],
            raw_path.decode("latin-1"),
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            body,
        )
        try:
            if self.signer.check(request) == "execute-api":
                return None
            message = "the request is signed for another service than execute-api"
        except SignatureRefused as refused:
            message = refused.message
        return json.dumps({"message": message}).encode()

    def routes_for_app(self) -> list[Any]:
        from starlette.routing import WebSocketRoute

        return [WebSocketRoute("/ws", self.connect), WebSocketRoute("/ws/{rest:path}", self.connect)]
