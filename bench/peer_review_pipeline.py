"""Peer review through the database, at scale: the services that run when an
assignment's submissions close (allocating k reviews to every submission) and when
its reviews close (grading every submission from its reviews), on N generated
submissions. Reviews are bulk-inserted between the two (their levels drawn around a
true level per submission, a share of reviewers careless), so the timings are of
the allocation and grading paths alone.

Usage: .venv/bin/python bench/peer_review_pipeline.py [--submissions 10000] [--k 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from common import print_table, scratch_database, setup_django


def populate(submissions: int, k: int):
    from django.utils import timezone

    from cohorts.models import CohortMembership, CohortRole, Squad, User
    from peer_review import services
    from peer_review.models import Submission, SubmissionVersion
    from tests.conftest import build_world
    from tests.peer_review.conftest import CRITERIA

    world = build_world("pipeline")
    squads = Squad.objects.bulk_create(
        Squad(cohort=world.cohort, name=f"Squad {i}") for i in range(max(1, submissions // 6))
    )
    users = User.objects.bulk_create(
        User(email=f"l{i}@pipeline.example", full_name=f"Learner {i}", organization=world.org)
        for i in range(submissions)
    )
    CohortMembership.objects.bulk_create(
        CohortMembership(
            cohort=world.cohort, user=user, role=CohortRole.LEARNER, squad=squads[i % len(squads)]
        )
        for i, user in enumerate(users)
    )
    now = timezone.now()
    rubric = services.rubric_publish(
        actor=world.facilitator,
        rubric=services.rubric_create(actor=world.facilitator, title="Bench rubric", criteria=CRITERIA),
    )
    assignment = services.assignment_publish(
        actor=world.facilitator,
        assignment=services.assignment_create(
            actor=world.facilitator,
            cohort=world.cohort,
            rubric=rubric,
            title="Bench",
            instructions="Write.",
            submission_opens_at=now - dt.timedelta(days=3),
            submission_due_at=now - dt.timedelta(days=1),
            review_due_at=now + dt.timedelta(days=5),
            reviews_per_submission=k,
        ),
    )
    rows = Submission.objects.bulk_create(
        Submission(
            assignment=assignment,
            author=user,
            created_at=now - dt.timedelta(days=2),
            updated_at=now - dt.timedelta(days=2),
        )
        for user in users
    )
    SubmissionVersion.objects.bulk_create(
        SubmissionVersion(submission=row, number=1, body="Text", body_html="<p>Text</p>", word_count=1)
        for row in rows
    )
    return assignment


def write_reviews(assignment, seed: int) -> int:
    """A review for every allocation, as reviewers would have submitted them."""
    from django.utils import timezone

    from peer_review.models import (
        AllocationState,
        Criterion,
        Review,
        ReviewAllocation,
        ReviewScore,
    )

    rng = random.Random(seed)
    criteria = [(c.pk, c.levels.count()) for c in Criterion.objects.filter(rubric=assignment.rubric_id)]
    allocations = list(
        ReviewAllocation.objects.filter(assignment=assignment, is_self=False).values_list(
            "pk", "submission_id", "reviewer_id"
        )
    )
    truth = {sub: {pk: rng.randrange(n) for pk, n in criteria} for _, sub, _ in allocations}
    careless = {reviewer for _, _, reviewer in allocations if rng.random() < 0.15}
    now = timezone.now()
    reviews = Review.objects.bulk_create(
        Review(
            allocation_id=pk,
            submission_id=sub,
            reviewer_id=reviewer,
            comment="Useful.",
            submission_version=1,
            submitted_at=now,
        )
        for pk, sub, reviewer in allocations
    )
    scores = []
    for review, (_, sub, reviewer) in zip(reviews, allocations, strict=True):
        for pk, n in criteria:
            level = (
                rng.randrange(n)
                if reviewer in careless
                else min(n - 1, max(0, truth[sub][pk] + rng.choice([-1, 0, 0, 0, 1])))
            )
            scores.append(ReviewScore(review=review, criterion_id=pk, level=level))
    ReviewScore.objects.bulk_create(scores, batch_size=5000)
    ReviewAllocation.objects.filter(assignment=assignment).update(state=AllocationState.SUBMITTED)
    return len(reviews)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--k", type=int, default=3)
    args = parser.parse_args()
    setup_django()
    from celery import current_app
    from django.db import connection

    # The consumers of the events these steps emit run on the workers, not here:
    # queue the dispatch messages in memory and time the services alone.
    current_app.conf.task_always_eager = False
    current_app.conf.broker_url = "memory://"
    from django.utils import timezone

    from peer_review import services
    from peer_review.models import Checkpoint, Grade, ReviewAllocation

    with scratch_database():
        assignment = populate(args.submissions, args.k)
        started = time.perf_counter()
        made = services.reviews_allocate(assignment.pk)
        allocate_seconds = time.perf_counter() - started
        reviews = write_reviews(assignment, seed=7)
        assignment.review_due_at = timezone.now() - dt.timedelta(seconds=1)
        assignment.save(update_fields=["review_due_at"])
        started = time.perf_counter()
        graded = services.reviews_close(assignment.pk)
        grade_seconds = time.perf_counter() - started
        loads = {}
        for reviewer_id in ReviewAllocation.objects.filter(assignment=assignment).values_list(
            "reviewer_id", flat=True
        ):
            loads[reviewer_id] = loads.get(reviewer_id, 0) + 1
        print_table(
            f"Peer review through the services on {connection.vendor}, "
            f"{args.submissions:,} submissions, k={args.k}",
            ["step", "seconds", "result"],
            [
                [
                    "allocate (reviews_allocate)",
                    f"{allocate_seconds:.2f}",
                    f"{made:,} allocations; loads {min(loads.values())}-{max(loads.values())}",
                ],
                [
                    "grade at close (reviews_close)",
                    f"{grade_seconds:.2f}",
                    f"{graded:,} submissions from {reviews:,} reviews: "
                    f"{Grade.objects.filter(state='final').count():,} final, "
                    f"{Checkpoint.objects.count():,} to an expert",
                ],
                ["together", f"{allocate_seconds + grade_seconds:.2f}", "goal: under 10 s"],
            ],
        )


if __name__ == "__main__":
    main()
