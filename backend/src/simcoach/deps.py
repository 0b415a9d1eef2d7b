"""Dependency aliases that hand routes the long-lived objects built in the app's lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from simcoach.coaching.engine import CoachEngine
from simcoach.live.hub import Hub
from simcoach.settings import Settings


def _hub(conn: HTTPConnection) -> Hub:
    hub: Hub = conn.app.state.hub
    return hub


def _settings(conn: HTTPConnection) -> Settings:
    settings: Settings = conn.app.state.settings
    return settings


def _coach(conn: HTTPConnection) -> CoachEngine:
    coach: CoachEngine = conn.app.state.coach
    return coach


HubDep = Annotated[Hub, Depends(_hub)]
CoachDep = Annotated[CoachEngine, Depends(_coach)]
SettingsDep = Annotated[Settings, Depends(_settings)]
