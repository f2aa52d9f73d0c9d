"""Peer review in the Django admin: HR admins see and open every record of their own
organisation, publish through the services, edit rubrics until they are frozen, and
read (never change) what learners and the grading machinery produced."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from core.models import AuditEntry
from peer_review import services
from peer_review.models import (
    Assignment,
    CalibrationAttempt,
    CalibrationExample,
    Checkpoint,
    Criterion,
    CriterionGrade,
    Dispute,
    ExpertScore,
    Grade,
    GradeState,
    Level,
    Review,
    ReviewAllocation,
    ReviewerRecord,
    ReviewScore,
    Rubric,
    Submission,
    UsefulnessRating,
)
from tests.factories import MembershipFactory

from .conftest import CRITERIA, levels_for

pytestmark = pytest.mark.django_db


def form_errors(response) -> list[str]:
    return re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)


def admin_url(model, view: str = "changelist", pk=None) -> str:
    base = f"/admin/peer_review/{model._meta.model_name}/"
    return {"changelist": base, "add": f"{base}add/", "change": f"{base}{pk}/change/"}[view]


def a_whole_round(w) -> Assignment:
    """Everything peer review writes, in one organisation: a rubric, an assignment with a
    scored example, submissions, calibration, reviews, grades (one at a checkpoint), a
    usefulness rating and a regrade request."""
    now = timezone.now()
    rubric = services.rubric_create(actor=w.facilitator, title=f"{w.org.slug} rubric", criteria=CRITERIA)
    services.rubric_publish(actor=w.facilitator, rubric=rubric)
    assignment = services.assignment_create(
        actor=w.facilitator, cohort=w.cohort, rubric=rubric, title=f"{w.org.slug} proposal",
        instructions="Go.",
        submission_opens_at=now - dt.timedelta(days=2), submission_due_at=now + dt.timedelta(days=1),
        review_due_at=now + dt.timedelta(days=8), reviews_per_submission=2, calibration_examples=1)
    example = services.example_create(actor=w.expert, assignment=assignment, title="Sample", body="Text")
    services.example_score(actor=w.expert, example=example, scores=levels_for(assignment, 2, 1))
    assignment = services.assignment_publish(actor=w.facilitator, assignment=assignment)
    people = [w.learner, w.peer_mentor, MembershipFactory(cohort=w.cohort, role="learner").user]
    for person in people:
        services.submission_save(actor=person, assignment=assignment, body=f"Work by {person.email}",
                                 now=now - dt.timedelta(hours=1))
        levels = {pk: level for pk, (level, _) in levels_for(assignment, 2, 1).items()}
        services.calibration_submit(actor=person, example=example, levels=levels)
    services.reviews_allocate(assignment.pk, now=now + dt.timedelta(days=1))
    disputed = Submission.objects.get(assignment=assignment, author=w.learner)
    checked = Submission.objects.get(assignment=assignment, author=w.peer_mentor)
    spread = iter([(0, 0), (3, 2)])  # the reviewers of `checked` disagree: an expert checks it
    for person in people:
        for allocation in ReviewAllocation.objects.filter(reviewer=person, assignment=assignment):
            levels = next(spread) if allocation.submission_id == checked.pk else (2, 1)
            services.review_submit(actor=person, allocation=allocation,
                                   levels=levels_for(assignment, *levels), comment="Clear; add a source.")
    assert Grade.objects.filter(submission__assignment=assignment, state=GradeState.CHECKPOINT).exists()
    review = Review.objects.filter(submission=disputed).first()
    services.usefulness_rate(actor=w.learner, review=review, rating=4)
    services.dispute_open(actor=w.learner, submission=disputed,
                          reason="The evidence criterion ignores my sources.")
    return assignment


@pytest.fixture
def acme(world, other_world):
    a_whole_round(other_world)
    return a_whole_round(world)


ORGANIZATION_PATH = {
    Rubric: "organization", Criterion: "rubric__organization", Assignment: "cohort__organization",
    CalibrationExample: "assignment__cohort__organization",
    CalibrationAttempt: "example__assignment__cohort__organization",
    Submission: "assignment__cohort__organization", ReviewAllocation: "assignment__cohort__organization",
    Review: "submission__assignment__cohort__organization",
    UsefulnessRating: "review__submission__assignment__cohort__organization",
    Grade: "submission__assignment__cohort__organization",
    Checkpoint: "submission__assignment__cohort__organization",
    Dispute: "submission__assignment__cohort__organization",
    ReviewerRecord: "assignment__cohort__organization",
}
READ_ONLY = [CalibrationAttempt, Submission, ReviewAllocation, Review, UsefulnessRating, Grade, Checkpoint,
             Dispute, ReviewerRecord]


def test_hr_admins_open_every_list_and_page_of_their_organisation_only(world, other_world, acme, client):
    client.force_login(world.hr_admin)
    # One round of data for every model (building it is the slow part), checked model by model.
    for model, organization in ORGANIZATION_PATH.items():
        mine = model.objects.filter(**{organization: world.org})
        theirs = model.objects.exclude(**{organization: world.org})
        assert mine.exists() and theirs.exists(), model

        changelist = client.get(admin_url(model))

        assert changelist.status_code == 200, model
        listed = {obj.pk for obj in changelist.context["cl"].result_list}
        assert listed == set(mine.values_list("pk", flat=True)), model
        assert "globex" not in changelist.content.decode(), model
        assert client.get(admin_url(model, "change", mine.first().pk)).status_code == 200, model
        # Another organisation's row "does not exist": back to the admin index.
        assert client.get(admin_url(model, "change", theirs.first().pk)).status_code == 302, model


def test_what_the_grading_machinery_wrote_is_read_only(world, acme, client):
    client.force_login(world.hr_admin)
    for model in READ_ONLY:
        obj = model.objects.filter(**{ORGANIZATION_PATH[model]: world.org}).first()
        page = client.get(admin_url(model, "change", obj.pk))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode(), model
        assert client.post(admin_url(model, "change", obj.pk), {}).status_code == 403, model
        assert client.get(admin_url(model, "add")).status_code == 403, model


def test_inlines_show_versions_scores_and_criteria(world, acme, client):
    client.force_login(world.hr_admin)

    def page(model, pk) -> str:
        return client.get(admin_url(model, "change", pk)).content.decode()

    submission = Submission.objects.get(assignment=acme, author=world.learner)
    assert "Work by learner@acme.example" in page(Submission, submission.pk)
    review = Review.objects.filter(submission=submission).first()
    ReviewScore.objects.filter(review=review, criterion__title="Clarity").update(comment="Easy to follow.")
    assert "Easy to follow." in page(Review, review.pk)
    grade = Grade.objects.get(submission=submission)
    CriterionGrade.objects.filter(grade=grade, criterion__title="Evidence").update(
        override_reason="Two sources.")
    assert "Two sources." in page(Grade, grade.pk)
    example = CalibrationExample.objects.get(assignment=acme)
    ExpertScore.objects.filter(example=example, criterion__title="Clarity").update(
        explanation="Clear but long.")
    assert "Clear but long." in page(CalibrationExample, example.pk)


def test_the_publish_actions_call_the_services(world, rubric, make_assignment, client):
    client.force_login(world.hr_admin)
    draft_rubric = services.rubric_create(actor=world.expert, title="Draft rubric", criteria=CRITERIA)
    response = client.post(admin_url(Rubric), {"action": "publish", "_selected_action": [draft_rubric.pk]})
    assert response.status_code == 302
    draft_rubric.refresh_from_db()
    assert draft_rubric.state == "published"

    draft = make_assignment(publish=False)
    needs_examples = make_assignment(publish=False, calibration_examples=1, title="Needs an example")
    response = client.post(admin_url(Assignment), {"action": "publish",
                                                   "_selected_action": [draft.pk, needs_examples.pk]},
                           follow=True)
    draft.refresh_from_db()
    needs_examples.refresh_from_db()
    assert (draft.state, needs_examples.state) == ("published", "draft")
    page = response.content.decode()
    assert "Published 1." in page and "was not published" in page and "an expert score" in page
    assert AuditEntry.objects.filter(action="assignment.publish", actor=world.hr_admin).count() == 1


def assignment_form(world, rubric, **fields) -> dict:
    now = timezone.localtime()
    windows = {"submission_opens_at": now - dt.timedelta(days=1),
               "submission_due_at": now + dt.timedelta(days=2), "review_due_at": now + dt.timedelta(days=9)}
    data = {"cohort": world.cohort.pk, "step": "", "rubric": rubric.pk, "title": "From the admin",
            "instructions": "Write it.", "reviews_per_submission": "3", "review_hours": "48",
            "anonymous_reviews": "on", "calibration_examples": "0", "spread_threshold": "1.0"}
    for name, value in windows.items():
        data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
    return data | fields


def test_adding_and_editing_an_assignment_goes_through_the_service(world, rubric, client):
    client.force_login(world.hr_admin)

    backwards = assignment_form(world, rubric)
    backwards["submission_due_at_0"] = backwards["submission_opens_at_0"]
    backwards["submission_due_at_1"] = "00:00:00"
    refused = client.post(admin_url(Assignment, "add"), backwards)
    assert refused.status_code == 200
    assert any("Submissions must close after they open." in error for error in form_errors(refused))
    assert not Assignment.objects.exists()

    added = client.post(admin_url(Assignment, "add"), assignment_form(world, rubric))
    assert added.status_code == 302, form_errors(added)
    assignment = Assignment.objects.get()
    assert "<p>Write it.</p>" in assignment.instructions_html  # rendered by the service
    assert AuditEntry.objects.filter(action="assignment.create", actor=world.hr_admin).exists()

    services.assignment_publish(actor=world.hr_admin, assignment=assignment)
    form = assignment_form(world, rubric, reviews_per_submission="5")
    for name in ("submission_opens_at", "submission_due_at", "review_due_at"):
        value = timezone.localtime(getattr(assignment, name))
        form[f"{name}_0"], form[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
    refused = client.post(admin_url(Assignment, "change", assignment.pk), form)
    assert any("cannot change once the assignment is published" in error for error in form_errors(refused))
    renamed = client.post(admin_url(Assignment, "change", assignment.pk),
                          form | {"reviews_per_submission": "3", "title": "Renamed"})
    assert renamed.status_code == 302, form_errors(renamed)
    assignment.refresh_from_db()
    assert assignment.title == "Renamed" and assignment.reviews_per_submission == 3


def test_a_frozen_rubric_is_read_only_and_a_draft_keeps_its_levels_in_order(world, rubric, make_assignment,
                                                                            client):
    client.force_login(world.hr_admin)
    make_assignment()
    rubric.refresh_from_db()
    assert rubric.frozen
    assert client.post(admin_url(Rubric, "change", rubric.pk), {"title": "Changed"}).status_code == 403
    criterion = rubric.criteria.first()
    assert client.post(admin_url(Criterion, "change", criterion.pk), {}).status_code == 403

    draft = services.rubric_create(actor=world.expert, title="Draft", criteria=CRITERIA)
    evidence = draft.criteria.get(title="Evidence")
    levels = list(evidence.levels.all())
    data = {"rubric": draft.pk, "order": "1", "title": "Evidence", "description": "", "weight": "2",
            "comment_prompt": "", "levels-TOTAL_FORMS": "3", "levels-INITIAL_FORMS": "3",
            "levels-MIN_NUM_FORMS": "0", "levels-MAX_NUM_FORMS": "1000"}
    for index, (level, points) in enumerate(zip(levels, ["0", "5", "4"], strict=True)):
        data |= {f"levels-{index}-id": level.pk, f"levels-{index}-criterion": evidence.pk,
                 f"levels-{index}-order": level.order, f"levels-{index}-points": points,
                 f"levels-{index}-descriptor": level.descriptor}
    refused = client.post(admin_url(Criterion, "change", evidence.pk), data)
    assert refused.status_code == 200 and "fewest to most points" in refused.content.decode()
    data["levels-2-points"] = "6"
    saved = client.post(admin_url(Criterion, "change", evidence.pk), data)
    assert saved.status_code == 302, form_errors(saved)
    assert list(Level.objects.filter(criterion=evidence).values_list("points", flat=True)) == [0, 5, 6]


def test_learners_and_facilitators_cannot_open_the_admin(world, client):
    for person in (world.learner, world.facilitator):
        client.force_login(person)
        response = client.get(admin_url(Submission), follow=True)
        assert response.redirect_chain[-1][0] == "/week/"
