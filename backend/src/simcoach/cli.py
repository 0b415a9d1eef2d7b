"""The ``simcoach`` command: run the backend, or replay a recorded session through the coaching engine."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
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
def serve(  # noqa: PLR0917 - Typer maps each parameter to a flag
    demo: Annotated[bool, typer.Option("--demo", help="Run the demo GT3 at Spa as an in-process rig.")] = False,
    host: Annotated[str | None, typer.Option(help="Address to listen on [SIMCOACH_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [SIMCOACH_PORT, 5001].")] = None,
    demo_mistakes: Annotated[
        str | None, typer.Option(help="Mistakes for the demo driver, e.g. 'late_brake@La Source'.")
    ] = None,
    demo_seed: Annotated[int | None, typer.Option(help="Seed of the demo driver.")] = None,
    demo_speed: Annotated[
        float | None, typer.Option(help="Simulated seconds per real second of the demo [SIMCOACH_DEMO_SPEED, 1].")
    ] = None,
) -> None:
    """Run the backend: rig ingest, dashboards, API and the dashboard page."""
    overrides: dict[str, Any] = {}
    if demo:
        overrides["demo"] = True
    for key, value in (
        ("host", host),
        ("port", port),
        ("demo_mistakes", demo_mistakes),
        ("demo_seed", demo_seed),
        ("demo_speed", demo_speed),
    ):
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


@app.command()
def check() -> None:
    """Check the configuration as ``serve`` would, without serving: exit 0 when it would start, 2 naming what to fix.

    The containers run it before InfluxDB and Grafana start, so that none of the stack starts with a
    placeholder secret (in production: SIMCOACH_ENVIRONMENT=production).
    """
    from simcoach.settings import InfluxSettings, StackSecrets, check_production

    try:
        settings = Settings()
        influx = InfluxSettings()
        check_production(settings, influx, StackSecrets())
    except (ValidationError, ValueError) as exc:
        typer.echo(f"simcoach: bad configuration:\n{exc}", err=True)
        raise typer.Exit(2) from exc
    export = f"exports to {influx.url}" if influx.url else "no export (INFLUXDB_URL is not set)"
    typer.echo(
        f"simcoach: configuration ok ({settings.environment}, {len(settings.rig_tokens)} rig token(s), {export})"
    )


@app.command()
def replay(
    file: Annotated[str, typer.Argument(help="JSON lines as 'simcoach-agent --stdout' prints them; - for stdin.")],
    store: Annotated[
        Path | None, typer.Option(help="SQLite file to keep laps and references in (default: memory only).")
    ] = None,
    laps_json: Annotated[
        bool, typer.Option("--laps-json", help="Also print each finished lap, with its corners, to stderr.")
    ] = False,
    rules: Annotated[bool, typer.Option(help="Run the tyre, brake, fuel and technique rules too.")] = True,
    tracks_dir: Annotated[
        Path | None, typer.Option(help="Folder of your own track files [SIMCOACH_TRACKS_DIR].")
    ] = None,
) -> None:
    """Push a recorded session through the coaching engine as fast as it goes; print its events as JSON lines.

    Lines that are not valid messages are skipped: the first few are named on
    stderr with their reason, and a summary line counts them all. Exit status
    0 when at least one frame was replayed; 2 when the file cannot be read,
    or no line of it is a readable frame.
    """
    from simcoach.coaching.engine import CoachEngine
    from simcoach.replay import Skipped
    from simcoach.replay import replay as run_replay
    from simcoach.storage.store import Store
    from simcoach.tracks.loader import TrackFileError, TrackLibrary

    try:
        library = TrackLibrary(tracks_dir or Settings().tracks_dir)
        coach_store = Store(store).open()
    except (TrackFileError, ValueError, ValidationError) as exc:
        typer.echo(f"simcoach replay: {exc}", err=True)
        raise typer.Exit(2) from exc
    engine = CoachEngine(coach_store, tracks=library, rules_factory=None if rules else (lambda _session: []))
    try:
        source = sys.stdin.buffer if file == "-" else Path(file).open("rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        typer.echo(f"simcoach replay: cannot read {file}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc

    def told(skipped: Skipped) -> None:
        typer.echo(f"simcoach replay: {file}: {skipped}", err=True)

    try:
        stats = run_replay(source, engine, sys.stdout, sys.stderr if laps_json else None, on_skip=told)
    except OSError as exc:
        typer.echo(f"simcoach replay: cannot read {file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    finally:
        if source is not sys.stdin.buffer:
            source.close()
        coach_store.close()
    typer.echo(f"simcoach replay: {file}: {stats.summary()}", err=True)
    if stats.frames == 0:
        typer.echo(f"simcoach replay: {file}: no readable frame", err=True)
        raise typer.Exit(2)


@app.command("demo-record")
def demo_record(
    laps: Annotated[int, typer.Option(min=1, max=200, help="Laps to drive.")] = 5,
    mistakes: Annotated[
        str, typer.Option(help="Mistakes for the demo driver, e.g. 'late_brake@La Source:2,coasting@Pouhon'.")
    ] = "",
    seed: Annotated[int, typer.Option(help="Seed of the demo driver.")] = 1,
    rig: Annotated[str, typer.Option(help="Rig name the session is stored under.")] = "demo",
) -> None:
    """Record a whole demo session into the store as fast as it simulates (a lap in about a second); print its id.

    The store is the one ``serve`` uses (SIMCOACH_DATA_DIR): the session shows on the sessions page,
    exports and reports at once. Run it while the backend is stopped.
    """
    from simcoach.demo_session import record_to_file

    try:
        settings = Settings()
        if settings.store == "none":
            raise ValueError("SIMCOACH_STORE=none: there is no store to record into")
        from simcoach_agent.games.demo import parse_mistakes

        parse_mistakes(mistakes)
    except (ValidationError, ValueError) as exc:
        typer.echo(f"simcoach demo-record: {exc}", err=True)
        raise typer.Exit(2) from exc
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    session_id = record_to_file(settings.data_dir / "simcoach.db", laps, seed=seed, mistakes=mistakes, rig=rig)
    typer.echo(session_id)


@app.command("export")
def export(  # noqa: PLR0917 - Typer maps each parameter to a flag
    session: Annotated[str, typer.Argument(help="The session's id (GET /api/sessions lists them).")],
    out: Annotated[Path, typer.Option(help="Folder to write into (created).")],
    format_: Annotated[str, typer.Option("--format", help="csv, parquet or dataset.")] = "csv",
    columns: Annotated[
        str, typer.Option(help="Frame columns to export, comma-separated (default: every column).")
    ] = "",
    all_laps: Annotated[
        bool, typer.Option("--all-laps", help="dataset: every lap, not only valid, complete, non-pit ones.")
    ] = False,
    sequence_length: Annotated[int, typer.Option(help="dataset: frames per sequence.")] = 120,
    sequence_stride: Annotated[int, typer.Option(help="dataset: frames from one sequence's start to the next.")] = 60,
) -> None:
    """Export a stored session: frames and laps as CSV or Parquet, or a machine-learning dataset (docs/exports.md).

    The store is the one ``serve`` uses (SIMCOACH_DATA_DIR); it is only read, so the backend may be running.
    Exit status 2, with the reason, for an unknown session, format or column, or bad dataset options.
    """
    from simcoach.exports.columns import UnknownColumn
    from simcoach.exports.dataset import DatasetError, DatasetOptions
    from simcoach.exports.folder import UnknownFormat, check_format, export_session
    from simcoach.exports.tabular import UnknownSession
    from simcoach.storage.store import Store

    try:
        check_format(format_)
        options = DatasetOptions(all_laps=all_laps, sequence_length=sequence_length, sequence_stride=sequence_stride)
        options.check()
        path = Settings().data_dir / "simcoach.db"
        if not path.is_file():
            raise ValueError(f"no store at {path} (SIMCOACH_DATA_DIR)")
        store = Store(path).open()
    except (UnknownFormat, DatasetError, ValidationError, ValueError) as exc:
        typer.echo(f"simcoach export: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        names = [c.strip() for c in columns.split(",") if c.strip()]
        written = export_session(store, session, format_, out, columns=names, dataset=options)
    except (UnknownSession, UnknownColumn, DatasetError) as exc:
        typer.echo(f"simcoach export: {exc.args[0]}", err=True)
        raise typer.Exit(2) from exc
    finally:
        store.close()
    for file in written:
        typer.echo(str(file))


@app.command()
def report(
    session: Annotated[str, typer.Argument(help="The session's id (see GET /api/sessions).")],
    out: Annotated[
        Path | None, typer.Option(help="Folder to write report.md and report.html into (default: print Markdown).")
    ] = None,
) -> None:
    """Make a session's post-session report from the store (SIMCOACH_DATA_DIR), and keep it there.

    The code measures and ranks the moments worth reviewing; with OPENAI_API_KEY or OPENAI_BASE_URL set,
    a model explains them and only what its evidence holds is kept. Exit 2 naming what is wrong.
    """
    from simcoach.report.document import make_report, stored
    from simcoach.settings import ReportSettings
    from simcoach.storage.store import Store
    from simcoach.tracks.loader import TrackFileError, TrackLibrary

    try:
        settings = Settings()
        report_settings = ReportSettings()
        tracks = TrackLibrary(settings.tracks_dir)
    except (ValidationError, TrackFileError) as exc:
        typer.echo(f"simcoach report: bad configuration:\n{exc}", err=True)
        raise typer.Exit(2) from exc
    path = settings.data_dir / "simcoach.db"
    if settings.store == "none" or not path.is_file():
        typer.echo(f"simcoach report: no store at {path} (SIMCOACH_DATA_DIR)", err=True)
        raise typer.Exit(2)
    store = Store(path).open()
    try:
        made = make_report(store, session, tracks, report_settings)
        if made is None:
            typer.echo(f"simcoach report: no session {session!r} in {path}", err=True)
            raise typer.Exit(2)
        row = stored(made)
        store.write([], [row], made.created)
    finally:
        store.close()
    if out is None:
        typer.echo(row.markdown)
    else:
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.md").write_text(row.markdown, encoding="utf-8")
        (out / "report.html").write_text(row.html, encoding="utf-8")
        typer.echo(f"simcoach report: {out / 'report.html'} and report.md ({made.model.outcome.status})", err=True)
    if made.model.outcome.status == "failed":
        typer.echo(f"simcoach report: the model gave no usable answer: {made.model.outcome.problem}", err=True)
