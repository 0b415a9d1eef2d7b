"""Dependency aliases that hand routes the long-lived objects built in the app's lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from simcoach.coaching.engine import CoachEngine
from simcoach.live.hub import Hub
from simcoach.settings import Settings
from simcoach.storage.store import Store
from simcoach.storage.writer import StorageWriter


def _hub(conn: HTTPConnection) -> Hub:
    hub: Hub = conn.app.state.hub
    return hub


def _settings(conn: HTTPConnection) -> Settings:
    settings: Settings = conn.app.state.settings
    return settings


def _coach(conn: HTTPConnection) -> CoachEngine:
    coach: CoachEngine = conn.app.state.coach
    return coach


def _store(conn: HTTPConnection) -> Store:
    store: Store = conn.app.state.store
    return store


def _writer(conn: HTTPConnection) -> StorageWriter:
    hub: Hub = conn.app.state.hub
    assert hub.writer is not None  # the app always gives the hub its writer
    return hub.writer


HubDep = Annotated[Hub, Depends(_hub)]
CoachDep = Annotated[CoachEngine, Depends(_coach)]
SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[Store, Depends(_store)]
WriterDep = Annotated[StorageWriter, Depends(_writer)]
