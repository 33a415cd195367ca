"""The HTTP API: FastAPI routers, the tenant dependency, error mapping and the Lambda entry point."""
