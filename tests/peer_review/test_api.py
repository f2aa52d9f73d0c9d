"""The peer review REST API as an integration or a script notices it: building and
versioning rubrics, running an assignment, calibrating, submitting, reviewing,
grades, usefulness ratings, checkpoints and regrade requests. Every refusal has
the one error shape; another organisation's object is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import AuditEntry, Event
from peer_review import services
from peer_review.grading import METHOD_EXPLANATION
from peer_review.models import (
    Checkpoint,
    Criterion,
    Dispute,
    Grade,
    GradeState,
    Review,
    ReviewAllocation,
    Rubric,
    Submission,
)
from tests.cohorts.test_api import assert_error, results

from .conftest import CRITERIA, allocations_of, levels_for, submit_all

pytestmark = pytest.mark.django_db

API = "/api/v1/peer-review"


def criteria_of(assignment) -> list[Criterion]:
    return list(Criterion.objects.filter(rubric=assignment.rubric_id).order_by("order", "pk"))


def levels_payload(assignment, *levels: int, text: str = "comment", value: str = "") -> list[dict]:
    """The API's shape of levels: one {"criterion", "level", text} per criterion, in rubric order."""
    return [{"criterion": c.pk, "level": level, text: value}
            for c, level in zip(criteria_of(assignment), levels, strict=True)]


def windows(**days: float) -> dict:
    """Submission and review windows around now, as the API takes them."""
    now = timezone.now()
    offsets = {"submission_opens_at": -2, "submission_due_at": 1, "review_due_at": 8} | days
    return {name: (now + dt.timedelta(days=offset)).isoformat() for name, offset in offsets.items()}


@pytest.fixture
def allocated(world, make_assignment, learners, timeline):
    """A published assignment (two reviews each, no calibration) with three submissions,
    reviews allocated once submissions closed."""

    def make(**fields):
        assignment = make_assignment(reviews_per_submission=2, **fields)
        people = [world.learner, world.peer_mentor, *learners(1)]
        submit_all(assignment, people, timeline)
        services.reviews_allocate(assignment.pk, now=timeline.due)
        return assignment, people

    return make


def review_everything(assignment, people, levels=(2, 1)):
    for person in people:
        for allocation in allocations_of(person, assignment):
            services.review_submit(actor=person, allocation=allocation,
                                   levels=levels_for(assignment, *levels), comment="Clear; add a source.")


# --- the whole round ---------------------------------------------------------------------------


