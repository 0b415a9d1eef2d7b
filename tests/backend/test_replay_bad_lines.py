"""``simcoach replay`` on a real agent recording with bad lines put in on purpose: they are skipped, named, counted.

The recording is what ``simcoach-agent --game demo --stdout`` prints; the
bad lines are the kinds a file picks up in real life: malformed JSON, a line
cut off mid-write, a value out of the frame contract's bounds, a wrong type,
a frame with a channel missing, bytes that are not UTF-8. The replay must give
the same laps as the clean file and name what it skipped.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from simcoach.replay import SKIPPED_NAMED
from tests.conftest import BIN

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Three laps of the demo GT3 as the real agent prints them (the third never ends: no frame after it)."""
    path = tmp_path_factory.mktemp("rec") / "three.jsonl"
    args = ["--game", "demo", "--stdout", "--realtime", "off", "--laps", "3", "--seed", "11", "--rig", "r"]
    with path.open("wb") as out:
        subprocess.run([str(BIN / "simcoach-agent"), *args], stdout=out, check=True, timeout=120)
    lines = path.read_bytes().splitlines(keepends=True)
    assert json.loads(lines[0])["type"] == "session" and json.loads(lines[1])["type"] == "frame"
    return lines


def replay(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "simcoach"), "replay", str(path), "--laps-json", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def laps_of(stderr: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def notes_of(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("simcoach replay:")]


def with_value(line: bytes, **changes: object) -> bytes:
    frame = json.loads(line)
    frame.update(changes)
    return json.dumps(frame).encode() + b"\n"


def test_bad_lines_are_skipped_named_and_counted_and_the_session_goes_on(tmp_path, recording):
    clean_path = tmp_path / "clean.jsonl"
    clean_path.write_bytes(b"".join(recording))
    clean = replay(clean_path)
    assert clean.returncode == 0, clean.stderr
    clean_laps = laps_of(clean.stderr)
    assert len(clean_laps) == 2
    assert notes_of(clean.stderr)[-1].endswith("; 0 lines skipped")

    frame = recording[500]
    bad: dict[int, tuple[bytes, str]] = {
        # where it goes (index among the recording's lines) -> the line, a word its reason must contain
        300: (b'{"type": "frame", "rig": "r", "seq": \n', "not JSON"),
        1200: (frame[: len(frame) // 2] + b"\n", "truncated"),
        2400: (with_value(frame, g_lon=-41.0), "$.g_lon"),
        4000: (with_value(frame, speed_kmh="fast"), "$.speed_kmh"),
        6000: (with_value(frame, brake=1.7), "$.brake"),
        7000: (b"\xff\xfe not text at all\n", "not JSON"),
        8000: (b"[1, 2, 3]\n", "Expected `object`"),
        9000: (json.dumps({k: v for k, v in json.loads(frame).items() if k != "rpm"}).encode() + b"\n", "rpm"),
    }
    lines: list[bytes] = []
    bad_numbers: list[int] = []
    for i, line in enumerate(recording):
        if i in bad:
            lines.append(bad[i][0])  # put in before the good line: every real frame stays
            bad_numbers.append(len(lines))
        lines.append(line)
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"".join(lines))

    result = replay(path)

    assert result.returncode == 0, result.stderr
    # The laps are the same as without the bad lines: nothing real was lost.
    laps = laps_of(result.stderr)
    assert [(lap["lap"], lap["time_s"], lap["complete"]) for lap in laps] == [
        (lap["lap"], lap["time_s"], lap["complete"]) for lap in clean_laps
    ]
    assert result.stdout == clean.stdout  # and the same events
    notes = notes_of(result.stderr)
    named = [n for n in notes if " skipped: " in n]
    assert len(named) == SKIPPED_NAMED  # the first few, not all eight
    for note, number, (_, word) in zip(named, bad_numbers, bad.values(), strict=False):
        assert f"line {number} skipped: " in note and word in note, note
    summary = notes[-1]
    assert f"{len(lines)} lines: {len(recording) - 1} frames" in summary, summary
    assert f"{len(bad)} lines skipped" in summary, summary
    assert f"and {len(bad) - SKIPPED_NAMED} more" in summary, summary


def test_a_frame_out_of_the_contract_in_place_of_a_real_one_costs_that_frame_only(tmp_path, recording):
    # What the demo's seed-11 run printed: one frame with g_lon of -41 g in the middle of a lap.
    lines = list(recording)
    lines[3000] = with_value(lines[3000], g_lon=-41.0)
    path = tmp_path / "one.jsonl"
    path.write_bytes(b"".join(lines))
    result = replay(path)
    assert result.returncode == 0, result.stderr
    laps = laps_of(result.stderr)
    assert [lap["lap"] for lap in laps] == [1, 2] and all(lap["complete"] for lap in laps)
    assert "line 3001 skipped: not a valid session or frame message: Expected `float` >= -20.0 - at `$.g_lon`" in (
        result.stderr
    )
    assert "1 lines skipped (line 3001)" in notes_of(result.stderr)[-1]


def test_nothing_readable_is_an_error(tmp_path, recording):
    junk = tmp_path / "junk.jsonl"
    junk.write_bytes(b"not json\n" + recording[1][:40] + b"\n" + b'{"type": "frame"}\n')
    result = replay(junk)
    assert result.returncode == 2
    assert "3 lines skipped" in result.stderr and "no readable frame" in result.stderr
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert replay(empty).returncode == 2
    missing = replay(tmp_path / "missing.jsonl")
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_a_deceleration_spike_is_neither_a_peak_nor_a_best_through_the_whole_replay(tmp_path, recording):
    # Seed 11's real failure: two samples of -11.9 g in one stop became a "best" of 4.66 g, and a later
    # ordinary stop at the same place was told it "peaked at 1.77 g, your best there is 4.66 g".
    lines = list(recording)
    frames = [json.loads(line) for line in lines]
    stop = next(
        i
        for i, f in enumerate(frames)
        if f["type"] == "frame" and f["lap"] == 1 and f["lap_dist_m"] > 1800.0 and (f["brake"] or 0.0) >= 0.5
    )
    for i in (stop + 20, stop + 21):
        lines[i] = with_value(lines[i], g_lon=-11.9)  # inside the contract's bounds: only coaching can refuse it
    spiky = tmp_path / "spiky.jsonl"
    spiky.write_bytes(b"".join(lines))
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(b"".join(recording))
    with_spike, without = replay(spiky), replay(clean)
    assert with_spike.returncode == 0 and without.returncode == 0, with_spike.stderr
    events = [json.loads(line) for line in with_spike.stdout.splitlines()]
    assert not [e for e in events if e["kind"] == "braking_g_low"], [e["message"] for e in events]
    assert with_spike.stdout == without.stdout  # the spike changed nothing the coach said
