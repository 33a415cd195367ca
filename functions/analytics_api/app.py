"""The Studio's analysis pages (/api/workspaces/{id}/.../analytics/..., .../employees..., /api/vesting/...):
figures over a run's Parquet tables with Arrow. Its own function: the other API functions never load
Arrow or NumPy."""

from planalign.api.analytics import router as analytics_router
from planalign.api.app import create_app, lambda_handler
from planalign.api.evidence_pack import router as evidence_pack_router
from planalign.api.ndt import router as ndt_router
from planalign.api.timeline import router as timeline_router
from planalign.api.vesting import router as vesting_router

app = create_app(analytics_router, evidence_pack_router, timeline_router, vesting_router, ndt_router)
handler = lambda_handler(app)
