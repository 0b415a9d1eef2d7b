"""A session's post-session report: HTML for people, Markdown to keep or paste, JSON for scripts."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from simcoach.report.service import Reports
from simcoach.storage.records import ReportRow

router = APIRouter(prefix="/api", tags=["reports"])

Rebuild = Annotated[bool, Query(description="make it again from the store (and the model), replacing the kept one")]


async def _report(request: Request, session_id: str, rebuild: bool) -> ReportRow:
    reports: Reports = request.app.state.reports
    found = await reports.get(session_id, rebuild=rebuild)
    if found is None:
        raise HTTPException(404, f"no session {session_id!r}")
    return found


@router.get("/sessions/{session_id}/report", response_class=HTMLResponse)
async def report_html(request: Request, session_id: str, rebuild: Rebuild = False) -> HTMLResponse:
    """The report as a page, charts inline: made when first asked for (or at the session's end), then kept."""
    return HTMLResponse((await _report(request, session_id, rebuild)).html)


@router.get("/sessions/{session_id}/report.md", response_class=PlainTextResponse)
async def report_markdown(request: Request, session_id: str, rebuild: Rebuild = False) -> PlainTextResponse:
    """The same report in Markdown (charts as inline SVG)."""
    row = await _report(request, session_id, rebuild)
    return PlainTextResponse(row.markdown, media_type="text/markdown; charset=utf-8")


@router.get("/sessions/{session_id}/report.json")
async def report_json(request: Request, session_id: str, rebuild: Rebuild = False) -> dict[str, Any]:
    """Everything the report was made from: the evidence packet, the ranked moments, the model's checked answer."""
    document: dict[str, Any] = json.loads((await _report(request, session_id, rebuild)).document)
    return document
