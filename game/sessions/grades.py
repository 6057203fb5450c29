"""What a driving figure means, as a grade the screens colour: good, fair or poor.

Lane keeping and pace are graded against the expert on the same track (its figures are the
best the car can do there), not against fixed numbers: a model's mean distance from the lane
centre by how much it exceeds the expert's, a lap time by how many times the racing expert's
it takes. Autonomy only says whether the car left the lane, so a wobbly car that never quite
leaves it is 100 % autonomous and still graded poor on its offset.

On the suite (README, Models): the expert keeps 1.0-3.4 cm (1.8 cm on average) and the racing
expert's laps add up to 156.6 s; the issue's shipped PilotNet, 1.8 cm and 163.2 s (104 %), is
good on both; its model fine-tuned on sloppy keyboard laps, 37.3 cm and 364.8 s (233 %), poor.
"""

from __future__ import annotations

from enum import Enum

OFFSET_GOOD_M = 0.05  # at most 5 cm further from the lane centre than the expert: good
OFFSET_FAIR_M = 0.20  # up to 20 cm further: fair; beyond: poor (a visible wobble)
LAP_GOOD = 1.10  # at most 110 % of the racing expert's lap: good
LAP_FAIR = 1.50  # up to 150 %: fair; slower: poor
AUTONOMY_GOOD = 90.0  # autonomy's own bands (as the HUD colours it)
AUTONOMY_FAIR = 50.0


class Grade(Enum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    NONE = "none"  # no figure, or nothing to compare it with (yet)


def offset_grade(offset_m: float | None, reference_m: float | None) -> Grade:
    """Mean |offset| against the expert's on the same track(s)."""
    if offset_m is None or reference_m is None:
        return Grade.NONE
    excess = offset_m - reference_m
    if excess <= OFFSET_GOOD_M:
        return Grade.GOOD
    return Grade.FAIR if excess <= OFFSET_FAIR_M else Grade.POOR


def lap_grade(lap_s: float | None, reference_s: float | None) -> Grade:
    """A lap time (or a sum of laps) against the racing expert's on the same track(s)."""
    if lap_s is None or reference_s is None or reference_s <= 0:
        return Grade.NONE
    ratio = lap_s / reference_s
    return Grade.GOOD if ratio <= LAP_GOOD else Grade.FAIR if ratio <= LAP_FAIR else Grade.POOR


def autonomy_grade(pct: float | None) -> Grade:
    if pct is None:
        return Grade.NONE
    if pct >= AUTONOMY_GOOD:
        return Grade.GOOD
    return Grade.FAIR if pct >= AUTONOMY_FAIR else Grade.POOR


def legend() -> str:
    """The rule in one line, for the screens that colour by it."""
    good = f"{OFFSET_GOOD_M * 100:.0f} cm / {LAP_GOOD * 100 - 100:.0f} %"
    fair = f"{OFFSET_FAIR_M * 100:.0f} cm / {LAP_FAIR * 100 - 100:.0f} %"
    return f"vs the expert (offset / lap): green within {good}, amber within {fair}, red beyond"
