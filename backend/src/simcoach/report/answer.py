"""The model's answer as the report takes it, and the JSON schema the model is asked to answer in."""

from __future__ import annotations

from typing import Annotated, Any

from openai.types.shared_params import ResponseFormatJSONSchema
from pydantic import BaseModel, ConfigDict, Field

from simcoach.report.evidence import EvidencePacket

# What pydantic takes: generous, so that a wordy but sound answer is not thrown away.
MAX_OBSERVATIONS = 20
MAX_TEXT = 2000
MAX_CITATIONS = 20
MAX_NOTES = 10

# What a grammar-enforcing server is asked for (the json_object form): tight, so that a small model that
# would write observations without end (SmolLM2-135M does) stops within a few hundred tokens.
ASKED_OBSERVATIONS = 6
ASKED_TEXT = 300
ASKED_CITATIONS = 4
ASKED_NOTES = 3

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
    priorities: list[Annotated[str, Field(max_length=MAX_TEXT)]] = Field(max_length=MAX_NOTES)
    uncertainty: list[Annotated[str, Field(max_length=MAX_TEXT)]] = Field(max_length=MAX_NOTES)


def answer_schema(packet: EvidencePacket | None = None, *, bounded: bool = False) -> dict[str, Any]:
    """Answer's JSON schema in the strict form: refs inlined, no titles, every object closed, all required.

    ``packet`` (the one the model is shown): its evidence ids, corners and laps become enums, so a server
    that turns the schema into a grammar cannot let the model cite what is not there.
    ``bounded``: with the ASKED_* bounds on lists and texts. Left out otherwise, because OpenAI's strict
    mode does not take every bound; pydantic still holds the answer to the MAX_* ones.
    Inlined because not every self-hosted server resolves ``$ref`` when it turns a schema into a grammar.
    """
    schema = Answer.model_json_schema()
    defs: dict[str, Any] = schema.pop("$defs", {})
    strict: dict[str, Any] = _strict(schema, defs)
    observation = strict["properties"]["observations"]["items"]
    fields = observation["properties"]
    if packet is not None:
        shown = packet.items
        ids = [item.id for item in shown]
        corners = sorted({item.corner for item in shown if item.corner is not None})
        laps = sorted({item.lap for item in shown if item.lap is not None})
        fields["evidence_ids"]["items"] = {"type": "string", "enum": ids}
        if corners:
            fields["corner"] = {"anyOf": [{"type": "string", "enum": corners}, {"type": "null"}]}
        if laps:
            fields["lap"] = {"anyOf": [{"type": "integer", "enum": laps}, {"type": "null"}]}
    if bounded:
        strict["properties"]["observations"]["maxItems"] = ASKED_OBSERVATIONS
        fields["evidence_ids"]["minItems"] = 1
        fields["evidence_ids"]["maxItems"] = ASKED_CITATIONS
        for text in ("what_happened", "what_to_try"):
            fields[text]["maxLength"] = ASKED_TEXT
        for notes in ("priorities", "uncertainty"):
            strict["properties"][notes]["maxItems"] = ASKED_NOTES
            strict["properties"][notes]["items"]["maxLength"] = ASKED_TEXT
    return strict


def response_format(packet: EvidencePacket | None = None) -> ResponseFormatJSONSchema:
    """The ``response_format`` argument of chat completions that asks for an Answer (OpenAI's form)."""
    schema = answer_schema(packet)
    return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "schema": schema, "strict": True}}


def json_object_format(packet: EvidencePacket | None = None) -> dict[str, Any]:
    """The same schema, bounded, in the form some servers take instead (llama-cpp-python's server, Anyscale)."""
    return {"type": "json_object", "schema": answer_schema(packet, bounded=True)}


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
