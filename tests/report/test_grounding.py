"""The grounding check: numbers read out of a coach's words, and observations kept or dropped by their evidence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simcoach.report.answer import Answer, Observation
from simcoach.report.grounding import check, check_notes, is_held, lap_mentions, stated_numbers
from tests.report.packets import POUHON, good_answer, observation, spa_packet


def numbers(text: str, names: tuple[str, ...] = ()) -> list[tuple[float, int, str | None]]:
    return [(n.value, n.decimals, n.unit) for n in stated_numbers(text, names)]


# --- reading numbers ---------------------------------------------------------------------------------


def test_decimals_units_and_signs_are_read_as_written():
    assert numbers("lost 0.4 s, then -0.35s, +2 seconds") == [(0.4, 1, "s"), (-0.35, 2, "s"), (2.0, 0, "seconds")]
    assert numbers("braking at 120m instead of 108 m, 85 km/h") == [(120.0, 0, "m"), (108.0, 0, "m"), (85.0, 0, "km/h")]
    assert numbers("0.40 s slower over 1,200 m") == [(0.4, 2, "s"), (1200.0, 0, "m")]


def test_lap_and_session_times_are_read_as_seconds():
    assert numbers("a 1:58.312 lap") == [(118.312, 3, "s")]
    assert numbers("best 2:18.4, first 2:21") == [(138.4, 1, "s"), (141.0, 0, "s")]
    assert numbers("at 1:02:03 into the session") == [(3723.0, 0, "s")]


def test_names_ordinals_and_lap_references_are_no_measurements():
    packet_names = ("Turn 10", "Porsche 911 GT3 R", "corner:Turn 10:lap3")
    text = "At Turn 10 on lap 3 (corner:Turn 10:lap3) in the Porsche 911 GT3 R, in 3rd gear through T3 and S2"
    assert numbers(text, packet_names) == []
    assert numbers("through turn 4 and corner 7, sector 2") == []


def test_laps_are_found_alone_in_lists_and_ranges():
    assert lap_mentions("on lap 3, unlike laps 2, 4 and 5; laps 6-8") == [3, 2, 4, 5, 6, 8]
    # The number after "and" is a distance here, not another lap.
    assert lap_mentions("on lap 4 and 5 m later") == [4]
    assert numbers("on lap 4 and 5 m later") == [(5.0, 0, "m")]


def test_a_stated_number_is_held_within_the_rounding_it_shows():
    (tenths,) = stated_numbers("0.4 s")
    assert is_held(tenths, [0.42]) and is_held(tenths, [-0.38])
    assert not is_held(tenths, [0.46])
    (hundredths,) = stated_numbers("0.40 s")
    assert is_held(hundredths, [0.404]) and not is_held(hundredths, [0.42])
    (metres,) = stated_numbers("120 m")
    assert is_held(metres, [119.6]) and not is_held(metres, [121.0])


def test_milliseconds_and_percentages_are_held_by_seconds_and_fractions():
    (millis,) = stated_numbers("400 ms")
    assert is_held(millis, [0.4]) and is_held(millis, [400.0]) and not is_held(millis, [0.41])
    (percent,) = stated_numbers("90 %")
    assert is_held(percent, [0.9]) and is_held(percent, [90.0]) and not is_held(percent, [0.8])


@given(
    value=st.floats(min_value=-10_000, max_value=10_000, allow_nan=False),
    decimals=st.integers(min_value=0, max_value=3),
    unit=st.sampled_from(["s", "m", "km/h", ""]),
)
def test_any_number_written_from_a_value_is_read_back_and_held_by_it(value, decimals, unit):
    text = f"about {value:.{decimals}f} {unit} here"
    (number,) = stated_numbers(text)
    assert number.decimals == decimals
    assert is_held(number, [value])


@given(st.text(max_size=300))
def test_any_text_reads_without_error(text):
    for number in stated_numbers(text, ("Turn 1", "lap:3")):
        assert number.decimals >= 0
    assert all(lap >= 0 for lap in lap_mentions(text))


# --- keeping and dropping observations -------------------------------------------------------------------


def reasons(**fields: object) -> list[str]:
    answer = Answer(observations=[Observation.model_validate(observation(**fields))], priorities=[], uncertainty=[])
    kept, dropped = check(answer, spa_packet())
    assert len(kept) + len(dropped) == 1
    return dropped[0].reasons if dropped else []


def test_an_answer_resting_on_its_evidence_is_kept_whole():
    answer = Answer.model_validate(good_answer())
    kept, dropped = check(answer, spa_packet())
    assert kept == list(answer.observations)
    assert dropped == []


def test_an_observation_citing_nothing_is_dropped():
    assert reasons(evidence_ids=[]) == ["cites no evidence"]


def test_an_observation_saying_nothing_is_dropped():
    assert reasons(what_happened=" ") == ["says nothing of what happened"]


def test_an_observation_citing_an_unknown_id_is_dropped():
    found = reasons(evidence_ids=["corner:La Source:lap2", "corner:Eau Rouge:lap2"])
    assert found == ["cites 'corner:Eau Rouge:lap2', which is not in the evidence"]
    assert reasons(evidence_ids=["corner:Eau Rouge:lap2"]) == [
        "cites 'corner:Eau Rouge:lap2', which is not in the evidence"
    ]


def test_a_lap_or_corner_its_evidence_is_not_about_is_dropped():
    assert reasons(lap=3) == ["names lap 3, but its evidence (corner:La Source:lap2) is about lap 2"]
    assert reasons(corner="Eau Rouge") == [
        "names corner 'Eau Rouge', but its evidence (corner:La Source:lap2) is about La Source"
    ]
    # The corner's name without regard to case or spaces around it is the same corner.
    assert reasons(corner=" la source") == []


def test_a_session_time_far_from_its_evidence_is_dropped():
    assert reasons(session_time_s=163.9) == []
    assert reasons(session_time_s=200.0) == [
        "gives session time 200 s, which none of its evidence (corner:La Source:lap2) holds"
    ]


def test_a_number_its_evidence_does_not_hold_is_dropped_naming_what_it_holds():
    found = reasons(what_happened="You lost 0.8 s on the brakes.")
    assert found == [
        "states '0.8 s', which its evidence does not hold (corner:La Source:lap2 holds time_lost_s 0.42, brake_m 112, "
        "ref_brake_m 100, brake_later_m 12, min_speed_kmh 78.5, ref_min_speed_kmh 84.1)"
    ]
    # 0.8 s is in the packet, but under Pouhon: an observation is held by what it cites, not by the whole packet.
    assert "corner:Pouhon:lap3" in {item.id for item in spa_packet().items if 0.8 in item.numbers.values()}


def test_a_lap_time_in_the_text_is_held_by_its_lap():
    kept = reasons(
        lap=4,
        corner=None,
        session_time_s=None,
        what_happened="Your best lap, a 2:18.3, came last.",
        what_to_try="Drive lap 2's La Source like lap 4.",
        evidence_ids=["lap:4"],
    )
    assert kept == []
    assert reasons(
        lap=None,
        corner=None,
        session_time_s=None,
        what_happened="A 2:17.9 lap.",
        what_to_try="The same again.",
        evidence_ids=["lap:4"],
    ) == ["states '2:17.9', which its evidence does not hold (lap:4 holds lap_time_s 138.311, gap_to_best_s 0)"]


def test_a_lap_the_session_does_not_have_is_dropped():
    assert reasons(what_to_try="Compare with lap 9.") == ["mentions lap 9, which the session does not have"]


def test_only_the_observations_that_fail_are_dropped():
    bad = observation(corner="Eau Rouge")
    answer = Answer.model_validate({**good_answer(), "observations": [bad, POUHON]})
    kept, dropped = check(answer, spa_packet())
    assert [o.corner for o in kept] == ["Pouhon"]
    assert [d.observation.corner for d in dropped] == ["Eau Rouge"]


@pytest.mark.parametrize(
    ("note", "reason"),
    [
        ("Brake 12 m later into La Source", None),
        ("Find 0.9 s at Pouhon", "states '0.9 s', which no evidence holds"),
        ("Repeat lap 6", "mentions lap 6, which the session does not have"),
        ("", "is empty"),
    ],
)
def test_priorities_state_only_numbers_the_packet_holds(note, reason):
    kept, dropped = check_notes("priorities", [note], spa_packet())
    assert kept == ([note] if reason is None else [])
    assert [d.reason for d in dropped] == ([] if reason is None else [reason])
