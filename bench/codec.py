"""Codec figures: encode and decode-with-validation cost per frame, and size, for msgpack and JSON.

Prints microseconds per frame; the protocol uses the fastest (see docs/protocol.md).
"""

from __future__ import annotations

import json
import time
import typing

import orjson
import pydantic
from common import sample_frame

from simcoach_agent.telemetry import Frame
from simcoach_agent.telemetry.codec import decode_rig_message, encode, encode_json

N = 50_000


def per_frame_us(fn, arg) -> float:
    start = time.perf_counter()
    for _ in range(N):
        fn(arg)
    return (time.perf_counter() - start) / N * 1e6


def pydantic_frame_model() -> type[pydantic.BaseModel]:
    """The same fields as a pydantic model (types checked; msgspec's bounds are not carried over)."""
    hints = typing.get_type_hints(Frame)
    fields = {name: (hints[name], ...) for name in Frame.__struct_fields__}
    return pydantic.create_model("PydanticFrame", type=(str, ...), **fields)


def main() -> None:
    frame = sample_frame("bench-000", 1)
    packed = encode(frame)
    as_json = encode_json(frame)
    as_text = as_json.decode()
    print(f"frame size: msgpack {len(packed)} B, JSON {len(as_json)} B")
    print(f"encode msgpack (msgspec):          {per_frame_us(encode, frame):6.2f} us/frame")
    print(f"encode JSON (msgspec):             {per_frame_us(encode_json, frame):6.2f} us/frame")
    print(f"decode+validate msgpack (msgspec): {per_frame_us(decode_rig_message, packed):6.2f} us/frame")
    print(f"decode+validate JSON (msgspec):    {per_frame_us(decode_rig_message, as_text):6.2f} us/frame")
    model = pydantic_frame_model()
    print(f"decode+validate JSON (pydantic):   {per_frame_us(model.model_validate_json, as_json):6.2f} us/frame")
    print(f"decode JSON, no validation (orjson): {per_frame_us(orjson.loads, as_json):6.2f} us/frame")
    print(f"decode JSON, no validation (json):   {per_frame_us(json.loads, as_text):6.2f} us/frame")


if __name__ == "__main__":
    main()
