"""Where the exporter writes line protocol: InfluxDB 1.x (``/write``) or 2.x (influxdb-client), blocking calls.

A target is used from one worker thread, never the event loop: ``check`` says whether the settings
work (naming the INFLUXDB_* setting to fix), ``write`` sends one batch or raises ``TargetError``
with InfluxDB's own words. Nothing is ever silently half done: a write either returns (InfluxDB
took every point) or raises. A 1.x server that refuses one line still stores the others ("partial
write"); that is a ``TargetError`` with ``bad_data`` set, and since a point written twice is stored
once, writing the whole batch again after a fix doubles nothing.
"""

from __future__ import annotations

import gzip
import json
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Final, cast

import httpx
import urllib3
from influxdb_client.client.influxdb_client import InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.domain.write_precision import WritePrecision
from influxdb_client.rest import ApiException

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from simcoach.settings import InfluxSettings

# Connecting is quick or never; a large batch may take InfluxDB seconds to index on a busy machine.
CONNECT_TIMEOUT_S: Final = 5.0
WRITE_TIMEOUT_S: Final = 60.0
# gzip level 1: most of the size gone (line protocol repeats itself) for a fraction of level 6's CPU.
GZIP_LEVEL: Final = 1
# influxdb-client types write_precision as its WritePrecision model but means its string constants.
_NS: Final = cast("WritePrecision", WritePrecision.NS)


