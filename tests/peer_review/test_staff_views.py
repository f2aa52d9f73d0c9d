"""The facilitator and expert pages of peer review: the rubric editor and its versions,
assignment forms in the facilitator's timezone, calibration examples, the dashboard and
its grades export, expert checkpoints and regrade requests; who may do what; query counts
that do not grow with the number of submissions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cohorts.models import CohortMembership, CohortRole, User
from core import policy
from peer_review import services
from peer_review.models import (
    AllocationState,
    Assignment,
    AssignmentState,
    CalibrationExample,
    Checkpoint,
    CriterionGrade,
    Dispute,
    ExpertScore,
    Grade,
    GradeState,
    Review,
    ReviewAllocation,
    ReviewerRecord,
    ReviewScore,
    Rubric,
    RubricState,
    Submission,
    SubmissionVersion,
)
from tests.factories import CohortStepFactory

from .conftest import CRITERIA, allocations_of, deliver_events, levels_for

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
DASHBOARD_BUDGET = 20
CSV_BUDGET = 7
MANAGE_BUDGET = 10


def login(client, user):
    policy.forget_roles(user)
    client.force_login(user)
    return client


def rubric_form(title="Presentation rubric", rows=None, criterion_rows=6, level_rows=5, **extra) -> dict:
    """The editor's POST: `rows` maps a row index to (title, weight, [(points, descriptor), ...])."""
    data = {
        "title": title,
        "description": "For the final talk.",
        "criterion_rows": str(criterion_rows),
        "level_rows": str(level_rows),
    }
    for row in range(criterion_rows):
        data[f"c{row}_weight"] = "1"
        for level in range(level_rows):
            data[f"c{row}_l{level}_points"] = ""
            data[f"c{row}_l{level}_descriptor"] = ""
    for row, (criterion, weight, levels) in (rows or {}).items():
        data |= {
            f"c{row}_title": criterion,
            f"c{row}_weight": str(weight),
            f"c{row}_description": f"About {criterion.lower()}.",
            f"c{row}_comment_prompt": "",
        }
        for level, (points, descriptor) in enumerate(levels):
            data |= {f"c{row}_l{level}_points": str(points), f"c{row}_l{level}_descriptor": descriptor}
    return data | extra


def assignment_form(rubric, **overrides) -> dict:
    return {
        "title": "Pitch your idea",
        "instructions": "Write **one** page.",
        "step": "",
        "rubric": str(rubric.pk),
        "submission_opens_at": "2030-03-01T09:00",
        "submission_due_at": "2030-03-08T17:00",
        "review_due_at": "2030-03-15T17:00",
        "reviews_per_submission": "3",
        "review_hours": "48",
        "anonymous_reviews": "on",
        "calibration_examples": "0",
        "spread_threshold": "1.0",
    } | overrides


def level_post(assignment, *levels, note="", prefix_note="note") -> dict:
    """A levels form: level_<criterion id> and note_<criterion id> per criterion."""
    data = {}
    for pk, (level, _) in levels_for(assignment, *levels).items():
        data[f"level_{pk}"] = str(level)
        data[f"{prefix_note}_{pk}"] = note
    return data


@pytest.fixture
def reviewing(world, make_assignment, learners):
    """A published assignment whose submissions closed an hour ago: four authors, each
    allocated two peers' work, nothing reviewed yet."""

    def make(**fields):
        now = timezone.now()
        windows = {
            "submission_opens_at": now - dt.timedelta(days=3),
            "submission_due_at": now - dt.timedelta(hours=1),
            "review_due_at": now + dt.timedelta(days=6),
        }
        # Publishing refuses windows already past only for the review window, so this is allowed.
        assignment = make_assignment(reviews_per_submission=2, **(windows | fields))
        people = [world.learner, world.peer_mentor, *learners(2)]
        for person in people:
            services.submission_save(
                actor=person,
                assignment=assignment,
                body=f"My plan, by {person.email}.",
                now=now - dt.timedelta(days=2),
            )
        services.reviews_allocate(assignment.pk, now=now - dt.timedelta(minutes=30))
        return assignment, people

    return make


