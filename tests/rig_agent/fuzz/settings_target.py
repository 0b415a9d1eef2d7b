"""Settings fuzzed: any environment and .env file give usable settings or a ValidationError naming the setting.

Shared by the agent's settings (here) and the backend's (tests/backend/test_settings_fuzz.py).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_settings import BaseSettings
from websockets.exceptions import InvalidURI
from websockets.uri import parse_uri

from simcoach_agent.settings import AgentSettings
from tests.rig_agent.fuzz.harness import OUTCOMES, Broken, is_name

PLAUSIBLE = (
    "", " ", "0", "-1", "1", "60", "1e309", "nan", "inf", "-inf", "1000.0001", "0.0", "9" * 5000, "1_000", "0x10",
    "true", "false", "yes", "off", "ws://", "ws://host", "ws://host:99999", "wss://[::1", "ws://a b", "http://x",
    "rig1:token", "rig1:aaaaaaaaaaaaaaaa,rig2:bbbbbbbbbbbbbbbb", "a b:cccccccccccccccc", ":x", "rig:", ",,", "demo",
    "a" * 65, "/tmp/x", "none", "sqlite", "production", "development", "debug", "late_brake@La Source",
    "late_brake@Nowhere", "x@", "@", '{"a": 1}', "[1]", "null", "\t", "é", "rig 1",
)  # fmt: skip
VALUES = st.one_of(st.sampled_from(PLAUSIBLE), st.sampled_from(PLAUSIBLE), st.text(max_size=40))


@dataclass(frozen=True)
class Environment:
    """SIMCOACH_* variables, and a .env file (None: no file)."""

    values: dict[str, str]
    dotenv: bytes | None
    prefix: str = field(default="", metadata={"setup": True})


def environments(cls: type[BaseSettings], prefix: str) -> st.SearchStrategy[Environment]:
    names = sorted(prefix + name.upper() for name in cls.model_fields)
    variables = st.dictionaries(st.sampled_from(names), VALUES, max_size=len(names))

    def dotenv(pairs: dict[str, str]) -> st.SearchStrategy[bytes | None]:
        text = "\n".join(f"{k}={v}" for k, v in pairs.items()).encode("utf-8", "surrogatepass")
        return st.one_of(st.none(), st.just(text), st.binary(max_size=64).map(lambda junk: text + b"\n" + junk))

    return st.one_of(
        st.builds(Environment, variables, st.none(), st.just(prefix)),
        variables.flatmap(lambda v: dotenv(v).map(lambda d: Environment({}, d, prefix))),
        st.tuples(variables, variables).flatmap(lambda vv: dotenv(vv[1]).map(lambda d: Environment(vv[0], d, prefix))),
    )


def _usable(value: str) -> str:
    """What an environment can hold: no NUL, nothing the OS cannot encode."""
    return value.replace("\0", "").encode("utf-8", "replace").decode("utf-8")


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith("SIMCOACH")}
    for k in saved:
        del os.environ[k]
    try:
        os.environ.update({k: _usable(v) for k, v in values.items()})
        yield
    finally:
        for k in [k for k in os.environ if k.startswith("SIMCOACH")]:
            del os.environ[k]
        os.environ.update(saved)


def check_settings(
    cls: type[BaseSettings], folder: Path | None, case: Environment, usable: Callable[[Any], None]
) -> None:
    """Settings built from the environment are usable, or refused with every error naming its setting."""
    env_file: Path | None = None
    if case.dotenv is not None:
        assert folder is not None
        env_file = folder / ".env"
        env_file.write_bytes(case.dotenv)
    with environment(case.values):
        try:
            settings = cls(_env_file=env_file)  # type: ignore[call-arg]
        except ValidationError as exc:
            fields = set(cls.model_fields)
            for error in exc.errors():
                loc = error.get("loc", ())
                named = loc and (loc[0] in fields or loc[0] == str(env_file))  # a setting, or the .env file
                if not (named or case.prefix in str(error.get("msg", ""))):
                    raise Broken(f"an error that names no setting: {error}") from exc
            OUTCOMES["refused"] += 1
            return
        except Exception as exc:
            raise Broken(f"uncaught {type(exc).__name__}: {exc}") from exc
    usable(settings)
    OUTCOMES["settings"] += 1


def usable_agent_settings(s: AgentSettings) -> None:
    if not is_name(s.rig):
        raise Broken(f"rig {s.rig!r} taken, which no frame may carry")
    try:
        parse_uri(s.server)
    except (InvalidURI, ValueError) as exc:
        raise Broken(f"server {s.server!r} taken, which is no WebSocket address: {exc}") from exc
    if not (math.isfinite(s.rate_hz) and 0 < s.rate_hz <= 1000):
        raise Broken(f"rate_hz {s.rate_hz} taken")


def agent_environments() -> st.SearchStrategy[Environment]:
    return environments(AgentSettings, "SIMCOACH_AGENT_")


def check_agent_settings(folder: Path, case: Environment) -> None:
    check_settings(AgentSettings, folder, case, usable_agent_settings)
