"""Thin FastAPI routers: build, fetch, respond. Checks live in dependencies."""
