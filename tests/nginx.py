"""A real nginx for the tests (Debian's package): found, checked with ``nginx -t``, started, waited for, stopped.

The browser tests and the stack tests each build their own configuration around the shipped
frontend/nginx files; running it is the same for both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers import wait_until

NGINX = os.environ.get("SIMCOACH_NGINX", "nginx")


@dataclass
class Nginx:
    port: int
    process: subprocess.Popen[bytes]
    prefix: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def nginx_binary(what: str) -> str:
    """The nginx to run; a failure (not a skip) naming ``what`` needs it when it is not installed."""
    binary = shutil.which(NGINX) or shutil.which(NGINX, path="/usr/sbin:/sbin")
    if binary is None:
        pytest.fail(f"nginx is missing: install Debian's nginx (./dev.sh test does) to run {what}")
    return binary


def rewritten(text: str, replacements: dict[str, str], name: str) -> str:
    """A shipped config file with each of its host paths and names replaced; fails when one is no longer in it."""
    for old, new in replacements.items():
        assert old in text, f"{name} no longer contains {old!r}: update the tests with it"
        text = text.replace(old, new)
    return text


def run_nginx(binary: str, prefix: Path, conf: Path, port: int, *, probe: str, timeout_s: float = 20) -> Nginx:
    """nginx on ``conf`` (checked first), once ``probe`` (a path) answers on ``port``."""
    check = subprocess.run(
        [binary, "-t", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, f"nginx refused the configuration: {check.stderr}"
    with (prefix / "stderr.log").open("wb") as log:
        process = subprocess.Popen(
            [binary, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT
        )
    server = Nginx(port, process, prefix)

    def answers() -> bool:
        assert process.poll() is None, f"nginx exited: {server.error_log()}"
        try:
            httpx.get(f"{server.url}{probe}", timeout=1)
            return True
        except httpx.TransportError:
            return False

    try:
        wait_until(answers, timeout_s, lambda: f"nginx did not answer: {server.error_log()}")
    except BaseException:
        server.stop()
        raise
    return server
