"""The caller's tenant: the `sub` that the API's Lambda authorizer (or the local gateway, asking the
same code) put in the event's authorizer context, so handlers read it the same way in AWS and locally."""

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request


def tenant_of(request: Request) -> str:
    event: dict[str, Any] = request.scope.get("aws.event") or {}
    context = event.get("requestContext", {}).get("authorizer", {}).get("lambda", {})
    sub = context.get("sub")
    if not sub:
        raise HTTPException(status_code=401, detail="missing or invalid token")
    return str(sub)


Tenant = Annotated[str, Depends(tenant_of)]
