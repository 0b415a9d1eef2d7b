"""Messages of the rig-to-backend protocol (see docs/protocol.md).

Every message is a map with a ``type`` key. A rig sends ``hello``, then
``session``, then ``frame`` or ``frames``; the backend answers ``welcome``,
``ack`` and ``error``.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from simcoach_agent.telemetry.frame import PROTOCOL_VERSION, Frame, Name, SessionInfo, Text


class Hello(msgspec.Struct, tag="hello", tag_field="type", kw_only=True):
    """First message of a rig connection: who is speaking."""

    rig: Name
    protocol: int = PROTOCOL_VERSION
    agent: Text = ""


class FrameBatch(msgspec.Struct, tag="frames", tag_field="type", kw_only=True):
    """A few frames in one message, oldest first."""

    frames: list[Frame]


class Welcome(msgspec.Struct, tag="welcome", tag_field="type", kw_only=True):
    """Answer to hello: the highest seq the backend already holds for this rig."""

    rig: str
    last_seq: int | None
    server: str = ""


class Ack(msgspec.Struct, tag="ack", tag_field="type", kw_only=True):
    """Every frame up to and including ``seq`` has been taken."""

    seq: int


class Error(msgspec.Struct, tag="error", tag_field="type", kw_only=True):
    """A message or frame was refused; the connection goes on."""

    reason: str
    seq: int | None = None
    index: Annotated[int, msgspec.Meta(ge=0)] | None = None


RigMessage = Hello | SessionInfo | Frame | FrameBatch
ServerMessage = Welcome | Ack | Error
