"""InfluxDB write targets: 1.x against a real influxd, 2.x's request (through influxdb-client) against a local HTTP
server that records it, and the INFLUXDB_* settings; every refusal names the setting to fix."""

from __future__ import annotations

import gzip
import json
import socket
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pydantic import ValidationError

from simcoach.history.lines import TelemetryEncoder
from simcoach.history.schema import SessionTags
from simcoach.history.targets import InfluxV1Target, InfluxV2Target, TargetError, target_from_settings
from simcoach.settings import InfluxSettings, Settings
from simcoach_agent.games.demo.source import DemoSource
from simcoach_agent.telemetry import Frame
from tests.history.influx2_stand_in import Influx2Handler, serving
from tests.influx import InfluxServer

pytestmark = pytest.mark.integration

ADMIN = ("admin", "admin-password-1")
T0 = 1_800_000_000.0


def demo_frames(n: int) -> list[Frame]:
    source = DemoSource()
    return [f for seq in range(1, n + 1) if (f := source.sample("rig-t", seq, T0 + seq / 60))]


def tags(session: str) -> SessionTags:
    return SessionTags(rig="rig-t", session=session, game="demo", driver="Tester", track="Spa", car="GT3")


def count(server: InfluxServer, session: str) -> int:
    series = server.series(f'SELECT count("seq") FROM "telemetry" WHERE "session" = \'{session}\'')
    return int(series[0]["values"][0][1]) if series else 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def silent() -> Iterator[str]:
    """A URL whose port accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxServer]:
    """influxd with [http] auth-enabled, an admin, and a user who may only read the database."""
    server = InfluxServer(tmp_path_factory.mktemp("influxd-auth"), admin=ADMIN)
    try:
        server.query("CREATE USER \"reader\" WITH PASSWORD 'reader-password'", method="POST")
        server.query(f'GRANT READ ON "{server.database}" TO "reader"', method="POST")
        yield server
    finally:
        server.stop()


# --- InfluxDB 1.x, a real influxd 1.6 ---------------------------------------------------------------------------


@pytest.mark.parametrize("use_gzip", [False, True])
def test_v1_write_lands_every_frame_with_its_values(influx: InfluxServer, use_gzip: bool) -> None:
    session = f"v1-write-gzip-{use_gzip}"
    frames = demo_frames(300)
    with InfluxV1Target(influx.url, influx.database, use_gzip=use_gzip) as target:
        target.check()
        target.write(TelemetryEncoder(tags(session)).lines(frames))
    assert count(influx, session) == len(frames)
    f = frames[123]
    series = influx.series(
        f'SELECT "speed_kmh", "gear" FROM "telemetry" WHERE "session" = \'{session}\' AND "seq" = {f.seq}'
    )
    assert series[0]["values"] == [[round(f.t * 1e9), f.speed_kmh, f.gear]]


def test_v1_writing_the_same_batch_twice_stores_it_once(influx: InfluxServer) -> None:
    body = TelemetryEncoder(tags("v1-twice")).lines(demo_frames(50))
    with InfluxV1Target(influx.url, influx.database, retention_policy="autogen") as target:
        target.write(body)
        target.write(body)
    assert count(influx, "v1-twice") == 50


def test_v1_a_missing_database_is_named(influx: InfluxServer) -> None:
    with InfluxV1Target(influx.url, "no_such_db") as target:
        with pytest.raises(TargetError, match=r'INFLUXDB_DATABASE .*database not found: "no_such_db"') as check:
            target.check()
        assert check.value.status == 404 and not check.value.retryable
        with pytest.raises(TargetError, match="INFLUXDB_DATABASE"):
            target.write(b"m v=1 1\n")


def test_v1_a_missing_retention_policy_is_named(influx: InfluxServer) -> None:
    target = InfluxV1Target(influx.url, influx.database, retention_policy="no_such_rp")
    with (
        target,
        pytest.raises(TargetError, match=r"INFLUXDB_RETENTION_POLICY 'no_such_rp'.*retention policy not found"),
    ):
        target.check()


def test_v1_a_refused_line_gives_influxdbs_words_and_the_rest_is_stored(influx: InfluxServer) -> None:
    good = TelemetryEncoder(tags("v1-partial")).lines(demo_frames(10))
    body = good + b"telemetry,rig=rig-t,session=v1-partial seq= 1800000000000000000\n"
    with InfluxV1Target(influx.url, influx.database) as target, pytest.raises(TargetError) as refused:
        target.write(body)
    err = refused.value
    assert err.bad_data and not err.retryable and err.status == 400
    assert "partial write" in err.message and "unable to parse" in err.message and "missing field value" in err.message
    # A 1.x server keeps the lines it could parse: the error is not "nothing written".
    assert count(influx, "v1-partial") == 10


def test_v1_a_field_type_conflict_is_refused_data(influx: InfluxServer) -> None:
    with InfluxV1Target(influx.url, influx.database) as target:
        target.write(b"conflict,rig=r v=1.5 1\n")
        with pytest.raises(TargetError, match="field type conflict") as refused:
            target.write(b'conflict,rig=r v="text" 2\n')
    assert refused.value.bad_data


def test_v1_a_batch_over_the_servers_body_limit_names_the_batch_setting(tmp_path: Path) -> None:
    server = InfluxServer(tmp_path, max_body_size=100_000)
    try:
        body = TelemetryEncoder(tags("v1-large")).lines(demo_frames(100))
        assert len(body) > 100_000
        with InfluxV1Target(server.url, server.database) as target, pytest.raises(TargetError) as large:
            target.write(body)
        assert large.value.status == 413 and not large.value.retryable and not large.value.bad_data
        assert "SIMCOACH_EXPORT_BATCH_FRAMES" in large.value.message
        assert "request entity too large" in large.value.message.lower()
        assert count(server, "v1-large") == 0
    finally:
        server.stop()


def test_v1_unreachable_url_is_named_and_retryable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with InfluxV1Target(url, "simcoach") as target:
        for call in (target.check, lambda: target.write(b"m v=1 1\n")):
            with pytest.raises(TargetError, match=f"INFLUXDB_URL {url}: cannot reach InfluxDB") as unreachable:
                call()
            assert unreachable.value.retryable and unreachable.value.status is None


def test_v1_a_server_that_never_answers_times_out_retryable(silent: str) -> None:
    with InfluxV1Target(silent, "simcoach", timeout_s=0.5) as target, pytest.raises(TargetError) as timeout:
        target.write(b"m v=1 1\n")
    assert timeout.value.retryable and "no answer" in timeout.value.message


def test_v1_wrong_credentials_are_named(secured: InfluxServer) -> None:
    with InfluxV1Target(secured.url, secured.database, username="admin", password="wrong") as target:
        with pytest.raises(TargetError, match=r"INFLUXDB_USERNAME/INFLUXDB_PASSWORD.*authorization failed") as bad:
            target.check()
        assert bad.value.status == 401 and not bad.value.retryable
        with pytest.raises(TargetError, match="INFLUXDB_USERNAME/INFLUXDB_PASSWORD"):
            target.write(b"m v=1 1\n")
    anonymous = InfluxV1Target(secured.url, secured.database)
    with anonymous, pytest.raises(TargetError, match=r"requires a user.*unable to parse authentication credentials"):
        anonymous.check()
    reader = InfluxV1Target(secured.url, secured.database, username="reader", password="reader-password")
    with reader, pytest.raises(TargetError, match=r"INFLUXDB_USERNAME 'reader' may not write.*not authorized to write"):
        reader.check()


def test_v1_right_credentials_write(secured: InfluxServer) -> None:
    with InfluxV1Target(secured.url, secured.database, username=ADMIN[0], password=ADMIN[1]) as target:
        target.check()
        target.write(TelemetryEncoder(tags("v1-auth")).lines(demo_frames(20)))
    assert count(secured, "v1-auth") == 20


def test_v1_describe_and_key_hold_no_password(influx: InfluxServer) -> None:
    with InfluxV1Target(influx.url + "/", "simcoach", "autogen", "writer", "s3cret-pass") as target:
        assert target.describe() == {
            "kind": "influxdb1",
            "url": influx.url,
            "database": "simcoach",
            "retention_policy": "autogen",
            "username": "writer",
        }
        assert target.key == f"v1:{influx.url}/simcoach/autogen"
        assert "s3cret-pass" not in target.name + target.key + json.dumps(target.describe())


# --- InfluxDB 2.x: influxdb-client's request, against a local HTTP server ---------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeInflux2:
    """Answers like InfluxDB 2.x: ``answers[path]`` (status, JSON body) or 204; records every request."""

    url: str = ""
    answers: dict[str, tuple[int, object]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


@pytest.fixture
def influx2() -> Iterator[FakeInflux2]:
    fake = FakeInflux2()

    class Handler(Influx2Handler):
        def _answer(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            fake.seen.append(
                Seen(
                    self.command,
                    parts.path,
                    dict(urllib.parse.parse_qsl(parts.query)),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
            )
            status, answer = fake.answers.get(parts.path, (204, None))
            self.reply(parts.path, status, answer)

    with serving(Handler) as url:
        fake.url = url
        yield fake


def v2(fake: FakeInflux2, use_gzip: bool = False) -> InfluxV2Target:
    return InfluxV2Target(fake.url, "my-org", "my-bucket", "my-token-123", use_gzip=use_gzip)


def bucket_list(*names: str) -> tuple[int, object]:
    return 200, {
        "buckets": [{"id": f"id{i}", "name": n, "orgID": "o1", "retentionRules": []} for i, n in enumerate(names)]
    }


def test_v2_write_sends_what_influxdb_2_expects(influx2: FakeInflux2) -> None:
    body = TelemetryEncoder(tags("v2")).lines(demo_frames(40))
    with v2(influx2) as target:
        target.write(body)
    (request,) = influx2.requests_to("/api/v2/write")
    assert request.method == "POST"
    assert request.query == {"org": "my-org", "bucket": "my-bucket", "precision": "ns"}
    assert request.headers["authorization"] == "Token my-token-123"
    assert request.headers["content-type"].startswith("text/plain")
    assert request.body == body


def test_v2_write_with_gzip_sends_the_same_bytes_compressed(influx2: FakeInflux2) -> None:
    body = TelemetryEncoder(tags("v2-gzip")).lines(demo_frames(40))
    with v2(influx2, use_gzip=True) as target:
        target.write(body)
    (request,) = influx2.requests_to("/api/v2/write")
    assert request.headers["content-encoding"] == "gzip"
    assert len(request.body) < len(body) / 3
    assert gzip.decompress(request.body) == body


@pytest.mark.parametrize(
    ("status", "message", "setting"),
    [
        (401, "unauthorized access", "INFLUXDB_TOKEN"),
        (403, "insufficient permissions for write", "INFLUXDB_TOKEN may not write to INFLUXDB_BUCKET"),
        (404, 'bucket "my-bucket" not found', "INFLUXDB_BUCKET 'my-bucket'"),
        (404, 'organization name "my-org" not found', "INFLUXDB_ORG 'my-org'"),
    ],
)
def test_v2_refusals_name_the_setting(influx2: FakeInflux2, status: int, message: str, setting: str) -> None:
    influx2.answers["/api/v2/write"] = (status, {"code": "x", "message": message})
    with v2(influx2) as target, pytest.raises(TargetError) as refused:
        target.write(b"m v=1 1\n")
    err = refused.value
    assert err.message.startswith(setting) and message in err.message
    assert err.status == status and not err.retryable and not err.bad_data


def test_v2_refused_points_and_overload(influx2: FakeInflux2) -> None:
    with v2(influx2) as target:
        influx2.answers["/api/v2/write"] = (
            422,
            {"code": "unprocessable entity", "message": "partial write: field type conflict"},
        )
        with pytest.raises(TargetError, match="InfluxDB refused points: partial write: field type conflict") as bad:
            target.write(b"m v=1 1\n")
        assert bad.value.bad_data and not bad.value.retryable
        influx2.answers["/api/v2/write"] = (503, {"code": "unavailable", "message": "too busy"})
        with pytest.raises(TargetError, match="InfluxDB answered 503: too busy") as busy:
            target.write(b"m v=1 1\n")
        assert busy.value.retryable
    # retries=False: one request each, the exporter decides when to try again.
    assert len(influx2.requests_to("/api/v2/write")) == 2


def test_v2_check_finds_the_bucket_with_the_token(influx2: FakeInflux2) -> None:
    influx2.answers["/api/v2/buckets"] = bucket_list("my-bucket")
    with v2(influx2) as target:
        target.check()
    (buckets,) = influx2.requests_to("/api/v2/buckets")
    assert buckets.query["org"] == "my-org" and buckets.query["name"] == "my-bucket"
    assert buckets.headers["authorization"] == "Token my-token-123"
    assert influx2.requests_to("/ping") and not influx2.requests_to("/api/v2/write")


def test_v2_check_names_a_missing_bucket(influx2: FakeInflux2) -> None:
    influx2.answers["/api/v2/buckets"] = bucket_list()
    influx2.answers["/api/v2/write"] = (404, {"code": "not found", "message": 'bucket "my-bucket" not found'})
    with v2(influx2) as target, pytest.raises(TargetError, match=r"INFLUXDB_BUCKET 'my-bucket'.*not found"):
        target.check()
    (empty,) = influx2.requests_to("/api/v2/write")
    assert empty.body == b""  # the probe writes nothing


def test_v2_check_passes_a_write_only_token(influx2: FakeInflux2) -> None:
    # A token that may write the bucket but not list it: the list comes back empty, the empty write
    # gets past token, org, bucket and permission to "writing requires points".
    influx2.answers["/api/v2/buckets"] = bucket_list()
    influx2.answers["/api/v2/write"] = (400, {"code": "invalid", "message": "writing requires points"})
    with v2(influx2) as target:
        target.check()


@pytest.mark.parametrize(
    ("status", "message", "setting"),
    [(401, "unauthorized access", "INFLUXDB_TOKEN"), (404, 'organization name "my-org" not found', "INFLUXDB_ORG")],
)
def test_v2_check_names_token_and_org(influx2: FakeInflux2, status: int, message: str, setting: str) -> None:
    influx2.answers["/api/v2/buckets"] = (status, {"code": "x", "message": message})
    with v2(influx2) as target, pytest.raises(TargetError, match=setting):
        target.check()


def test_v2_a_server_without_the_2x_api_suggests_version_1(influx2: FakeInflux2) -> None:
    influx2.answers["/api/v2/buckets"] = (404, {"error": "page not found"})
    influx2.answers["/api/v2/write"] = (404, {"error": "page not found"})
    with v2(influx2) as target, pytest.raises(TargetError, match=r"no InfluxDB 2 API there.*INFLUXDB_VERSION=1"):
        target.check()


def test_v2_unreachable_and_silent_servers_are_retryable(silent: str) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with InfluxV2Target(url, "o", "b", "t") as target:
        for call in (target.check, lambda: target.write(b"m v=1 1\n")):
            with pytest.raises(TargetError, match=f"INFLUXDB_URL {url}: cannot reach InfluxDB") as unreachable:
                call()
            assert unreachable.value.retryable
    with InfluxV2Target(silent, "o", "b", "t", timeout_s=0.5) as target, pytest.raises(TargetError) as timeout:
        target.write(b"m v=1 1\n")
    assert timeout.value.retryable and "no answer to POST /api/v2/write in time" in timeout.value.message


def test_v2_describe_and_key_hold_no_token(influx2: FakeInflux2) -> None:
    with v2(influx2) as target:
        assert target.describe() == {"kind": "influxdb2", "url": influx2.url, "org": "my-org", "bucket": "my-bucket"}
        assert target.key == f"v2:{influx2.url}/my-org/my-bucket"
        assert "my-token-123" not in target.name + target.key + json.dumps(target.describe())


def test_v1_check_refuses_a_server_that_is_not_influxdb(influx2: FakeInflux2) -> None:
    influx2.answers["/ping"] = (200, {"hello": "grafana"})
    with InfluxV1Target(influx2.url, "simcoach") as target, pytest.raises(TargetError, match="is this InfluxDB"):
        target.check()


# --- settings ---------------------------------------------------------------------------------------------------


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No INFLUXDB_* from the caller's environment, no .env (settings read one from the working folder)."""
    for name in InfluxSettings.model_fields:
        monkeypatch.delenv(f"INFLUXDB_{name.upper()}", raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_settings_without_url_mean_no_export(env: pytest.MonkeyPatch) -> None:
    assert target_from_settings(InfluxSettings()) is None
    env.setenv("INFLUXDB_URL", "")  # as .env.example ships it
    env.setenv("INFLUXDB_BUCKET", "")
    assert InfluxSettings().url is None


def test_settings_v2_name_what_is_missing_and_never_echo_the_token(env: pytest.MonkeyPatch) -> None:
    env.setenv("INFLUXDB_URL", "http://influx:8086")
    env.setenv("INFLUXDB_ORG", "simcoach")
    env.setenv("INFLUXDB_TOKEN", "very-secret-token")
    with pytest.raises(ValidationError, match=r"INFLUXDB_BUCKET: required for InfluxDB 2") as missing:
        InfluxSettings()
    assert "very-secret-token" not in str(missing.value)
    env.setenv("INFLUXDB_BUCKET", "telemetry")
    env.setenv("INFLUXDB_GZIP", "true")
    target = target_from_settings(InfluxSettings())
    assert isinstance(target, InfluxV2Target) and target.key == "v2:http://influx:8086/simcoach/telemetry"
    assert target.describe()["gzip"] == "true"
    target.close()


def test_settings_v1_name_what_is_missing(env: pytest.MonkeyPatch) -> None:
    env.setenv("INFLUXDB_URL", "http://influx:8086/")
    env.setenv("INFLUXDB_VERSION", "1")
    with pytest.raises(ValidationError, match="INFLUXDB_DATABASE: required for InfluxDB 1"):
        InfluxSettings()
    env.setenv("INFLUXDB_DATABASE", "simcoach")
    env.setenv("INFLUXDB_USERNAME", "writer")
    with pytest.raises(ValidationError, match="INFLUXDB_USERNAME and INFLUXDB_PASSWORD: set both or neither"):
        InfluxSettings()
    env.setenv("INFLUXDB_PASSWORD", "pw-123")
    target = target_from_settings(InfluxSettings())
    assert isinstance(target, InfluxV1Target) and not target.use_gzip
    assert target.describe() == {
        "kind": "influxdb1",
        "url": "http://influx:8086",
        "database": "simcoach",
        "username": "writer",
    }
    target.close()


@pytest.mark.parametrize("url", ["influx:8086", "ftp://influx", "http://", "udp://influx:8089"])
def test_settings_refuse_a_url_that_is_not_http(env: pytest.MonkeyPatch, url: str) -> None:
    env.setenv("INFLUXDB_URL", url)
    with pytest.raises(ValidationError, match="INFLUXDB_URL: expected http://host:port"):
        InfluxSettings()


@pytest.mark.parametrize(("given", "major"), [("2", "2"), ("1", "1"), ("2.7", "2"), ("v1.8", "1")])
def test_settings_version_is_the_major_version(env: pytest.MonkeyPatch, given: str, major: str) -> None:
    env.setenv("INFLUXDB_VERSION", given)
    assert InfluxSettings().version == major


def test_settings_refuse_an_unknown_version(env: pytest.MonkeyPatch) -> None:
    env.setenv("INFLUXDB_VERSION", "3")
    with pytest.raises(ValidationError, match="INFLUXDB_VERSION: expected 1 or 2"):
        InfluxSettings()


def test_export_batch_frames_has_a_default_under_every_servers_body_limit(env: pytest.MonkeyPatch) -> None:
    # ~1.9 KB a demo frame: the default batch stays under 1.x's 25 MB and 3.x's 10 MiB request limits.
    frames = Settings().export_batch_frames
    assert len(TelemetryEncoder(tags("size")).lines(demo_frames(200))) / 200 * frames < 10 * 2**20
    env.setenv("SIMCOACH_EXPORT_BATCH_FRAMES", "0")
    with pytest.raises(ValidationError, match="export_batch_frames"):
        Settings()


def test_settings_are_read_from_the_env_file(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "INFLUXDB_URL=https://influx.example:8086\nINFLUXDB_VERSION=1\nINFLUXDB_DATABASE=sc\n"
    )
    settings = InfluxSettings()
    assert (settings.url, settings.version, settings.database) == ("https://influx.example:8086", "1", "sc")
