"""ASGI entry point for multi-worker uvicorn: each worker builds its own app."""

from __future__ import annotations

from api.app import create_app
from api.logging import route_stdlib_logging
from api.settings import Settings
from api.storage import open_services

settings = Settings.from_env()
route_stdlib_logging(settings.log_level)
app = create_app(settings, open_services(settings))
