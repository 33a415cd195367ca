"""The caller's tenant: the JWT `sub` that API Gateway's authorizer (or the local gateway) verified
and put in the event, so handlers read it the same way in AWS and locally."""

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request


def tenant_of(request: Request) -> str:
    event: dict[str, Any] = request.scope.get("aws.event") or {}
    claims = event.get("requestContext", {}).get("authorizer", {}).get("jwt", {}).get("claims", {})
    sub = claims.get("sub")
    if not sub:
        raise HTTPException(status_code=401, detail="missing or invalid token")
    return str(sub)


Tenant = Annotated[str, Depends(tenant_of)]
