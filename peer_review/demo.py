"""Peer review demo data for `make run`, loaded after the cohorts' demo: in the
autumn cohort, one assignment in its review phase (calibrated, allocated, half
reviewed, some grades final, one at an expert checkpoint) and one still taking
submissions. Loading twice changes nothing."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cohorts.models import Cohort, CohortRole, CohortStep, User

from . import services
from .models import AllocationState, Assignment, Criterion, Grade, GradeState, ReviewAllocation

RUBRIC = [
    {
        "title": "Specific behaviour",
        "weight": 2,
        "description": "Does the opening name what the person did, not who they are?",
        "comment_prompt": "Quote the sentence that is most (or least) specific.",
        "levels": [
            {"points": 0, "descriptor": "About the person, not the behaviour"},
            {"points": 1, "descriptor": "A behaviour, but vague"},
            {"points": 2, "descriptor": "A specific, observed behaviour"},
            {"points": 3, "descriptor": "Specific, with situation and impact"},
        ],
    },
    {
        "title": "Invites dialogue",
        "weight": 1,
        "description": "Does it leave room for the other person's view?",
        "levels": [
            {"points": 0, "descriptor": "A verdict"},
            {"points": 1, "descriptor": "One question"},
            {"points": 2, "descriptor": "Genuinely curious"},
        ],
    },
    {
        "title": "Next step",
        "weight": 1,
        "description": "Is there a concrete, shared next step?",
        "levels": [
            {"points": 0, "descriptor": "None"},
            {"points": 1, "descriptor": "Implied"},
            {"points": 2, "descriptor": "Concrete and agreed"},
        ],
    },
]
EXAMPLE = (
    "Opening for a missed deadline",
    '"Hi Alex, on Tuesday the release notes went out a day late (situation). The support team '
    "answered twenty tickets without them (impact). What got in the way? Could we agree on a "
    'check-in the day before the next release?"',
)
DRAFTS = [
    "When you interrupted Priya twice in Monday's planning meeting, she stopped sharing ideas. "
    "What did you notice? Could we try a round-robin next week?",
    "Your reports are always late and it is frustrating. Please fix it.",
    "In yesterday's demo you explained the data model clearly, and the client signed off. "
    "I'd love you to run the next one. What support would help?",
]


def _levels(assignment: Assignment, rng: random.Random, quality: int) -> dict[int, tuple[int, str]]:
    levels = {}
    for criterion in Criterion.objects.filter(rubric=assignment.rubric_id).prefetch_related("levels"):
        top = len(criterion.levels.all()) - 1
        levels[criterion.pk] = (max(0, min(top, quality + rng.choice([-1, 0, 0, 1]))), "")
    return levels


@transaction.atomic
def load_demo() -> dict[str, int]:
    created = {"peer review assignments": 0}
    cohort = Cohort.objects.filter(slug="leading-with-feedback-autumn").first()
    if cohort is None or Assignment.objects.filter(cohort=cohort).exists():
        return created
    facilitator = User.objects.get(email="facilitator@acme.example")
    expert = User.objects.get(email="expert@acme.example")
    learners = list(
        User.objects.filter(
            cohort_memberships__cohort=cohort,
            cohort_memberships__role__in=[CohortRole.LEARNER, CohortRole.PEER_MENTOR],
        ).order_by("email")
    )
    dana = next(user for user in learners if user.email == "learner@acme.example")
    others = [user for user in learners if user != dana]
    now = timezone.now()
    rng = random.Random(7)

    rubric = services.rubric_create(
        actor=facilitator,
        title="Feedback conversation",
        criteria=RUBRIC,
        description="For openings of a feedback conversation.",
    )
    services.rubric_publish(actor=facilitator, rubric=rubric)
    step = CohortStep.objects.filter(cohort=cohort, title="Draft a feedback conversation").first()
    assignment = services.assignment_create(
        actor=facilitator,
        cohort=cohort,
        rubric=rubric,
        step=step,
        title="Draft a feedback conversation",
        instructions="Write the **opening** (3-5 sentences) of a feedback conversation you need to have. "
        "Name the situation, the behaviour and its impact, and invite their view.",
        submission_opens_at=now - dt.timedelta(days=5),
        submission_due_at=now - dt.timedelta(days=1),
        review_due_at=now + dt.timedelta(days=6),
        calibration_examples=1,
        review_hours=72,
    )
    example = services.example_create(actor=expert, assignment=assignment, title=EXAMPLE[0], body=EXAMPLE[1])
    criteria = list(rubric.criteria.all())
    services.example_score(
        actor=expert,
        example=example,
        scores={
            criteria[0].pk: (3, "Situation, behaviour and impact are all there."),
            criteria[1].pk: (2, "An open question, asked before proposing anything."),
            criteria[2].pk: (1, "A check-in is proposed but not yet agreed."),
        },
    )
    assignment = services.assignment_publish(actor=facilitator, assignment=assignment)

    # Everyone but the last learner submitted; everyone but Dana calibrated.
    for number, person in enumerate([dana, *others[:-1]]):
        services.submission_save(
            actor=person,
            assignment=assignment,
            body=DRAFTS[number % len(DRAFTS)],
            now=now - dt.timedelta(days=4, hours=number),
        )
    for person in others[:-1]:
        picks = (rng.choice([2, 3]), 2, rng.choice([0, 1]))
        services.calibration_submit(
            actor=person, example=example, levels={c.pk: p for c, p in zip(criteria, picks, strict=True)}
        )
    services.reviews_allocate(assignment.pk, now=now - dt.timedelta(days=1))
    # Most reviewers are done; two are still working on theirs. Dana's work has all its
    # reviews, carefully done, so it has a final grade for her to dispute.
    dana_submission = assignment.submissions.get(author=dana)
    busy = {dana.pk, *(person.pk for person in others[:2])}
    for allocation in (
        ReviewAllocation.objects.filter(assignment=assignment, state=AllocationState.ASSIGNED)
        .exclude(Q(reviewer_id__in=busy) & ~Q(submission=dana_submission))
        .select_related("reviewer")
        .order_by("pk")
    ):
        for_dana = allocation.submission_id == dana_submission.pk
        quality = 2 if for_dana else rng.choice([1, 2])
        careless = allocation.reviewer.email == "raj@acme.example" and not for_dana
        services.review_submit(
            actor=allocation.reviewer,
            allocation=allocation,
            levels=_levels(assignment, rng, 0 if careless else quality),
            comment="Clear situation and impact. Try asking for their view before proposing a fix.",
            now=now - dt.timedelta(hours=rng.randint(2, 20)),
        )
    # Dana disputes her grade, so the facilitator's queue shows a regrade request.
    if Grade.objects.filter(submission=dana_submission, state=GradeState.FINAL).exists():
        services.dispute_open(actor=dana, submission=dana_submission,
                              reason="My opening names the behaviour and its impact; I think "
                                     "\"Specific behaviour\" deserves the top level.")
    created["peer review assignments"] += 1

    services.assignment_publish(
        actor=facilitator,
        assignment=services.assignment_create(
            actor=facilitator,
            cohort=cohort,
            rubric=rubric,
            title="Write your feedback pledge",
            instructions="One paragraph: the feedback habit you commit to next quarter, and its sign.",
            submission_opens_at=now - dt.timedelta(days=1),
            submission_due_at=now + dt.timedelta(days=4),
            review_due_at=now + dt.timedelta(days=10),
            reviews_per_submission=2,
        ),
    )
    created["peer review assignments"] += 1
    return created
