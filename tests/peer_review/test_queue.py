"""Regrade requests and expert checkpoints reach the facilitators' moderation queue
with the reviews attached, and nobody else's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from discussions import moderation_queue
from discussions import services as discussion_services
from peer_review import services
from peer_review.models import Checkpoint, Grade

from .conftest import allocations_of, levels_for, submit_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(world, make_assignment, learners, timeline):
    """A regrade request on the learner's final grade and a checkpoint on a disputed one."""
    assignment = make_assignment(reviews_per_submission=2, anonymous_reviews=False)
    people = [world.learner, world.peer_mentor, *learners(1)]
    submit_all(assignment, people, timeline)
    services.reviews_allocate(assignment.pk, now=timeline.due)
    third = people[2]
    for person in people:
        for allocation in allocations_of(person, assignment):
            split = allocation.submission.author_id == third.pk and person == world.learner
            services.review_submit(
                actor=person,
                allocation=allocation,
                comment="Specific and kind.",
                levels=levels_for(assignment, *((0, 0) if split else (3, 2))),
            )
    graded = Grade.objects.get(submission__author=world.learner)
    dispute = services.dispute_open(
        actor=world.learner,
        submission=graded.submission,
        reason="My evidence section cites three studies, please look again.",
    )
    checkpoint = Checkpoint.objects.get(submission__author=third)
    return {"assignment": assignment, "dispute": dispute, "checkpoint": checkpoint}


def test_facilitators_see_both_cases_with_the_reviews(world, cases):
    items = {item.reason: item for item in moderation_queue.queue_for(world.facilitator)}
    regrade, checkpoint = items["regrade_request"], items["expert_checkpoint"]
    assert regrade.score > checkpoint.score
    assert "asks for a regrade" in regrade.text and "2 reviews attached" in regrade.text
    assert regrade.url == reverse("peer_review:dispute_answer", args=[cases["dispute"].pk])
    assert checkpoint.url == reverse("peer_review:checkpoint", args=[cases["checkpoint"].pk])
    assert "disagree" in checkpoint.text
    assert len(regrade.detail["reviewers"]) == 2
    assert [row["criterion"] for row in regrade.detail["rows"]] == ["Clarity", "Evidence"]
    assert regrade.detail["rows"][0]["cells"] == ["4 of 4", "4 of 4"]


def test_the_queue_page_shows_the_case_and_where_to_answer_it(client, world, cases):
    client.force_login(world.facilitator)
    page = client.get(reverse("discussions:moderation")).content.decode()
    assert "Regrade request" in page and "Expert checkpoint" in page
    assert "The reviews, side by side" in page
    assert reverse("peer_review:dispute_answer", args=[cases["dispute"].pk]) in page
    assert "Answer the request" in page and "Set the grade" in page


def test_learner_moderators_and_other_organisations_do_not_see_them(world, other_world, cases):
    discussion_services.moderator_set(
        actor=world.facilitator, membership=world.peer_mentor.cohort_memberships.get(cohort=world.cohort)
    )
    from core import policy

    policy.forget_roles(world.peer_mentor)
    reasons = {item.reason for item in moderation_queue.queue_for(world.peer_mentor)}
    assert not reasons & {"regrade_request", "expert_checkpoint"}
    assert not moderation_queue.queue_for(other_world.facilitator)


def test_answered_cases_leave_the_queue(world, cases):
    assignment = cases["assignment"]
    services.dispute_resolve(
        actor=world.facilitator,
        dispute=cases["dispute"],
        outcome="upheld",
        response="The reviewers weighed all three studies.",
    )
    services.checkpoint_resolve(
        actor=world.expert,
        checkpoint=cases["checkpoint"],
        levels=levels_for(assignment, 2, 1),
        reason="Read it: solid, thin on sources.",
    )
    reasons = {item.reason for item in moderation_queue.queue_for(world.facilitator)}
    assert not reasons & {"regrade_request", "expert_checkpoint"}


def test_queue_queries_do_not_grow_with_cases(world, cases, django_assert_max_num_queries):
    from core import policy

    policy.forget_roles(world.facilitator)
    with django_assert_max_num_queries(14):
        moderation_queue.queue_for(world.facilitator)
