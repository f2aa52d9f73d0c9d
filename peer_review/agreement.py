"""Inter-rater reliability of peer review levels: Krippendorff's alpha, ordinal metric.

Written from the coincidence-matrix definition (Krippendorff, "Computing Krippendorff's
Alpha-Reliability", 2011) in plain Python, so the product does not need numpy. It matches
`krippendorff.alpha(reliability_data=..., level_of_measurement="ordinal")` (version 0.9),
which the tests check, including the package's edge cases:

* the value domain is the sorted set of values that occur anywhere in the data, including
  in units with a single value; values that occur nowhere are not in it (for the ordinal
  metric this changes nothing, since a value nobody paired adds 0 to every distance);
* units with fewer than two values are not pairable and contribute nothing;
* fewer than two distinct values in the data, or no unit with two values, is an error;
* if every pairable value is the same (no expected disagreement) the result is NaN, as
  0 / 0 is in the package.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def krippendorff_alpha_ordinal(reliability_data: Sequence[Sequence[int | None]]) -> float:
    """Krippendorff's alpha with the ordinal distance metric.

    reliability_data: one row per reviewer (coder), one column per unit (a submission's
    criterion); None where that reviewer did not score that unit.

    alpha = 1 - D_o / D_e, where, with m_u the number of values in unit u,
    o[c][k] = sum over units of (n_uc * n_uk - [c == k] * n_uc) / (m_u - 1)   (coincidences),
    n_c = sum over k of o[c][k] and n = sum of n_c (pairable values),
    d[c][k] = (sum of n_g for g from c to k - (n_c + n_k) / 2) ** 2          (ordinal metric),
    D_o = sum of o[c][k] * d[c][k] and D_e = sum of n_c * n_k * d[c][k] / (n - 1).
    1 is perfect agreement, 0 agreement at chance level, negative worse than chance.
    """
    if not reliability_data:
        raise ValueError("There is no reliability data.")
    unit_count = len(reliability_data[0])
    if any(len(row) != unit_count for row in reliability_data):
        raise ValueError("Every reviewer's row must have one entry per unit.")

    units = [
        Counter(row[unit] for row in reliability_data if row[unit] is not None)
        for unit in range(unit_count)
    ]
    domain = sorted({value for counts in units for value in counts})
    if len(domain) <= 1:
        raise ValueError("There has to be more than one value in the domain.")
    if all(counts.total() <= 1 for counts in units):
        raise ValueError("There has to be at least one unit with values assigned by at least two coders.")

    index = {value: position for position, value in enumerate(domain)}
    size = len(domain)
    coincidences = [[0.0] * size for _ in range(size)]
    for counts in units:
        pairable = counts.total()
        if pairable < 2:
            continue
        for c_value, c_count in counts.items():
            row = coincidences[index[c_value]]
            for k_value, k_count in counts.items():
                pairs = c_count * k_count - (c_count if c_value == k_value else 0)
                row[index[k_value]] += pairs / (pairable - 1)

    marginals = [sum(column) for column in zip(*coincidences, strict=True)]
    total = sum(marginals)
    # running[i] = n_0 + ... + n_(i-1), so the sum of n_g for g in c..k is running[k+1] - running[c].
    running = [0.0]
    for marginal in marginals:
        running.append(running[-1] + marginal)

    observed = expected = 0.0
    for c in range(size):
        for k in range(c + 1, size):
            distance = (running[k + 1] - running[c] - (marginals[c] + marginals[k]) / 2) ** 2
            # d and both matrices are symmetric and d is 0 on the diagonal: count each pair twice.
            observed += 2 * coincidences[c][k] * distance
            expected += 2 * marginals[c] * marginals[k] * distance
    expected /= total - 1
    if expected == 0:
        return float("nan")
    return 1 - observed / expected
