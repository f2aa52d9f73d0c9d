"""How closely a learner's rubric levels match a reference: the expert's levels on a
calibration example, or the final levels of a graded submission.

Pure functions, no database: the services load levels and pass them in.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

Criterion = Hashable


def level_agreement(
    levels: Mapping[Criterion, int],
    reference_levels: Mapping[Criterion, float],
    levels_per_criterion: Mapping[Criterion, int],
) -> float:
    """1 minus the mean, over the reference's criteria, of |level - reference| / (L - 1).

    L is the number of levels of that criterion, so a miss by one level on a 3-level
    criterion costs as much as a miss by two on a 5-level one. A criterion with a single
    level always agrees. The reference may be fractional (a final level can fall half-way
    between two levels); the result stays within [0, 1].
    """
    if not reference_levels:
        raise ValueError("The reference has no criteria to compare.")
    distances = []
    for criterion, reference in reference_levels.items():
        if criterion not in levels:
            raise ValueError(f"No level given for criterion {criterion!r}.")
        if criterion not in levels_per_criterion:
            raise ValueError(f"No level count given for criterion {criterion!r}.")
        level_count = levels_per_criterion[criterion]
        if level_count < 1:
            raise ValueError(f"Criterion {criterion!r} needs at least one level, not {level_count}.")
        top = level_count - 1
        level = levels[criterion]
        if not 0 <= level <= top or not 0 <= reference <= top:
            raise ValueError(f"Levels for criterion {criterion!r} must lie in 0..{top}.")
        distances.append(0.0 if top == 0 else abs(level - reference) / top)
    return 1.0 - sum(distances) / len(distances)


def calibration_accuracy(
    learner_levels: Mapping[Criterion, int],
    expert_levels: Mapping[Criterion, int],
    levels_per_criterion: Mapping[Criterion, int],
) -> float:
    """How close a learner's levels on one calibration example are to the expert's, from 0 to 1.

    Definition (shown to learners): for each criterion the expert scored, take how many
    levels apart you and the expert are, divided by the largest possible gap on that
    criterion (its number of levels minus one). Calibration accuracy is 1 minus the average
    of those fractions. Matching the expert everywhere gives 1; picking the opposite end of
    every scale gives 0; one level off on one of three 5-level criteria gives
    1 - (1/4) / 3 = 0.917. Criteria with a single level always count as a match.
    """
    return level_agreement(learner_levels, expert_levels, levels_per_criterion)


def mean_calibration_accuracy(accuracies: Iterable[float]) -> float | None:
    """The plain mean of per-example accuracies, each calibration example counting once.

    None when the learner has not calibrated yet, so that `grading.reviewer_score` leaves
    calibration out rather than reading "no attempt" as "accuracy 0".
    """
    values = list(accuracies)
    if not values:
        return None
    return sum(values) / len(values)
