"""/api/workspaces/...: workspaces, scenarios, census uploads, datasets."""

from planalign.api.app import create_app, lambda_handler
from planalign.api.workspaces import router

app = create_app(router)
handler = lambda_handler(app)
