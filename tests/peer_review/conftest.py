"""Fixtures for peer review: a published rubric, assignments built through the
services, and helpers that move an assignment along its timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from cohorts.models import CohortRole
from peer_review import services
from peer_review.models import Assignment, Criterion, ReviewAllocation
from tests.factories import MembershipFactory, SquadFactory

CRITERIA = [
    {
        "title": "Clarity",
        "description": "Can a newcomer follow it?",
        "weight": 1,
        "comment_prompt": "Where did you get lost?",
        "levels": [
            {"points": 0, "descriptor": "Hard to follow"},
            {"points": 1, "descriptor": "Mostly clear"},
            {"points": 2, "descriptor": "Clear"},
            {"points": 3, "descriptor": "Crystal clear"},
        ],
    },
    {
        "title": "Evidence",
        "description": "Are claims backed up?",
        "weight": 2,
        "levels": [
            {"points": 0, "descriptor": "None"},
            {"points": 2, "descriptor": "Some"},
            {"points": 4, "descriptor": "Strong"},
        ],
    },
]


@pytest.fixture
def rubric(world):
    rubric = services.rubric_create(actor=world.facilitator, title="Writing rubric", criteria=CRITERIA)
    return services.rubric_publish(actor=world.facilitator, rubric=rubric)


@dataclass
class Timeline:
    """An assignment's moments, relative to now: submissions opened two days ago."""

    opens: dt.datetime
    due: dt.datetime
    review_due: dt.datetime


@pytest.fixture
def timeline() -> Timeline:
    now = timezone.now()
    return Timeline(
        opens=now - dt.timedelta(days=2),
        due=now + dt.timedelta(days=1),
        review_due=now + dt.timedelta(days=8),
    )


@pytest.fixture
def make_assignment(world, rubric, timeline):
    def make(publish=True, examples=0, **fields) -> Assignment:
        values = {
            "title": "Write a one-page proposal",
            "instructions": "Propose **one** change.",
            "submission_opens_at": timeline.opens,
            "submission_due_at": timeline.due,
            "review_due_at": timeline.review_due,
            "calibration_examples": examples,
        } | fields
        assignment = services.assignment_create(
            actor=world.facilitator, cohort=world.cohort, rubric=rubric, **values
        )
        for number in range(examples):
            example = services.example_create(
                actor=world.expert,
                assignment=assignment,
                title=f"Example {number + 1}",
                body=f"Sample proposal {number + 1}.",
            )
            criteria = list(rubric.criteria.all())
            services.example_score(
                actor=world.expert,
                example=example,
                scores={criteria[0].pk: (2, "Clear but long."), criteria[1].pk: (1, "One source.")},
            )
        if publish:
            assignment = services.assignment_publish(actor=world.facilitator, assignment=assignment)
        return assignment

    return make


@pytest.fixture
def learners(world):
    """n more learners in the cohort (the world's learner and peer mentor come first)."""

    def make(n: int, squad=None):
        squad = squad or SquadFactory(cohort=world.cohort)
        return [
            MembershipFactory(cohort=world.cohort, squad=squad, role=CohortRole.LEARNER).user
            for _ in range(n)
        ]

    return make


def levels_for(assignment: Assignment, *levels: int, comment: str = "") -> dict[int, tuple[int, str]]:
    """{criterion id: (level, comment)} in rubric order."""
    criteria = list(Criterion.objects.filter(rubric=assignment.rubric_id).order_by("order", "pk"))
    return {c.pk: (level, comment) for c, level in zip(criteria, levels, strict=True)}


def submit_all(assignment, people, timeline):
    at = timeline.opens + dt.timedelta(hours=1)
    return [
        services.submission_save(
            actor=person, assignment=assignment, body=f"My proposal, by {person.email}.", now=at
        )
        for person in people
    ]


def allocations_of(user, assignment):
    return list(
        ReviewAllocation.objects.filter(assignment=assignment, reviewer=user, is_self=False, state="assigned")
    )


def deliver_events():
    """Run every consumer on every event, as the worker would after commit (test
    transactions never commit); consuming twice is harmless."""
    from core import events
    from core.models import Event

    for event_id, verb in Event.objects.values_list("pk", "verb"):
        for target in events.consumers_for(verb):
            events.consume(target.name, str(event_id))