def review_everything(assignment, people, choose=None, default=(2, 1)):
    """Every review allocated to `people` submitted, with the levels `choose(reviewer, submission)`
    gives (None: `default`)."""
    for person in people:
        for allocation in allocations_of(person, assignment):
            levels = (choose(person, allocation.submission) if choose else None) or default
            services.review_submit(
                actor=person,
                allocation=allocation,
                levels=levels_for(assignment, *levels),
                comment=f"Comment by {person.email}.",
            )


# --- rubrics ------------------------------------------------------------------------------------


def test_a_facilitator_builds_a_rubric_through_the_form(client, world):
    page = login(client, world.facilitator).get(reverse("peer_review:rubric_create"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="c5_title"' in html and 'name="c5_l4_descriptor"' in html and 'name="c6_title"' not in html

    # Row 2 is left empty and level rows in between are skipped: both are ignored.
    data = rubric_form(
        rows={
            0: ("Structure", 1, [(0, "Scattered"), (1, "Clear"), (2, "Compelling")]),
            2: ("Delivery", 2, [(0, "Read out"), (3, "Engaging")]),
        }
    )
    data |= {"c2_l3_points": "5", "c2_l3_descriptor": "Memorable", "c2_l1_points": "", "c2_l1_descriptor": ""}
    response = client.post(reverse("peer_review:rubric_create"), data)

    rubric = Rubric.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "peer_review:rubric_edit", args=[rubric.pk]
    )
    assert rubric.state == RubricState.DRAFT and rubric.organization == world.org and rubric.version == 1
    assert services.rubric_criteria_data(rubric) == [
        {
            "title": "Structure",
            "description": "About structure.",
            "weight": 1,
            "comment_prompt": "",
            "levels": [
                {"points": 0, "descriptor": "Scattered"},
                {"points": 1, "descriptor": "Clear"},
                {"points": 2, "descriptor": "Compelling"},
            ],
        },
        {
            "title": "Delivery",
            "description": "About delivery.",
            "weight": 2,
            "comment_prompt": "",
            "levels": [{"points": 0, "descriptor": "Read out"}, {"points": 5, "descriptor": "Memorable"}],
        },
    ]
    followed = client.get(response.url)
    assert "saved as a draft" in followed.content.decode()
    assert "Publish version 1" in followed.content.decode()


def test_rubric_errors_keep_everything_typed(client, world):
    data = rubric_form(
        rows={
            0: ("Structure", 1, [(0, "Scattered"), (2, "Compelling")]),
            1: ("Originality of thought", 1, [(1, "Derivative")]),
        }
    )

    response = login(client, world.facilitator).post(reverse("peer_review:rubric_create"), data)

    assert response.status_code == 200 and not Rubric.objects.exists()
    html = response.content.decode()
    assert "Criterion 2 needs between 2 and 7 levels." in html
    assert 'value="Originality of thought"' in html and 'value="Derivative"' in html
    assert 'value="Presentation rubric"' in html

    untitled = client.post(reverse("peer_review:rubric_create"), data | {"title": ""})
    assert "Give the rubric a title." in untitled.content.decode()


def test_more_rows_keeps_what_was_typed(client, world):
    data = rubric_form(rows={0: ("Structure", 1, [(0, "Scattered"), (2, "Compelling")])}, more_rows="1")

    response = login(client, world.facilitator).post(reverse("peer_review:rubric_create"), data)

    html = response.content.decode()
    assert response.status_code == 200 and not Rubric.objects.exists()
    assert 'name="c7_title"' in html and 'name="c0_l5_points"' in html
    assert 'value="Structure"' in html and 'value="Compelling"' in html


def test_editing_a_frozen_rubric_saves_version_2(client, world, rubric, make_assignment):
    make_assignment()  # publishing freezes the rubric
    login(client, world.facilitator)
    page = client.get(reverse("peer_review:rubric_edit", args=[rubric.pk]))
    html = page.content.decode()
    assert "Saving creates <strong>version 2</strong>" in html
    assert 'value="Clarity"' in html and 'value="Crystal clear"' in html

    data = rubric_form(
        title="Writing rubric",
        rows={
            0: ("Clarity of argument", 1, [(0, "Hard to follow"), (1, "Mostly clear"), (3, "Crystal clear")]),
            1: ("Evidence", 2, [(0, "None"), (4, "Strong")]),
        },
    )
    response = client.post(reverse("peer_review:rubric_edit", args=[rubric.pk]), data)

    new = Rubric.objects.get(family=rubric.family, version=2)
    assert response.status_code == 302 and response.url == reverse("peer_review:rubric_edit", args=[new.pk])
    assert list(new.criteria.values_list("title", flat=True)) == ["Clarity of argument", "Evidence"]
    assert list(rubric.criteria.values_list("title", flat=True)) == ["Clarity", "Evidence"]
    followed = client.get(response.url).content.decode()
    assert "Saved as version 2" in followed

    listing = client.get(reverse("peer_review:rubrics")).content.decode()
    assert "2 versions" in listing and "frozen since" in listing


def test_publishing_a_draft_rubric(client, world):
    draft = services.rubric_create(actor=world.expert, title="Draft rubric", criteria=CRITERIA)

    response = login(client, world.expert).post(reverse("peer_review:rubric_publish", args=[draft.pk]))

    draft.refresh_from_db()
    assert response.status_code == 302 and draft.state == RubricState.PUBLISHED


# --- assignments --------------------------------------------------------------------------------


def test_a_facilitator_creates_and_publishes_an_assignment_in_their_timezone(client, world, rubric):
    # Given a facilitator in New York (the cohort runs on Berlin time)
    world.facilitator.timezone = "America/New_York"
    world.facilitator.save()
    login(client, world.facilitator)
    page = client.get(reverse("peer_review:assignment_create", args=[world.cohort.pk]))
    assert page.status_code == 200 and "In your timezone (America/New_York)" in page.content.decode()

    # When they save an assignment whose submissions open 09:00
    response = client.post(
        reverse("peer_review:assignment_create", args=[world.cohort.pk]),
        assignment_form(rubric, self_assessment="on", spread_threshold="1.5"),
    )

    # Then the times are New York times, and the draft keeps every setting
    assignment = Assignment.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "peer_review:dashboard", args=[assignment.pk]
    )
    assert assignment.submission_opens_at == dt.datetime(2030, 3, 1, 9, 0, tzinfo=NEW_YORK)
    assert assignment.review_due_at == dt.datetime(2030, 3, 15, 17, 0, tzinfo=NEW_YORK)
    assert (
        assignment.state,
        assignment.self_assessment,
        assignment.anonymous_reviews,
        assignment.spread_threshold,
        assignment.outside_squad,
    ) == (AssignmentState.DRAFT, True, True, 1.5, False)

    publish = client.post(reverse("peer_review:assignment_publish", args=[assignment.pk]))
    assignment.refresh_from_db()
    rubric.refresh_from_db()
    assert publish.status_code == 302 and assignment.state == AssignmentState.PUBLISHED and rubric.frozen
    assert "is published" in client.get(publish.url).content.decode()


