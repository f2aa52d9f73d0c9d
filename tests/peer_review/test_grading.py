"""Grading math: weighted median, criterion and submission grades, reviewer scores and weights."""

from __future__ import annotations

import re
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peer_review.grading import (
    METHOD_EXPLANATION,
    METHOD_SINGLE_REVIEW,
    METHOD_WEIGHTED_MEDIAN,
    MIN_REVIEWER_WEIGHT,
    ReviewScore,
    RubricCriterion,
    agreement_with_finals,
    criterion_grade,
    points_for_level,
    reference_without,
    reviewer_score,
    reviewer_weight,
    submission_grade,
    weighted_median,
)


def scores(*levels: int) -> list[ReviewScore]:
    return [ReviewScore(reviewer_id=f"r{n}", level=level) for n, level in enumerate(levels)]


def equal_weights(count: int) -> dict[str, float]:
    return {f"r{n}": 1.0 for n in range(count)}


# weighted_median


def test_equal_weights_give_the_middle_level():
    assert weighted_median([3, 3, 4], [1, 1, 1]) == 3


def test_one_careless_reviewer_cannot_move_the_median():
    assert weighted_median([3, 3, 0], [1, 1, 1]) == 3


def test_a_heavy_reviewer_shifts_the_median():
    assert weighted_median([2, 3, 4], [1, 1, 1]) == 3
    assert weighted_median([2, 3, 4], [0.2, 0.2, 1.0]) == 4
    assert weighted_median([1, 3, 4], [1.0, 0.2, 0.2]) == 1


def test_cumulative_weight_exactly_half_averages_the_two_middle_values():
    assert weighted_median([1, 3], [1, 1]) == 2
    assert weighted_median([1, 2, 3, 4], [1, 1, 1, 1]) == 2.5
    assert weighted_median([0, 4, 1], [0.5, 0.25, 0.25]) == 0.5


def test_half_is_recognised_through_float_rounding():
    # 0.1 + 0.2 is 0.30000000000000004, half of 0.6 is 0.3: still exactly half.
    assert weighted_median([0, 1, 2], [0.1, 0.2, 0.3]) == 1.5


def test_equal_values_at_the_split_do_not_average_away():
    assert weighted_median([1, 2, 2, 3], [1, 1, 1, 1]) == 2


def test_zero_and_negative_weights_count_as_the_floor_weight():
    assert weighted_median([0, 4], [0, -1]) == 2
    # A floor-weight reviewer still counts: 0.1 against 0.05 + 0.05 is exactly half.
    assert weighted_median([0, 4, 4], [0.1, 0, 0]) == 2
    assert weighted_median([0, 4, 4], [0.1, 0.05, 0.06]) == 4


@given(st.lists(st.integers(0, 9), min_size=1, max_size=15))
def test_equal_weights_give_the_ordinary_median(values):
    assert weighted_median(values, [1.0] * len(values)) == statistics.median(values)


def test_weighted_median_rejects_bad_input():
    with pytest.raises(ValueError):
        weighted_median([], [])
    with pytest.raises(ValueError):
        weighted_median([1, 2], [1])
    with pytest.raises(ValueError):
        weighted_median([1, 2], [1, float("nan")])


# criterion_grade


def test_three_agreeing_reviews_need_no_checkpoint():
    grade = criterion_grade(scores(3, 3, 4), equal_weights(3), levels=5)
    assert grade.level == 3
    assert grade.spread == pytest.approx(1 / 3)
    assert not grade.needs_checkpoint
    assert grade.method == METHOD_WEIGHTED_MEDIAN


def test_reviewer_weights_come_from_the_weights_mapping():
    weights = {"r0": 0.16, "r1": 0.16, "r2": 0.64}
    grade = criterion_grade(scores(0, 4, 3), weights, levels=5)
    assert grade.level == 3
    assert grade.spread == pytest.approx((0.16 * 3 + 0.16 * 1) / 0.96)


def test_a_reviewer_without_a_weight_gets_the_floor_weight():
    grade = criterion_grade(scores(0, 4), {"r1": 1.0}, levels=5)
    assert grade.level == 4
    assert grade.spread == pytest.approx(MIN_REVIEWER_WEIGHT * 4 / (1 + MIN_REVIEWER_WEIGHT))


