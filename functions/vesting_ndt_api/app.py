"""The Studio's Vesting page and forfeiture projection (/api/vesting/schedules,
.../analytics/vesting...) and its nondiscrimination tests (.../analytics/ndt/...): figures over a run's
Parquet tables with Arrow, which its routes load on their first request (cold start). A function of
its own so that each analysis function's cold start imports fewer routers (see the README's cold start
table)."""

from planalign.api.cold_start import collector_paused

with collector_paused():
    from planalign.api.app import create_app, lambda_handler
    from planalign.api.ndt import router as ndt_router
    from planalign.api.vesting import router as vesting_router

    app = create_app(vesting_router, ndt_router)
    handler = lambda_handler(app)