def test_a_journey_step_fills_a_blank_title_and_instructions(client, world, rubric):
    step = CohortStepFactory(
        cohort=world.cohort, kind="assignment", title="Write a proposal", description="One page, one change."
    )

    login(client, world.facilitator).post(
        reverse("peer_review:assignment_create", args=[world.cohort.pk]),
        assignment_form(rubric, title="", instructions="", step=str(step.pk)),
    )

    assignment = Assignment.objects.get()
    assert (assignment.title, assignment.instructions, assignment.step) == (
        "Write a proposal",
        "One page, one change.",
        step,
    )


def test_assignment_errors_keep_what_was_typed(client, world, rubric):
    response = login(client, world.facilitator).post(
        reverse("peer_review:assignment_create", args=[world.cohort.pk]),
        assignment_form(rubric, instructions="", submission_due_at="2030-02-01T09:00"),
    )

    html = response.content.decode()
    assert response.status_code == 200 and not Assignment.objects.exists()
    assert "Tell learners what to submit." in html and "Submissions must close after they open." in html
    assert 'value="Pitch your idea"' in html


def test_publishing_shows_the_services_reason(client, world, make_assignment):
    assignment = make_assignment(publish=False, calibration_examples=1)

    response = login(client, world.facilitator).post(
        reverse("peer_review:assignment_publish", args=[assignment.pk]), follow=True
    )

    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.DRAFT
    assert "Learners calibrate on 1 example(s)" in response.content.decode()


