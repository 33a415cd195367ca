"""The WebSocket API's routes: $connect (subscribing to the `run_id` or `batch_id` of its query
string), $disconnect, subscribe, unsubscribe, ping and $default."""

from typing import Any

from aws_lambda_powertools import Logger
from planalign.adapters.push import Push
from planalign.adapters.store import Store
from planalign.errors import InvalidRequest
from planalign.services import subscriptions

logger = Logger()


def _tenant(context: dict[str, Any]) -> str | None:
    authorizer = context.get("authorizer") or {}
    return authorizer.get("sub") or authorizer.get("principalId")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["requestContext"]
    route, connection_id, tenant_id = request["routeKey"], request["connectionId"], _tenant(request)
    logger.append_keys(connection_id=connection_id, route=route)
    store = Store()
    if route == "$disconnect":
        subscriptions.disconnect(store, connection_id)
        return {"statusCode": 200}
    if tenant_id is None:
        return {"statusCode": 401, "body": "missing or invalid token"}
    if route == "$connect":
        try:
            subscriptions.connect(store, connection_id, tenant_id, event.get("queryStringParameters"))
        except InvalidRequest as error:
            return {"statusCode": 400, "body": str(error)}
        return {"statusCode": 200}
    subscriptions.handle_message(store, Push(), connection_id, tenant_id, route, event.get("body") or "")
    return {"statusCode": 200}
