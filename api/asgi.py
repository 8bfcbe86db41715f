"""ASGI entry point for multi-worker uvicorn: each worker builds its own app."""

from __future__ import annotations

from api.app import create_app
from api.settings import Settings
from api.storage import open_services

settings = Settings.from_env()
app = create_app(settings, open_services(settings))
