"""ASGI entry point for multi-worker uvicorn: each worker builds its own app."""

from __future__ import annotations

from api.host.logging import route_stdlib_logging
from api.host.serving import settle_heap
from api.host.settings import Settings
from api.host.storage import open_services
from api.http.app import create_app

settings = Settings.from_env()
route_stdlib_logging(settings.log_level)
app = create_app(settings, open_services(settings))
settle_heap()