class TargetError(Exception):
    """InfluxDB did not take a batch (or the settings cannot work); the message names the setting to fix.

    ``retryable``: the same request may succeed later unchanged (unreachable, timeout, 5xx, 429).
    ``bad_data``: InfluxDB refused points in the body itself (a line it cannot parse, a field type
    conflict); sending the same bytes again is refused again. ``status``: the HTTP status, if any.
    """

    def __init__(self, message: str, *, retryable: bool, status: int | None = None, bad_data: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status
        self.bad_data = bad_data


class InfluxTarget(ABC):
    """One InfluxDB destination. Blocking; call from a worker thread, one call at a time."""

    @property
    @abstractmethod
    def name(self) -> str:
        """For people: 'InfluxDB 1 at http://host:8086, database simcoach'."""

    @property
    @abstractmethod
    def key(self) -> str:
        """Where points go, stable across restarts (one export cursor per key); no secret in it."""

    @abstractmethod
    def describe(self) -> dict[str, str]:
        """Kind, URL and destination for the status page; never the token or password."""

    @abstractmethod
    def check(self) -> None:
        """Raise TargetError naming the setting to fix when this target cannot take writes; writes nothing."""

    @abstractmethod
    def write(self, body: bytes) -> None:
        """POST one batch of line protocol (ns timestamps); returns only when InfluxDB took all of it."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> InfluxTarget:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _server_words(body: bytes | str | None, header: str | None = None) -> str:
    """The error InfluxDB gave: the JSON body's ``error`` (1.x) or ``message`` (2.x), else the text."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else (body or "")
    try:
        answer = json.loads(text)
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        for field in ("error", "message"):
            if isinstance(answer.get(field), str):
                return str(answer[field])
    return text.strip()[:500] or header or "no reason given"


class InfluxV1Target(InfluxTarget):
    """InfluxDB 1.x ``/write?db=&rp=&precision=ns`` with basic auth, over one keep-alive httpx client.

    Also InfluxDB 2.x through its 1.x compatibility API (a DBRP mapping) and InfluxDB 3.
    """

    def __init__(
        self,
        url: str,
        database: str,
        retention_policy: str | None = None,
        username: str | None = None,
        password: str | None = None,
        *,
        use_gzip: bool = False,
        timeout_s: float = WRITE_TIMEOUT_S,
    ) -> None:
        self.url = url.rstrip("/")
        self.database = database
        self.retention_policy = retention_policy or None
        self.username = username or None
        self.use_gzip = use_gzip
        self._params = {"db": database, "precision": "ns"} | (
            {"rp": self.retention_policy} if self.retention_policy else {}
        )
        auth = httpx.BasicAuth(username, password or "") if username else None
        self._client = httpx.Client(
            base_url=self.url,
            auth=auth,
            timeout=httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S),
            headers={"User-Agent": "simcoach"},
        )

    @property
    def name(self) -> str:
        rp = f", retention policy {self.retention_policy}" if self.retention_policy else ""
        return f"InfluxDB 1 at {self.url}, database {self.database}{rp}"

    @property
    def key(self) -> str:
        return f"v1:{self.url}/{self.database}/{self.retention_policy or ''}"

    def describe(self) -> dict[str, str]:
        out = {"kind": "influxdb1", "url": self.url, "database": self.database}
        if self.retention_policy:
            out["retention_policy"] = self.retention_policy
        if self.username:
            out["username"] = self.username
        if self.use_gzip:
            out["gzip"] = "true"
        return out

    def check(self) -> None:
        ping = self._request("GET", "/ping", None)
        if ping.status_code != 204 or "x-influxdb-version" not in ping.headers:
            raise TargetError(
                f"INFLUXDB_URL {self.url}: GET /ping answered {ping.status_code} without X-Influxdb-Version; "
                "is this InfluxDB?",
                retryable=False,
                status=ping.status_code,
            )
        # An empty /write goes through every check a real one does (credentials, database, write
        # permission, retention policy) and stores nothing: so a write-only user passes too.
        self.write(b"")

    def write(self, body: bytes) -> None:
        headers: dict[str, str] = {"Content-Type": "text/plain; charset=utf-8"}
        if self.use_gzip and body:
            body = gzip.compress(body, compresslevel=GZIP_LEVEL)
            headers["Content-Encoding"] = "gzip"
        answer = self._request("POST", "/write", body, headers)
        if answer.status_code == 204:
            return
        raise self._refusal(answer)

    def _request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        try:
            return self._client.request(method, path, params=self._params, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise TargetError(
                f"INFLUXDB_URL {self.url}: no answer to {method} {path} in time ({type(exc).__name__})", retryable=True
            ) from exc
        except httpx.HTTPError as exc:
            raise TargetError(f"INFLUXDB_URL {self.url}: cannot reach InfluxDB ({exc})", retryable=True) from exc

    def _refusal(self, answer: httpx.Response) -> TargetError:
        status = answer.status_code
        words = _server_words(answer.content, answer.headers.get("x-influxdb-error"))
        if status == 401:
            setting = (
                "INFLUXDB_USERNAME/INFLUXDB_PASSWORD: InfluxDB refused them"
                if self.username
                else "INFLUXDB_USERNAME/INFLUXDB_PASSWORD: InfluxDB requires a user (auth-enabled) and none is set"
            )
            return TargetError(f"{setting}: {words}", retryable=False, status=status)
        if status == 403:
            return TargetError(
                f"INFLUXDB_USERNAME {self.username!r} may not write to INFLUXDB_DATABASE {self.database!r} "
                f"(GRANT WRITE ON ... TO ...): {words}",
                retryable=False,
                status=status,
            )
        if status == 404 and "database not found" in words:
            return TargetError(
                f'INFLUXDB_DATABASE {self.database!r}: {words} (create it: CREATE DATABASE "{self.database}")',
                retryable=False,
                status=status,
            )
        if "retention policy not found" in words:
            return TargetError(
                f"INFLUXDB_RETENTION_POLICY {self.retention_policy!r}: {words}", retryable=False, status=status
            )
        if status == 413:
            return TargetError(
                "InfluxDB refused a batch as too large ([http] max-body-size): "
                f"lower SIMCOACH_EXPORT_BATCH_FRAMES: {words}",
                retryable=False,
                status=status,
            )
        if status == 400:
            return TargetError(f"InfluxDB refused points: {words}", retryable=False, status=status, bad_data=True)
        if status == 404:
            return TargetError(
                f"INFLUXDB_URL {self.url}: no InfluxDB 1.x /write there (404): {words}", retryable=False, status=status
            )
        return TargetError(
            f"InfluxDB answered {status}: {words}", retryable=status >= 500 or status == 429, status=status
        )

    def close(self) -> None:
        self._client.close()


class InfluxV2Target(InfluxTarget):
    """InfluxDB 2.x through influxdb-client's synchronous write API (``/api/v2/write``), token auth."""

    def __init__(
        self,
        url: str,
        org: str,
        bucket: str,
        token: str,
        *,
        use_gzip: bool = False,
        timeout_s: float = WRITE_TIMEOUT_S,
    ) -> None:
        self.url = url.rstrip("/")
        self.org = org
        self.bucket = bucket
        self.use_gzip = use_gzip
        # retries=False: the exporter decides when to try again; the client would otherwise block in its own.
        self._client = InfluxDBClient(
            url=self.url,
            token=token,
            org=org,
            timeout=(int(CONNECT_TIMEOUT_S * 1000), int(timeout_s * 1000)),
            enable_gzip=use_gzip,
            retries=False,
        )
        self._write_api = self._client.write_api(write_options=SYNCHRONOUS)

    @property
    def name(self) -> str:
        return f"InfluxDB 2 at {self.url}, org {self.org}, bucket {self.bucket}"

    @property
    def key(self) -> str:
        return f"v2:{self.url}/{self.org}/{self.bucket}"

    def describe(self) -> dict[str, str]:
        out = {"kind": "influxdb2", "url": self.url, "org": self.org, "bucket": self.bucket}
        return out | ({"gzip": "true"} if self.use_gzip else {})

    def check(self) -> None:
        self._call("GET /ping", self._client.version)
        try:
            buckets = self._client.buckets_api().find_buckets(org=self.org, name=self.bucket).buckets  # type: ignore[no-untyped-call]
        except ApiException as exc:
            if exc.status not in (403, 404) or "organization" in _server_words(exc.body, exc.message):
                raise self._refusal(exc) from exc
            buckets = None
        except urllib3.exceptions.HTTPError as exc:
            raise self._unreachable(exc, "GET /api/v2/buckets") from exc
        if not buckets:
            # Not found, or a token that may write but not read buckets: an empty write tells
            # them apart (InfluxDB checks token, org, bucket and permission before the body).
            try:
                self._write_api.write(bucket=self.bucket, org=self.org, record=b"", write_precision=_NS)
            except ApiException as exc:
                if exc.status != 400:  # 400 "writing requires points": everything before the body passed
                    raise self._refusal(exc) from exc
            except urllib3.exceptions.HTTPError as exc:
                raise self._unreachable(exc, "POST /api/v2/write") from exc

    def write(self, body: bytes) -> None:
        self._call(
            "POST /api/v2/write",
            lambda: self._write_api.write(bucket=self.bucket, org=self.org, record=body, write_precision=_NS),
        )

    def _call(self, what: str, fn: Callable[[], object]) -> None:
        try:
            fn()
        except ApiException as exc:
            raise self._refusal(exc) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise self._unreachable(exc, what) from exc

    def _unreachable(self, exc: Exception, what: str) -> TargetError:
        if isinstance(exc, urllib3.exceptions.TimeoutError) and not isinstance(
            exc, urllib3.exceptions.NewConnectionError
        ):
            return TargetError(f"INFLUXDB_URL {self.url}: no answer to {what} in time ({exc})", retryable=True)
        return TargetError(f"INFLUXDB_URL {self.url}: cannot reach InfluxDB ({exc})", retryable=True)

    def _refusal(self, exc: ApiException) -> TargetError:
        status = exc.status
        words = _server_words(exc.body, exc.message)
        if status == 401:
            return TargetError(f"INFLUXDB_TOKEN: InfluxDB refused the token: {words}", retryable=False, status=status)
        if status == 403:
            return TargetError(
                f"INFLUXDB_TOKEN may not write to INFLUXDB_BUCKET {self.bucket!r}: {words}",
                retryable=False,
                status=status,
            )
        if status == 404 and "organization" in words:
            return TargetError(f"INFLUXDB_ORG {self.org!r}: {words}", retryable=False, status=status)
        if status == 404 and "bucket" in words:
            return TargetError(
                f"INFLUXDB_BUCKET {self.bucket!r} (org {self.org!r}): {words}", retryable=False, status=status
            )
        if status == 404:
            return TargetError(
                f"INFLUXDB_URL {self.url}: no InfluxDB 2 API there (404: {words}); "
                "for InfluxDB 1.x set INFLUXDB_VERSION=1",
                retryable=False,
                status=status,
            )
        if status == 413:
            return TargetError(
                f"InfluxDB refused a batch as too large: lower SIMCOACH_EXPORT_BATCH_FRAMES: {words}",
                retryable=False,
                status=status,
            )
        if status in (400, 422):
            return TargetError(f"InfluxDB refused points: {words}", retryable=False, status=status, bad_data=True)
        return TargetError(
            f"InfluxDB answered {status}: {words}",
            retryable=status is None or status >= 500 or status == 429,
            status=status,
        )

    def close(self) -> None:
        self._write_api.close()  # type: ignore[no-untyped-call]
        self._client.close()  # type: ignore[no-untyped-call]


def target_from_settings(settings: InfluxSettings) -> InfluxTarget | None:
    """The target INFLUXDB_* describe, or None when INFLUXDB_URL is unset (no export)."""
    if settings.url is None:
        return None
    if settings.version == "1":
        assert settings.database is not None  # InfluxSettings requires it for version 1
        return InfluxV1Target(
            settings.url,
            settings.database,
            settings.retention_policy,
            settings.username,
            settings.password.get_secret_value() if settings.password else None,
            use_gzip=settings.gzip,
        )
    assert settings.org is not None and settings.bucket is not None and settings.token is not None
    return InfluxV2Target(
        settings.url, settings.org, settings.bucket, settings.token.get_secret_value(), use_gzip=settings.gzip
    )
