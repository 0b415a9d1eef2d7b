"""The ``simcoach`` command: run the backend (later also replay and report)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import typer
import uvicorn
from pydantic import ValidationError

from simcoach.settings import Settings

app = typer.Typer(help="simcoach backend: live telemetry, coaching and history for sim racers.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """simcoach backend."""


@app.command()
def serve(
    demo: Annotated[bool, typer.Option("--demo", help="Run the demo GT3 at Spa as an in-process rig.")] = False,
    host: Annotated[str | None, typer.Option(help="Address to listen on [SIMCOACH_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [SIMCOACH_PORT, 5001].")] = None,
    demo_mistakes: Annotated[
        str | None, typer.Option(help="Mistakes for the demo driver, e.g. 'late_brake@La Source'.")
    ] = None,
    demo_seed: Annotated[int | None, typer.Option(help="Seed of the demo driver.")] = None,
) -> None:
    """Run the backend: rig ingest, dashboards, API and the dashboard page."""
    overrides: dict[str, Any] = {}
    if demo:
        overrides["demo"] = True
    for key, value in (("host", host), ("port", port), ("demo_mistakes", demo_mistakes), ("demo_seed", demo_seed)):
        if value is not None:
            overrides[key] = value
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        typer.echo(f"simcoach: bad configuration:\n{exc}", err=True)
        raise typer.Exit(2) from exc

    from simcoach.app import create_app

    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        application = create_app(settings)
    except ValueError as exc:
        typer.echo(f"simcoach: bad configuration: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"simcoach: dashboard at http://{settings.host}:{settings.port}/")
    uvicorn.run(
        application,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        ws_ping_interval=20,
        # Frames are small and many: deflate would cost more CPU than the LAN bandwidth it saves.
        ws_per_message_deflate=False,
    )
