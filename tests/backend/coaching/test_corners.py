"""Corners found in a lap and named from track files; a corner without a name is "Turn N"."""

from __future__ import annotations

from pathlib import Path

import pytest

from simcoach.coaching.corners import detect_corners
from simcoach.coaching.laps import LapTracker
from simcoach.coaching.trace import LapTrace
from simcoach.tracks.loader import TrackFileError, TrackLibrary, load_track_file
from simcoach_agent.games.demo import CORNERS
from tests.backend.coaching.demo import SPA_M, demo_run


@pytest.fixture(scope="module")
def lap_trace() -> LapTrace:
    frames = demo_run(laps=2)[0]
    tracker = LapTracker(SPA_M)
    traces = []
    for f in frames:
        update = tracker.update(f)
        if update is not None:
            traces += [lap.trace for lap in update.finished if lap.trace is not None]
    return traces[-1]


def test_the_demos_corners_are_found_and_named_from_the_spa_track_file(lap_trace):
    spa = TrackLibrary().find("Spa-Francorchamps", SPA_M)
    assert spa is not None
    corners = detect_corners(lap_trace, spa)
    assert [c.name for c in corners] == [c.name for c in CORNERS]
    assert [c.number for c in corners] == list(range(1, 14))
    for found, truth in zip(corners, CORNERS, strict=True):
        assert found.entry_m <= found.apex_m <= found.exit_m
        # Each corner found is where the demo's track has it (within the 25 m naming tolerance).
        assert truth.entry_m - 25 <= found.apex_m <= truth.exit_m + 25
        assert abs(found.entry_m - truth.entry_m) < 40
        assert found.direction in ("left", "right")
    la_source = corners[0]
    assert la_source.direction == "right"
    assert 240 <= la_source.apex_m <= 290  # the slowest point of the hairpin


def test_an_unknown_track_gets_turn_numbers_and_no_guessed_names(lap_trace):
    corners = detect_corners(lap_trace, None)
    assert [c.name for c in corners] == [f"Turn {n}" for n in range(1, len(corners) + 1)]
    assert not any(c.named for c in corners)
    # Chicanes are one corner (Les Combes, Fagnes, the Bus Stop), so there are about as many as Spa's names.
    assert 11 <= len(corners) <= 15
    assert any(c.entry_m < 6650 < c.exit_m and c.exit_m > 6720 for c in corners), "the Bus Stop is one corner"


def test_a_corner_the_track_file_does_not_name_is_turn_n(lap_trace, tmp_path):
    text = (Path(__file__).parents[3] / "backend/src/simcoach/tracks/spa.toml").read_text()
    # A user's file without Pouhon: the corner is still found, by its number.
    start = text.index('name = "Pouhon"')
    block_start = text.rindex("[[corners]]", 0, start)
    block_end = text.index("[[corners]]", start)
    (tmp_path / "spa.toml").write_text(text[:block_start] + text[block_end:])
    spa = TrackLibrary(tmp_path).find("Spa-Francorchamps", SPA_M)
    assert spa is not None and "Pouhon" not in [c.name for c in spa.corners]
    names = [c.name for c in detect_corners(lap_trace, spa)]
    assert "Pouhon" not in names
    assert names[7] == "Turn 8"
    assert names[6] == "Bruxelles" and names[8] == "Fagnes"


def test_track_files_are_found_by_name_or_alias_and_refused_for_another_layout():
    library = TrackLibrary()
    for name in ("Spa-Francorchamps", "spa", "SPA 2019", "Circuit de Spa-Francorchamps"):
        found = library.find(name, SPA_M)
        assert found is not None and found.name == "Spa-Francorchamps"
    assert library.find("Spa", None) is not None
    assert library.find("Spa", 4300.0) is None  # a different layout: its corners would be misnamed
    assert library.find("Monza", 5793.0) is None
    assert library.find(None) is None


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("name = 'X'\nlength_m = 'long'\n", "'length_m' must be a number"),
        ("length_m = 1000\n", "'name' must be a non-empty string"),
        ("name = 'X'\nsectors_m = [100.0, 500.0]\n", "the first must be 0"),
        ("name = 'X'\nsectors_m = [0.0, 500.0, 400.0]\n", "'sectors_m' must increase"),
        (
            "name = 'X'\n[[corners]]\nname = 'T1'\nentry_m = 100\napex_m = 50\nexit_m = 150\n",
            "needs entry_m <= apex_m <= exit_m",
        ),
        (
            "name = 'X'\nlength_m = 1000\n[[corners]]\nname = 'T1'\nentry_m = 900\napex_m = 950\nexit_m = 1100\n",
            "beyond the lap",
        ),
        ("name = 'X'\n[[corners]]\nname = 'T1'\napex_m = 50\nexit_m = 150\n", "missing 'entry_m'"),
        ("name = 'X\n", "not valid TOML"),
    ],
)
def test_a_bad_track_file_is_refused_naming_the_file_and_the_field(tmp_path, content, complaint):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(TrackFileError) as error:
        load_track_file(path)
    assert str(path) in str(error.value)
    assert complaint in str(error.value)
    with pytest.raises(TrackFileError):
        TrackLibrary(tmp_path)


def test_a_tracks_dir_that_is_not_a_folder_is_refused(tmp_path):
    with pytest.raises(TrackFileError, match="SIMCOACH_TRACKS_DIR"):
        TrackLibrary(tmp_path / "missing")
