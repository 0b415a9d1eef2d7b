"""A real influxd for the history tests, and a demo session written into it with simcoach's encoder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.history.demo_session import DemoSession, build
from tests.influx import InfluxServer

BATCH_FRAMES = 5000


@pytest.fixture(scope="session")
def influx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxServer]:
    # Raises (the test fails) when influxd is not installed: a missing server is never a skip.
    server = InfluxServer(tmp_path_factory.mktemp("influxd"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def demo() -> DemoSession:
    return build(laps=3)


@pytest.fixture(scope="session")
def written(influx: InfluxServer, demo: DemoSession) -> DemoSession:
    """The demo session's every point in the server, written through /write in 5,000-frame batches."""
    for start in range(0, len(demo.frames), BATCH_FRAMES):
        influx.write(demo.telemetry_body(start, start + BATCH_FRAMES))
    influx.write(demo.lap_body())
    return demo
