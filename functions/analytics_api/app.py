"""The Studio's analysis pages (/api/workspaces/{id}/.../analytics/dc-plan[/compare], winners-losers,
.../employees..., .../evidence-pack): figures over a run's Parquet tables with Arrow, which its routes
load on their first request (cold start). Vesting and the NDT are VestingNdtApiFunction's."""

from planalign.api.cold_start import collector_paused

with collector_paused():
    from planalign.api.analytics import router as analytics_router
    from planalign.api.app import create_app, lambda_handler
    from planalign.api.evidence_pack import router as evidence_pack_router
    from planalign.api.timeline import router as timeline_router

    app = create_app(analytics_router, evidence_pack_router, timeline_router)
    handler = lambda_handler(app)
