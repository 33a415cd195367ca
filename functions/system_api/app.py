"""GET /api/health, /api/system/status, /api/config/defaults, /api/templates, the API docs, and sign-in
(/api/signin, /api/session). The docs describe every route, but the other routers are imported only
when the docs are asked for (cold start)."""

from planalign.api.cold_start import collector_paused

with collector_paused():
    from typing import Any

    from planalign.api.app import create_app, lambda_handler
    from planalign.api.session import router as session_router
    from planalign.api.system import router
    from planalign.api.templates import router as templates_router

    app = create_app(router, templates_router, session_router)
    handler = lambda_handler(app)


def openapi_of_all_routes() -> dict[str, Any]:
    if app.openapi_schema is None:
        from planalign.api.analytics import router as analytics_router
        from planalign.api.bands import router as bands_router
        from planalign.api.batches import batches_router, workspace_batches_router
        from planalign.api.files import router as files_router
        from planalign.api.imports import router as imports_router
        from planalign.api.ndt import router as ndt_router
        from planalign.api.promotion_hazard import router as promotion_hazard_router
        from planalign.api.runs import router as runs_router
        from planalign.api.scenarios import router as scenarios_router
        from planalign.api.simulations import router as simulations_router
        from planalign.api.timeline import router as timeline_router
        from planalign.api.vesting import router as vesting_router
        from planalign.api.workspaces import router as workspaces_router

        app.openapi_schema = create_app(
            router,
            templates_router,
            session_router,
            workspaces_router,
            scenarios_router,
            workspace_batches_router,
            simulations_router,
            runs_router,
            batches_router,
            imports_router,
            files_router,
            bands_router,
            promotion_hazard_router,
            analytics_router,
            timeline_router,
            vesting_router,
            ndt_router,
        ).openapi()
    return app.openapi_schema


app.openapi = openapi_of_all_routes
