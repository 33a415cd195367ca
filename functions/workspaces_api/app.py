"""/api/workspaces/...: workspaces, scenarios, census uploads, datasets, run-all batches and comparison."""

from planalign.api.cold_start import collector_paused

with collector_paused():
    from planalign.api.app import create_app, lambda_handler
    from planalign.api.batches import workspace_batches_router
    from planalign.api.scenarios import router as scenarios_router
    from planalign.api.workspaces import router as workspaces_router

    app = create_app(workspaces_router, scenarios_router, workspace_batches_router)
    handler = lambda_handler(app)
