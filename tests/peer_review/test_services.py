"""The peer review services end to end: rubric versions, publishing, submissions and
their versions, calibration, allocation, reviews, grades, checkpoints, reallocation,
usefulness ratings and regrade requests, with their events and audit rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import ApplicationError, PermissionDenied
from core.models import AuditEntry, Event, Notification
from peer_review import services
from peer_review.calibration import level_agreement
from peer_review.models import (
    AllocationState,
    CalibrationAttempt,
    Checkpoint,
    Grade,
    GradeState,
    Review,
    ReviewAllocation,
    ReviewerRecord,
    Rubric,
    Submission,
)

from .conftest import CRITERIA, allocations_of, deliver_events, levels_for, submit_all

pytestmark = pytest.mark.django_db


def verbs():
    return list(Event.objects.order_by("occurred_at", "pk").values_list("verb", flat=True))


class TestRubrics:
    def test_a_frozen_rubric_is_edited_into_a_new_version(self, world, rubric, make_assignment):
        make_assignment()
        rubric.refresh_from_db()
        assert rubric.frozen
        changed = [dict(CRITERIA[0], title="Clarity of argument"), CRITERIA[1]]
        new = services.rubric_update(
            actor=world.facilitator, rubric=rubric, title="Writing rubric", criteria=changed
        )
        assert new.pk != rubric.pk and new.family == rubric.family and new.version == 2
        assert list(rubric.criteria.values_list("title", flat=True)) == ["Clarity", "Evidence"]
        assert list(new.criteria.values_list("title", flat=True)) == ["Clarity of argument", "Evidence"]
        assert AuditEntry.objects.filter(action="rubric.new_version").exists()

    def test_a_draft_rubric_is_edited_in_place(self, world):
        rubric = services.rubric_create(actor=world.expert, title="Draft", criteria=CRITERIA)
        same = services.rubric_update(
            actor=world.expert, rubric=rubric, title="Draft 2", criteria=CRITERIA[:1]
        )
        assert same.pk == rubric.pk and same.criteria.count() == 1 and Rubric.objects.count() == 1

    @pytest.mark.parametrize(
        "criteria, message",
        [
            ([], "at least one criterion"),
            ([{"title": "X", "levels": [{"points": 1, "descriptor": "a"}]}], "between 2 and"),
            (
                [
                    {
                        "title": "X",
                        "levels": [{"points": 2, "descriptor": "a"}, {"points": 1, "descriptor": "b"}],
                    }
                ],
                "fewest to most",
            ),
            (
                [
                    {
                        "title": "",
                        "levels": [{"points": 0, "descriptor": "a"}, {"points": 1, "descriptor": "b"}],
                    }
                ],
                "needs a title",
            ),
        ],
    )
    def test_bad_criteria_are_refused_with_a_message(self, world, criteria, message):
        with pytest.raises(ApplicationError) as error:
            services.rubric_create(actor=world.facilitator, title="R", criteria=criteria)
        assert message in error.value.errors["criteria"][0]

    def test_learners_do_not_build_rubrics(self, world):
        with pytest.raises(PermissionDenied):
            services.rubric_create(actor=world.learner, title="R", criteria=CRITERIA)

    def test_publishing_emits_rubric_published(self, world, rubric):
        assert "rubric_published" in verbs()


class TestPublishing:
    def test_publish_needs_scored_calibration_examples(self, world, make_assignment):
        assignment = make_assignment(publish=False, calibration_examples=1)
        with pytest.raises(ApplicationError) as error:
            services.assignment_publish(actor=world.facilitator, assignment=assignment)
        assert "calibration_examples" in error.value.errors
        example = services.example_create(actor=world.expert, assignment=assignment, title="E", body="Text")
        services.example_score(actor=world.expert, example=example, scores=levels_for(assignment, 1, 1))
        assignment = services.assignment_publish(actor=world.facilitator, assignment=assignment)
        assert assignment.state == "published" and "assignment_published" in verbs()

    def test_a_published_assignment_keeps_its_rules(self, world, make_assignment, timeline):
        assignment = make_assignment()
        with pytest.raises(ApplicationError) as error:
            services.assignment_update(
                actor=world.facilitator, assignment=assignment, reviews_per_submission=5
            )
        assert "reviews_per_submission" in error.value.errors
        later = timeline.review_due + dt.timedelta(days=2)
        assert (
            services.assignment_update(
                actor=world.facilitator, assignment=assignment, review_due_at=later
            ).review_due_at
            == later
        )

    def test_windows_must_be_in_order(self, world, rubric, timeline):
        with pytest.raises(ApplicationError) as error:
            services.assignment_create(
                actor=world.facilitator,
                cohort=world.cohort,
                rubric=rubric,
                title="T",
                instructions="I",
                submission_opens_at=timeline.due,
                submission_due_at=timeline.opens,
                review_due_at=timeline.review_due,
            )
        assert "submission_due_at" in error.value.errors


class TestSubmissions:
    def test_every_version_is_kept_with_its_time_and_attachments(self, world, make_assignment, timeline):
        assignment = make_assignment()
        first_at = timeline.opens + dt.timedelta(hours=1)
        pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
        submission = services.submission_save(
            actor=world.learner, assignment=assignment, body="First *draft*.", attachments=[pdf], now=first_at
        )
        second_at = first_at + dt.timedelta(hours=3)
        submission = services.submission_save(
            actor=world.learner, assignment=assignment, body="Second draft.", now=second_at
        )
        versions = list(submission.versions.order_by("number"))
        assert [(v.number, v.body, v.created_at) for v in versions] == [
            (1, "First *draft*.", first_at),
            (2, "Second draft.", second_at),
        ]
        assert "<em>draft</em>" in versions[0].body_html
        assert [a.name for a in versions[1].attachments.all()] == ["plan.pdf"]
        assert versions[1].attachments.get().file.read() == b"%PDF-1.4 plan"
        assert verbs()[-2:] == ["submission_created", "submission_revised"]

    @pytest.mark.parametrize(
        "name, size, message",
        [
            ("run.exe", 10, "not an accepted file type"),
            ("huge.pdf", 11 * 1024 * 1024, "larger than 10 MB"),
        ],
    )
    def test_attachments_have_type_and_size_limits(
        self, world, make_assignment, timeline, name, size, message
    ):
        assignment = make_assignment()
        upload = SimpleUploadedFile(name, b"x" * size)
        with pytest.raises(ApplicationError) as error:
            services.submission_save(
                actor=world.learner,
                assignment=assignment,
                body="Text",
                attachments=[upload],
                now=timeline.opens + dt.timedelta(hours=1),
            )
        assert message in error.value.errors["attachments"][0]
        assert not Submission.objects.exists()

    def test_windows_are_enforced_and_late_work_is_accepted_once(self, world, make_assignment, timeline):
        assignment = make_assignment()
        with pytest.raises(ApplicationError, match="correct"):
            services.submission_save(
                actor=world.learner,
                assignment=assignment,
                body="Early",
                now=timeline.opens - dt.timedelta(minutes=1),
            )
        late = services.submission_save(
            actor=world.learner,
            assignment=assignment,
            body="Late work",
            now=timeline.due + dt.timedelta(hours=1),
        )
        assert late.late
        with pytest.raises(ApplicationError) as error:
            services.submission_save(
                actor=world.learner,
                assignment=assignment,
                body="Again",
                now=timeline.due + dt.timedelta(hours=2),
            )
        assert "closed" in error.value.errors["body"][0]

    def test_staff_and_outsiders_do_not_submit(self, world, make_assignment, timeline):
        assignment = make_assignment()
        for person in (world.facilitator, world.outsider):
            with pytest.raises(PermissionDenied):
                services.submission_save(actor=person, assignment=assignment, body="x", now=timeline.opens)


class TestTheWholeRound:
    def test_calibrate_review_grade_rate_and_dispute(self, world, make_assignment, learners, timeline):
        assignment = make_assignment(examples=1)
        people = [world.learner, world.peer_mentor, *learners(2)]
        submit_all(assignment, people, timeline)

        # Before submissions close nobody is allocated anything.
        assert services.reviews_allocate(assignment.pk, now=timeline.due - dt.timedelta(minutes=1)) == 0
        made = services.reviews_allocate(assignment.pk, now=timeline.due)
        assert made == 4 * 3
        assert services.reviews_allocate(assignment.pk, now=timeline.due) == 0  # idempotent
        for person in people:
            mine = allocations_of(person, assignment)
            assert len(mine) == 3 and all(a.submission.author_id != person.pk for a in mine)
        deliver_events()
        assert Notification.objects.filter(kind="review_allocated").count() == 4  # one per reviewer

        # Reviewing is gated on calibration.
        first = allocations_of(world.learner, assignment)[0]
        with pytest.raises(ApplicationError, match="correct"):
            services.review_submit(
                actor=world.learner,
                allocation=first,
                levels=levels_for(assignment, 2, 1),
                comment="Good",
                now=timeline.due,
            )
        example = services.calibration_examples_for(assignment)[0]
        for person in people:
            services.calibration_submit(
                actor=person,
                example=example,
                levels={pk: level for pk, (level, _) in levels_for(assignment, 2, 1).items()},
            )
        assert CalibrationAttempt.objects.get(learner=world.learner).accuracy == 1.0
        record = ReviewerRecord.objects.get(assignment=assignment, reviewer=world.learner)
        assert record.calibration_accuracy == 1.0 and record.weight > 0.05
        assert verbs().count("calibration_completed") == 4

        for person in people:
            for allocation in allocations_of(person, assignment):
                services.review_submit(
                    actor=person,
                    allocation=allocation,
                    levels=levels_for(assignment, 2, 1),
                    comment="Clear; add a second source.",
                    now=timeline.due,
                )
        grades = Grade.objects.filter(submission__assignment=assignment)
        assert grades.count() == 4 and {g.state for g in grades} == {GradeState.FINAL}
        grade = grades.get(submission__author=world.learner)
        # Clarity level 2 of 0..3 (2 points x1) + Evidence level 1 (2 points x2) = 6 of 3 + 8.
        assert (grade.points, grade.max_points) == (6.0, 11.0)
        assert verbs().count("grade_finalised") == 4
        deliver_events()
        assert Notification.objects.filter(user=world.learner, kind="grade_finalised").exists()

        review = grade.submission.reviews.first()
        services.usefulness_rate(actor=world.learner, review=review, rating=5, comment="Spot on.")
        services.usefulness_rate(actor=world.learner, review=review, rating=4)
        assert review.usefulness.rating == 4
        reviewer_record = ReviewerRecord.objects.get(assignment=assignment, reviewer=review.reviewer)
        assert reviewer_record.usefulness == 4 and reviewer_record.agreement == 1.0
        assert reviewer_record.score == pytest.approx(0.5 + 0.3 + 0.2 * 0.75)
        with pytest.raises(PermissionDenied):
            services.usefulness_rate(actor=world.peer_mentor, review=review, rating=1)

        dispute = services.dispute_open(
            actor=world.learner,
            submission=grade.submission,
            reason="The evidence criterion ignores my two cited studies.",
        )
        with pytest.raises(ApplicationError):
            services.dispute_open(
                actor=world.learner,
                submission=grade.submission,
                reason="Second request about the very same thing.",
            )
        services.dispute_resolve(
            actor=world.expert,
            dispute=dispute,
            outcome="regraded",
            response="You did cite two studies.",
            levels=levels_for(assignment, 2, 2),
        )
        grade.refresh_from_db()
        assert grade.method == "expert" and grade.points == 10.0
        assert grade.criteria.get(criterion__title="Evidence").override_reason == "You did cite two studies."
        assert AuditEntry.objects.filter(action="dispute.resolve").exists()
        assert AuditEntry.objects.filter(action="grade.override").exists()
        deliver_events()
        assert Notification.objects.filter(user=world.learner, kind="dispute_resolved").exists()

    def test_disagreement_goes_to_an_expert_checkpoint(self, world, make_assignment, learners, timeline):
        assignment = make_assignment(reviews_per_submission=2)
        people = [world.learner, world.peer_mentor, *learners(1)]
        submit_all(assignment, people, timeline)
        services.reviews_allocate(assignment.pk, now=timeline.due)
        target = Submission.objects.get(assignment=assignment, author=world.learner)
        spread_levels = iter([(0, 0), (3, 2)])
        for person in people:
            for allocation in allocations_of(person, assignment):
                levels = next(spread_levels) if allocation.submission_id == target.pk else (2, 1)
                services.review_submit(
                    actor=person,
                    allocation=allocation,
                    levels=levels_for(assignment, *levels),
                    comment="Comment",
                )
        grade = Grade.objects.get(submission=target)
        assert grade.state == GradeState.CHECKPOINT
        checkpoint = Checkpoint.objects.get(submission=target, state="open")
        assert "disagree" in checkpoint.reason
        with pytest.raises(ApplicationError) as error:
            services.checkpoint_resolve(
                actor=world.expert, checkpoint=checkpoint, levels=levels_for(assignment, 2, 1)
            )
        assert "reason" in error.value.errors["levels"][0]
        with pytest.raises(PermissionDenied):
            services.checkpoint_resolve(
                actor=world.learner, checkpoint=checkpoint, levels=levels_for(assignment, 2, 1), reason="x"
            )
        services.checkpoint_resolve(
            actor=world.expert,
            checkpoint=checkpoint,
            levels=levels_for(assignment, 2, 1),
            reason="Read it twice; solid but thin on sources.",
        )
        grade.refresh_from_db()
        assert grade.state == GradeState.FINAL and grade.overridden_by == world.expert
        assert {"checkpoint_requested", "checkpoint_resolved"} <= set(verbs())
        # The expert's levels, not the peers' median, are what the two reviewers of the
        # disputed work are measured against; on their other review (both reviewers at
        # the same levels) each agrees fully with the other.
        levels_per = {c.pk: c.levels.count() for c in assignment.rubric.criteria.all()}
        expert = {pk: level for pk, (level, _) in levels_for(assignment, 2, 1).items()}
        agreements = {}
        for review in Review.objects.filter(submission=target):
            given = dict(review.scores.values_list("criterion_id", "level"))
            record = ReviewerRecord.objects.get(assignment=assignment, reviewer=review.reviewer)
            assert record.reviews_done == 2
            assert record.agreement == pytest.approx((level_agreement(given, expert, levels_per) + 1.0) / 2)
            agreements[tuple(given.values())] = record.agreement
        assert agreements[(0, 0)] < agreements[(3, 2)]

    def test_overdue_reviews_move_to_someone_else(self, world, make_assignment, learners, timeline):
        assignment = make_assignment(reviews_per_submission=2, review_hours=24)
        people = [world.learner, world.peer_mentor, *learners(4)]
        submit_all(assignment, people, timeline)
        services.reviews_allocate(assignment.pk, now=timeline.due)
        dropout = people[-1]
        for person in people[:-1]:
            for allocation in allocations_of(person, assignment):
                services.review_submit(
                    actor=person,
                    allocation=allocation,
                    levels=levels_for(assignment, 2, 1),
                    comment="Fine",
                    now=timeline.due + dt.timedelta(hours=1),
                )
        stuck = allocations_of(dropout, assignment)
        assert stuck
        assert (
            services.reviews_reallocate_overdue(assignment.pk, now=timeline.due + dt.timedelta(hours=23)) == 0
        )
        moved = services.reviews_reallocate_overdue(assignment.pk, now=timeline.due + dt.timedelta(hours=25))
        assert moved == len(stuck)
        for allocation in stuck:
            allocation.refresh_from_db()
            assert allocation.state == AllocationState.WITHDRAWN
            replacement = ReviewAllocation.objects.get(submission=allocation.submission, round=1)
            assert replacement.reviewer_id not in (dropout.pk, allocation.submission.author_id)
        assert verbs().count("review_reallocated") == len(stuck)
        takers = set(
            ReviewAllocation.objects.filter(assignment=assignment, round=1).values_list("reviewer", flat=True)
        )
        assert verbs().count("review_allocated") == 6 + len(takers)  # one per reviewer and batch
        assert (
            services.reviews_reallocate_overdue(assignment.pk, now=timeline.due + dt.timedelta(hours=25)) == 0
        )

    def test_closing_grades_what_arrived_and_checkpoints_the_rest(
        self, world, make_assignment, learners, timeline
    ):
        assignment = make_assignment(reviews_per_submission=2)
        people = [world.learner, world.peer_mentor, *learners(1)]
        submit_all(assignment, people, timeline)
        services.reviews_allocate(assignment.pk, now=timeline.due)
        handled = services.reviews_close(assignment.pk, now=timeline.review_due)
        assert handled == 3
        assert Checkpoint.objects.filter(submission__assignment=assignment, state="open").count() == 3
        assert services.reviews_close(assignment.pk, now=timeline.review_due) == 0
        assert not ReviewAllocation.objects.filter(assignment=assignment, state="assigned").exists()
        checkpoint = Checkpoint.objects.filter(submission__assignment=assignment).first()
        grade = services.checkpoint_resolve(
            actor=world.expert,
            checkpoint=checkpoint,
            levels=levels_for(assignment, 1, 1),
            reason="Graded by an expert.",
        )
        assert grade.state == GradeState.FINAL and grade.reviews_counted == 0

    def test_a_late_submission_gets_reviewers_and_work(self, world, make_assignment, learners, timeline):
        assignment = make_assignment(reviews_per_submission=2)
        people = [world.learner, world.peer_mentor, *learners(3)]
        submit_all(assignment, people[:-1], timeline)
        services.reviews_allocate(assignment.pk, now=timeline.due)
        late = services.submission_save(
            actor=people[-1],
            assignment=assignment,
            body="Sorry, late.",
            now=timeline.due + dt.timedelta(hours=2),
        )
        services.reviews_allocate(assignment.pk, now=timeline.due + dt.timedelta(hours=2))
        assert ReviewAllocation.objects.filter(submission=late, is_self=False).count() == 2
        assert len(allocations_of(people[-1], assignment)) >= 1

    def test_self_assessment_is_allocated_and_does_not_count(
        self, world, make_assignment, learners, timeline
    ):
        assignment = make_assignment(reviews_per_submission=1, self_assessment=True)
        people = [world.learner, world.peer_mentor]
        submit_all(assignment, people, timeline)
        services.reviews_allocate(assignment.pk, now=timeline.due)
        own = ReviewAllocation.objects.get(assignment=assignment, reviewer=world.learner, is_self=True)
        assert own.submission.author_id == world.learner.pk
        services.review_submit(actor=world.learner, allocation=own, levels=levels_for(assignment, 3, 2))
        assert not Grade.objects.filter(submission=own.submission).exists()


def test_the_demo_shows_every_phase_and_loads_once():
    from cohorts.demo import load_demo as load_people
    from peer_review.demo import load_demo
    from peer_review.models import Assignment, Review

    load_people()
    assert load_demo() == {"peer review assignments": 2}
    assert load_demo() == {"peer review assignments": 0}
    review_phase = Assignment.objects.get(title="Draft a feedback conversation")
    assert review_phase.allocated_at is not None and review_phase.submissions.count() == 11
    assert Review.objects.filter(submission__assignment=review_phase).exists()
    assert ReviewAllocation.objects.filter(
        assignment=review_phase, reviewer__email="learner@acme.example", state="assigned"
    ).exists()
    assert Grade.objects.filter(submission__assignment=review_phase).exists()
    from peer_review.models import Dispute

    assert Dispute.objects.filter(submission__author__email="learner@acme.example", state="open").exists()
