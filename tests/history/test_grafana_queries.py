"""A demo session written into a real influxd with simcoach's encoder: counts and values as written,
and every query of every provisioned panel and variable, substituted as Grafana does, returns data."""

from __future__ import annotations

import math

import pytest

from tests.history.demo_session import DemoSession
from tests.history.grafana import DASHBOARDS, Context, dashboards, datasource, panels, resolve
from tests.influx import InfluxServer

pytestmark = pytest.mark.integration

S = "\"session\" = '{}'"


def _one(influx: InfluxServer, q: str) -> list[object]:
    series = influx.series(q)
    assert len(series) == 1, f"{q}: {series}"
    row: list[object] = series[0]["values"][0]
    return row


def test_every_frame_is_one_point_with_its_values(influx: InfluxServer, written: DemoSession) -> None:
    where = S.format(written.tags.session)
    row = _one(influx, f'SELECT count("seq"), min("seq"), max("seq"), sum("speed_kmh") FROM "telemetry" WHERE {where}')
    frames = written.frames
    assert row[1] == len(frames)
    assert row[2] == frames[0].seq and row[3] == frames[-1].seq
    assert math.isclose(float(str(row[4])), sum(f.speed_kmh or 0.0 for f in frames), rel_tol=1e-12)

    # One frame in full: every channel as written, four-wheel channels per wheel, booleans as booleans.
    f = frames[len(frames) // 2]
    series = influx.series(f'SELECT * FROM "telemetry" WHERE {where} AND "seq" = {f.seq}')
    columns, values = series[0]["columns"], series[0]["values"]
    assert len(values) == 1
    got = dict(zip(columns, values[0], strict=True))
    assert got["time"] == round(f.t * 1e9)
    assert got["rig"] == written.tags.rig and got["track"] == written.tags.track and got["car"] == written.tags.car
    assert got["speed_kmh"] == f.speed_kmh and got["gear"] == f.gear and got["lap"] == f.lap
    assert got["lap_dist_m"] == f.lap_dist_m and got["in_pit"] is f.in_pit
    assert f.tyre_temp_c is not None
    assert [got[f"tyre_temp_c_{w}"] for w in ("fl", "fr", "rl", "rr")] == list(f.tyre_temp_c)
    field_types = {row[0]: row[1] for s in influx.series('SHOW FIELD KEYS FROM "telemetry"') for row in s["values"]}
    assert field_types["gear"] == "integer" and field_types["lap_valid"] == "boolean"
    assert field_types["speed_kmh"] == "float" and field_types["seq"] == "integer"


def test_writing_a_batch_twice_stores_it_once(influx: InfluxServer, written: DemoSession) -> None:
    influx.write(written.telemetry_body(0, 5000))
    influx.write(written.lap_body())
    where = S.format(written.tags.session)
    assert _one(influx, f'SELECT count("seq") FROM "telemetry" WHERE {where}')[1] == len(written.frames)
    assert _one(influx, f'SELECT count("time_s") FROM "laps" WHERE {where}')[1] == len(written.laps)
    assert _one(influx, f'SELECT count("number") FROM "corners" WHERE {where}')[1] == len(written.corners)
    assert _one(influx, f'SELECT count("message") FROM "events" WHERE {where}')[1] == len(written.events)
    points = sum(len(t.points) for t in written.traces)
    assert _one(influx, f'SELECT count("lap_dist_m") FROM "lap_trace" WHERE {where}')[1] == points


def test_per_lap_points_hold_the_engine_s_numbers(influx: InfluxServer, written: DemoSession) -> None:
    where = S.format(written.tags.session)
    assert len(written.laps) == 3 and written.corners and written.events
    for lap in written.laps:
        row = _one(influx, f'SELECT "time_s", "sector2_s" FROM "laps" WHERE {where} AND "lap" = \'{lap.lap}\'')
        assert row[1] == lap.time_s and row[2] == lap.sectors_s[1]
    best = min(lap.time_s for lap in written.laps if lap.clean)
    assert _one(influx, f'SELECT min("time_s") FROM "laps" WHERE {where} AND "clean" = true')[1] == best
    event = written.events[0]
    row = _one(influx, f'SELECT "message" FROM "events" WHERE {where} AND "kind" = \'{event.kind}\'')
    assert row[1] == event.message


def test_awkward_tag_and_string_values_come_back_as_written(influx: InfluxServer) -> None:
    from simcoach.history import lines
    from simcoach.history.schema import EventRecord, SessionTags

    tags = SessionTags(rig="rig-x", session="odd=1, two", game="demo", driver='Jo "Fast", Jr', track="Spa = great")
    event = EventRecord(t=1_900_000_000.0, lap=2, kind="late brake", severity="info", message='said "\\brake\\" now')
    influx.write((lines.event_line(tags, event) + "\n").encode())
    series = influx.series('SELECT * FROM "events" WHERE "session" = \'odd=1, two\'')
    got = dict(zip(series[0]["columns"], series[0]["values"][0], strict=True))
    assert got["driver"] == 'Jo "Fast", Jr' and got["track"] == "Spa = great" and got["kind"] == "late brake"
    assert got["message"] == 'said "\\brake\\" now' and got["car"] == "unknown"


@pytest.mark.parametrize("name", sorted(p.name for p in DASHBOARDS.glob("*.json")))
def test_every_panel_query_returns_data(influx: InfluxServer, written: DemoSession, name: str) -> None:
    board = dashboards()[name]
    min_interval = datasource()["jsonData"]["timeInterval"]
    # The dashboard's time range set to the session, as the racer would after picking it.
    ctx = Context(
        from_ms=int(written.frames[0].t * 1000) - 1000, to_ms=int(written.frames[-1].t * 1000) + 1000, values={}
    )
    options = resolve(board, influx, ctx, min_interval)
    assert options["session"] == [written.tags.session]
    assert options["driver"] == [written.tags.driver] and options["track"] == [written.tags.track]
    for lap_var in ("lap_a", "lap_b"):
        if lap_var in options:
            assert ctx.values["lap_a"] != ctx.values["lap_b"]
    checked = 0
    for panel in panels(board):
        for target in panel["targets"]:
            q = ctx.render(target["query"], min_interval)
            series = influx.series(q)
            rows = [v for s in series for v in s.get("values", [])]
            assert rows, f"{name}: panel {panel['title']!r} query {target['refId']} returned nothing: {q}"
            assert any(x is not None for row in rows for x in row[1:]), f"{panel['title']!r}: only nulls: {q}"
            checked += 1
    assert checked >= len(board["panels"])
