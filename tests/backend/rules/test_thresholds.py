"""The car-class threshold table: contents, sources, class matching, bad files, and the HTTP view of it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from simcoach.coaching.rules import default_rules
from simcoach.coaching.thresholds import (
    TABLE_PATH,
    ThresholdError,
    class_for_session,
    load_table,
    match_class,
    table,
    thresholds_for,
)
from simcoach.routes.thresholds import router
from simcoach_agent.telemetry import SessionInfo


def test_every_window_and_param_has_a_unit_and_a_source() -> None:
    for th in table().values():
        windows = [*th.tyre_temp_c.values(), *th.tyre_pressure_psi.values()]
        if th.brake_temp_c:
            windows.append(th.brake_temp_c)
        for w in windows:
            assert w.unit in ("°C", "psi") and len(w.source) > 20
        for name, p in th.params.items():
            assert p.unit and len(p.source) > 20, name


def test_gt3_inherits_every_param_of_the_default() -> None:
    gt3, default = table()["GT3"], table()["default"]
    assert set(gt3.params) == set(default.params)
    assert gt3.tyre_temp("dry") != default.tyre_temp("dry")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("GT3", "GT3"),
        ("gt3", "GT3"),
        ("GT3_Gen2", "GT3"),
        ("GT3 Gen2 2024", "GT3"),
        ("LMGT3", "GT3"),
        ("Pro-Am GT3", None),
        ("class 1717", None),
        ("", None),
        (None, None),
    ],
)
def test_class_names_from_games_match_the_table(name: str | None, expected: str | None) -> None:
    assert match_class(name) == expected


def test_an_unknown_class_falls_back_to_the_default_and_says_so() -> None:
    th, matched = thresholds_for("Formula Ultimate")
    assert (th.car_class, matched) == ("default", False)
    assert thresholds_for("GT3")[1] is True


def test_acc_sessions_use_gt3() -> None:
    assert class_for_session(SessionInfo(game="acc")) == "GT3"
    assert class_for_session(SessionInfo(game="rf2", car_class="Hypercar")) == "Hypercar"
    assert class_for_session(SessionInfo(game="ams2")) is None
    assert class_for_session(None) is None


def test_default_rules_cover_every_kind_once() -> None:
    kinds = [k for rule in default_rules("GT3") for k in rule.kinds]
    assert len(kinds) == len(set(kinds))
    assert set(kinds) >= {
        "tyre_temp_hot",
        "tyre_pressure_low",
        "brake_temp_critical",
        "brake_fade",
        "fuel_tight",
        "throttle_brake_overlap",
        "coasting",
        "abrupt_steering",
        "wheelspin",
        "lockup",
        "over_rev",
        "early_shift",
        "braking_g_low",
    }
    assert len(default_rules(None)) == len(default_rules("GT3"))


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = TABLE_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "thresholds.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("optimal = [70.0, 90.0]", "optimal = [90.0, 70.0]", "tyre_temp_c.dry: optimal [90.0, 70.0] must rise"),
        ("hot_above = 90.0", "hot_above = 85.0", "[classes.GT3].tyre_temp_c.dry: hot_above 85.0 is inside"),
        ("margin = 0.2", "margin = -1.0", "[classes.GT3].tyre_pressure_psi.dry: margin must be >= 0"),
        ('inherits = "default"', 'inherits = "GT2"', "class 'GT3' inherits unknown class 'GT2'"),
        ("[classes.GT3.tyre_pressure_psi.wet]", "[classes.GT3.tyre_pressure_psi.inter]", "compound(s) ['inter']"),
        ("overlap_min_s = { value = 0.25,", "overlap_min_s = { value = 'x',", "overlap_min_s: value must be a number"),
        (
            '[classes.GT3.tyre_pressure_psi.dry]\nunit = "psi"',
            '[classes.GT3.tyre_pressure_psi.dry]\nunit = ""',
            "[classes.GT3].tyre_pressure_psi.dry: unit must be a non-empty string",
        ),
    ],
)
def test_a_malformed_table_is_refused_naming_the_entry(tmp_path: Path, old: str, new: str, says: str) -> None:
    with pytest.raises(ThresholdError) as err:
        load_table(broken(tmp_path, old, new))
    assert says in str(err.value)


def test_a_missing_or_unparsable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ThresholdError, match=r"thresholds\.toml"):
        load_table(tmp_path / "thresholds.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[classes.GT3\n", encoding="utf-8")
    with pytest.raises(ThresholdError, match=r"bad\.toml"):
        load_table(bad)
    bad.write_text("[classes.GT3]\nlabel = 'x'\n", encoding="utf-8")
    with pytest.raises(ThresholdError, match=r"needs a \[classes.default\] table"):
        load_table(bad)


def get(path: str) -> httpx.Response:
    app = FastAPI()
    app.include_router(router)

    async def call() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://simcoach") as client:
            return await client.get(path)

    return asyncio.run(call())


def test_api_serves_the_gt3_table_with_units_and_sources() -> None:
    response = get("/api/thresholds?car_class=GT3")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert (body["car_class"], body["fallback"], body["note"]) == ("GT3", False, None)
    tyre = body["windows"]["tyre_temp_c"]["dry"]
    edges = (tyre["cold_below"], tyre["optimal"], tyre["hot_above"], tyre["critical_above"])
    assert edges == (70.0, [70.0, 90.0], 90.0, 100.0)
    assert tyre["unit"] == "°C" and "ACC" in tyre["source"]
    assert body["windows"]["tyre_pressure_psi"]["wet"]["optimal"] == [29.5, 30.5]
    assert body["windows"]["brake_temp_c"]["critical_above"] == 900.0
    assert body["params"]["overlap_min_s"] == {
        "value": 0.25,
        "unit": "s",
        "source": table()["GT3"].params["overlap_min_s"].source,
    }
    assert body["classes"][0] == "default"


def test_api_falls_back_to_the_default_and_says_so() -> None:
    body = get("/api/thresholds?car_class=F-Ultimate").json()
    assert (body["car_class"], body["fallback"], body["requested_class"]) == ("default", True, "F-Ultimate")
    assert body["note"] == "no thresholds for car class 'F-Ultimate': the default table is used"
    assert body["windows"]["tyre_pressure_psi"] is None
    assert get("/api/thresholds").json()["fallback"] is True
    assert get("/api/thresholds?car_class=" + "x" * 101).status_code == 422
