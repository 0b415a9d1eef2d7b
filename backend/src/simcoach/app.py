"""The FastAPI application: routers, the dashboard's static files, and the lifespan that owns the hub."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from simcoach import __version__
from simcoach.demo_rig import run_demo_rig
from simcoach.live.hub import Hub
from simcoach.routes import status
from simcoach.settings import Settings
from simcoach.ws import dashboards, ingest


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    if not settings.frontend_dir.is_dir():
        raise ValueError(f"SIMCOACH_FRONTEND_DIR: {settings.frontend_dir} is not a directory")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.hub = hub = Hub(settings.dashboard_queue_frames)
        demo: asyncio.Task[None] | None = None
        if settings.demo:
            demo = asyncio.create_task(
                run_demo_rig(hub, settings.demo_rig, settings.demo_seed, settings.demo_mistakes, settings.demo_rate_hz)
            )
        try:
            yield
        finally:
            if demo is not None:
                demo.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await demo

    app = FastAPI(title="simcoach", version=__version__, lifespan=lifespan)
    app.include_router(status.router)
    app.include_router(ingest.router)
    app.include_router(dashboards.router)
    # Last, so that the API and WebSocket routes win over file names.
    app.mount("/", StaticFiles(directory=settings.frontend_dir, html=True), name="frontend")
    return app
