"""The model's answer as the report takes it, and the JSON schema the model is asked to answer in."""

from __future__ import annotations

from typing import Any

from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel, ConfigDict, Field

# Bounds that keep a runaway model's answer finite; a longer answer is refused as invalid and retried.
MAX_OBSERVATIONS = 12
MAX_TEXT = 1000
MAX_CITATIONS = 12
MAX_NOTES = 8

SCHEMA_NAME = "simcoach_session_report"


class Observation(BaseModel):
    """One thing the driver did, what to try instead, and the evidence it rests on."""

    # Every field required, nothing extra: what OpenAI's strict structured outputs demand of a schema.
    model_config = ConfigDict(frozen=True, extra="forbid")

    lap: int | None
    corner: str | None
    session_time_s: float | None
    what_happened: str = Field(max_length=MAX_TEXT)
    what_to_try: str = Field(max_length=MAX_TEXT)
    evidence_ids: list[str] = Field(max_length=MAX_CITATIONS)


class Answer(BaseModel):
    """The whole answer: observations, what to work on next session, and what the evidence cannot say."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    observations: list[Observation] = Field(max_length=MAX_OBSERVATIONS)
    priorities: list[str] = Field(max_length=MAX_NOTES)
    uncertainty: list[str] = Field(max_length=MAX_NOTES)


def answer_schema() -> dict[str, Any]:
    """Answer's JSON schema in the strict form: refs inlined, no titles or bounds, every object closed.

    Inlined because not every self-hosted server resolves ``$ref`` when it turns a schema into a grammar;
    bounds left out because OpenAI's strict mode refuses some of them (pydantic still enforces them).
    """
    schema = Answer.model_json_schema()
    defs: dict[str, Any] = schema.pop("$defs", {})
    strict: dict[str, Any] = _strict(schema, defs)
    return strict


def response_format() -> ResponseFormatJSONSchema:
    """The ``response_format`` argument of chat completions that asks for an Answer."""
    return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "schema": answer_schema(), "strict": True}}


def json_object_format() -> dict[str, Any]:
    """The same schema in the form some servers take instead (llama-cpp-python's server, Anyscale)."""
    return {"type": "json_object", "schema": answer_schema()}


_DROPPED_KEYS = frozenset({"title", "default", "maxLength", "minLength", "maxItems", "minItems"})


def _strict(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_strict(part, defs) for part in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        return _strict(defs[ref.rsplit("/", 1)[-1]], defs)
    out = {key: _strict(value, defs) for key, value in node.items() if key not in _DROPPED_KEYS | {"properties"}}
    if "properties" in node:
        # Property names are data, not schema keywords: a field called "title" stays.
        out["properties"] = {name: _strict(value, defs) for name, value in node["properties"].items()}
    if out.get("type") == "object":
        out["additionalProperties"] = False
        out["required"] = list(out.get("properties", {}))
    return out
