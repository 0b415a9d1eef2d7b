"""The ``simcoach-agent`` command: read a game's telemetry and send it to the backend (or print it)."""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from simcoach_agent.games.base import GameUnavailable
from simcoach_agent.games.registry import create_source
from simcoach_agent.runner import run_stdout, run_uplink
from simcoach_agent.sampler import Sampler
from simcoach_agent.settings import AgentSettings
from simcoach_agent.uplink.client import RefusedByBackend, Uplink
from simcoach_agent.uplink.spool import Spool

app = typer.Typer(add_completion=False)


class Game(StrEnum):
    demo = "demo"
    acc = "acc"
    ac = "ac"
    r3e = "r3e"
    lmu = "lmu"
    rf2 = "rf2"
    ams2 = "ams2"
    auto = "auto"


class OnOff(StrEnum):
    on = "on"
    off = "off"


@app.command()
def main(  # noqa: PLR0917 - Typer maps each parameter to a flag
    game: Annotated[Game | None, typer.Option(help="Game to read [SIMCOACH_AGENT_GAME, auto].")] = None,
    server: Annotated[str | None, typer.Option(help="Backend, ws://HOST:5001 [SIMCOACH_AGENT_SERVER].")] = None,
    token: Annotated[str | None, typer.Option(help="This rig's token [SIMCOACH_AGENT_TOKEN].")] = None,
    rig: Annotated[str | None, typer.Option(help="Rig name [SIMCOACH_AGENT_RIG, host name].")] = None,
    rate: Annotated[float | None, typer.Option(help="Samples per second [SIMCOACH_AGENT_RATE_HZ, 60].")] = None,
    stdout: Annotated[bool, typer.Option("--stdout", help="Print frames as JSON lines instead of sending.")] = False,
    once: Annotated[bool, typer.Option("--once", help="Print a single frame and exit.")] = False,
    laps: Annotated[int | None, typer.Option(min=1, help="Stop after N laps.")] = None,
    realtime: Annotated[OnOff, typer.Option(help="off: frames as fast as possible (demo, --stdout).")] = OnOff.on,
    seed: Annotated[int, typer.Option(help="Demo: seed of the driver.")] = 1,
    demo_mistakes: Annotated[
        str, typer.Option(help="Demo: mistakes, e.g. 'late_brake@La Source,coasting@Pouhon:3'.")
    ] = "",
    record: Annotated[Path | None, typer.Option(help="Save the game's raw pages or packets to FILE.")] = None,
    replay: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="Read a --record capture, or a pcap/pcapng file of AMS2's UDP traffic (gzipped too), not the game.",
        ),
    ] = None,
    udp_port: Annotated[int, typer.Option(help="AMS2: UDP port the game sends to.")] = 5606,
) -> None:
    """Read a sim's telemetry and forward it to the simcoach backend."""
    overrides: dict[str, Any] = {
        k: v for k, v in (("server", server), ("rig", rig), ("rate_hz", rate)) if v is not None
    }
    if token is not None:
        overrides["token"] = token
    if game is not None:
        overrides["game"] = game.value
    try:
        settings = AgentSettings(**overrides)
    except ValidationError as exc:
        _fail(f"bad configuration:\n{exc}")
    if realtime is OnOff.off and not (stdout or once):
        _fail("--realtime off needs --stdout: a backend expects frames in real time")

    options: dict[str, object] = {}
    if settings.game == "demo":
        options = {"rate_hz": settings.rate_hz, "seed": seed, "mistakes": demo_mistakes}
    elif settings.game in ("ams2", "auto"):
        options = {"port": udp_port}
    try:
        source = create_source(settings.game, record=record, replay=replay, **options)
    except (ValueError, GameUnavailable) as exc:
        _fail(str(exc))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    sampler = Sampler(source, settings.rig, laps=laps)
    try:
        if stdout or once:
            run_stdout(sampler, settings.rate_hz, realtime is OnOff.on, once)
            return
        if not settings.token.get_secret_value():
            _fail("no rig token: pass --token or set SIMCOACH_AGENT_TOKEN")
        spool = Spool(settings.spool_max_frames, settings.spool_dir / f"{settings.rig}.db")
        uplink = Uplink(settings.server, settings.token.get_secret_value(), settings.rig, spool)
        try:
            run_uplink(sampler, uplink, spool, settings.rate_hz, sys.stderr)
        finally:
            spool.close()
    except RefusedByBackend as exc:
        _fail(f"the backend refused this rig: {exc}")
    except KeyboardInterrupt:
        pass
    finally:
        source.shutdown()


def _fail(message: str) -> NoReturn:
    typer.echo(f"simcoach-agent: {message}", err=True)
    raise typer.Exit(2)
