"""``simcoach replay`` on files the real agent recorded: the demo driver's mistakes come out, clean laps stay quiet."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.backend.coaching.demo import demo_run
from tests.backend.coaching.test_feedback import MISTAKES
from tests.conftest import BIN

pytestmark = pytest.mark.integration


def record(path: Path, laps: int, seed: int = 1, mistakes: str = "") -> Path:
    """What ``simcoach-agent --stdout`` prints for the demo: a session line, then frames."""
    args = ["--game", "demo", "--stdout", "--realtime", "off", "--laps", str(laps), "--seed", str(seed), "--rig", "r"]
    if mistakes:
        args += ["--demo-mistakes", mistakes]
    with path.open("wb") as out:
        subprocess.run([str(BIN / "simcoach-agent"), *args], stdout=out, check=True, timeout=120)
    return path


def replay(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "simcoach"), "replay", *args], check=False, capture_output=True, text=True, timeout=120
    )


def test_replay_reports_each_injected_mistake_with_its_kind_and_corner(tmp_path):
    # Mistakes on laps 3-6; lap 7 is where the last advice is said; lap 8 is not finished.
    path = record(tmp_path / "mistakes.jsonl", laps=8, mistakes=MISTAKES)
    result = replay(str(path), "--laps-json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events and all(e["type"] == "event" for e in events)
    _, truth, _, _ = demo_run(mistakes=MISTAKES, laps=7)  # the same car, seed and steps, in-process
    assert len(truth) == 7
    for mistake in truth:
        said = [
            e
            for e in events
            if e["kind"] == mistake.kind
            and e["corner"] == mistake.corner
            and e["evidence"].get("analysed_lap") == mistake.lap
        ]
        assert len(said) == 1, (
            f"{mistake.kind} at {mistake.corner} on lap {mistake.lap}: {[e['message'] for e in events]}"
        )
    # The rules run too (tyres, brakes, fuel...): beyond the seven mistakes they add little.
    assert len(events) <= len(truth) + 2, [e["message"] for e in events]
    laps = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [lap["lap"] for lap in laps] == [1, 2, 3, 4, 5, 6, 7]
    assert result.stderr.splitlines()[-1].endswith("; 0 lines skipped")  # the summary
    assert all(lap["type"] == "lap" and lap["complete"] for lap in laps)
    assert {c["corner"] for c in laps[2]["corners"]} >= {"La Source", "Pouhon", "Bus Stop"}


def test_replay_of_clean_laps_says_at_most_one_thing_a_lap(tmp_path):
    path = record(tmp_path / "clean.jsonl", laps=10, seed=2)
    result = replay(str(path))
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(events) <= 9, [e["message"] for e in events]  # nine laps finished, all events counted


def test_replay_with_a_store_keeps_the_reference_for_the_next_session(tmp_path):
    path = record(tmp_path / "two.jsonl", laps=2, seed=3)
    db = tmp_path / "coach.db"
    first = replay(str(path), "--store", str(db), "--laps-json")
    second = replay(str(path), "--store", str(db), "--laps-json")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    first_lap = json.loads(first.stderr.splitlines()[0])
    second_lap = json.loads(second.stderr.splitlines()[0])
    assert first_lap["delta_to_reference_s"] is None  # nothing to compare with yet
    assert second_lap["delta_to_reference_s"] == pytest.approx(0.0, abs=1e-3)  # the same lap, stored last time
    assert second_lap["id"] != first_lap["id"]


def test_replay_names_a_line_that_is_not_a_message_and_goes_on(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = record(tmp_path / "one.jsonl", laps=1).read_text().splitlines()[:3]
    path.write_text("\n".join([*good[:2], '{"type": "frame", "rig": "r"}', good[2]]) + "\n")
    result = replay(str(path))
    assert result.returncode == 0, result.stderr
    assert "line 3 skipped: not a valid session or frame message: Object missing required field" in result.stderr
    assert "4 lines: 2 frames, 1 session messages" in result.stderr and "1 lines skipped (line 3)" in result.stderr
    missing = replay(str(tmp_path / "missing.jsonl"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