def test_a_whole_round_through_the_api(world, learners, api_client, timeline):
    facilitator, expert = api_client(world.facilitator), api_client(world.expert)
    learner = api_client(world.learner)

    # Given a facilitator builds and publishes a rubric
    created = facilitator.post(f"{API}/rubrics/", {"title": "Writing rubric", "criteria": CRITERIA},
                               format="json")
    assert created.status_code == 201, created.content
    rubric = created.json()
    assert rubric["state"] == "draft" and rubric["version"] == 1 and not rubric["frozen"]
    assert [c["title"] for c in rubric["criteria"]] == ["Clarity", "Evidence"]
    assert [(lv["level"], lv["descriptor"]) for lv in rubric["criteria"][1]["levels"]] == [
        (0, "None"), (1, "Some"), (2, "Strong")]
    published = facilitator.post(f"{API}/rubrics/{rubric['id']}/publish/")
    assert published.status_code == 200 and published.json()["state"] == "published"

    # and an assignment with one calibration example, which an expert scores
    payload = {"cohort": world.cohort.pk, "rubric": rubric["id"], "title": "Write a one-page proposal",
               "instructions": "Propose **one** change.", "reviews_per_submission": 2,
               "calibration_examples": 1, **windows()}
    created = facilitator.post(f"{API}/assignments/", payload, format="json")
    assert created.status_code == 201, created.content
    assignment = created.json()
    assert assignment["state"] == "draft" and assignment["anonymous_reviews"] is True
    assert "<strong>one</strong>" in assignment["instructions_html"]
    example = expert.post(f"{API}/calibration-examples/", {
        "assignment": assignment["id"], "title": "A sample", "body": "We should meet less."}, format="json")
    assert example.status_code == 201, example.content
    clarity, evidence = (c["id"] for c in rubric["criteria"])
    scored = expert.post(f"{API}/calibration-examples/{example.json()['id']}/score/", {"scores": [
        {"criterion": clarity, "level": 2, "explanation": "Clear but long."},
        {"criterion": evidence, "level": 1, "explanation": "One source."}]}, format="json")
    assert scored.status_code == 200, scored.content
    assert [s["level"] for s in scored.json()["expert_scores"]] == [2, 1]

    # When the facilitator publishes it
    published = facilitator.post(f"{API}/assignments/{assignment['id']}/publish/")

    # Then learners see it, and the rubric version is frozen
    assert published.status_code == 200 and published.json()["state"] == "published"
    assert [a["id"] for a in results(learner.get(f"{API}/assignments/"))] == [assignment["id"]]
    in_cohort = results(learner.get(f"{API}/assignments/", {"cohort": world.cohort.pk}))
    assert [a["id"] for a in in_cohort] == [assignment["id"]]
    assert facilitator.get(f"{API}/rubrics/{rubric['id']}/").json()["frozen"] is True

    # When three participants submit, one of them with a file
    people = [world.learner, world.peer_mentor, *learners(1)]
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
    first = learner.post(f"{API}/submissions/", {"assignment": assignment["id"], "body": "My *plan*.",
                                                 "attachments": [pdf]}, format="multipart")
    assert first.status_code == 201, first.content
    for person in people[1:]:
        response = api_client(person).post(f"{API}/submissions/", {
            "assignment": assignment["id"], "body": f"Proposal by {person.email}."}, format="json")
        assert response.status_code == 201, response.content

    # and the learner resubmits, keeping the file
    second = learner.post(f"{API}/submissions/", {"assignment": assignment["id"], "body": "My better plan."},
                          format="json")
    assert second.status_code == 201, second.content
    submission = second.json()
    assert submission["version"] == 2 and submission["author"] == world.learner.pk
    assert submission["current"]["body"] == "My better plan."
    assert [a["name"] for a in submission["current"]["attachments"]] == ["plan.pdf"]
    assert [v["number"] for v in submission["versions"]] == [2, 1]
    versions = learner.get(f"{API}/submissions/{submission['id']}/versions/")
    assert [v["body"] for v in versions.json()] == ["My better plan.", "My *plan*."]

    # Then calibrating shows the expert's levels only afterwards
    examples = results(learner.get(f"{API}/calibration-examples/", {"assignment": assignment["id"]}))
    assert examples[0]["expert_scores"] is None and examples[0]["attempted"] is False
    attempt = learner.post(f"{API}/calibration-attempts/", {"example": examples[0]["id"], "levels": [
        {"criterion": clarity, "level": 2}, {"criterion": evidence, "level": 0}]}, format="json")
    assert attempt.status_code == 201, attempt.content
    assert attempt.json()["accuracy"] == pytest.approx(1 - (0 + 1 / 2) / 2)
    assert attempt.json()["criteria"] == [
        {"criterion": clarity, "level": 2, "expert_level": 2, "explanation": "Clear but long."},
        {"criterion": evidence, "level": 0, "expert_level": 1, "explanation": "One source."}]
    examples = results(learner.get(f"{API}/calibration-examples/"))
    assert examples[0]["attempted"] is True and len(examples[0]["expert_scores"]) == 2
    assert [a["id"] for a in results(learner.get(f"{API}/calibration-attempts/"))] == [attempt.json()["id"]]
    example_row = services.calibration_examples_for(Submission.objects.first().assignment)[0]
    for person in people[1:]:
        services.calibration_submit(actor=person, example=example_row, levels={clarity: 2, evidence: 1})

    # When reviews are allocated (a scheduled task) and the learner reviews through the API
    assignment_row = Submission.objects.first().assignment
    services.reviews_allocate(assignment_row.pk, now=timeline.due + dt.timedelta(days=1))
    todo = results(learner.get(f"{API}/allocations/"))
    assert len(todo) == 2 and {a["state"] for a in todo} == {"assigned"}
    detail = learner.get(f"{API}/allocations/{todo[0]['id']}/").json()
    assert detail["work"]["author"] is None and detail["work"]["current"]["body"].startswith("Proposal")
    assert detail["rubric"] == rubric["id"]
    for allocation in todo:
        review = learner.post(f"{API}/allocations/{allocation['id']}/review/", {
            "levels": levels_payload(assignment_row, 2, 1, value="Fine."),
            "comment": "Clear; add a second source."}, format="json")
        assert review.status_code == 201, review.content
        assert review.json()["reviewer"] == world.learner.pk
    assert results(learner.get(f"{API}/allocations/")) == []
    assert len(results(learner.get(f"{API}/allocations/", {"state": "submitted"}))) == 2
    review_everything(assignment_row, people[1:])

    # Then the learner's grade is visible, with the method explained
    grades = results(learner.get(f"{API}/grades/"))
    assert len(grades) == 1
    grade = grades[0]
    assert grade["state"] == "final" and grade["method"] == "weighted_median"
    assert grade["method_explanation"] == METHOD_EXPLANATION
    assert (grade["points"], grade["max_points"]) == (6.0, 11.0)
    assert [(c["criterion"], c["level"]) for c in grade["criteria"]] == [(clarity, 2.0), (evidence, 1.0)]

    # and the reviews of their work, reviewers hidden, which they rate
    received = results(learner.get(f"{API}/reviews/", {"mine": "false"}))
    assert len(received) == 2
    assert {(r["reviewer"], r["reviewer_name"]) for r in received} == {(None, None)}
    assert received[0]["scores"][0]["criterion"] == clarity
    rated = learner.post(f"{API}/reviews/{received[0]['id']}/rate/", {"rating": 5, "comment": "Spot on."},
                         format="json")
    assert rated.status_code == 200 and rated.json()["rating"] == 5
    assert learner.get(f"{API}/reviews/{received[0]['id']}/").json()["usefulness"]["comment"] == "Spot on."

    # When the learner asks for a regrade and the expert regrades
    dispute = learner.post(f"{API}/disputes/", {
        "submission": submission["id"], "reason": "The evidence criterion ignores my two cited studies."},
        format="json")
    assert dispute.status_code == 201, dispute.content
    assert dispute.json()["state"] == "open"
    open_disputes = results(expert.get(f"{API}/disputes/", {"state": "open"}))
    assert [d["id"] for d in open_disputes] == [dispute.json()["id"]]
    resolved = expert.post(f"{API}/disputes/{dispute.json()['id']}/resolve/", {
        "outcome": "regraded", "response": "You did cite two studies.",
        "levels": [{"criterion": clarity, "level": 2}, {"criterion": evidence, "level": 2}]}, format="json")

    # Then the grade changes with the reason, and the dashboard tells the staff how it went
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["outcome"] == "regraded" and resolved.json()["state"] == "resolved"
    grade = learner.get(f"{API}/grades/{grade['id']}/").json()
    assert grade["method"] == "expert" and grade["points"] == 10.0
    assert grade["criteria"][1]["override_reason"] == "You did cite two studies."
    dashboard = facilitator.get(f"{API}/assignments/{assignment['id']}/dashboard/")
    assert dashboard.status_code == 200, dashboard.content
    counts = dashboard.json()["counts"]
    assert counts["submissions"] == 3 and counts["reviews_submitted"] == 6 and counts["grades_final"] == 3
    assert counts["calibrated"] == 3 and counts["usefulness_ratings"] == 1 and counts["open_disputes"] == 0
    agreement = dashboard.json()["agreement"]
    # Every reviewer gave the same levels: perfect agreement overall; within a criterion a
    # single level was used throughout, which leaves alpha undefined.
    assert agreement["overall"] == 1.0
    assert [(c["criterion"], c["alpha"], c["units"]) for c in agreement["criteria"]] == [
        (clarity, None, 3), (evidence, None, 3)]
    sheet = facilitator.get(f"{API}/assignments/{assignment['id']}/grades/").json()
    assert len(sheet) == 3 and {row["state"] for row in sheet} == {"final"}
    mine = next(row for row in sheet if row["author"] == world.learner.pk)
    assert mine["percentage"] == pytest.approx(100 * 10 / 11) and mine["reviews_received"] == 2
    assert Event.objects.filter(verb="dispute_resolved").exists()


