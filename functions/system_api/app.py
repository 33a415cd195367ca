"""GET /api/health, /api/system/status, /api/config/defaults and the API docs (all routers, for the docs)."""

from planalign.api.app import create_app, lambda_handler
from planalign.api.runs import router as runs_router
from planalign.api.system import router as system_router
from planalign.api.workspaces import router as workspaces_router

app = create_app(system_router, workspaces_router, runs_router)
handler = lambda_handler(app)
