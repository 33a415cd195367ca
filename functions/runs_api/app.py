"""/api/scenarios/..., /api/runs/..., /api/batches/...: the Studio's simulation routes and ours: start,
follow, cancel runs and batches and read their results."""

from planalign.api.cold_start import collector_paused

with collector_paused():
    from planalign.api.app import create_app, lambda_handler
    from planalign.api.batches import batches_router
    from planalign.api.runs import router as runs_router
    from planalign.api.simulations import router as simulations_router

    app = create_app(simulations_router, runs_router, batches_router)
    handler = lambda_handler(app)
