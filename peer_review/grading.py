"""Grading math for calibrated peer review: final levels from several peer reviews,
points and percentage for a submission, and how much each reviewer's word counts.

Pure functions, no database. Levels are rubric level indexes 0..L-1 (L per criterion).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from .calibration import level_agreement

Criterion = Hashable
ReviewerId = Hashable

# A reviewer whose weight would be zero or negative (no calibration, poor record) still
# counts a little: with a zero weight a panel made only of such reviewers would have no
# median at all, and a single bad calibration round should not silence anyone for good.
MIN_REVIEWER_WEIGHT = 0.05

# One level of average disagreement around the final level. On a 5-level criterion, peers
# at 2, 2, 4 (spread 0.67) are a normal difference of opinion; 0, 2, 4 (spread 1.33) is not.
DEFAULT_SPREAD_THRESHOLD = 1.0

# Agreement with final grades is the most direct evidence of reviewing well and accrues
# with every review; calibration covers only a few examples; usefulness ratings measure
# the comments rather than the levels, so they count least.
AGREEMENT_SHARE = 0.5
CALIBRATION_SHARE = 0.3
USEFULNESS_SHARE = 0.2

# A reviewer who picks levels at random scores about 0.65-0.7 against typical expert
# levels, so raw scores crowd into the top third. Scores at or below this count as no
# evidence of skill (floor weight); above it the weight grows quadratically.
WEIGHT_SCORE_FLOOR = 0.5

METHOD_WEIGHTED_MEDIAN = "weighted_median"
METHOD_SINGLE_REVIEW = "single_review"

METHOD_EXPLANATION = (
    "Each criterion of your work was scored by several classmates, and your level is the middle "
    "of their levels, so a single unusually harsh or generous review cannot move it on its own. "
    "Reviewers who matched the expert on the practice examples, agreed with the final grades of "
    "their earlier reviews and wrote comments others found useful count for more in finding that "
    "middle; everyone's review still counts. "
    "When the reviewers disagree by more than about one level on average, or there was only one "
    "review, a facilitator checks the grade before it is final. "
    "Your points for each criterion follow from its level, and your total is their weighted sum."
)


@dataclass(frozen=True)
class ReviewScore:
    reviewer_id: ReviewerId
    level: int


@dataclass(frozen=True)
class CriterionGrade:
    level: float
    spread: float
    needs_checkpoint: bool
    method: str


@dataclass(frozen=True)
class RubricCriterion:
    """Points for each level (index 0..L-1) and the criterion's weight in the total."""

    points: tuple[float, ...]
    weight: float = 1.0

    @property
    def levels(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class SubmissionGrade:
    criteria: dict[Criterion, CriterionGrade]
    points: float
    max_points: float
    percentage: float
    needs_checkpoint: bool


def effective_weight(weight: float) -> float:
    if not math.isfinite(weight):
        raise ValueError(f"A weight must be a finite number, not {weight!r}.")
    return max(weight, MIN_REVIEWER_WEIGHT)


def weighted_median(values: Sequence[float], weights: Sequence[float]) -> float:
    """The value at which half of the total weight lies on either side.

    Weights below MIN_REVIEWER_WEIGHT (including zero and negative ones) are raised to it.
    Sorting the values, the lower weighted median is the first value at which the
    cumulative weight reaches half of the total. If the cumulative weight there is exactly
    half (within a relative 1e-9, so that 0.1 + 0.2 counts as 0.3), the weight is split evenly
    between that value and the next one and the result is their average; otherwise the
    lower and upper medians coincide and that value is the result. With equal weights this
    is the ordinary median: [1, 2] gives 1.5 and [1, 2, 9] gives 2.
    """
    if len(values) != len(weights):
        raise ValueError("values and weights must have the same length.")
    if not values:
        raise ValueError("The weighted median of no values is undefined.")
    if not all(math.isfinite(value) for value in values):
        raise ValueError("Values must be finite numbers.")
    pairs = sorted(zip(values, (effective_weight(w) for w in weights), strict=True))
    half = sum(weight for _, weight in pairs) / 2
    tolerance = half * 1e-9
    cumulative = 0.0
    for index, (value, weight) in enumerate(pairs):
        cumulative += weight
        if abs(cumulative - half) <= tolerance and index + 1 < len(pairs):
            return (value + pairs[index + 1][0]) / 2
        if cumulative >= half:
            return float(value)
    return float(pairs[-1][0])  # only reached through rounding in the running sum


def criterion_grade(
    scores: Sequence[ReviewScore],
    weights: Mapping[ReviewerId, float],
    *,
    levels: int,
    spread_threshold: float = DEFAULT_SPREAD_THRESHOLD,
) -> CriterionGrade:
    """The final level of one criterion from its peer reviews.

    level: the weighted median of the peers' levels, each weighted by its reviewer's
    weight (a reviewer missing from `weights` gets MIN_REVIEWER_WEIGHT). It may fall half-way
    between two levels when the weight splits exactly in two.

    spread: the weighted mean absolute deviation of the peers' levels from that level, in
    levels. Chosen over max - min because max - min is set entirely by the most extreme
    review: one careless reviewer among three would send the submission to a checkpoint even
    though the median already ignores them. The mean absolute deviation is the quantity the
    weighted median minimises, weighs each reviewer as the grade does, and grows with how
    many reviewers disagree and by how much.

    needs_checkpoint: spread above `spread_threshold`, or fewer than two reviews (one
    opinion cannot be checked against anything).
    """
    if not scores:
        raise ValueError("A criterion needs at least one review to be graded.")
    if levels < 1:
        raise ValueError(f"A criterion needs at least one level, not {levels}.")
    reviewers = [score.reviewer_id for score in scores]
    if len(set(reviewers)) != len(reviewers):
        raise ValueError("A reviewer may score a criterion only once.")
    for score in scores:
        if not 0 <= score.level < levels:
            raise ValueError(f"Level {score.level} is outside 0..{levels - 1}.")
    values = [score.level for score in scores]
    score_weights = [
        effective_weight(weights.get(score.reviewer_id, MIN_REVIEWER_WEIGHT)) for score in scores
    ]
    level = weighted_median(values, score_weights)
    spread = sum(w * abs(v - level) for v, w in zip(values, score_weights, strict=True)) / sum(score_weights)
    single = len(scores) < 2
    return CriterionGrade(
        level=level,
        spread=spread,
        needs_checkpoint=single or spread > spread_threshold,
        method=METHOD_SINGLE_REVIEW if single else METHOD_WEIGHTED_MEDIAN,
    )


def points_for_level(level: float, points: Sequence[float]) -> float:
    """Points for a level, interpolating linearly when the level falls between two levels."""
    if not points:
        raise ValueError("A criterion needs points for at least one level.")
    if not 0 <= level <= len(points) - 1:
        raise ValueError(f"Level {level} is outside 0..{len(points) - 1}.")
    lower = math.floor(level)
    if lower == level:
        return float(points[lower])
    fraction = level - lower
    return points[lower] * (1 - fraction) + points[lower + 1] * fraction


def submission_grade(
    scores_by_criterion: Mapping[Criterion, Sequence[ReviewScore]],
    weights: Mapping[ReviewerId, float],
    *,
    rubric: Mapping[Criterion, RubricCriterion],
    spread_threshold: float = DEFAULT_SPREAD_THRESHOLD,
) -> SubmissionGrade:
    """Grade every rubric criterion and combine them.

    points = sum over criteria of criterion weight x points for its final level;
    max_points = the same with each criterion's best points; percentage = 100 x points /
    max_points. The submission needs a checkpoint when any criterion does.
    """
    if set(scores_by_criterion) != set(rubric):
        raise ValueError("Scores must cover exactly the rubric's criteria.")
    criteria = {}
    points = max_points = 0.0
    for criterion, rubric_criterion in rubric.items():
        if rubric_criterion.weight < 0:
            raise ValueError(f"Criterion {criterion!r} has a negative weight.")
        grade = criterion_grade(
            scores_by_criterion[criterion], weights,
            levels=rubric_criterion.levels, spread_threshold=spread_threshold,
        )
        criteria[criterion] = grade
        points += rubric_criterion.weight * points_for_level(grade.level, rubric_criterion.points)
        max_points += rubric_criterion.weight * max(rubric_criterion.points)
    if max_points <= 0:
        raise ValueError("The rubric must be worth some points.")
    return SubmissionGrade(
        criteria=criteria,
        points=points,
        max_points=max_points,
        percentage=100 * points / max_points,
        needs_checkpoint=any(grade.needs_checkpoint for grade in criteria.values()),
    )


def agreement_with_finals(
    reviewer_levels: Mapping[Criterion, int],
    final_levels: Mapping[Criterion, float],
    levels_per_criterion: Mapping[Criterion, int],
) -> float:
    """How close a reviewer's levels were to a submission's final levels, from 0 to 1.

    The same measure as calibration accuracy, with the final levels as the reference.
    """
    return level_agreement(reviewer_levels, final_levels, levels_per_criterion)


def reference_without(
    reviewer_id: ReviewerId,
    scores_by_criterion: Mapping[Criterion, Sequence[ReviewScore]],
    weights: Mapping[ReviewerId, float],
    final_levels: Mapping[Criterion, float],
    overridden: frozenset | set = frozenset(),
) -> dict[Criterion, float]:
    """The levels a reviewer's review is judged against: the final grade without them.

    A final level from the peers' weighted median contains the reviewer's own level, so
    comparing them with it flatters everyone (with two reviewers, each pulls the median
    towards themselves). For each graded criterion the reference is the weighted median
    of the *other* peers' levels with the same weights, or the final level itself where
    an expert set it (`overridden`), since the expert's level owes nothing to the
    reviewer. A criterion nobody else scored, and no expert set, has no independent
    reference and is left out.
    """
    reference = {}
    for criterion, final in final_levels.items():
        if criterion in overridden:
            reference[criterion] = float(final)
            continue
        others = [s for s in scores_by_criterion.get(criterion, ()) if s.reviewer_id != reviewer_id]
        if others:
            reference[criterion] = weighted_median(
                [s.level for s in others],
                [weights.get(s.reviewer_id, MIN_REVIEWER_WEIGHT) for s in others],
            )
    return reference


def reviewer_score(
    agreement_with_finals: float | None,
    calibration_accuracy: float | None,
    usefulness_ratings: Sequence[int],
) -> float:
    """How well someone reviews, from 0 to 1.

    0.5 x agreement with final grades + 0.3 x calibration accuracy + 0.2 x usefulness,
    where usefulness is the mean of (rating - 1) / 4 over 1-5 ratings of their comments.
    A part with no evidence yet (None, or no ratings) is left out and the remaining shares
    are scaled up to sum to 1: a reviewer with only calibration scores their calibration
    accuracy. With no evidence at all the score is 0, which `reviewer_weight` turns into the
    floor weight.
    """
    parts = []
    if agreement_with_finals is not None:
        parts.append((AGREEMENT_SHARE, _unit_interval(agreement_with_finals, "agreement_with_finals")))
    if calibration_accuracy is not None:
        parts.append((CALIBRATION_SHARE, _unit_interval(calibration_accuracy, "calibration_accuracy")))
    if usefulness_ratings:
        if not all(1 <= rating <= 5 for rating in usefulness_ratings):
            raise ValueError("Usefulness ratings must lie in 1..5.")
        usefulness = sum((rating - 1) / 4 for rating in usefulness_ratings) / len(usefulness_ratings)
        parts.append((USEFULNESS_SHARE, usefulness))
    if not parts:
        return 0.0
    return sum(share * value for share, value in parts) / sum(share for share, _ in parts)


def reviewer_weight(score: float) -> float:
    """The weight of a reviewer's levels in later weighted medians.

    MIN_REVIEWER_WEIGHT up to a score of WEIGHT_SCORE_FLOOR (0.5, below what random levels
    score), then ((score - 0.5) / 0.5) squared, reaching 1 at a perfect score. The square
    spreads the range where real reviewers fall: 0.9 weighs 0.64 and 0.7 (random levels)
    0.16, so one careful reviewer outweighs two careless ones, which is the case where a
    weighted median of three beats the plain one.
    """
    score = _unit_interval(score, "score")
    if score <= WEIGHT_SCORE_FLOOR:
        return MIN_REVIEWER_WEIGHT
    scaled = (score - WEIGHT_SCORE_FLOOR) / (1 - WEIGHT_SCORE_FLOOR)
    return max(MIN_REVIEWER_WEIGHT, scaled**2)


def _unit_interval(value: float, name: str) -> float:
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must lie in [0, 1], not {value!r}.")
    return value