def test_a_published_assignment_only_extends_its_windows(client, world, make_assignment):
    assignment = make_assignment()
    tz = zoneinfo.ZoneInfo(world.facilitator.timezone)

    def local(moment):
        return timezone.localtime(moment, tz).strftime("%Y-%m-%dT%H:%M")

    login(client, world.facilitator)
    assert (
        "only the title and instructions can change"
        in client.get(reverse("peer_review:assignment_edit", args=[assignment.pk])).content.decode()
    )
    data = assignment_form(
        assignment.rubric,
        title=assignment.title,
        instructions=assignment.instructions,
        submission_opens_at=local(assignment.submission_opens_at),
        submission_due_at=local(assignment.submission_due_at),
        review_due_at=local(assignment.review_due_at),
    )

    refused = client.post(
        reverse("peer_review:assignment_edit", args=[assignment.pk]), data | {"reviews_per_submission": "5"}
    )
    assert "This cannot change once the assignment is published." in refused.content.decode()

    # Times shown to the minute go back unchanged (the stored ones have seconds).
    later = local(assignment.review_due_at + dt.timedelta(days=2))
    saved = client.post(
        reverse("peer_review:assignment_edit", args=[assignment.pk]),
        data | {"review_due_at": later, "title": "A sharper title"},
    )
    assert saved.status_code == 302
    assignment.refresh_from_db()
    assert assignment.title == "A sharper title" and assignment.reviews_per_submission == 3


# --- calibration examples --------------------------------------------------------------------------


def test_the_expert_adds_and_scores_a_calibration_example(client, world, make_assignment, timeline):
    assignment = make_assignment(publish=False, calibration_examples=1)
    login(client, world.expert)

    created = client.post(
        reverse("peer_review:example_create", args=[assignment.pk]),
        {"title": "A strong proposal", "body": "We should **pilot** it."},
    )
    example = CalibrationExample.objects.get()
    assert created.status_code == 302 and created.url == reverse(
        "peer_review:example_score", args=[example.pk]
    )
    page = client.get(created.url).content.decode()
    assert "<strong>pilot</strong>" in page and "not scored yet" in page and "3 · 2 points · Clear" in page

    scored = client.post(created.url, level_post(assignment, 2, 1, note="Because."))
    assert scored.status_code == 302
    assert sorted(ExpertScore.objects.values_list("level", "explanation")) == [
        (1, "Because."),
        (2, "Because."),
    ]
    dashboard = client.get(reverse("peer_review:dashboard", args=[assignment.pk])).content.decode()
    assert "A strong proposal" in dashboard and "scored" in dashboard

    # Once a learner calibrates on it, the reference levels are fixed.
    services.assignment_publish(actor=world.facilitator, assignment=assignment)
    services.calibration_submit(
        actor=world.learner,
        example=example,
        levels={pk: level for pk, (level, _) in levels_for(assignment, 2, 1).items()},
    )
    assert "its reference levels are fixed" in client.get(created.url).content.decode()
    refused = client.post(created.url, level_post(assignment, 0, 0))
    assert "Learners have already calibrated on this example" in refused.content.decode()
    assert sorted(ExpertScore.objects.values_list("level", flat=True)) == [1, 2]


# --- the dashboard ------------------------------------------------------------------------------------


def test_the_dashboard_after_a_round_of_reviews(client, world, reviewing):
    assignment, people = reviewing(examples=1)
    example = assignment.examples.get()
    for person in people:
        accurate = (2, 1) if person != people[-1] else (0, 1)
        services.calibration_submit(
            actor=person,
            example=example,
            levels={pk: level for pk, (level, _) in levels_for(assignment, *accurate).items()},
        )
    target = Submission.objects.get(assignment=assignment, author=world.learner)
    review_everything(
        assignment, people[:-1], lambda person, submission: (3, 2) if submission == target else None
    )

    page = login(client, world.facilitator).get(reverse("peer_review:dashboard", args=[assignment.pk]))

    assert page.status_code == 200
    board = page.context["board"]
    assert (board.counts.submissions, board.counts.reviews_in_force) == (4, 8)
    # The last person reviews nothing: their two reviews are missing.
    assert (board.counts.reviews_done, board.counts.reviews_missing, board.counts.reviews_overdue) == (
        6,
        2,
        0,
    )
    assert board.counts.final_grades == 2
    html = page.content.decode()
    assert "Inter-rater agreement" in html and "All criteria" in html
    overall = board.overall
    assert ("not enough data" in html) if overall.alpha is None else (f"{overall.alpha:.2f}" in html)
    records = {record.reviewer_id: record for record in board.reviewers}
    assert records[world.learner.pk].calibration_accuracy == 1.0
    assert records[people[-1].pk].calibration_accuracy < 1.0
    assert "1.00" in html and "Calibration accuracy" in html
    assert target.author.display_name in html and "reviewed" in html and "to review by" in html


