"""A session's post-session report: made from the store, rendered as Markdown and HTML, kept in the store.

The order of work is the point: the session is measured and its moments
ranked (``report/build.py``) before any model is asked; the model, when there
is one, only explains that evidence, and what it says is kept only where the
evidence holds it (``report/checked.py``). Without a model the ranked moments
in plain words are the report.
"""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import openai
from pydantic import BaseModel, ConfigDict

from simcoach.analysis.condition import LapCondition, session_conditions
from simcoach.analysis.session import SessionAnalysis, analyse_session
from simcoach.report import charts
from simcoach.report.build import build_packet
from simcoach.report.checked import CheckedAnswer, ask
from simcoach.report.evidence import EvidencePacket
from simcoach.report.plain import Moment, moments, priorities
from simcoach.settings import ReportSettings
from simcoach.storage.records import ReportRow
from simcoach.storage.store import Store
from simcoach.tracks.loader import TrackLibrary

TEMPLATES = Path(__file__).with_name("templates")


class Report(BaseModel):
    """Everything a report shows, as made (stored with it as JSON)."""

    model_config = ConfigDict(frozen=True)

    session_id: str
    created: float
    title: str
    reference: str | None  # which lap the session was measured against, in words
    packet: EvidencePacket
    moments: list[Moment]
    priorities: list[str]
    model: CheckedAnswer
    laps: list[dict[str, Any]]
    corners: list[dict[str, Any]]
    conditions: list[dict[str, Any]]
    charts: dict[str, str]
    seconds: float  # to make it, model included


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    m, s = divmod(seconds, 60.0)
    return f"{int(m)}:{s:06.3f}"


def _session_clock(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _charts(analysis: SessionAnalysis) -> dict[str, str]:
    laps = [(lap.lap, lap.time_s, lap.clean) for lap in analysis.laps if lap.lap is not None and lap.complete]
    best = analysis.best
    out = {"lap_times": charts.lap_times(laps, best.lap if best is not None else None)}
    ref = analysis.ref
    if best is not None and best.trace is not None and ref is not None:
        out["speed_trace"] = charts.speed_trace(best.trace, ref.trace)
        out["delta_trace"] = charts.delta_trace(best.trace, ref.trace)
    losses = [(c.name, sum(c.values("time_lost_s"))) for c in analysis.corners]
    out["corner_losses"] = charts.corner_losses(losses)
    return out


def _reference_words(analysis: SessionAnalysis) -> str | None:
    ref = analysis.reference
    if ref is None:
        return None
    whose = {
        "reference": "the car and track's reference lap",
        "session_best": "the session's best lap",
        "chosen": "the chosen lap",
    }[ref.source]
    here = "this session" if ref.session_id == analysis.session.id else f"session {ref.session_id}"
    return f"{whose}: lap {ref.lap} of {here}, {_clock(ref.time_s)}"


def make_report(
    store: Store,
    session_id: str,
    tracks: TrackLibrary,
    settings: ReportSettings,
    *,
    client: openai.OpenAI | None = None,
    conditions: list[LapCondition] | None = None,
) -> Report | None:
    """The report of a stored session (None when there is no such session). Blocking: run it in a thread.

    The model is asked only when ``settings`` name one; whatever it does, a report is made.
    """
    started = time.perf_counter()
    analysis = analyse_session(store, session_id, tracks)
    if analysis is None:
        return None
    if conditions is None:
        conditions = session_conditions(store, analysis.session)
    packet = build_packet(analysis, conditions)
    model = ask(packet, settings, client=client)
    row = analysis.session
    title = f"{row.key.track or 'Unknown track'} · {row.key.car or 'unknown car'} · {row.key.driver or row.rig}"
    data = analysis.to_json()
    return Report(
        session_id=session_id,
        created=time.time(),
        title=title,
        reference=_reference_words(analysis),
        packet=packet,
        moments=moments(packet),
        priorities=priorities(packet),
        model=model,
        laps=data["laps"],
        corners=data["corners"],
        conditions=[c.to_json() for c in conditions],
        charts=_charts(analysis),
        seconds=time.perf_counter() - started,
    )


@cache
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["clock"] = _clock
    env.filters["session_clock"] = _session_clock
    return env


def render(report: Report, fmt: str) -> str:
    """The report as ``markdown`` or ``html``."""
    template = {"markdown": "report.md.j2", "html": "report.html.j2"}[fmt]
    return (
        _env()
        .get_template(template)
        .render(r=report, created=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(report.created)))
    )


def stored(report: Report) -> ReportRow:
    """The report as the store keeps it, rendered once."""
    return ReportRow(
        session_id=report.session_id,
        created=report.created,
        model_status=report.model.outcome.status,
        markdown=render(report, "markdown"),
        html=render(report, "html"),
        document=report.model_dump_json(),
    )
