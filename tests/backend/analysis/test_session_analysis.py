"""A stored demo session studied afterwards: corners of every lap against one reference, theoretical best,
consistency, and the analysis as the sessions page reads it over HTTP."""

from __future__ import annotations

import statistics
from pathlib import Path

import httpx
import pytest

from simcoach.analysis.session import AnalysisError, SessionAnalysis, analyse_session
from simcoach.demo_session import record_to_file
from simcoach.storage.store import Store
from simcoach.tracks.loader import TrackLibrary
from tests.conftest import start_backend

# Lap 2 brakes late for La Source; lap 4 coasts into Pouhon. Seed 3 drives lap 1 slowest (tyres coming in).
MISTAKES = "late_brake@La Source:2,coasting@Pouhon:4"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    data = tmp_path_factory.mktemp("data")
    session_id = record_to_file(data / "simcoach.db", 4, seed=3, mistakes=MISTAKES)
    return data, session_id


@pytest.fixture
def analysis(recorded: tuple[Path, str]) -> SessionAnalysis:
    data, session_id = recorded
    store = Store(data / "simcoach.db").open()
    try:
        found = analyse_session(store, session_id, TrackLibrary(None))
    finally:
        store.close()
    assert found is not None
    return found


def corner(analysis: SessionAnalysis, name: str):
    return next(c for c in analysis.corners if c.name == name)


def lost(analysis: SessionAnalysis, name: str, lap: int) -> float:
    return next(c.time_lost_s for c in corner(analysis, name).laps if c.lap == lap)


def test_the_corner_of_a_mistake_shows_the_time_it_cost_on_that_lap(analysis):
    la_source = corner(analysis, "La Source")
    assert analysis.reference is not None and la_source.reference is not None
    late = next(c for c in la_source.laps if c.lap == 2)
    assert late.metrics.brake_m is not None and la_source.reference.brake_m is not None
    assert late.metrics.brake_m - la_source.reference.brake_m > 10  # braked later than the reference
    assert lost(analysis, "La Source", 2) > 0.15
    others = [lost(analysis, "La Source", lap) for lap in (1, 3, 4) if lap != analysis.reference.lap]
    assert lost(analysis, "La Source", 2) > max(others) + 0.1
    # Judged by the live coach's own rules against this reference: a late braking point.
    assert late.finding is not None and late.finding.kind == "late_brake"
    # Coasting into Pouhon on lap 4 costs more there than the clean laps lose.
    assert lost(analysis, "Pouhon", 4) > max(lost(analysis, "Pouhon", lap) for lap in (2, 3)) + 0.03


def test_a_laps_corners_add_up_to_its_whole_delta_to_the_reference(analysis):
    assert analysis.reference is not None
    for lap in analysis.laps:
        if lap.trace is None:
            continue
        per_corner = [c.time_lost_s for table in analysis.corners for c in table.laps if c.lap_id == lap.id]
        assert len(per_corner) == len(analysis.corners)
        assert sum(per_corner) == pytest.approx(lap.time_s - analysis.reference.time_s, abs=0.01)


def test_theoretical_best_is_the_best_sectors_and_consistency_the_spread_of_clean_laps(analysis):
    clean = [lap for lap in analysis.laps if lap.clean]
    assert len(clean) >= 3
    sectors = analysis.best_sectors()
    assert sectors is not None and len(sectors) == 3
    assert sectors == [min(lap.sectors[i] for lap in clean) for i in range(3)]
    theoretical = analysis.theoretical_best_s()
    assert theoretical is not None and theoretical <= min(lap.time_s for lap in clean)
    consistency = analysis.consistency()
    times = [lap.time_s for lap in clean]
    assert consistency is not None and consistency.laps == len(clean)
    assert consistency.spread_s == pytest.approx(max(times) - min(times))
    assert consistency.stdev_s == pytest.approx(statistics.stdev(times))


def test_any_lap_can_be_the_reference_and_loses_nothing_to_itself(recorded):
    data, session_id = recorded
    store = Store(data / "simcoach.db").open()
    try:
        lap_ids = [lap["id"] for lap in store.laps(session_id)]
        found = analyse_session(store, session_id, TrackLibrary(None), reference_lap=lap_ids[0])
        assert found is not None and found.reference is not None and found.reference.source == "chosen"
        assert all(c.time_lost_s == 0 for table in found.corners for c in table.laps if c.lap_id == lap_ids[0])
        with pytest.raises(AnalysisError, match="no lap 99999"):
            analyse_session(store, session_id, TrackLibrary(None), reference_lap=99999)
        assert analyse_session(store, "no-such-session", TrackLibrary(None)) is None
    finally:
        store.close()


def test_the_sessions_page_reads_the_analysis_over_http(recorded, tmp_path):
    data, session_id = recorded
    server = start_backend(tmp_path, env={"SIMCOACH_DATA_DIR": str(data)})
    try:
        answer = httpx.get(f"{server.http}/api/sessions/{session_id}/analysis", timeout=30)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["session"]["id"] == session_id and len(body["laps"]) == 4
        best = min((lap for lap in body["laps"] if lap["clean"]), key=lambda lap: lap["time_s"])
        assert body["best_lap_id"] == best["id"] and best["is_session_best"] and best["delta_to_best_s"] == 0
        assert sum(lap["is_reference"] for lap in body["laps"]) <= 1
        la_source = next(c for c in body["corners"] if c["name"] == "La Source")
        assert max(la_source["laps"], key=lambda c: c["time_lost_s"])["lap"] == 2
        assert la_source["spread"]["time_lost_s"] > 0
        # The coach's advice of the session, as its dashboard got it: the late braking at La Source on lap 2.
        assert any(e["kind"] == "late_brake" and e["corner"] == "La Source" for e in body["events"])
        missing = httpx.get(f"{server.http}/api/sessions/nope/analysis", timeout=10)
        assert missing.status_code == 404 and "no session 'nope'" in missing.text
        bad = httpx.get(f"{server.http}/api/sessions/{session_id}/analysis", params={"reference": 99999}, timeout=10)
        assert bad.status_code == 422 and "no lap 99999" in bad.text
        wrong = httpx.get(f"{server.http}/api/sessions/{session_id}/analysis", params={"reference": "x"}, timeout=10)
        assert wrong.status_code == 422
    finally:
        server.stop()