# --- rubrics -----------------------------------------------------------------------------------


def test_editing_a_draft_rubric_changes_it_in_place(world, api_client):
    client = api_client(world.expert)
    rubric = services.rubric_create(actor=world.expert, title="Draft", criteria=CRITERIA)
    response = client.patch(f"{API}/rubrics/{rubric.pk}/", {"title": "Draft, renamed"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == rubric.pk and response.json()["title"] == "Draft, renamed"
    assert [c["title"] for c in response.json()["criteria"]] == ["Clarity", "Evidence"]
    replaced = client.put(f"{API}/rubrics/{rubric.pk}/", {"title": "One criterion", "criteria": CRITERIA[:1]},
                          format="json")
    assert replaced.status_code == 200 and len(replaced.json()["criteria"]) == 1
    assert Rubric.objects.count() == 1


def test_editing_a_frozen_rubric_answers_201_with_the_next_version(world, rubric, make_assignment,
                                                                   api_client):
    make_assignment()
    changed = [dict(CRITERIA[0], title="Clarity of argument"), CRITERIA[1]]
    response = api_client(world.facilitator).put(
        f"{API}/rubrics/{rubric.pk}/", {"title": "Writing rubric", "criteria": changed}, format="json")
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["id"] != rubric.pk and new["version"] == 2 and new["family"] == str(rubric.family)
    assert new["state"] == "draft" and not new["frozen"]
    versions = results(api_client(world.facilitator).get(f"{API}/rubrics/", {"family": str(rubric.family)}))
    assert [(r["version"], r["criteria"][0]["title"]) for r in versions] == [
        (2, "Clarity of argument"), (1, "Clarity")]


@pytest.mark.parametrize(("criteria", "field", "words"), [
    ([], "criteria", "at least one criterion"),
    ([{"title": "X", "levels": [{"points": 2, "descriptor": "a"}, {"points": 1, "descriptor": "b"}]}],
     "criteria", "fewest to most"),
    ([{"title": "X", "levels": [{"points": 0, "descriptor": "a"}, {"points": 1, "descriptor": ""}]}],
     "criteria", "needs a descriptor"),
    ([{"title": "X", "weight": "1.234", "levels": [{"points": 0, "descriptor": "a"}]}],
     "criteria.0.weight", "decimal places"),
    ([{"title": "X", "levels": [{"descriptor": "a"}]}], "criteria.0.levels.0.points", "required"),
])
def test_bad_rubrics_are_refused_with_field_messages(world, api_client, criteria, field, words):
    response = api_client(world.facilitator).post(f"{API}/rubrics/", {"title": "R", "criteria": criteria},
                                                  format="json")
    body = assert_error(response, 400, field)
    assert words in body["errors"][field][0]
    assert not Rubric.objects.exists()


def test_learners_neither_build_nor_edit_rubrics_but_read_the_ones_in_use(world, rubric, make_assignment,
                                                                         api_client):
    learner = api_client(world.learner)
    assert_error(learner.post(f"{API}/rubrics/", {"title": "R", "criteria": CRITERIA}, format="json"), 403)
    assert results(learner.get(f"{API}/rubrics/")) == []
    make_assignment()
    assert [r["id"] for r in results(learner.get(f"{API}/rubrics/"))] == [rubric.pk]
    assert_error(learner.patch(f"{API}/rubrics/{rubric.pk}/", {"title": "Mine"}, format="json"), 403)
    assert_error(learner.post(f"{API}/rubrics/{rubric.pk}/publish/"), 403)


# --- assignments -------------------------------------------------------------------------------


def assignment_payload(world, rubric_used, **extra) -> dict:
    return {"cohort": world.cohort.pk, "rubric": rubric_used.pk, "title": "Proposal",
            "instructions": "Propose one change.", **windows()} | extra


@pytest.mark.parametrize(("extra", "field"), [
    (windows(submission_due_at=-3), "submission_due_at"),
    (windows(review_due_at=0.5), "review_due_at"),
    ({"instructions": ""}, "instructions"),
    ({"reviews_per_submission": 11}, "reviews_per_submission"),
    ({"spread_threshold": "lots"}, "spread_threshold"),
    ({"submission_opens_at": "next week"}, "submission_opens_at"),
])
def test_bad_assignments_are_refused_with_field_messages(world, rubric, api_client, extra, field):
    response = api_client(world.facilitator).post(f"{API}/assignments/",
                                                  assignment_payload(world, rubric, **extra), format="json")
    assert_error(response, 400, field)


def test_an_assignment_needs_a_cohort_and_rubric_of_ones_own(world, other_world, rubric, api_client):
    client = api_client(world.facilitator)
    foreign_cohort = assignment_payload(world, rubric, cohort=other_world.cohort.pk)
    assert_error(client.post(f"{API}/assignments/", foreign_cohort, format="json"), 400, "cohort")
    theirs = services.rubric_create(actor=other_world.facilitator, title="Theirs", criteria=CRITERIA)
    foreign_rubric = assignment_payload(world, rubric, rubric=theirs.pk)
    assert_error(client.post(f"{API}/assignments/", foreign_rubric, format="json"), 400, "rubric")


def test_only_the_cohorts_facilitators_create_and_publish_assignments(world, rubric, make_assignment,
                                                                     api_client):
    make_assignment()  # so the learner may see the rubric
    for person in (world.learner, world.expert):
        response = api_client(person).post(f"{API}/assignments/", assignment_payload(world, rubric),
                                           format="json")
        assert_error(response, 403)
    draft = make_assignment(publish=False)
    assert_error(api_client(world.expert).post(f"{API}/assignments/{draft.pk}/publish/"), 403)
    assert_error(api_client(world.learner).get(f"{API}/assignments/{draft.pk}/"), 404)


def test_a_published_assignment_keeps_its_rules_but_may_be_extended(world, make_assignment, api_client,
                                                                   timeline):
    assignment = make_assignment()
    client = api_client(world.facilitator)
    refused = client.patch(f"{API}/assignments/{assignment.pk}/", {"reviews_per_submission": 5},
                           format="json")
    assert "once the assignment is published" in assert_error(refused, 400, "reviews_per_submission")[
        "errors"]["reviews_per_submission"][0]
    later = timeline.review_due + dt.timedelta(days=2)
    extended = client.patch(f"{API}/assignments/{assignment.pk}/", {"review_due_at": later.isoformat()},
                            format="json")
    assert extended.status_code == 200, extended.content
    assert dt.datetime.fromisoformat(extended.json()["review_due_at"]) == later
    assert_error(api_client(world.learner).patch(f"{API}/assignments/{assignment.pk}/", {"title": "x"},
                                                 format="json"), 403)


def test_publishing_without_scored_examples_is_refused(world, make_assignment, api_client):
    assignment = make_assignment(publish=False, calibration_examples=1)
    response = api_client(world.facilitator).post(f"{API}/assignments/{assignment.pk}/publish/")
    assert_error(response, 400, "calibration_examples")


def test_the_dashboard_measures_agreement_and_is_for_staff_and_analysts(world, allocated, api_client):
    assignment, people = allocated()
    target = Submission.objects.get(assignment=assignment, author=world.learner)
    spread = iter([(0, 0), (3, 2)])
    for person in people:
        for allocation in allocations_of(person, assignment):
            levels = next(spread) if allocation.submission_id == target.pk else (2, 1)
            services.review_submit(actor=person, allocation=allocation,
                                   levels=levels_for(assignment, *levels), comment="Comment")

    dashboard = api_client(world.analyst).get(f"{API}/assignments/{assignment.pk}/dashboard/")

    assert dashboard.status_code == 200, dashboard.content
    body = dashboard.json()
    assert body["counts"]["grades_waiting_for_expert"] == 1 and body["counts"]["open_checkpoints"] == 1
    assert body["counts"]["grades_final"] == 2 and body["counts"]["participants"] == 3
    agreement = body["agreement"]
    assert -1 <= agreement["overall"] < 1
    assert all(c["alpha"] is not None and c["units"] == 3 for c in agreement["criteria"])
    for person in (world.learner, world.outsider):
        assert_error(api_client(person).get(f"{API}/assignments/{assignment.pk}/dashboard/"),
                     403 if person == world.learner else 404)
    assert_error(api_client(world.learner).get(f"{API}/assignments/{assignment.pk}/grades/"), 403)


# --- calibration -------------------------------------------------------------------------------


def test_only_staff_add_and_score_examples(world, make_assignment, api_client):
    assignment = make_assignment(examples=1)
    example = assignment.examples.get()
    learner = api_client(world.learner)
    assert_error(learner.post(f"{API}/calibration-examples/", {"assignment": assignment.pk, "title": "Mine",
                                                               "body": "Text"}, format="json"), 403)
    scores = {"scores": levels_payload(assignment, 1, 1, text="explanation")}
    assert_error(learner.post(f"{API}/calibration-examples/{example.pk}/score/", scores, format="json"), 403)
    assert results(api_client(world.expert).get(f"{API}/calibration-examples/"))[0]["expert_scores"]


def test_calibrating_twice_or_with_missing_levels_is_refused(world, make_assignment, api_client):
    assignment = make_assignment(examples=1)
    example = assignment.examples.get()
    client = api_client(world.learner)
    first_criterion = criteria_of(assignment)[0].pk
    missing = client.post(f"{API}/calibration-attempts/", {
        "example": example.pk, "levels": [{"criterion": first_criterion, "level": 1}]}, format="json")
    assert "Choose a level" in assert_error(missing, 400, "levels")["errors"]["levels"][0]
    levels = levels_payload(assignment, 1, 1)
    assert client.post(f"{API}/calibration-attempts/", {"example": example.pk, "levels": levels},
                       format="json").status_code == 201
    again = client.post(f"{API}/calibration-attempts/", {"example": example.pk, "levels": levels},
                        format="json")
    assert_error(again, 400, "example")
    assert_error(api_client(world.facilitator).post(f"{API}/calibration-attempts/", {
        "example": example.pk, "levels": levels}, format="json"), 403)


# --- submissions -------------------------------------------------------------------------------


@pytest.mark.parametrize(("payload", "field", "words"), [
    ({"body": "   "}, "body", "Write your submission"),
    ({"body": "Text", "attachments": [SimpleUploadedFile("run.exe", b"MZ")]}, "attachments",
     "not an accepted file type"),
])
def test_bad_submissions_are_refused_with_field_messages(world, make_assignment, api_client, payload, field,
                                                         words):
    assignment = make_assignment()
    response = api_client(world.learner).post(f"{API}/submissions/", {"assignment": assignment.pk, **payload},
                                              format="multipart")
    assert words in assert_error(response, 400, field)["errors"][field][0]
    assert not Submission.objects.exists()


def test_staff_do_not_submit_and_drafts_are_not_open(world, make_assignment, api_client):
    assignment = make_assignment()
    assert_error(api_client(world.facilitator).post(f"{API}/submissions/", {
        "assignment": assignment.pk, "body": "Mine"}, format="json"), 403)
    draft = make_assignment(publish=False, title="Draft")
    assert_error(api_client(world.learner).post(f"{API}/submissions/", {
        "assignment": draft.pk, "body": "Mine"}, format="json"), 400, "assignment")


# --- allocations, reviews and anonymity --------------------------------------------------------


def test_review_levels_are_checked_with_field_messages(world, allocated, api_client):
    assignment, _ = allocated()
    allocation = allocations_of(world.learner, assignment)[0]
    url = f"{API}/allocations/{allocation.pk}/review/"
    client = api_client(world.learner)
    clarity, evidence = (c.pk for c in criteria_of(assignment))
    cases = [
        ([{"criterion": clarity, "level": 2}], "levels", "Choose a level for \u201cEvidence\u201d"),
        ([{"criterion": clarity, "level": 2}, {"criterion": evidence, "level": 3}], "levels",
         "levels 1 to 3"),
        ([{"criterion": clarity, "level": 9}, {"criterion": evidence, "level": 1}], "levels.0.level",
         "less than or equal to 6"),
        ([{"criterion": clarity, "level": 2}, {"criterion": evidence, "level": 1},
          {"criterion": 987654, "level": 0}], "levels", "Unknown criteria"),
        ([{"criterion": clarity, "level": 2}, {"criterion": clarity, "level": 1}], "levels",
         "each criterion once"),
        ([{"criterion": clarity, "level": "high"}], "levels.0.level", "valid integer"),
        ({"criterion": clarity}, "levels.non_field_errors", "Expected a list"),
    ]
    for levels, field, words in cases:
        response = client.post(url, {"levels": levels, "comment": "Fine"}, format="json")
        body = assert_error(response, 400, field)
        assert words in body["errors"][field][0], body
    no_comment = client.post(url, {"levels": levels_payload(assignment, 2, 1)}, format="json")
    assert_error(no_comment, 400, "comment")
    assert not Review.objects.exists()


def test_attachments_download_for_those_who_may_read_the_work(world, other_world, make_assignment, learners,
                                                             timeline, api_client):
    assignment = make_assignment(reviews_per_submission=1)
    people = [world.learner, world.peer_mentor, *learners(2)]
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 the plan", content_type="application/pdf")
    mine = services.submission_save(actor=world.learner, assignment=assignment, body="My plan.",
                                    attachments=[pdf], now=timeline.opens + dt.timedelta(hours=1))
    others = submit_all(assignment, people[1:], timeline)
    services.reviews_allocate(assignment.pk, now=timeline.due)
    reviewer = ReviewAllocation.objects.get(submission=mine, is_self=False).reviewer
    bystander = next(p for p in people[1:] if p != reviewer)

    listed = api_client(world.learner).get(f"{API}/submissions/{mine.pk}/").json()
    [attachment] = listed["current"]["attachments"]
    url = attachment["download_url"]
    assert url == f"http://testserver{API}/submissions/{mine.pk}/attachments/{attachment['id']}/"
    for who in (world.learner, reviewer, world.facilitator, world.expert):
        response = api_client(who).get(url)
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content) == b"%PDF-1.4 the plan"
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    # Someone not allocated this work, another organisation, or the file asked for under
    # another submission: no such file.
    assert_error(api_client(bystander).get(url), 404)
    assert_error(api_client(other_world.facilitator).get(url), 404)
    wrong_parent = f"{API}/submissions/{others[0].pk}/attachments/{attachment['id']}/"
    assert_error(api_client(world.facilitator).get(wrong_parent), 404)
    assert_error(api_client().get(url), 401)


def test_only_the_allocated_reviewer_reviews(world, allocated, api_client):
    assignment, people = allocated()
    allocation = allocations_of(world.peer_mentor, assignment)[0]
    payload = {"levels": levels_payload(assignment, 2, 1), "comment": "Fine"}
    assert_error(api_client(world.facilitator).post(f"{API}/allocations/{allocation.pk}/review/", payload,
                                                    format="json"), 403)
    # Another learner does not even see it.
    assert_error(api_client(people[2]).post(f"{API}/allocations/{allocation.pk}/review/", payload,
                                            format="json"), 404)


def test_staff_see_every_allocation_of_their_cohorts(world, allocated, api_client):
    assignment, _ = allocated()
    client = api_client(world.facilitator)
    assert results(client.get(f"{API}/allocations/")) == []  # their own to-do list is empty
    every = results(client.get(f"{API}/allocations/", {"mine": "false", "assignment": assignment.pk}))
    assert len(every) == 6
    one = client.get(f"{API}/allocations/{every[0]['id']}/").json()
    assert one["work"]["author"] is not None  # staff see who wrote it


def test_anonymity_hides_authors_and_reviewers_from_each_other(world, allocated, api_client):
    assignment, people = allocated()
    review_everything(assignment, people)
    learner = api_client(world.learner)
    reviewed = ReviewAllocation.objects.filter(reviewer=world.learner).first()
    assert learner.get(f"{API}/allocations/{reviewed.pk}/").json()["work"]["author"] is None
    listed = results(learner.get(f"{API}/submissions/", {"mine": "false"}))
    assert len(listed) == 2 and {s["author"] for s in listed} == {None}
    written = results(learner.get(f"{API}/reviews/", {"mine": "true"}))
    assert {r["reviewer"] for r in written} == {world.learner.pk}
    received = results(learner.get(f"{API}/reviews/", {"mine": "false"}))
    assert {r["reviewer"] for r in received} == {None}
    staff = results(api_client(world.expert).get(f"{API}/reviews/",
                                                 {"submission": received[0]["submission"]}))
    assert None not in {r["reviewer"] for r in staff}


def test_without_anonymity_authors_and_reviewers_are_named(world, allocated, api_client):
    assignment, people = allocated(anonymous_reviews=False)
    review_everything(assignment, people)
    learner = api_client(world.learner)
    listed = results(learner.get(f"{API}/submissions/", {"mine": "false"}))
    assert {s["author_name"] for s in listed} <= {p.display_name for p in people[1:]}
    received = results(learner.get(f"{API}/reviews/", {"mine": "false"}))
    assert {r["reviewer"] for r in received} <= {p.pk for p in people[1:]}


def test_only_the_author_rates_a_review(world, allocated, api_client):
    assignment, people = allocated()
    review_everything(assignment, people)
    review = Review.objects.filter(submission__author=world.learner).first()
    assert_error(api_client(review.reviewer).post(f"{API}/reviews/{review.pk}/rate/", {"rating": 1},
                                                  format="json"), 403)
    assert_error(api_client(world.learner).post(f"{API}/reviews/{review.pk}/rate/", {"rating": 6},
                                                format="json"), 400, "rating")


# --- checkpoints and disputes ------------------------------------------------------------------


def test_an_expert_resolves_a_checkpoint_with_reasons(world, allocated, api_client):
    assignment, _ = allocated()
    services.reviews_close(assignment.pk, now=assignment.review_due_at)
    checkpoint = Checkpoint.objects.filter(submission__author=world.learner).get()
    expert = api_client(world.expert)
    listed = results(expert.get(f"{API}/checkpoints/", {"state": "open", "assignment": assignment.pk}))
    assert len(listed) == 3 and listed[0]["grade"] is None
    url = f"{API}/checkpoints/{checkpoint.pk}/resolve/"
    no_reason = expert.post(url, {"levels": levels_payload(assignment, 2, 1, text="reason")}, format="json")
    assert "Give a reason" in assert_error(no_reason, 400, "levels")["errors"]["levels"][0]
    assert_error(api_client(world.learner).post(url, {"levels": levels_payload(assignment, 2, 1)},
                                                format="json"), 403)
    resolved = expert.post(url, {"levels": levels_payload(assignment, 2, 1, text="reason", value="Read it."),
                                 "reason": ""}, format="json")
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["state"] == "final" and resolved.json()["method"] == "expert"
    assert {c["override_reason"] for c in resolved.json()["criteria"]} == {"Read it."}
    assert_error(expert.post(url, {"levels": levels_payload(assignment, 2, 1, text="reason", value="x")},
                             format="json"), 400, "levels")


def test_disputes_need_a_final_grade_and_a_reason(world, allocated, api_client):
    assignment, people = allocated()
    submission = Submission.objects.get(assignment=assignment, author=world.learner)
    client = api_client(world.learner)
    early = client.post(f"{API}/disputes/",
                        {"submission": submission.pk, "reason": "I disagree with it all."}, format="json")
    assert "once your grade is final" in assert_error(early, 400, "reason")["errors"]["reason"][0]
    review_everything(assignment, people)
    assert Grade.objects.get(submission=submission).state == GradeState.FINAL
    assert_error(client.post(f"{API}/disputes/", {"submission": submission.pk, "reason": "Unfair."},
                             format="json"), 400, "reason")
    someone_elses = Submission.objects.get(assignment=assignment, author=world.peer_mentor)
    assert_error(client.post(f"{API}/disputes/", {"submission": someone_elses.pk, "reason": "x " * 10},
                             format="json"), 403)
    dispute = services.dispute_open(actor=world.learner, submission=submission,
                                    reason="The evidence criterion ignores my two cited studies.")
    url = f"{API}/disputes/{dispute.pk}/resolve/"
    assert_error(client.post(url, {"outcome": "upheld", "response": "Fine"}, format="json"), 403)
    expert = api_client(world.expert)
    regraded_without_levels = {"outcome": "regraded", "response": "Changed."}
    assert_error(expert.post(url, regraded_without_levels, format="json"), 400, "levels")
    assert_error(expert.post(url, {"outcome": "maybe", "response": "?"}, format="json"), 400, "outcome")
    upheld = expert.post(url, {"outcome": "upheld", "response": "The levels match the rubric."},
                         format="json")
    assert upheld.status_code == 200 and upheld.json()["outcome"] == "upheld"
    assert Dispute.objects.get().state == "resolved"
    assert AuditEntry.objects.filter(action="dispute.resolve").exists()


# --- other organisations -----------------------------------------------------------------------


def test_another_organisations_objects_are_404(world, other_world, allocated, api_client):
    assignment, people = allocated()
    review_everything(assignment, people)
    submission = Submission.objects.get(assignment=assignment, author=world.learner)
    review = Review.objects.filter(submission=submission).first()
    grade = Grade.objects.get(submission=submission)
    for person in (other_world.hr_admin, other_world.learner):
        client = api_client(person)
        for url in (f"rubrics/{assignment.rubric_id}/", f"assignments/{assignment.pk}/",
                    f"assignments/{assignment.pk}/dashboard/", f"submissions/{submission.pk}/",
                    f"submissions/{submission.pk}/versions/", f"allocations/{review.allocation_id}/",
                    f"reviews/{review.pk}/", f"grades/{grade.pk}/"):
            assert_error(client.get(f"{API}/{url}"), 404)
        for url, payload in ((f"reviews/{review.pk}/rate/", {"rating": 1}),
                             (f"assignments/{assignment.pk}/publish/", {}),
                             (f"rubrics/{assignment.rubric_id}/publish/", {})):
            assert_error(client.post(f"{API}/{url}", payload, format="json"), 404)
        for collection in ("rubrics", "assignments", "submissions", "reviews", "grades"):
            assert results(client.get(f"{API}/{collection}/", {"mine": "false"})) == []
    theirs = api_client(other_world.hr_admin)
    assert_error(theirs.post(f"{API}/disputes/", {"submission": submission.pk, "reason": "x " * 10},
                             format="json"), 400, "submission")
    assert_error(theirs.get(f"{API}/submissions/", {"assignment": assignment.pk}), 400, "assignment")


# --- queries do not grow with the data ---------------------------------------------------------


def test_lists_cost_the_same_queries_with_more_data(world, rubric, learners, timeline, api_client,
                                                    django_assert_max_num_queries):
    def reviewed_assignment(people, title):
        assignment = services.assignment_create(
            actor=world.facilitator, cohort=world.cohort, rubric=rubric, title=title, instructions="Propose.",
            submission_opens_at=timeline.opens, submission_due_at=timeline.due,
            review_due_at=timeline.review_due, reviews_per_submission=2)
        assignment = services.assignment_publish(actor=world.facilitator, assignment=assignment)
        submit_all(assignment, people, timeline)
        services.reviews_allocate(assignment.pk, now=timeline.due)
        review_everything(assignment, people[:-1])  # the last person's reviews stay to do
        return assignment

    reviewed_assignment([world.learner, world.peer_mentor, *learners(1)], "Small")
    queries = {"submissions": {}, "allocations": {"mine": "false"}, "reviews": {}}
    clients = {"facilitator": api_client(world.facilitator), "learner": api_client(world.learner)}

    def measure(budget=None):
        counts = {}
        for (collection, params), (who, client) in (
            (pair, person) for pair in queries.items() for person in clients.items()
        ):
            client.get(f"{API}/{collection}/", params)  # warm per-process caches
            with django_assert_max_num_queries(budget[(collection, who)] if budget else 12) as captured:
                response = client.get(f"{API}/{collection}/", {**params, "page_size": 200})
            assert response.status_code == 200
            counts[(collection, who)] = len(captured), response.json()["count"]
        return counts

    small = measure()
    reviewed_assignment([*learners(6), world.learner], "Large")
    large = measure({key: spent for key, (spent, _) in small.items()})

    for key, (queries_small, rows_small) in small.items():
        queries_large, rows_large = large[key]
        assert rows_large > rows_small, key
        assert queries_large <= queries_small, key
