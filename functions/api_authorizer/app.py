"""The one Lambda authorizer of both APIs: the HTTP API's routes (payload 2.0, simple responses,
cached per Authorization header) and the WebSocket API's `$connect` (`?token=`). A Cognito JWT or a
tenant API token passes; the routes get the tenant as `sub` in the authorizer's context."""

from typing import Any

from planalign.services.credentials import Caller, caller_of, parse_cookies, request_credential


def _caller(event: dict[str, Any]) -> Caller | None:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    cookies = parse_cookies(event.get("cookies") or headers.get("cookie"))
    credential = request_credential(headers, event.get("queryStringParameters"), cookies)
    return caller_of(credential) if credential else None


def _websocket_policy(effect: str, resource: str, caller: Caller | None) -> dict[str, Any]:
    tenant = caller.tenant_id if caller else "anonymous"
    answer: dict[str, Any] = {
        "principalId": tenant,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if caller is not None:
        answer["context"] = {"sub": caller.tenant_id, "credential": caller.credential}
    return answer


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    caller = _caller(event)
    if event.get("version") == "2.0":  # the HTTP API
        if caller is None:
            return {"isAuthorized": False}
        return {"isAuthorized": True, "context": {"sub": caller.tenant_id, "credential": caller.credential}}
    return _websocket_policy("Allow" if caller else "Deny", event["methodArn"], caller)