def test_alpha_per_criterion_matches_the_reviews(client, world, reviewing):
    # Given both reviewers of each submission agreeing on Clarity (a different level for
    # each submission) and one giving the lowest, the other the highest level of Evidence
    assignment, people = reviewing()
    reviewed_before = set()

    def choose(person, submission):
        evidence = 2 if submission.pk in reviewed_before else 0
        reviewed_before.add(submission.pk)
        return ([p.pk for p in people].index(submission.author_id), evidence)

    review_everything(assignment, people, choose)

    board = (
        login(client, world.facilitator)
        .get(reverse("peer_review:dashboard", args=[assignment.pk]))
        .context["board"]
    )

    # Then Clarity agrees perfectly and Evidence worse than chance: with every submission
    # split 0/2, D_o = 8d and D_e = 2 x 4 x 4 x d / 7, so alpha = 1 - 56 / 32
    clarity, evidence = board.agreement
    assert clarity.alpha == pytest.approx(1.0) and clarity.units == 4
    assert evidence.alpha == pytest.approx(-0.75) and evidence.units == 4
    assert board.overall.units == 8 and board.overall.alpha is not None


def test_not_enough_data_before_any_review(client, world, reviewing):
    assignment, _ = reviewing()

    html = (
        login(client, world.facilitator)
        .get(reverse("peer_review:dashboard", args=[assignment.pk]))
        .content.decode()
    )

    assert html.count("not enough data") == 3
    assert "Nobody has reviewed or calibrated yet." not in html  # allocation made their records


def test_the_grades_export(client, world, reviewing):
    assignment, people = reviewing()
    review_everything(assignment, people[:-1])
    graded = Grade.objects.filter(submission__assignment=assignment, state=GradeState.FINAL).select_related(
        "submission__author"
    )
    assert graded.exists()

    response = login(client, world.facilitator).get(reverse("peer_review:grades_csv", args=[assignment.pk]))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="write-a-one-page-proposal-grades.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Author",
        "Email",
        "Submitted at",
        "Version",
        "Late",
        "State",
        "Percentage",
        "Points",
        "Max points",
        "Method",
        "Reviews counted",
        "Clarity: level",
        "Clarity: points",
        "Evidence: level",
        "Evidence: points",
    ]
    assert len(rows) == 1 + 4
    by_email = {row[1]: row for row in rows[1:]}
    grade = graded.first()
    row = by_email[grade.submission.author.email]
    assert row[5] == "final" and row[6] == f"{grade.percentage:.2f}" and row[8] == "11"
    assert row[11:] == ["3", "2", "2", "4"]  # levels 2 and 1 of 0.., as people count them
    ungraded = [r for r in rows[1:] if r[5] == "no grade yet"]
    assert ungraded and all(r[6:] == [""] * 9 for r in ungraded)


# --- checkpoints and regrade requests ------------------------------------------------------------------


