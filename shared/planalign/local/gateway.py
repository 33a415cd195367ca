"""The local API Gateway: routes HTTP requests by the template's HttpApi events, checks the token as the
JWT authorizer would, and invokes the routed function in-process with an API Gateway v2 event."""

import base64
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route as StarletteRoute

from planalign.local.lambda_runner import LambdaError, LambdaRunner
from planalign.local.template import ACCOUNT_ID, Route

TEXT_TYPES = ("application/json", "text/", "application/xml", "application/x-www-form-urlencoded")
CORS_HEADERS = {
    "access-control-allow-origin": "*",
    "access-control-allow-headers": "authorization,content-type,x-api-token",
    "access-control-allow-methods": "GET,POST,PUT,DELETE,OPTIONS",
    "access-control-expose-headers": "link,location",
}


def token_of(headers: Any, query: Any = None) -> str | None:
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return str(authorization[7:].strip())
    return headers.get("x-api-token") or (query.get("token") if query is not None else None)


class HttpGateway:
    def __init__(self, routes: list[Route], runner: LambdaRunner, tokens: dict[str, str]) -> None:
        self.routes = routes
        self.runner = runner
        self.tokens = tokens  # token -> tenant

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method not in (method, "ANY"):
                continue
            found = route.pattern.match(path)
            if found:
                return route, {k: v for k, v in found.groupdict().items() if v is not None}
        return None

    async def handle(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers=CORS_HEADERS)
        matched = self.match(request.method, request.url.path)
        if matched is None:
            return JSONResponse({"detail": "Not Found"}, status_code=404, headers=CORS_HEADERS)
        route, path_parameters = matched
        tenant = self.tokens.get(token_of(request.headers) or "")
        if not route.public and tenant is None:
            return JSONResponse({"detail": "missing or invalid token"}, status_code=401, headers=CORS_HEADERS)
        event = self.event(request, await request.body(), route, path_parameters, tenant)
        try:
            result = await run_in_threadpool(self.runner.invoke, route.function, event)
        except LambdaError as error:
            return JSONResponse({"detail": f"internal error in {route.function}: {error.error_type}"},
                                status_code=502, headers=CORS_HEADERS)
        return self.response(result)

    @staticmethod
    def event(request: Request, body: bytes, route: Route, path_parameters: dict[str, str],
              tenant: str | None) -> dict[str, Any]:
        headers: dict[str, str] = {}
        for key, value in request.headers.items():
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        content_type = headers.get("content-type", "")
        is_text = not body or content_type.startswith(TEXT_TYPES)
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
            context["authorizer"] = {"jwt": {"claims": {"sub": tenant}, "scopes": None}}
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
        headers = {**CORS_HEADERS, **{k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}}
        headers.pop("content-length", None)
        response = Response(content=content, status_code=int(result.get("statusCode", 200)), headers=headers)
        for cookie in result.get("cookies") or []:
            response.raw_headers.append((b"set-cookie", cookie.encode()))
        for key, values in (result.get("multiValueHeaders") or {}).items():
            for value in values:
                response.raw_headers.append((key.lower().encode(), str(value).encode()))
        return response


def build_app(http: HttpGateway, extra_routes: list[Any] | None = None) -> Starlette:
    routes: list[Any] = list(extra_routes or [])
    routes.append(StarletteRoute("/{path:path}", http.handle, methods=["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]))
    return Starlette(routes=routes)
