"""Service status and the list of rigs."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request

from simcoach import __version__
from simcoach.deps import CoachDep, HubDep

router = APIRouter(prefix="/api", tags=["status"])


@router.get("/status")
def status(hub: HubDep, coach: CoachDep, request: Request) -> dict[str, Any]:
    """Version, uptime, connected rigs with their frame rates, dashboards, storage and coaching state."""
    return {
        "version": __version__,
        "uptime_s": round(time.time() - hub.started, 1),
        "rigs": [r for r in hub.rig_list() if r["connected"]],
        "dashboards": {"connected": len(hub.subscribers), "clients": hub.dashboard_list()},
        "storage": {
            **(hub.writer.describe() if hub.writer is not None else {"backend": "none"}),
            "frames_kept": hub.store_frames,
            "retention": request.app.state.retention.describe() if request.app.state.retention else None,
        },
        "sessions": hub.sessions.describe(),
        "coaching": coach.describe(),
        "reports": request.app.state.reports.describe(),
        "export": exporter.describe() if (exporter := request.app.state.exporter) else request.app.state.export_status,
    }


@router.get("/rigs")
def rigs(hub: HubDep) -> list[dict[str, Any]]:
    """Every rig seen since start, connected or not."""
    return hub.rig_list()
