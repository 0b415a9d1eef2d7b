"""A real InfluxDB 1.x server (Debian's ``influxd``) on free ports in a temporary folder, for tests and benches."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Final

INFLUXD: Final = "influxd"
START_DEADLINE_S: Final = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class InfluxError(RuntimeError):
    """influxd missing, not starting, or refusing a request: the message says which, with its words."""


class InfluxServer:
    """``influxd`` with every port it opens on a free local port, data under ``folder``; ``stop`` ends it."""

    def __init__(
        self,
        folder: Path,
        database: str = "simcoach",
        admin: tuple[str, str] | None = None,
        data: dict[str, str] | None = None,
        max_body_size: int = 0,
    ) -> None:
        """``admin`` (user, password): start with ``[http] auth-enabled`` and that admin user.

        ``data``: more ``[data]`` settings, as TOML values (``{"index-version": '"tsi1"'}``), for benches.
        ``max_body_size``: ``[http] max-body-size`` in bytes, 0 for none (influxd's own default is 25 MB).
        """
        exe = shutil.which(INFLUXD) or ("/usr/bin/influxd" if Path("/usr/bin/influxd").exists() else None)
        if exe is None:
            raise InfluxError("influxd is not installed (Debian package 'influxdb'; ./dev.sh test installs it)")
        self.folder = folder
        self.database = database
        self.admin = admin
        self.http_port = _free_port()
        self.meta_port = _free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.data_dir = folder / "data"
        config = folder / "influxdb.conf"
        extra_data = "".join(f"  {key} = {value}\n" for key, value in (data or {}).items())
        auth_enabled = "true" if admin else "false"
        # Every listener `influxd config` shows: the RPC/backup bind address and HTTP; the others
        # (graphite, collectd, opentsdb, udp, ifql) are off by default and stay off.
        config.write_text(
            f"""reporting-disabled = true
bind-address = "127.0.0.1:{self.meta_port}"
[meta]
  dir = "{folder / "meta"}"
[data]
  dir = "{self.data_dir}"
  wal-dir = "{folder / "wal"}"
  query-log-enabled = false
  # Snapshot and fully compact a shard soon after writes stop (defaults: 10 min, 4 h), so the
  # bench measures the bytes a day-old session takes, not a write-ahead log.
  cache-snapshot-write-cold-duration = "1s"
  compact-full-write-cold-duration = "5s"
{extra_data}[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:{self.http_port}"
  log-enabled = false
  max-body-size = {max_body_size}
  auth-enabled = {auth_enabled}
[ifql]
  enabled = false
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
"""
        )
        self.log = (folder / "influxd.log").open("wb")
        self.process = subprocess.Popen([exe, "run", "-config", str(config)], stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()
        try:
            if admin is not None:
                # The first user may be created without credentials, and must be an admin.
                user, password = admin
                self.query(f"CREATE USER \"{user}\" WITH PASSWORD '{password}' WITH ALL PRIVILEGES", method="POST")
            self.query(f'CREATE DATABASE "{database}"', method="POST")
        except BaseException:
            self.stop()  # never leave an influxd running behind a failed start
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_DEADLINE_S
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise InfluxError(f"influxd exited with {self.process.returncode}: {self._log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/ping", timeout=2) as r:
                    if r.status == 204:
                        return
            except OSError as exc:
                last = str(exc)
            time.sleep(0.05)  # polling /ping with a deadline, not a guess at the start-up time
        self.stop()
        raise InfluxError(f"influxd did not answer /ping within {START_DEADLINE_S} s ({last}): {self._log_tail()}")

    def _log_tail(self) -> str:
        self.log.flush()
        return (self.folder / "influxd.log").read_text(errors="replace")[-2000:]

    def write(self, body: bytes, precision: str = "ns") -> None:
        """POST line protocol to /write; raises with InfluxDB's own words when it refuses any of it."""
        query = urllib.parse.urlencode({"db": self.database, "precision": precision})
        request = urllib.request.Request(f"{self.url}/write?{query}", data=body, method="POST")
        self._authorize(request)
        try:
            with urllib.request.urlopen(request, timeout=120) as r:
                if r.status != 204:
                    raise InfluxError(f"/write answered {r.status}: {r.read()!r}")
        except urllib.error.HTTPError as exc:
            raise InfluxError(f"/write refused: {exc.code} {exc.read().decode(errors='replace')}") from exc

    def query(self, q: str, method: str = "GET", epoch: str = "ns") -> list[dict[str, Any]]:
        """Run InfluxQL; the ``results`` list, or InfluxError naming the statement's error."""
        params = urllib.parse.urlencode({"db": self.database, "q": q, "epoch": epoch})
        if method == "POST":
            request = urllib.request.Request(f"{self.url}/query", data=params.encode(), method="POST")
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        else:
            request = urllib.request.Request(f"{self.url}/query?{params}")
        self._authorize(request)
        try:
            with urllib.request.urlopen(request, timeout=120) as r:
                answer = json.loads(r.read())
        except urllib.error.HTTPError as exc:
            raise InfluxError(f"query {q!r} refused: {exc.code} {exc.read().decode(errors='replace')}") from exc
        results: list[dict[str, Any]] = answer.get("results", [])
        for result in results:
            if "error" in result:
                raise InfluxError(f"query {q!r} failed: {result['error']}")
        return results

    def _authorize(self, request: urllib.request.Request) -> None:
        if self.admin is not None:
            token = base64.b64encode(":".join(self.admin).encode()).decode()
            request.add_header("Authorization", f"Basic {token}")

    def series(self, q: str) -> list[dict[str, Any]]:
        """Every series of every statement of a query."""
        return [s for result in self.query(q) for s in result.get("series", [])]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
