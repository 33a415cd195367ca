"""The Studio's census intake: the import wizard, its files and mapping templates, the census analyses,
bands and promotion hazards (/api/workspaces/{workspace_id}/imports/..., /analyze-..., ...). Its own
function: these read censuses with NumPy and the census reader, which the other API functions never load."""

from planalign.api.cold_start import collector_paused

with collector_paused():
    from planalign.api.app import create_app, lambda_handler
    from planalign.api.bands import router as bands_router
    from planalign.api.files import router as files_router
    from planalign.api.imports import router as imports_router
    from planalign.api.promotion_hazard import router as promotion_hazard_router

    app = create_app(imports_router, files_router, bands_router, promotion_hazard_router)
    handler = lambda_handler(app)
