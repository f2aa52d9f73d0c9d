"""Calibration accuracy: 1 - the mean normalised level distance to the expert."""

from __future__ import annotations

import pytest

from peer_review.calibration import calibration_accuracy, level_agreement, mean_calibration_accuracy

FIVE_LEVELS = {"clarity": 5, "evidence": 5, "structure": 5}


def test_matching_the_expert_everywhere_is_one():
    levels = {"clarity": 3, "evidence": 1, "structure": 4}
    assert calibration_accuracy(levels, levels, FIVE_LEVELS) == 1.0


def test_opposite_ends_of_every_scale_is_zero():
    learner = {"clarity": 0, "evidence": 4, "structure": 0}
    expert = {"clarity": 4, "evidence": 0, "structure": 4}
    assert calibration_accuracy(learner, expert, FIVE_LEVELS) == 0.0


def test_one_level_off_on_one_of_three_criteria():
    learner = {"clarity": 2, "evidence": 1, "structure": 4}
    expert = {"clarity": 3, "evidence": 1, "structure": 4}
    assert calibration_accuracy(learner, expert, FIVE_LEVELS) == pytest.approx(1 - (1 / 4) / 3)


def test_distance_is_relative_to_each_criterions_own_scale():
    # Two off of 5 levels (2/4) and one off of 3 levels (1/2) cost the same.
    levels_per_criterion = {"five": 5, "three": 3}
    assert calibration_accuracy({"five": 0, "three": 2}, {"five": 2, "three": 2}, levels_per_criterion) == (
        calibration_accuracy({"five": 2, "three": 1}, {"five": 2, "three": 2}, levels_per_criterion)
    ) == pytest.approx(0.75)


def test_a_single_level_criterion_counts_as_a_match():
    levels_per_criterion = {"submitted": 1, "clarity": 5}
    accuracy = calibration_accuracy({"submitted": 0, "clarity": 0}, {"submitted": 0, "clarity": 4},
                                    levels_per_criterion)
    assert accuracy == 0.5


def test_a_fractional_reference_level():
    assert level_agreement({"clarity": 2}, {"clarity": 2.5}, {"clarity": 5}) == pytest.approx(1 - 0.5 / 4)


def test_a_missing_criterion_or_out_of_range_level_is_an_error():
    with pytest.raises(ValueError, match="No level given"):
        calibration_accuracy({"clarity": 2}, {"clarity": 2, "evidence": 1}, FIVE_LEVELS)
    with pytest.raises(ValueError, match=r"0\.\.4"):
        calibration_accuracy({"clarity": 5}, {"clarity": 2}, FIVE_LEVELS)


def test_accuracy_over_several_examples_is_their_mean():
    assert mean_calibration_accuracy([1.0, 0.75, 0.5]) == pytest.approx(0.75)
    assert mean_calibration_accuracy([]) is None
