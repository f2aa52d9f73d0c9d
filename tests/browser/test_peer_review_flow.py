"""Peer review in a real browser: a learner calibrates against the expert, reviews a
classmate and rates the usefulness of a review of their own work; an expert settles
a checkpoint and the learner sees the final grade with the expert's reason."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from cohorts.models import CohortRole
from peer_review import services
from peer_review.models import Checkpoint, Grade, Review, ReviewAllocation, UsefulnessRating
from tests.factories import MembershipFactory
from tests.peer_review.conftest import CRITERIA

from .support import playwright_expect

expect = playwright_expect()
pytestmark = pytest.mark.browser


@pytest.fixture
def reviewing(world):
    """An assignment in its review phase: the learner, the peer mentor and a third learner
    submitted, reviews are allocated (k=2), and the two others have calibrated and done
    all their reviews, so the learner's own grade is final. The learner has not calibrated."""
    now = timezone.now()
    rubric = services.rubric_publish(actor=world.facilitator, rubric=services.rubric_create(
        actor=world.facilitator, title="Writing rubric", criteria=CRITERIA))
    assignment = services.assignment_create(
        actor=world.facilitator, cohort=world.cohort, rubric=rubric, title="One-page proposal",
        instructions="Propose one change.", submission_opens_at=now - dt.timedelta(days=3),
        submission_due_at=now - dt.timedelta(hours=1), review_due_at=now + dt.timedelta(days=7),
        reviews_per_submission=2, calibration_examples=1, anonymous_reviews=False,
        spread_threshold=0.5)
    example = services.example_create(actor=world.expert, assignment=assignment, title="A sample proposal",
                                      body="Move stand-ups to Tuesdays.")
    clarity, evidence = rubric.criteria.order_by("order")
    services.example_score(actor=world.expert, example=example, scores={
        clarity.pk: (2, "Clear, but the why comes late."), evidence.pk: (1, "One anecdote, no data.")})
    assignment = services.assignment_publish(actor=world.facilitator, assignment=assignment)
    third = MembershipFactory(cohort=world.cohort, squad=world.squad, role=CohortRole.LEARNER).user
    people = [world.learner, world.peer_mentor, third]
    for person in people:
        services.submission_save(actor=person, assignment=assignment, body=f"Proposal by {person.full_name}.",
                                 now=now - dt.timedelta(days=2))
    services.reviews_allocate(assignment.pk, now=now - dt.timedelta(minutes=30))
    for person in people[1:]:
        services.calibration_submit(actor=person, example=example, levels={clarity.pk: 2, evidence.pk: 1})
        for allocation in ReviewAllocation.objects.filter(reviewer=person, assignment=assignment):
            services.review_submit(actor=person, allocation=allocation,
                                   levels={clarity.pk: (2, ""), evidence.pk: (1, "")},
                                   comment=f"{person.full_name}: name the cost of the status quo.")
    return assignment


def test_learner_calibrates_reviews_and_rates_a_review(page, log_in, world, reviewing):
    assignment = reviewing
    log_in(world.learner)

    # Calibrate: score the example, then see each level beside the expert's with the reason.
    page.goto(f"/peer-review/{assignment.pk}/")
    page.get_by_role("button", name="Calibrate", exact=True).click()
    expect(page.get_by_role("heading", name="A sample proposal")).to_be_visible()
    page.get_by_role("group", name="Clarity").get_by_label(re.compile(r"Crystal clear")).check()
    page.get_by_role("group", name="Evidence").get_by_label(re.compile(r"Some \(")).check()
    page.get_by_role("button", name="Compare with the expert").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("How you compare")
    table = page.get_by_role("table")
    expect(table).to_contain_text("Clear, but the why comes late.")
    expect(table).to_contain_text("1 level apart")
    expect(page.locator("hgroup")).to_contain_text("83%")  # 1 - (1/3 + 0) / 2: one of 3 steps off, once

    # Review a classmate: the rubric, a comment, submitted.
    page.get_by_role("button", name="Go to your reviews").click()
    reviews = page.locator("#reviews")
    reviews.get_by_role("link", name=re.compile("work")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("work")
    page.get_by_role("group", name="Clarity").get_by_label(re.compile(r"Clear \(")).check()
    page.get_by_role("group", name="Evidence").get_by_label(re.compile(r"Strong \(")).check()
    page.get_by_label("Overall comment").fill("The proposal is concrete; add who is affected.")
    page.get_by_role("button", name="Submit the review").click()
    expect(page.get_by_text("The proposal is concrete; add who is affected.")).to_be_visible()
    assert Review.objects.filter(reviewer=world.learner, comment__startswith="The proposal").exists()

    # Rate a review of their own work, and see the rating kept.
    page.goto(f"/peer-review/{assignment.pk}/#grade")
    grade = page.locator("#grade")
    expect(grade).to_contain_text("Final")
    review = grade.locator("article", has_text=world.peer_mentor.full_name)
    review.get_by_label(re.compile(r"5 \u2013 very useful")).check()
    review.get_by_label("What helped, or what was missing (optional)").fill("Named a cost I had missed.")
    review.get_by_role("button", name="Rate this review").click()
    expect(page.locator("#grade")).to_contain_text("You rated this review 5/5: “Named a cost I had missed.”")
    rating = UsefulnessRating.objects.get(review__reviewer=world.peer_mentor,
                                          review__submission__author=world.learner)
    assert (rating.rating, rating.comment) == (5, "Named a cost I had missed.")


def test_expert_settles_a_checkpoint_and_the_learner_sees_why(page, log_in, world, reviewing):
    assignment = reviewing
    # The learner calibrates as well as the others, then disagrees with them by two levels
    # on the work they review: those grades go to an expert.
    clarity, evidence = assignment.rubric.criteria.order_by("order")
    services.calibration_submit(actor=world.learner, example=assignment.examples.get(),
                                levels={clarity.pk: 2, evidence.pk: 1})
    for allocation in ReviewAllocation.objects.filter(reviewer=world.learner, assignment=assignment):
        services.review_submit(actor=world.learner, allocation=allocation, comment="Outstanding.",
                               levels={clarity.pk: (0, ""), evidence.pk: (1, "")})
    checkpoint = Checkpoint.objects.filter(submission__assignment=assignment, state="open").first()
    assert checkpoint is not None
    author = checkpoint.submission.author

    log_in(world.expert)
    page.goto("/peer-review/manage/")
    page.goto(f"/peer-review/manage/checkpoints/{checkpoint.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Expert checkpoint")
    expect(page.locator("main")).to_contain_text("Outstanding.")
    page.get_by_role("group", name=re.compile("Clarity")).get_by_label(re.compile(r"Crystal clear")).check()
    page.get_by_role("group", name=re.compile("Evidence")).get_by_label(re.compile(r"· Some")).check()
    page.get_by_label("Overall reason").fill("Read it twice: very clear, one good source.")
    page.get_by_role("button", name="Make the grade final").click()
    expect(page.get_by_role("heading", name="Resolution")).to_be_visible()
    grade = Grade.objects.get(submission=checkpoint.submission)
    assert grade.state == "final" and grade.overridden_by == world.expert

    page.context.clear_cookies()
    log_in(author)
    page.goto(f"/peer-review/{assignment.pk}/#grade")
    expect(page.locator("#grade")).to_contain_text("Read it twice: very clear, one good source.")
    expect(page.locator("#grade")).to_contain_text("Final")
