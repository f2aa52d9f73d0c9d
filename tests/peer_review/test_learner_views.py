"""The learner pages of peer review, as a learner notices them: the list, submitting
and resubmitting with attachments, versions and downloads, calibration beside the
expert, reviewing a peer (and the calibration gate), the grade with its reviews,
usefulness ratings, regrade requests; who gets a 404; and flat query counts."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cohorts.models import CohortRole
from core import policy
from peer_review import services
from peer_review.grading import METHOD_EXPLANATION
from peer_review.models import (
    CalibrationAttempt,
    Dispute,
    Grade,
    Review,
    ReviewAllocation,
    Submission,
    UsefulnessRating,
)
from tests.factories import MembershipFactory

from .conftest import allocations_of, levels_for

pytestmark = pytest.mark.django_db

ASSIGNMENT_BUDGET = 20
REVIEW_BUDGET = 12
LIST_BUDGET = 10


def login(client, user):
    client.force_login(user)
    policy.forget_roles(user)
    return client


def page_of(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def assignment_url(assignment) -> str:
    return reverse("peer_review:assignment", args=[assignment.pk])


def pdf(name="plan.pdf", content=b"%PDF-1.4 my plan"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def in_review_phase(make_assignment, people, **fields):
    """An assignment whose submissions closed an hour ago, everyone's work in and
    reviews allocated now (each person's due in `review_hours`)."""
    now = timezone.now()
    opens = now - dt.timedelta(days=3)
    assignment = make_assignment(submission_opens_at=opens, submission_due_at=now - dt.timedelta(hours=1),
                                 review_due_at=now + dt.timedelta(days=7), **fields)
    for person in people:
        services.submission_save(actor=person, assignment=assignment, body=f"Proposal by {person.full_name}.",
                                 now=opens + dt.timedelta(hours=1))
    services.reviews_allocate(assignment.pk, now=now)
    return assignment


def calibrate(person, assignment, example, levels=(2, 1)):
    """Score a practice example (the expert's levels are 2 and 1)."""
    chosen = {pk: level for pk, (level, _) in levels_for(assignment, *levels).items()}
    services.calibration_submit(actor=person, example=example, levels=chosen)


def review_everything(assignment, people, levels=(2, 1), comment="Clear; add a second source."):
    for person in people:
        for allocation in allocations_of(person, assignment):
            services.review_submit(actor=person, allocation=allocation,
                                   levels=levels_for(assignment, *levels, comment="Per-criterion note."),
                                   comment=comment)


def review_submission_of(author, assignment, levels=(2, 1)):
    """Every allocated reviewer of `author`'s work submits their review."""
    for allocation in ReviewAllocation.objects.filter(assignment=assignment, submission__author=author,
                                                      is_self=False, state="assigned"):
        services.review_submit(actor=allocation.reviewer, allocation=allocation,
                               levels=levels_for(assignment, *levels),
                               comment=f"Notes from {allocation.reviewer_id}.")


@pytest.fixture
def graded(world, make_assignment, learners):
    """A graded round of three: the learner's work reviewed by two classmates."""

    def make(**fields):
        people = [world.learner, world.peer_mentor, *learners(1)]
        assignment = in_review_phase(make_assignment, people, reviews_per_submission=2, **fields)
        review_everything(assignment, people)
        assert Grade.objects.get(submission__author=world.learner).state == "final"
        return assignment, people

    return make


# --- the list ----------------------------------------------------------------------------------


def test_the_list_says_what_to_do_next_and_has_an_empty_state(client, world, make_assignment, timeline):
    login(client, world.learner)
    url = reverse("peer_review:list")
    assert "No peer-review assignments yet" in page_of(client, url)
    assignment = make_assignment(title="Pitch a change")
    page = page_of(client, url)
    assert "Pitch a change" in page and "Submit by" in page
    assert f'href="{url}" aria-current="page">Peer review</a>' in page
    services.submission_save(actor=world.learner, assignment=assignment, body="My pitch.",
                             now=timeline.opens + dt.timedelta(hours=1))
    assert "Submitted (version 1)" in page_of(client, url)


def test_the_list_shows_reviews_to_do_calibration_and_the_grade(client, world, make_assignment, learners):
    people = [world.learner, world.peer_mentor, *learners(1)]
    assignment = in_review_phase(make_assignment, people, reviews_per_submission=2, examples=1)
    login(client, world.learner)
    page = page_of(client, reverse("peer_review:list"))
    assert "Calibrate" in page and "0 of 1 practice example done" in page
    assert "2 reviews to do" in page and "Waiting for reviews of your work" in page
    example = services.calibration_examples_for(assignment)[0]
    for person in people:
        calibrate(person, assignment, example)
    review_everything(assignment, people)
    page = page_of(client, reverse("peer_review:list"))
    assert "Grade ready" in page and "reviews to do" not in page and "practice example" not in page


def test_staff_see_their_cohorts_assignments_read_only(client, world, make_assignment):
    make_assignment(title="Pitch a change")
    page = page_of(login(client, world.facilitator), reverse("peer_review:list"))
    assert "Pitch a change" in page and "read-only" in page and "Submit by" not in page


# --- submitting ---------------------------------------------------------------------------------


def test_submit_and_resubmit_keep_every_version_and_the_author_downloads_attachments(
        client, world, make_assignment):
    assignment = make_assignment(instructions="Propose **one** change.")
    login(client, world.learner)
    page = page_of(client, assignment_url(assignment))
    assert "<strong>one</strong>" in page
    assert "Up to 5 files in all, 10 MB each" in page and ".pdf" in page
    assert 'enctype="multipart/form-data"' in page

    response = client.post(reverse("peer_review:submit", args=[assignment.pk]),
                           {"body": "First *draft* of my plan.",
                            "attachments": [pdf(), pdf("data.csv", b"a,b")]})
    assert response.status_code == 302
    assert response["Location"] == f"{assignment_url(assignment)}#submission"
    page = page_of(client, assignment_url(assignment))
    assert "Your submission is in." in page and "<em>draft</em>" in page
    assert "plan.pdf" in page and "data.csv" in page

    submission = Submission.objects.get(author=world.learner)
    first = submission.versions.get(number=1)
    plan = first.attachments.get(name="plan.pdf")
    csv = first.attachments.get(name="data.csv")
    client.post(reverse("peer_review:submit", args=[assignment.pk]),
                {"body": "Second draft, tighter.", "remove_attachments": [csv.pk]})
    page = page_of(client, assignment_url(assignment))
    assert "Version 2 is saved" in page and "Second draft, tighter." in page
    assert "All versions (2)" in page
    for number in (1, 2):
        assert reverse("peer_review:version", args=[submission.pk, number]) in page
    assert "data.csv" not in page.split("All versions")[0]  # left out of the new version

    old = page_of(client, reverse("peer_review:version", args=[submission.pk, 1]))
    assert "First <em>draft</em> of my plan." in old and "data.csv" in old

    download = client.get(reverse("peer_review:attachment", args=[plan.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment") and "plan.pdf" in disposition
    assert b"".join(download.streaming_content) == b"%PDF-1.4 my plan"


def test_nobody_else_reaches_the_work_or_its_files(client, world, other_world, make_assignment, learners,
                                                   timeline):
    assignment = make_assignment()
    submission = services.submission_save(actor=world.learner, assignment=assignment, body="Mine.",
                                          attachments=[pdf()], now=timeline.opens + dt.timedelta(hours=1))
    attachment = submission.versions.get().attachments.get()
    urls = [reverse("peer_review:attachment", args=[attachment.pk]),
            reverse("peer_review:version", args=[submission.pk, 1])]
    classmate = learners(1)[0]
    for person in (classmate, world.outsider, other_world.learner, other_world.hr_admin):
        login(client, person)
        for url in urls:
            assert client.get(url).status_code == 404, (person, url)
    login(client, other_world.learner)
    assert client.get(assignment_url(assignment)).status_code == 404
    assert client.get(reverse("peer_review:attachment", args=[attachment.pk + 1000])).status_code == 404
    login(client, world.facilitator)  # staff of the cohort read it
    assert client.get(urls[0]).status_code == 200


def test_a_refused_attachment_keeps_the_text_and_saves_nothing(client, world, make_assignment):
    assignment = make_assignment()
    login(client, world.learner)
    typed = "My careful text about the plan"
    response = client.post(reverse("peer_review:submit", args=[assignment.pk]),
                           {"body": typed, "attachments": [SimpleUploadedFile("run.exe", b"MZ")]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "not an accepted file type" in page and typed in page
    assert "Choose your files again" in page
    assert not Submission.objects.exists()


def test_an_empty_submission_is_refused_with_a_message(client, world, make_assignment):
    assignment = make_assignment()
    login(client, world.learner)
    response = client.post(reverse("peer_review:submit", args=[assignment.pk]), {"body": ""})
    assert "Write your submission" in response.content.decode() and not Submission.objects.exists()


def test_staff_do_not_submit(client, world, make_assignment):
    assignment = make_assignment()
    login(client, world.facilitator)
    assert "submit here" in page_of(client, assignment_url(assignment))
    assert client.post(reverse("peer_review:submit", args=[assignment.pk]), {"body": "x"}).status_code == 403


def test_after_the_window_the_form_is_gone_and_the_last_version_stands(client, world, make_assignment):
    assignment = in_review_phase(make_assignment, [world.learner, world.peer_mentor])
    page = page_of(login(client, world.learner), assignment_url(assignment))
    assert "your last version is the one reviewed" in page and "Save version" not in page


# --- calibration ----------------------------------------------------------------------------------


def test_calibration_compares_each_level_with_the_expert_and_sums_up(client, world, make_assignment):
    assignment = make_assignment(examples=2)
    examples = services.calibration_examples_for(assignment)
    login(client, world.learner)
    url = reverse("peer_review:calibrate", args=[assignment.pk])
    page = page_of(client, url)
    assert "Example 1 of 2" in page and "Sample proposal 1." in page
    assert "<legend><strong>Clarity</strong>" in page
    assert "Clear (2 points)" in page and "Some (2 points)" in page
    clarity, evidence = levels_for(assignment, 0, 0)

    # Clarity one level below the expert's (of 4 levels), Evidence matching.
    response = client.post(url, {"example_id": examples[0].pk, f"level_{clarity}": 1, f"level_{evidence}": 1})
    assert response["Location"] == reverse("peer_review:calibration_result", args=[examples[0].pk])
    page = page_of(client, response["Location"])
    assert "Mostly clear" in page and "Clear but long." in page and "One source." in page
    assert "1 level apart" in page and "(matches)" in page
    assert "83%" in page  # 1 - (1/3) / 2
    assert "1 minus the average distance" in page and "Next example" in page

    client.post(url, {"example_id": examples[1].pk, f"level_{clarity}": 2, f"level_{evidence}": 1})
    assert "That was the last practice example" in page_of(
        client, reverse("peer_review:calibration_result", args=[examples[1].pk]))
    summary = page_of(client, url)
    assert "You have calibrated" in summary and "Mean" in summary and "92%" in summary
    assert CalibrationAttempt.objects.filter(learner=world.learner).count() == 2


def test_calibration_needs_every_level_and_the_result_waits_for_an_attempt(client, world, make_assignment):
    assignment = make_assignment(examples=1)
    example = services.calibration_examples_for(assignment)[0]
    login(client, world.learner)
    result_url = reverse("peer_review:calibration_result", args=[example.pk])
    assert client.get(result_url)["Location"] == reverse("peer_review:calibrate", args=[assignment.pk])
    clarity, _ = levels_for(assignment, 0, 0)
    response = client.post(reverse("peer_review:calibrate", args=[assignment.pk]),
                           {"example_id": example.pk, f"level_{clarity}": 2})
    page = response.content.decode()
    assert response.status_code == 200 and "Choose a level for “Evidence”." in page
    assert not CalibrationAttempt.objects.exists()


# --- reviewing a peer -------------------------------------------------------------------------------


def test_reviewing_waits_for_calibration_then_submits_and_shows_read_only(client, world, make_assignment):
    people = [world.learner, world.peer_mentor]
    assignment = in_review_phase(make_assignment, people, reviews_per_submission=1, examples=1)
    allocation = allocations_of(world.learner, assignment)[0]
    url = reverse("peer_review:review", args=[allocation.pk])
    login(client, world.learner)
    page = page_of(client, url)
    assert "Calibrate first" in page and reverse("peer_review:calibrate", args=[assignment.pk]) in page
    assert "Submit the review" not in page
    assert "Proposal by Mentor." in page and "Mentor" not in page.split("<h1>")[1].split("</h1>")[0]

    example = services.calibration_examples_for(assignment)[0]
    calibrate(world.learner, assignment, example)
    page = page_of(client, url)
    assert "Submit the review" in page and "Where did you get lost?" in page
    assert "Review a classmate's work" in page and "Overall comment" in page

    clarity, evidence = levels_for(assignment, 0, 0)
    typed = "Lost me at the budget."
    response = client.post(url, {f"level_{clarity}": 2, f"level_{evidence}": 1, f"comment_{clarity}": typed,
                                 "comment": ""})
    page = response.content.decode()
    assert response.status_code == 200 and "Write a comment" in page and typed in page
    assert not Review.objects.exists()

    response = client.post(url, {f"level_{clarity}": 2, f"level_{evidence}": 1, f"comment_{clarity}": typed,
                                 "comment": "Strong idea; cite the survey."})
    assert response["Location"] == url
    page = page_of(client, url)
    assert "Your review is in." in page and "Lost me at the budget." in page and "Strong idea" in page
    assert "Submit the review" not in page
    review = Review.objects.get(reviewer=world.learner)
    assert review.scores.get(criterion_id=clarity).comment == typed


def test_a_named_review_shows_the_author(client, world, make_assignment):
    assignment = in_review_phase(make_assignment, [world.learner, world.peer_mentor],
                                 reviews_per_submission=1, anonymous_reviews=False)
    allocation = allocations_of(world.learner, assignment)[0]
    page = page_of(login(client, world.learner), reverse("peer_review:review", args=[allocation.pk]))
    assert "Review Mentor's work" in page


def test_only_the_reviewer_sees_a_review_page(client, world, other_world, make_assignment, learners):
    people = [world.learner, world.peer_mentor, *learners(1)]
    assignment = in_review_phase(make_assignment, people, reviews_per_submission=1)
    allocation = allocations_of(world.learner, assignment)[0]
    url = reverse("peer_review:review", args=[allocation.pk])
    others = [p for p in people if p.pk != world.learner.pk]
    for person in (*others, world.facilitator, world.outsider, other_world.learner, other_world.hr_admin):
        login(client, person)
        assert client.get(url).status_code == 404, person
        assert client.post(url, {}).status_code == 404, person


def test_a_review_moved_to_someone_else_says_so(client, world, make_assignment, learners):
    people = [world.learner, world.peer_mentor, *learners(2)]
    assignment = in_review_phase(make_assignment, people, reviews_per_submission=1, review_hours=1)
    allocation = allocations_of(world.learner, assignment)[0]
    services.reviews_reallocate_overdue(assignment.pk, now=timezone.now() + dt.timedelta(hours=2))
    page = page_of(login(client, world.learner), reverse("peer_review:review", args=[allocation.pk]))
    assert "This review moved to another reviewer" in page and "Submit the review" not in page
    assert "Proposal by" not in page
    assert "Moved to another reviewer" in page_of(client, assignment_url(assignment))


# --- the grade, its reviews, ratings and regrade requests ----------------------------------------------


def test_the_grade_shows_levels_points_the_method_and_anonymous_reviewers(client, world, graded):
    assignment, people = graded()
    page = page_of(login(client, world.learner), assignment_url(assignment))
    grade_section = page.split('id="grade"')[1]
    assert "Final." in grade_section and "6 of 11 points (55%)" in grade_section
    assert "Clear" in grade_section and "Some" in grade_section
    assert html.escape(METHOD_EXPLANATION) in grade_section
    assert "Reviewer 1" in grade_section and "Reviewer 2" in grade_section
    assert "Clear; add a second source." in grade_section
    for person in people[1:]:
        assert person.display_name not in grade_section
    assert "Ask for a regrade" in grade_section


def test_named_reviews_show_the_reviewers(client, world, graded):
    assignment, _ = graded(anonymous_reviews=False)
    grade_section = page_of(login(client, world.learner), assignment_url(assignment)).split('id="grade"')[1]
    assert "Reviewer 1" not in grade_section
    reviewers = Review.objects.filter(submission__author=world.learner).select_related("reviewer")
    for review in reviewers:
        assert review.reviewer.display_name in grade_section


def test_a_checkpoint_grade_waits_for_an_expert_and_shows_the_experts_reasons(client, world, make_assignment,
                                                                             learners):
    people = [world.learner, world.peer_mentor, *learners(1)]
    assignment = in_review_phase(make_assignment, people, reviews_per_submission=2)
    mine = Submission.objects.get(author=world.learner)
    spread = iter([(0, 0), (3, 2)])
    for person in people:
        for allocation in allocations_of(person, assignment):
            levels = next(spread) if allocation.submission_id == mine.pk else (2, 1)
            services.review_submit(actor=person, allocation=allocation,
                                   levels=levels_for(assignment, *levels), comment="Comment")
    login(client, world.learner)
    page = page_of(client, assignment_url(assignment))
    assert "Waiting for an expert" in page and "Ask for a regrade" not in page
    checkpoint = mine.checkpoints.get()
    services.checkpoint_resolve(actor=world.expert, checkpoint=checkpoint,
                                levels=levels_for(assignment, 2, 1),
                                reason="Read it twice: clear, but thin on sources.")
    page = page_of(client, assignment_url(assignment))
    assert "Final." in page and "Expert's reason:" in page
    assert "Read it twice: clear, but thin on sources." in page


def test_a_usefulness_rating_is_saved_changed_and_shown_to_the_reviewer(client, world, graded):
    assignment, _ = graded()
    review = Review.objects.filter(submission__author=world.learner).order_by("submitted_at", "pk").first()
    login(client, world.learner)
    url = reverse("peer_review:rate", args=[review.pk])
    prefix = f"rate-{review.pk}"

    response = client.post(url, {f"{prefix}-comment": "Pointed at the gap."})
    page = response.content.decode()
    assert response.status_code == 200 and "Choose a rating from 1" in page and "Pointed at the gap." in page

    response = client.post(url, {f"{prefix}-rating": 5, f"{prefix}-comment": "Pointed at the gap."})
    assert response["Location"] == f"{assignment_url(assignment)}#grade"
    client.post(url, {f"{prefix}-rating": 4, f"{prefix}-comment": "Pointed at the gap."})
    assert UsefulnessRating.objects.get(review=review).rating == 4
    page = page_of(client, assignment_url(assignment))
    assert "You rated this review 4/5: “Pointed at the gap.”" in page and "Change rating" in page

    reviewer_page = page_of(login(client, review.reviewer), assignment_url(assignment))
    yours = reviewer_page.split('id="your-reviewing"')[1]
    assert "4/5" in yours and "Pointed at the gap." in yours
    assert "Calibration accuracy" in yours and "1 minus the average distance" in yours
    assert "Reviewing score" in yours and "usefulness 4.0/5 from 1 rating" in yours

    # A reviewer does not rate their own review.
    assert client.post(url, {f"{prefix}-rating": 5}).status_code == 403


def test_a_regrade_request_and_its_answer_show_on_the_page(client, world, graded):
    assignment, _ = graded()
    login(client, world.learner)
    url = reverse("peer_review:dispute", args=[assignment.pk])
    response = client.post(url, {"reason": "Too short"})
    page = response.content.decode()
    assert response.status_code == 200 and "Too short" in page
    assert "Say which criterion you disagree with" in page
    reason = "The evidence criterion ignores the two studies I cited."
    response = client.post(url, {"reason": reason})
    assert response["Location"] == f"{assignment_url(assignment)}#grade"
    page = page_of(client, assignment_url(assignment))
    assert "With a facilitator." in page and reason in page and "Ask for a regrade" not in page

    dispute = Dispute.objects.get()
    services.dispute_resolve(actor=world.expert, dispute=dispute, outcome="regraded",
                             response="You did cite two studies: Evidence goes up.",
                             levels=levels_for(assignment, 2, 2))
    page = page_of(client, assignment_url(assignment))
    assert "Regraded" in page and "You did cite two studies: Evidence goes up." in page
    assert "10 of 11 points" in page and "Expert's reason:" in page


def test_someone_without_a_submission_cannot_request_a_regrade(client, world, make_assignment):
    assignment = make_assignment()
    login(client, world.learner)
    assert client.post(reverse("peer_review:dispute", args=[assignment.pk]),
                       {"reason": "Any reason at all for this."}).status_code == 404


# --- query counts ----------------------------------------------------------------------------------


def test_the_assignment_page_costs_the_same_with_3_or_30_versions(client, world, make_assignment, timeline,
                                                                  django_assert_max_num_queries):
    assignment = make_assignment()

    def add_versions(count, start):
        for number in range(count):
            services.submission_save(actor=world.learner, assignment=assignment,
                                     body=f"Version {start + number}",
                                     attachments=[pdf(f"file{number % 2}.pdf")] if number < 2 else (),
                                     now=timeline.opens + dt.timedelta(minutes=start + number))

    add_versions(3, 0)
    login(client, world.learner)
    client.get(assignment_url(assignment))  # warm-up: templates, session
    with django_assert_max_num_queries(ASSIGNMENT_BUDGET) as small:
        assert client.get(assignment_url(assignment)).status_code == 200
    add_versions(27, 3)
    with django_assert_max_num_queries(len(small)) as large:
        page = page_of(client, assignment_url(assignment))
    assert "All versions (30)" in page
    assert len(large) == len(small)


@pytest.mark.parametrize("reviews", [2, 10])
def test_the_graded_assignment_page_costs_the_same_with_2_or_10_reviews(
        client, world, make_assignment, learners, reviews, django_assert_max_num_queries):
    people = [world.learner, world.peer_mentor, *learners(reviews - 1)]
    assignment = in_review_phase(make_assignment, people, reviews_per_submission=reviews,
                                 self_assessment=True)
    review_submission_of(world.learner, assignment)
    for review in Review.objects.filter(submission__author=world.learner):
        services.usefulness_rate(actor=world.learner, review=review, rating=3, comment="Fine.")
    for allocation in allocations_of(world.learner, assignment)[:reviews - 1]:
        services.review_submit(actor=world.learner, allocation=allocation,
                               levels=levels_for(assignment, 1, 1), comment="Mine to others.")
    for review in Review.objects.filter(reviewer=world.learner, is_self=False):
        services.usefulness_rate(actor=review.submission.author, review=review, rating=4, comment="Thanks.")
    login(client, world.learner)
    client.get(assignment_url(assignment))
    with django_assert_max_num_queries(ASSIGNMENT_BUDGET):
        page = page_of(client, assignment_url(assignment))
    assert f"Reviewer {reviews}" in page and "Final." in page


@pytest.mark.parametrize("versions", [3, 30])
def test_the_review_page_costs_the_same_with_3_or_30_versions(client, world, make_assignment, versions,
                                                              django_assert_max_num_queries):
    now = timezone.now()
    opens = now - dt.timedelta(days=3)
    assignment = make_assignment(submission_opens_at=opens, submission_due_at=now - dt.timedelta(hours=1),
                                 review_due_at=now + dt.timedelta(days=7), reviews_per_submission=1,
                                 examples=1)
    for number in range(versions):
        services.submission_save(actor=world.peer_mentor, assignment=assignment, body=f"Draft {number}",
                                 attachments=[pdf(f"f{number}.pdf")] if number < 4 else (),
                                 now=opens + dt.timedelta(minutes=number))
    services.submission_save(actor=world.learner, assignment=assignment, body="Mine", now=opens)
    services.reviews_allocate(assignment.pk, now=now)
    allocation = allocations_of(world.learner, assignment)[0]
    url = reverse("peer_review:review", args=[allocation.pk])
    login(client, world.learner)
    client.get(url)
    with django_assert_max_num_queries(REVIEW_BUDGET):
        assert "Calibrate first" in page_of(client, url)
    example = services.calibration_examples_for(assignment)[0]
    calibrate(world.learner, assignment, example)
    with django_assert_max_num_queries(REVIEW_BUDGET):
        assert "Submit the review" in page_of(client, url)
    services.review_submit(actor=world.learner, allocation=allocation, levels=levels_for(assignment, 2, 1),
                           comment="Good.")
    with django_assert_max_num_queries(REVIEW_BUDGET):
        assert f"Draft {versions - 1}" in page_of(client, url)


@pytest.mark.parametrize("assignments", [1, 6])
def test_the_list_costs_the_same_with_1_or_6_assignments(client, world, make_assignment, timeline,
                                                         assignments, django_assert_max_num_queries):
    for number in range(assignments):
        assignment = make_assignment(title=f"Task {number}", examples=1)
        services.submission_save(actor=world.learner, assignment=assignment, body="Work.",
                                 now=timeline.opens + dt.timedelta(hours=1))
    MembershipFactory(cohort=world.other_cohort, user=world.learner, role=CohortRole.LEARNER)
    login(client, world.learner)
    client.get(reverse("peer_review:list"))
    with django_assert_max_num_queries(LIST_BUDGET):
        page = page_of(client, reverse("peer_review:list"))
    assert page.count("Submitted (version 1)") == assignments
