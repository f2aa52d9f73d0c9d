"""Calibrated peer review against the plain median, on simulated learners whose true
levels are known; then the time to allocate and grade 10,000 submissions.

Each learner submits one piece of work with a true level on 3 criteria of 5 levels and
reviews k others. An honest reviewer reports the true level shifted by a personal bias plus
noise, rounded and clipped to the scale; a careless one (15% by default) picks levels at
random. Before reviewing, everyone scores 3 expert-scored examples the same way, which
gives their calibration accuracy and from it their weight. No database is used.

Usage: .venv/bin/python bench/peer_review_simulation.py [--learners 2000] [--careless 0.15]
       [--k 3] [--timing-submissions 10000] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import dataclass

from common import print_table, setup_django

CRITERIA = ("clarity", "evidence", "structure")
LEVELS = 5
CALIBRATION_EXAMPLES = 3


@dataclass(frozen=True)
class Reviewer:
    bias: float
    noise: float
    careless: bool

    def level(self, true_level: int, rng: random.Random) -> int:
        if self.careless:
            return rng.randrange(LEVELS)
        observed = round(true_level + self.bias + rng.gauss(0, self.noise))
        return min(LEVELS - 1, max(0, observed))


@dataclass(frozen=True)
class LocalAllocation:
    reviewer: int
    submission: int


def true_levels(rng: random.Random) -> dict[str, int]:
    # Work is mostly middling with some at both ends, like graded coursework.
    return {c: min(LEVELS - 1, max(0, round(rng.gauss(2.2, 1.1)))) for c in CRITERIA}


def make_reviewer(rng: random.Random, careless_share: float) -> Reviewer:
    return Reviewer(bias=rng.gauss(0, 0.5), noise=rng.uniform(0.3, 1.0),
                    careless=rng.random() < careless_share)


def round_robin_allocate(submissions: dict[int, int], k: int, rng: random.Random) -> list[LocalAllocation]:
    """Stand-in for peer_review.allocation.allocate: authors in a shuffled ring, each
    reviewing the next k authors' submissions (never their own, every submission k times)."""
    by_author = {author: submission for submission, author in submissions.items()}
    ring = list(by_author)
    rng.shuffle(ring)
    return [
        LocalAllocation(reviewer=author, submission=by_author[ring[(position + step) % len(ring)]])
        for position, author in enumerate(ring)
        for step in range(1, k + 1)
    ]


def allocator(rng: random.Random):
    """peer_review.allocation.allocate when it exists, else the local round robin."""
    try:
        from peer_review.allocation import allocate
    except ImportError:
        return "local round robin (peer_review.allocation not available)", (
            lambda submissions, k: round_robin_allocate(submissions, k, rng))
    return "peer_review.allocation.allocate", allocate


def ora2_median(levels: list[int]) -> float:
    """ORA2's peer median (Assessment.get_median_score): the middle value, or for an even
    count the mean of the two middle values rounded up."""
    ordered = sorted(levels)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return math.ceil((ordered[middle - 1] + ordered[middle]) / 2)


