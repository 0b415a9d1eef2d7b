"""The car-class threshold table over HTTP: the windows the dashboard colours tyres and brakes with."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from simcoach.coaching.thresholds import DEFAULT_CLASS, table, thresholds_for

router = APIRouter(prefix="/api", tags=["thresholds"])


@router.get("/thresholds")
def thresholds(
    car_class: Annotated[str | None, Query(max_length=100, description="the game's class name, e.g. GT3")] = None,
) -> dict[str, Any]:
    """The table the coaching rules use for a car class, with units and sources.

    A class without a table gets the default one, with ``fallback`` true and a
    ``note`` saying so.
    """
    th, matched = thresholds_for(car_class)
    fallback = not matched
    if not car_class:
        note = "no car class given: the default table is used"
    elif fallback:
        note = f"no thresholds for car class {car_class!r}: the default table is used"
    else:
        note = None
    return {
        "requested_class": car_class,
        "fallback": fallback,
        "note": note,
        "classes": sorted(table(), key=lambda name: (name != DEFAULT_CLASS, name)),
        **th.as_json(),
    }
