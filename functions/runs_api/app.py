"""/api/scenarios/{id}/run..., /api/runs/...: start, follow, cancel runs and read their results."""

from planalign.api.app import create_app, lambda_handler
from planalign.api.runs import router

app = create_app(router)
handler = lambda_handler(app)