def simulate(learners: int, careless_share: float, k: int, rng: random.Random, allocate):
    from peer_review.calibration import calibration_accuracy, mean_calibration_accuracy
    from peer_review.grading import ReviewScore, criterion_grade, reviewer_score, reviewer_weight

    levels_per_criterion = dict.fromkeys(CRITERIA, LEVELS)
    truths = {learner: true_levels(rng) for learner in range(learners)}
    reviewers = {learner: make_reviewer(rng, careless_share) for learner in range(learners)}
    examples = [true_levels(rng) for _ in range(CALIBRATION_EXAMPLES)]
    weights = {}
    for learner, reviewer in reviewers.items():
        accuracy = mean_calibration_accuracy(
            calibration_accuracy({c: reviewer.level(expert[c], rng) for c in CRITERIA}, expert,
                                 levels_per_criterion)
            for expert in examples
        )
        weights[learner] = reviewer_weight(reviewer_score(None, accuracy, []))

    submissions = {learner: learner for learner in range(learners)}  # submission id = author id
    reviews: dict[int, list[int]] = {submission: [] for submission in submissions}
    for allocation in allocate(submissions, k):
        reviews[allocation.submission].append(allocation.reviewer)

    plain_error = weighted_error = 0.0
    plain_exact = weighted_exact = checkpoints = graded = 0
    for submission, reviewer_ids in reviews.items():
        if not reviewer_ids:
            continue
        graded += 1
        needs_checkpoint = False
        for criterion in CRITERIA:
            truth = truths[submission][criterion]
            levels = [reviewers[r].level(truth, rng) for r in reviewer_ids]
            plain = ora2_median(levels)
            peer_scores = [ReviewScore(r, level) for r, level in zip(reviewer_ids, levels, strict=True)]
            grade = criterion_grade(peer_scores, weights, levels=LEVELS)
            plain_error += abs(plain - truth)
            weighted_error += abs(grade.level - truth)
            plain_exact += plain == truth
            weighted_exact += grade.level == truth
            needs_checkpoint |= grade.needs_checkpoint
        checkpoints += needs_checkpoint
    cells = graded * len(CRITERIA)
    return {
        "plain_mae": plain_error / cells, "weighted_mae": weighted_error / cells,
        "plain_exact": plain_exact / cells, "weighted_exact": weighted_exact / cells,
        "checkpoint_share": checkpoints / graded, "graded": graded,
        "careless": sum(r.careless for r in reviewers.values()),
    }


def time_allocate_and_grade(
    submission_count: int, k: int, rng: random.Random, allocate
) -> tuple[float, float]:
    from peer_review.grading import ReviewScore, RubricCriterion, submission_grade

    submissions = {submission: submission for submission in range(submission_count)}
    started = time.perf_counter()
    allocations = allocate(submissions, k)
    allocate_seconds = time.perf_counter() - started

    # Review levels and weights are made before the clock starts: only grading is timed.
    rubric = {c: RubricCriterion(points=(0, 1, 2, 3, 4)) for c in CRITERIA}
    weights = {learner: rng.uniform(0.05, 1.0) for learner in range(submission_count)}
    scores: dict[int, dict[str, list[ReviewScore]]] = {s: {c: [] for c in CRITERIA} for s in submissions}
    for allocation in allocations:
        for criterion in CRITERIA:
            scores[allocation.submission][criterion].append(
                ReviewScore(allocation.reviewer, rng.randrange(LEVELS)))
    started = time.perf_counter()
    for by_criterion in scores.values():
        submission_grade(by_criterion, weights, rubric=rubric)
    return allocate_seconds, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--careless", type=float, default=0.15, help="share of careless reviewers")
    parser.add_argument("--k", type=int, default=3, help="reviews per submission")
    parser.add_argument("--timing-submissions", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    setup_django()  # the allocation module may use Django; the grading math does not

    rng = random.Random(args.seed)
    allocation_source, allocate = allocator(rng)
    result = simulate(args.learners, args.careless, args.k, rng, allocate)
    improvement = 100 * (result["plain_mae"] - result["weighted_mae"]) / result["plain_mae"]
    print(f"Allocation: {allocation_source}")
    print_table(
        f"Peer grades against the truth ({result['graded']} submissions x {len(CRITERIA)} criteria of "
        f"{LEVELS} levels, k={args.k}, {result['careless']} careless reviewers, seed {args.seed})",
        ["method", "mean abs. error (levels)", "exact", "improvement", "sent to checkpoint"],
        [
            ["plain median (ORA2)", f"{result['plain_mae']:.3f}", f"{result['plain_exact']:.1%}", "", ""],
            ["calibration-weighted median", f"{result['weighted_mae']:.3f}",
             f"{result['weighted_exact']:.1%}", f"{improvement:.1f}%", f"{result['checkpoint_share']:.1%}"],
        ],
    )

    allocate_seconds, grade_seconds = time_allocate_and_grade(args.timing_submissions, args.k, rng, allocate)
    total = allocate_seconds + grade_seconds
    print_table(
        f"Allocating and grading {args.timing_submissions:,} submissions, k={args.k} (goal: under 10 s)",
        ["allocate s", "grade s", "total s", "within goal"],
        [[f"{allocate_seconds:.2f}", f"{grade_seconds:.2f}", f"{total:.2f}", "yes" if total < 10 else "NO"]],
    )


if __name__ == "__main__":
    main()
