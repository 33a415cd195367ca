"""/api/scenarios/{id}/run..., /api/runs/..., /api/batches/...: start, follow, cancel runs and batches
and read their results."""

from planalign.api.app import create_app, lambda_handler
from planalign.api.batches import batches_router
from planalign.api.runs import router

app = create_app(router, batches_router)
handler = lambda_handler(app)