def test_the_checkpoint_shows_the_reviews_side_by_side_and_sets_the_grade(client, world, reviewing):
    assignment, people = reviewing()
    target = Submission.objects.get(assignment=assignment, author=world.learner)
    extremes = iter([(0, 0), (3, 2)])
    review_everything(
        assignment, people, lambda person, submission: next(extremes) if submission == target else None
    )
    checkpoint = Checkpoint.objects.get(submission=target, state="open")
    url = reverse("peer_review:checkpoint", args=[checkpoint.pk])

    page = login(client, world.expert).get(url)

    html = page.content.decode()
    assert page.status_code == 200 and "Reviewers disagree on" in html
    reviewers = [r.reviewer.display_name for r in target.reviews.select_related("reviewer")]
    assert all(name in html for name in reviewers) and "Peer level" in html and "above the threshold" in html
    assert (
        "Hard to follow" in html and "Crystal clear" in html and "My plan, by learner@acme.example." in html
    )

    missing_reason = client.post(url, level_post(assignment, 1, 1) | {"reason": ""})
    assert "Give a reason for each level" in missing_reason.content.decode()

    resolved = client.post(url, level_post(assignment, 2, 1) | {"reason": "Solid, thin on sources."})
    grade = Grade.objects.get(submission=target)
    assert resolved.status_code == 302
    assert (grade.state, grade.method, grade.overridden_by) == (GradeState.FINAL, "expert", world.expert)
    assert grade.criteria.get(criterion__title="Evidence").override_reason == "Solid, thin on sources."
    after = client.get(url).content.decode()
    assert (
        "Resolution" in after and "Make the grade final" not in after and "Solid, thin on sources." in after
    )

    # The learner is told the grade is final.
    deliver_events()
    assert world.learner.notifications.filter(kind="grade_finalised").exists()


def test_answering_a_regrade_request(client, world, reviewing):
    assignment, people = reviewing()
    review_everything(assignment, people)
    submission = Submission.objects.get(assignment=assignment, author=world.learner)
    dispute = services.dispute_open(
        actor=world.learner, submission=submission, reason="My evidence section cites three separate studies."
    )
    url = reverse("peer_review:dispute_answer", args=[dispute.pk])
    login(client, world.facilitator)

    page = client.get(url).content.decode()
    assert "cites three separate studies" in page and "The current grade" in page and "Grade stands" in page

    no_levels = client.post(url, {"outcome": "regraded", "response": "You are right."})
    assert "Set the new level of every criterion." in no_levels.content.decode()

    answered = client.post(
        url, {"outcome": "regraded", "response": "You did cite them."} | level_post(assignment, 2, 2)
    )
    dispute.refresh_from_db()
    grade = Grade.objects.get(submission=submission)
    assert answered.status_code == 302 and dispute.outcome == "regraded" and grade.points == 10.0
    after = client.get(url).content.decode()
    assert "Regraded" in after and "You did cite them." in after and "Send the answer" not in after


def test_a_grade_can_stand(client, world, reviewing):
    assignment, people = reviewing()
    review_everything(assignment, people)
    submission = Submission.objects.get(assignment=assignment, author=world.peer_mentor)
    before = Grade.objects.get(submission=submission).points
    dispute = services.dispute_open(
        actor=world.peer_mentor, submission=submission, reason="I think clarity deserves one more level."
    )

    login(client, world.expert).post(
        reverse("peer_review:dispute_answer", args=[dispute.pk]),
        {"outcome": "upheld", "response": "Two reviewers agree on it."},
    )

    dispute.refresh_from_db()
    assert dispute.state == "resolved" and dispute.outcome == "upheld"
    assert Grade.objects.get(submission=submission).points == before


# --- the assignments page -------------------------------------------------------------------------------


def test_the_manage_page_lists_the_cohorts_assignments_with_counts(client, world, reviewing, make_assignment):
    assignment, people = reviewing()
    review_everything(assignment, people[:1])
    make_assignment(publish=False, title="Next week's draft")

    page = login(client, world.facilitator).get(reverse("peer_review:manage"))

    html = page.content.decode()
    assert page.status_code == 200 and world.cohort.name in html
    assert "Next week&#x27;s draft" in html and "Draft" in html and "Published" in html
    assert reverse("peer_review:assignment_create", args=[world.cohort.pk]) in html
    summary = next(
        s for e in page.context["cohorts"] for s in e.assignments if s.assignment.pk == assignment.pk
    )
    assert (summary.submissions, summary.reviews_done, summary.reviews_missing) == (4, 2, 6)
    expert_page = login(client, world.expert).get(reverse("peer_review:manage")).content.decode()
    assert world.cohort.name in expert_page
    assert reverse("peer_review:assignment_create", args=[world.cohort.pk]) not in expert_page


def test_the_facilitator_dashboard_links_here(client, world):
    html = login(client, world.facilitator).get(reverse("portal:facilitate")).content.decode()
    assert reverse("peer_review:manage") in html and "Peer review assignments" in html


