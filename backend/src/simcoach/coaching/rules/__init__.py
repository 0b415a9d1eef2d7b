"""Coaching rules: tyres, brakes, fuel and driving technique, with thresholds from the car-class table."""

from __future__ import annotations

from simcoach.coaching.rules.base import Rule
from simcoach.coaching.rules.brakes import BrakeFadeRule, BrakeTempRule
from simcoach.coaching.rules.braking import BrakingGRule
from simcoach.coaching.rules.fuel import FuelRule
from simcoach.coaching.rules.pedals import CoastingRule, OverlapRule
from simcoach.coaching.rules.shifting import ShiftRule
from simcoach.coaching.rules.slip import SlipRule
from simcoach.coaching.rules.steering import AbruptSteeringRule
from simcoach.coaching.rules.tyres import TyrePressureRule, TyreTempRule
from simcoach.coaching.thresholds import Compound, Thresholds, thresholds_for

__all__ = [
    "AbruptSteeringRule",
    "BrakeFadeRule",
    "BrakeTempRule",
    "BrakingGRule",
    "CoastingRule",
    "FuelRule",
    "OverlapRule",
    "Rule",
    "ShiftRule",
    "SlipRule",
    "TyrePressureRule",
    "TyreTempRule",
    "default_rules",
    "rules_for",
]


def rules_for(th: Thresholds, compound: Compound | None = None) -> list[Rule]:
    """Every rule, set from one class's table. ``compound`` fixes the tyre compound (else context, else table)."""
    return [
        TyreTempRule(th, compound),
        TyrePressureRule(th, compound),
        BrakeTempRule(th),
        BrakeFadeRule(th),
        FuelRule(th),
        OverlapRule(th),
        CoastingRule(th),
        AbruptSteeringRule(th),
        SlipRule(th),
        ShiftRule(th),
        BrakingGRule(th),
    ]


def default_rules(car_class: str | None, compound: Compound | None = None) -> list[Rule]:
    """The rules for a car class (the default table where the class has none).

    Pass ``thresholds.class_for_session(session)`` so that ACC, which does not
    name the class, gets GT3's table.
    """
    th, _ = thresholds_for(car_class)
    return rules_for(th, compound)
