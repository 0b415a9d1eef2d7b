"""From an evidence packet to an answer the report can print: the model asked, its answer checked."""

from __future__ import annotations

import openai
from pydantic import BaseModel, ConfigDict, Field

from simcoach.report.answer import Observation
from simcoach.report.evidence import EvidencePacket
from simcoach.report.grounding import Dropped, DroppedNote, check, check_notes
from simcoach.report.llm import ModelOutcome, explain
from simcoach.settings import ReportSettings


class CheckedAnswer(BaseModel):
    """What the report shows of the model: what survived the grounding check, what did not and why,
    and how asking went (attempts, time, the problem when there is no answer)."""

    model_config = ConfigDict(frozen=True)

    outcome: ModelOutcome
    observations: list[Observation] = Field(default_factory=list)
    priorities: list[str] = Field(default_factory=list)
    uncertainty: list[str] = Field(default_factory=list)
    dropped: list[Dropped] = Field(default_factory=list)
    dropped_notes: list[DroppedNote] = Field(default_factory=list)


def checked(outcome: ModelOutcome, packet: EvidencePacket) -> CheckedAnswer:
    """The outcome's answer held against the packet (an outcome without an answer gives an empty one)."""
    if outcome.answer is None:
        return CheckedAnswer(outcome=outcome)
    kept, dropped = check(outcome.answer, packet)
    priorities, dropped_priorities = check_notes("priorities", outcome.answer.priorities, packet)
    uncertainty, dropped_uncertainty = check_notes("uncertainty", outcome.answer.uncertainty, packet)
    return CheckedAnswer(
        outcome=outcome,
        observations=kept,
        priorities=priorities,
        uncertainty=uncertainty,
        dropped=dropped,
        dropped_notes=dropped_priorities + dropped_uncertainty,
    )


def ask(packet: EvidencePacket, settings: ReportSettings, *, client: openai.OpenAI | None = None) -> CheckedAnswer:
    """Ask the model about the packet and keep only what its evidence holds; never raises for the model."""
    return checked(explain(packet, settings, client=client), packet)
