"""/api/workspaces/...: workspaces, scenarios, census uploads, datasets, run-all batches and comparison."""

from planalign.api.app import create_app, lambda_handler
from planalign.api.batches import workspace_batches_router
from planalign.api.workspaces import router

app = create_app(router, workspace_batches_router)
handler = lambda_handler(app)
