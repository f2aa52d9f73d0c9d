"""Krippendorff's ordinal alpha: equal to the `krippendorff` package on random data with
missing values, and the textbook cases by hand."""

from __future__ import annotations

import math
import random
import warnings

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peer_review.agreement import krippendorff_alpha_ordinal


def package_alpha(data: list[list[int | None]]) -> float:
    array = np.array([[np.nan if value is None else value for value in row] for row in data], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0 / 0 when nothing could disagree
        return float(krippendorff.alpha(reliability_data=array, level_of_measurement="ordinal"))


def random_data(rng: random.Random) -> list[list[int | None]]:
    coders, units, levels = rng.randint(2, 8), rng.randint(2, 60), rng.randint(2, 6)
    missing = rng.choice([0.0, 0.2, 0.5])
    # Reviewers near a unit's true level make alpha land anywhere from negative to near 1.
    noise = rng.choice([0, 1, 2, levels])
    truths = [rng.randrange(levels) for _ in range(units)]
    return [
        [None if rng.random() < missing
         else min(levels - 1, max(0, truths[unit] + rng.randint(-noise, noise)))
         for unit in range(units)]
        for _ in range(coders)
    ]


def assert_same_as_package(data: list[list[int | None]]) -> None:
    try:
        expected = package_alpha(data)
    except ValueError:
        with pytest.raises(ValueError):
            krippendorff_alpha_ordinal(data)
        return
    actual = krippendorff_alpha_ordinal(data)
    if math.isnan(expected):
        assert math.isnan(actual)
    else:
        assert actual == pytest.approx(expected, abs=1e-9)


def test_equals_the_package_on_seeded_random_data():
    rng = random.Random(20240611)
    for _ in range(500):
        assert_same_as_package(random_data(rng))


reliability_data = st.integers(2, 8).flatmap(
    lambda coders: st.integers(2, 60).flatmap(
        lambda units: st.integers(2, 6).flatmap(
            lambda levels: st.lists(
                st.lists(st.one_of(st.none(), st.integers(0, levels - 1)), min_size=units, max_size=units),
                min_size=coders, max_size=coders,
            )
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(reliability_data)
def test_equals_the_package_on_generated_data(data):
    assert_same_as_package(data)


def test_the_package_documentation_example():
    # Krippendorff (2011), p. 8; the package documents ordinal alpha 0.815 for it.
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    assert round(krippendorff_alpha_ordinal(data), 3) == 0.815
    assert krippendorff_alpha_ordinal(data) == pytest.approx(package_alpha(data), abs=1e-12)


def test_perfect_agreement_is_one():
    data = [[0, 1, 2, 3, None], [0, 1, 2, 3, 4], [None, 1, 2, 3, 4]]
    assert krippendorff_alpha_ordinal(data) == 1.0


def test_two_coders_opposite_on_two_units_by_hand():
    # Units (0, 1) and (1, 0): o[0][1] = o[1][0] = 2, n_0 = n_1 = 2, n = 4, d[0][1] = (4 - 2)^2 = 4.
    # D_o = 2 * 2 * 4 = 16; D_e = 2 * (2 * 2 * 4) / 3 = 32 / 3; alpha = 1 - 16 / (32 / 3) = -0.5.
    assert krippendorff_alpha_ordinal([[0, 1], [1, 0]]) == pytest.approx(-0.5)


def test_units_with_one_value_add_nothing():
    base = [[0, 1, 2, 1], [0, 2, 2, 1]]
    with_singletons = [[*row, value, None] for row, value in zip(base, [3, None], strict=True)]
    # The lone 3 joins the domain but nobody paired it, so every distance is unchanged.
    assert krippendorff_alpha_ordinal(with_singletons) == pytest.approx(krippendorff_alpha_ordinal(base))


def test_a_single_value_in_the_data_is_an_error():
    with pytest.raises(ValueError, match="more than one value"):
        krippendorff_alpha_ordinal([[2, 2], [2, None]])


def test_no_unit_with_two_values_is_an_error():
    with pytest.raises(ValueError, match="at least two coders"):
        krippendorff_alpha_ordinal([[0, None], [None, 1]])


def test_no_possible_disagreement_is_nan_like_the_package():
    data = [[1, 1, 2], [1, 1, None]]  # the only 2 is unpaired: every pair is (1, 1)
    assert math.isnan(krippendorff_alpha_ordinal(data))
    assert math.isnan(package_alpha(data))


def test_ragged_rows_are_an_error():
    with pytest.raises(ValueError, match="one entry per unit"):
        krippendorff_alpha_ordinal([[0, 1], [0]])
