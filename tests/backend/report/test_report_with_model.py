"""The report of a demo session with a model: the real openai client against a local chat-completions server
(real HTTP) that answers from a script. What the evidence holds is in the report; what it does not is dropped
and listed with the reason; a model that keeps failing is reported, and the report stands on the evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from simcoach.analysis.session import analyse_session
from simcoach.report.build import build_packet
from simcoach.report.document import Report, make_report, render
from simcoach.settings import ReportSettings
from simcoach.storage.store import Store
from simcoach.tracks.loader import TrackLibrary
from tests.backend.report.test_session_report import CHARTS, Page
from tests.report import chat_server as reply
from tests.report.chat_server import ChatServer

pytestmark = pytest.mark.integration

LATE = "corner:La Source:lap2"


def report_with(recorded: tuple[Path, str], server: ChatServer, retries: int = 2) -> Report:
    data, session_id = recorded
    settings = ReportSettings(  # type: ignore[call-arg]
        _env_file=None,
        api_key="sk-test-0123456789",
        base_url=server.url,
        model="coach-test",
        timeout_s=2.0,
        retries=retries,
    )
    store = Store(data / "simcoach.db").open()
    try:
        made = make_report(store, session_id, TrackLibrary(None), settings)
    finally:
        store.close()
    assert made is not None
    return made


def evidence(recorded: tuple[Path, str]) -> dict[str, float]:
    """The numbers the code measured for the late braking of lap 2, as the packet the model is shown has them."""
    data, session_id = recorded
    store = Store(data / "simcoach.db").open()
    try:
        analysis = analyse_session(store, session_id, TrackLibrary(None))
        assert analysis is not None
        item = build_packet(analysis).item(LATE)
    finally:
        store.close()
    assert item is not None
    return item.numbers


def observation(corner: str, text: str, cited: list[str]) -> dict[str, object]:
    return {
        "lap": 2,
        "corner": corner,
        "session_time_s": None,
        "what_happened": text,
        "what_to_try": "Brake at the reference's marker.",
        "evidence_ids": cited,
    }


def test_what_the_evidence_holds_is_reported_and_the_rest_dropped_with_the_reason(recorded):
    n = evidence(recorded)
    good = f"Braked {n['brake_later_m']:.0f} m later than the reference and lost {n['time_lost_s']:.2f} s."
    wrong_corner = "Braked late into the hairpin."
    made_up = "Lost 1.87 s here."
    answer = {
        "observations": [
            observation("La Source", good, [LATE]),
            observation("Eau Rouge", wrong_corner, [LATE]),
            observation("La Source", made_up, [LATE]),
        ],
        "priorities": ["Braking into La Source"],
        "uncertainty": [],
    }
    with ChatServer() as server:
        server.script(reply.answer(answer))
        report = report_with(recorded, server)
        assert len(server.requests) == 1
    assert report.model.outcome.status == "answered"
    assert [o.what_happened for o in report.model.observations] == [good]
    reasons = {d.observation.what_happened: " ".join(d.reasons) for d in report.model.dropped}
    assert "Eau Rouge" in reasons[wrong_corner]
    assert "1.87" in reasons[made_up]
    for fmt in ("html", "markdown"):
        text = render(report, fmt)
        assert good in text and "Braking into La Source" in text
        assert "Dropped, because the evidence does not hold them" in text
        assert wrong_corner in text and made_up in text
    page = Page(render(report, "html"))
    assert set(page.charts) == CHARTS and page.evidence == report.packet.ranked  # the code's moments stay


def test_a_model_that_times_out_is_rate_limited_and_answers_garbage_is_reported_and_the_report_still_made(recorded):
    with ChatServer() as server:
        server.script(reply.slow(10.0), reply.rate_limited("0"), reply.html())
        report = report_with(recorded, server, retries=2)
        assert len(server.requests) == 3  # retried, and no more than asked
    outcome = report.model.outcome
    assert outcome.status == "failed" and outcome.answer is None
    problems = [a.problem or "" for a in outcome.attempts]
    assert len(problems) == 3
    assert "within the timeout" in problems[0]
    assert "HTTP 429" in problems[1]
    assert "not a chat completion" in problems[2]
    html = render(report, "html")
    page_text = " ".join(Page(html).text)
    assert "gave no usable answer after 3 attempt(s)" in page_text
    for problem in problems:
        assert problem in page_text
    # The code's ranked moments are the report.
    assert report.moments and Page(html).evidence == report.packet.ranked
