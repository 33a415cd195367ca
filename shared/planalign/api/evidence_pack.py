"""The Studio's evidence pack of a scenario (its EvidencePackPanel on the run's page)."""

from typing import Annotated

from fastapi import APIRouter, Query

from planalign.api.evidence_models import EvidenceMetric, EvidencePackEnvelope
from planalign.api.services import ArtifactsDep, StoreDep
from planalign.api.tenant import Tenant

router = APIRouter(prefix="/api/workspaces", tags=["evidence packs"])
Year = Annotated[int, Query(ge=1900, le=2200)]


@router.get("/{workspace_id}/scenarios/{scenario_id}/evidence-pack")
def get_scenario_evidence_pack(
    workspace_id: str,
    scenario_id: str,
    metric: EvidenceMetric,
    base_year: Year,
    target_year: Year,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
) -> EvidencePackEnvelope:
    """A metric's change from `base_year` to `target_year`, explained by its drivers, each figure cited."""
    from planalign.services.evidence_pack import scenario_evidence_pack  # NumPy, on first use (cold start)

    envelope = scenario_evidence_pack(
        store, artifacts, tenant_id, workspace_id, scenario_id, metric, base_year, target_year
    )
    return EvidencePackEnvelope.model_validate(envelope)