def test_a_single_review_goes_to_a_checkpoint():
    grade = criterion_grade(scores(2), equal_weights(1), levels=5)
    assert grade.level == 2
    assert grade.spread == 0
    assert grade.needs_checkpoint
    assert grade.method == METHOD_SINGLE_REVIEW


def test_spread_above_the_threshold_goes_to_a_checkpoint():
    # Mean absolute deviation from 2: (2 + 0 + 2) / 3 = 1.33 > 1.
    assert criterion_grade(scores(0, 2, 4), equal_weights(3), levels=5).needs_checkpoint
    # (0 + 0 + 2) / 3 = 0.67: a difference of opinion, not a dispute.
    assert not criterion_grade(scores(2, 2, 4), equal_weights(3), levels=5).needs_checkpoint
    assert criterion_grade(scores(2, 2, 4), equal_weights(3), levels=5, spread_threshold=0.5).needs_checkpoint


def test_spread_equal_to_the_threshold_is_not_above_it():
    grade = criterion_grade(scores(3, 3, 0), equal_weights(3), levels=5)
    assert grade.level == 3
    assert grade.spread == 1.0
    assert not grade.needs_checkpoint


def test_criterion_grade_rejects_bad_input():
    with pytest.raises(ValueError, match="at least one review"):
        criterion_grade([], {}, levels=5)
    with pytest.raises(ValueError, match="outside"):
        criterion_grade(scores(5), equal_weights(1), levels=5)
    with pytest.raises(ValueError, match="only once"):
        criterion_grade([ReviewScore("r0", 1), ReviewScore("r0", 2)], equal_weights(1), levels=5)


# submission_grade


RUBRIC = {
    "clarity": RubricCriterion(points=(0, 1, 2, 3, 4), weight=2),
    "evidence": RubricCriterion(points=(0, 2, 5)),
}


def test_submission_points_and_percentage():
    grade = submission_grade(
        {"clarity": scores(3, 3, 4), "evidence": scores(1, 2)}, equal_weights(3), rubric=RUBRIC,
    )
    assert grade.criteria["clarity"].level == 3
    assert grade.criteria["evidence"].level == 1.5
    # 2 x 3 + 1 x 3.5 (half-way between 2 and 5 points) out of 2 x 4 + 1 x 5.
    assert grade.points == pytest.approx(9.5)
    assert grade.max_points == 13
    assert grade.percentage == pytest.approx(100 * 9.5 / 13)
    assert not grade.needs_checkpoint


def test_a_submission_needs_a_checkpoint_when_any_criterion_does():
    grade = submission_grade(
        {"clarity": scores(3, 3, 4), "evidence": scores(1)}, equal_weights(3), rubric=RUBRIC,
    )
    assert grade.needs_checkpoint
    assert not grade.criteria["clarity"].needs_checkpoint


def test_scores_must_cover_the_rubric():
    with pytest.raises(ValueError, match="exactly the rubric"):
        submission_grade({"clarity": scores(3)}, equal_weights(1), rubric=RUBRIC)


def test_points_for_a_level():
    assert points_for_level(2, (0, 1, 3)) == 3
    assert points_for_level(0.5, (0, 1, 3)) == 0.5
    assert points_for_level(1.5, (0, 1, 3)) == 2
    with pytest.raises(ValueError):
        points_for_level(3, (0, 1, 3))


# reviewer_score, reviewer_weight, agreement_with_finals


def test_reviewer_score_with_every_part():
    # 0.5 x 0.8 + 0.3 x 0.6 + 0.2 x mean(1, 0.5)
    assert reviewer_score(0.8, 0.6, [5, 3]) == pytest.approx(0.4 + 0.18 + 0.15)


def test_reviewer_score_renormalises_missing_parts():
    assert reviewer_score(None, 0.6, [5, 3]) == pytest.approx((0.18 + 0.15) / 0.5)
    assert reviewer_score(0.8, 0.6, []) == pytest.approx((0.4 + 0.18) / 0.8)
    assert reviewer_score(None, 0.6, []) == pytest.approx(0.6)
    assert reviewer_score(None, None, [1, 1]) == 0.0