# --- who may do what ------------------------------------------------------------------------------------


def test_learners_get_403_or_404(client, world, make_assignment, reviewing):
    published, _ = reviewing()
    draft = make_assignment(publish=False)
    login(client, world.learner)
    for name, args in [
        ("manage", []),
        ("rubrics", []),
        ("rubric_create", []),
        ("assignment_create", [world.cohort.pk]),
        ("dashboard", [published.pk]),
        ("grades_csv", [published.pk]),
        ("assignment_edit", [published.pk]),
        ("example_create", [published.pk]),
    ]:
        assert client.get(reverse(f"peer_review:{name}", args=args)).status_code == 403, name
    assert client.get(reverse("peer_review:dashboard", args=[draft.pk])).status_code == 404
    assert client.post(reverse("peer_review:assignment_publish", args=[draft.pk])).status_code == 404


def test_another_organisation_gets_404(client, world, other_world, reviewing):
    assignment, people = reviewing()
    target = Submission.objects.get(assignment=assignment, author=world.learner)
    extremes = iter([(0, 0), (3, 2)])
    review_everything(
        assignment, people, lambda person, submission: next(extremes) if submission == target else None
    )
    checkpoint = Checkpoint.objects.get(state="open")
    example = services.example_create(actor=world.expert, assignment=assignment, title="E", body="Sample.")
    login(client, other_world.facilitator)
    for name, pk in [
        ("dashboard", assignment.pk),
        ("grades_csv", assignment.pk),
        ("assignment_edit", assignment.pk),
        ("example_create", assignment.pk),
        ("assignment_create", world.cohort.pk),
        ("rubric_edit", assignment.rubric_id),
        ("example_score", example.pk),
        ("checkpoint", checkpoint.pk),
    ]:
        assert client.get(reverse(f"peer_review:{name}", args=[pk])).status_code == 404, name
    assert client.post(reverse("peer_review:rubric_publish", args=[assignment.rubric_id])).status_code == 404


def test_an_analyst_reads_the_dashboard_but_changes_nothing(client, world, reviewing):
    assignment, people = reviewing()
    review_everything(assignment, people)
    dispute = services.dispute_open(
        actor=world.learner,
        submission=Submission.objects.get(author=world.learner),
        reason="Please look again at my evidence section.",
    )
    login(client, world.analyst)

    page = client.get(reverse("peer_review:dashboard", args=[assignment.pk]))
    assert page.status_code == 200 and "Inter-rater agreement" in page.content.decode()
    assert reverse("peer_review:assignment_edit", args=[assignment.pk]) not in page.content.decode()
    assert reverse("peer_review:dispute_answer", args=[dispute.pk]) not in page.content.decode()
    assert client.get(reverse("peer_review:grades_csv", args=[assignment.pk])).status_code == 200
    assert client.get(reverse("peer_review:assignment_edit", args=[assignment.pk])).status_code == 403
    assert client.post(reverse("peer_review:assignment_publish", args=[assignment.pk])).status_code == 403
    assert client.get(reverse("peer_review:example_create", args=[assignment.pk])).status_code == 403
    assert client.get(reverse("peer_review:dispute_answer", args=[dispute.pk])).status_code == 404
    assert client.get(reverse("peer_review:manage")).status_code == 403


def test_experts_score_but_do_not_create_assignments(client, world, make_assignment):
    assignment = make_assignment(publish=False)
    login(client, world.expert)
    assert client.get(reverse("peer_review:assignment_create", args=[world.cohort.pk])).status_code == 403
    assert client.get(reverse("peer_review:assignment_edit", args=[assignment.pk])).status_code == 403
    assert client.get(reverse("peer_review:example_create", args=[assignment.pk])).status_code == 200
    assert client.get(reverse("peer_review:rubrics")).status_code == 200


# --- query counts ---------------------------------------------------------------------------------------


