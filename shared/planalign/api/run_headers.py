"""The Studio's run-consistency headers (`X-PlanAlign-Run-Warning`, `-Active-Run-Id`,
`-Result-Run-Id`) on reads of a scenario's data, as a dependency the scenario routes declare."""

from typing import Annotated

from fastapi import Depends, Request, Response

from planalign.api.services import StoreDep
from planalign.api.tenant import Tenant
from planalign.services.runs import read_headers


def _scenario_ids(request: Request) -> list[str]:
    """The scenarios a request reads: its path's, and those its query names."""
    ids: list[str] = []
    direct = request.path_params.get("scenario_id") or request.query_params.get("scenario_id")
    if direct:
        ids.append(direct)
    for name in ("scenario_a", "scenario_b", "baseline", "plan_a", "plan_b"):
        value = request.query_params.get(name)
        if value:
            ids.append(value)
    ids.extend(part.strip() for part in request.query_params.get("scenarios", "").split(",") if part.strip())
    return list(dict.fromkeys(ids))


def _set_run_headers(request: Request, response: Response, tenant_id: Tenant, store: StoreDep) -> None:
    response.headers.update(read_headers(store, tenant_id, _scenario_ids(request)))


RunHeaders = Annotated[None, Depends(_set_run_headers)]