def test_reviewer_score_without_evidence_is_zero():
    assert reviewer_score(None, None, []) == 0.0
    assert reviewer_weight(reviewer_score(None, None, [])) == MIN_REVIEWER_WEIGHT


def test_reviewer_score_rejects_out_of_range_parts():
    with pytest.raises(ValueError):
        reviewer_score(1.2, None, [])
    with pytest.raises(ValueError):
        reviewer_score(None, None, [6])


def test_reviewer_weight():
    assert reviewer_weight(0.0) == MIN_REVIEWER_WEIGHT
    assert reviewer_weight(0.5) == MIN_REVIEWER_WEIGHT
    assert reviewer_weight(0.55) == MIN_REVIEWER_WEIGHT  # 0.01 is raised to the floor
    assert reviewer_weight(0.7) == pytest.approx(0.16)
    assert reviewer_weight(0.9) == pytest.approx(0.64)
    assert reviewer_weight(1.0) == 1.0


@given(st.floats(0, 1), st.floats(0, 1))
def test_reviewer_weight_never_decreases_with_the_score(a, b):
    low, high = sorted((a, b))
    assert MIN_REVIEWER_WEIGHT <= reviewer_weight(low) <= reviewer_weight(high) <= 1


def test_agreement_with_finals_is_the_calibration_distance():
    levels_per_criterion = {"clarity": 5, "evidence": 3}
    agreement = agreement_with_finals({"clarity": 2, "evidence": 2}, {"clarity": 3.5, "evidence": 1},
                                      levels_per_criterion)
    assert agreement == pytest.approx(1 - (1.5 / 4 + 1 / 2) / 2)


# reference_without: each reviewer is judged against the grade the others gave


def test_a_reviewer_is_judged_against_the_other_reviewers_median():
    by_criterion = {"clarity": scores(1, 2, 4)}
    final = {"clarity": 2.0}  # the median of all three, r1's own level among them
    weights = equal_weights(3)
    assert reference_without("r0", by_criterion, weights, final) == {"clarity": 3.0}  # of 2 and 4
    assert reference_without("r1", by_criterion, weights, final) == {"clarity": 2.5}  # of 1 and 4
    assert reference_without("r2", by_criterion, weights, final) == {"clarity": 1.5}  # of 1 and 2


def test_the_others_keep_their_weights():
    by_criterion = {"clarity": scores(0, 1, 3)}
    weights = {"r0": 1.0, "r1": 0.1, "r2": 0.8}
    # Without r0: 1 (0.1) and 3 (0.8): the heavy reviewer decides.
    assert reference_without("r0", by_criterion, weights, {"clarity": 1.0}) == {"clarity": 3.0}


def test_an_expert_level_is_the_reference_as_it_is():
    by_criterion = {"clarity": scores(0, 3), "depth": scores(1, 1)}
    final = {"clarity": 2.0, "depth": 1.0}
    got = reference_without("r0", by_criterion, equal_weights(2), final, overridden={"clarity"})
    assert got == {"clarity": 2.0, "depth": 1.0}


def test_a_criterion_nobody_else_scored_has_no_reference():
    by_criterion = {"clarity": scores(2), "depth": scores(1, 3)}
    got = reference_without("r0", by_criterion, equal_weights(2), {"clarity": 2.0, "depth": 2.0})
    assert got == {"depth": 3.0}


def test_leaving_oneself_out_does_not_flatter_a_pair_of_reviewers():
    # Two reviewers at 0 and 3: the final (1.5) sits half-way, so each would "agree" 50%
    # with it; judged against the other one, both are three levels off.
    by_criterion = {"clarity": scores(0, 3)}
    for reviewer, other in (("r0", 3.0), ("r1", 0.0)):
        reference = reference_without(reviewer, by_criterion, equal_weights(2), {"clarity": 1.5})
        assert reference == {"clarity": other}


def test_the_method_explanation_is_three_to_five_sentences():
    sentences = [s for s in re.split(r"(?<=\.)\s+", METHOD_EXPLANATION.strip()) if s]
    assert 3 <= len(sentences) <= 5