def build_round(world, assignment, size: int) -> None:
    """`size` submissions with three reviewers each (most reviewed, some outstanding, one
    handed over), grades, reviewer records and a few open cases, written in bulk."""
    users = User.objects.bulk_create(
        [
            User(
                email=f"bulk{size}-{n}@acme.example",
                full_name=f"Bulk Learner {n:04d}",
                organization=world.org,
            )
            for n in range(size)
        ]
    )
    CohortMembership.objects.bulk_create(
        [CohortMembership(cohort=world.cohort, user=user, role=CohortRole.LEARNER) for user in users]
    )
    now = timezone.now()
    submissions = Submission.objects.bulk_create(
        [
            Submission(assignment=assignment, author=user, late=n % 10 == 0, created_at=now, updated_at=now)
            for n, user in enumerate(users)
        ]
    )
    SubmissionVersion.objects.bulk_create(
        [
            SubmissionVersion(submission=s, number=1, body="Text", body_html="<p>Text</p>", word_count=1)
            for s in submissions
        ]
    )
    allocations = []
    for n, submission in enumerate(submissions):
        for offset in (1, 2, 3):
            state = AllocationState.ASSIGNED if n % 7 == 0 and offset == 3 else AllocationState.SUBMITTED
            allocations.append(
                ReviewAllocation(
                    assignment=assignment,
                    submission=submission,
                    reviewer=users[(n + offset) % size],
                    state=state,
                    due_at=now + dt.timedelta(hours=48 if n % 2 else -1),
                )
            )
    allocations = ReviewAllocation.objects.bulk_create(allocations)
    reviews = Review.objects.bulk_create(
        [
            Review(
                allocation=a,
                submission=a.submission,
                reviewer=a.reviewer,
                comment="Fine",
                submission_version=1,
            )
            for a in allocations
            if a.state == AllocationState.SUBMITTED
        ]
    )
    criteria = list(assignment.rubric.criteria.order_by("order"))
    ReviewScore.objects.bulk_create(
        [
            ReviewScore(review=review, criterion=criterion, level=(review.reviewer_id + index) % 3)
            for review in reviews
            for index, criterion in enumerate(criteria)
        ]
    )
    grades = Grade.objects.bulk_create(
        [
            Grade(
                submission=s,
                state=GradeState.FINAL if n % 5 else GradeState.CHECKPOINT,
                points=6,
                max_points=11,
                percentage=54.5,
                method="weighted_median",
                reviews_counted=3,
            )
            for n, s in enumerate(submissions)
            if n % 7
        ]
    )
    CriterionGrade.objects.bulk_create(
        [
            CriterionGrade(grade=grade, criterion=criterion, level=1, peer_level=1, spread=0.5, points=2)
            for grade in grades
            for criterion in criteria
        ]
    )
    ReviewerRecord.objects.bulk_create(
        [
            ReviewerRecord(
                assignment=assignment, reviewer=user, calibration_accuracy=0.8, reviews_done=3, weight=0.4
            )
            for user in users
        ]
    )
    Checkpoint.objects.bulk_create(
        [
            Checkpoint(submission=s, reason="Reviewers disagree.")
            for n, s in enumerate(submissions)
            if n % 5 == 0
        ]
    )
    Dispute.objects.bulk_create(
        [
            Dispute(submission=s, requested_by=s.author, reason="Please look again.")
            for n, s in enumerate(submissions)
            if n % 11 == 1
        ]
    )


@pytest.mark.parametrize("size", [10, 1000])
def test_dashboard_and_export_queries_do_not_grow(
    client, world, make_assignment, size, django_assert_max_num_queries
):
    assignment = make_assignment()
    build_round(world, assignment, size)
    login(client, world.facilitator)
    page_number = 2 if size > 50 else 1

    with django_assert_max_num_queries(DASHBOARD_BUDGET):
        page = client.get(reverse("peer_review:dashboard", args=[assignment.pk]), {"page": page_number})
    assert page.status_code == 200
    board = page.context["board"]
    assert board.counts.submissions == size and board.submissions.number == page_number
    assert len(board.submissions.object_list) == min(50, size)
    assert board.overall.alpha is not None and board.counts.open_checkpoints == len(range(0, size, 5))

    with django_assert_max_num_queries(CSV_BUDGET):
        export = client.get(reverse("peer_review:grades_csv", args=[assignment.pk]))
    assert len(export.content.decode().strip().splitlines()) == size + 1

    with django_assert_max_num_queries(MANAGE_BUDGET):
        assert client.get(reverse("peer_review:manage")).status_code == 200
