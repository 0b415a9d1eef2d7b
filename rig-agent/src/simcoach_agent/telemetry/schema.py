"""Writes the JSON Schema of the frame and session message, generated from their definitions.

Run ``python -m simcoach_agent.telemetry.schema docs/protocol.schema.json`` after changing the frame.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import msgspec

from simcoach_agent.telemetry.frame import Frame, SessionInfo


def schema() -> dict[str, object]:
    result: dict[str, object] = msgspec.json.schema(Frame | SessionInfo)
    return result


if __name__ == "__main__":
    text = json.dumps(schema(), indent=2) + "\n"
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(text)
    else:
        sys.stdout.write(text)
