"""No organisation sees another's data: not over the API, not in the portal, not
in the admin.

Two organisations, acme (`world`) and globex (`other_world`), each with a person
in every role, cohorts, squads, memberships, events, audit entries and API
tokens. Everyone at globex tries to read, change and point at acme's records.
The answer is always the one an id that does not exist would get (a 404, or a
field message for a reference), never data, never a 403 that confirms it exists,
and acme's records are unchanged afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse
from django.utils import timezone

from cohorts import services
from cohorts.models import (
    Cohort,
    CohortMembership,
    CohortStep,
    JourneyTemplate,
    Organization,
    OrganizationMembership,
    Squad,
    StepKind,
    User,
)
from core import services as core_services
from core.admin_site import admin_site
from core.events import consume, emit
from core.models import ApiToken, AuditEntry, Event, Notification
from discussions import services as discussions
from discussions.models import (
    Endorsement,
    FeedItem,
    Flag,
    FlagReason,
    MicroTaskCompletion,
    Post,
    PostVersion,
    Prompt,
    RoleAssignment,
    Thread,
    TopTake,
)
from gamification import services as gamification
from gamification.badge_models import Badge, BadgeAward, BadgeKind
from gamification.models import Kudos, LedgerEntry, PointRule, PointTotal, WeeklyPoints
from nudges import services as nudges
from nudges.models import DeliverySettings, Digest, NudgeRule
from nudges.models import Message as NudgeMessage
from peer_review import services as peer_review
from peer_review.models import (
    Assignment,
    CalibrationAttempt,
    CalibrationExample,
    Checkpoint,
    Criterion,
    Dispute,
    Grade,
    Review,
    ReviewAllocation,
    ReviewerRecord,
    Rubric,
    Submission,
    SubmissionAttachment,
    UsefulnessRating,
)
from tests.conftest import ROLES, World
from tests.factories import CohortStepFactory, MembershipFactory, UserFactory
from tests.peer_review.conftest import CRITERIA, levels_for
from tests.security.support import open_prompt_and_draft, portal_pages, prompt_form
from touchpoints import services as touchpoints
from touchpoints.models import Attendance, Rsvp, Touchpoint

pytestmark = pytest.mark.django_db

MISSING_ID = 987654321  # no row of any kind has this id

# How a row of each model belongs to an organisation.
ORGANIZATION_PATH = {
    Organization: "pk",
    User: "organization",
    OrganizationMembership: "organization",
    JourneyTemplate: "organization",
    Cohort: "organization",
    Squad: "cohort__organization",
    CohortMembership: "cohort__organization",
    Event: "organization",
    AuditEntry: "organization",
    ApiToken: "user__organization",
    Notification: "organization",
    CohortStep: "cohort__organization",
    Prompt: "cohort__organization",
    Thread: "prompt__cohort__organization",
    RoleAssignment: "thread__prompt__cohort__organization",
    Post: "thread__prompt__cohort__organization",
    PostVersion: "post__thread__prompt__cohort__organization",
    Endorsement: "post__thread__prompt__cohort__organization",
    TopTake: "post__thread__prompt__cohort__organization",
    Flag: "post__thread__prompt__cohort__organization",
    FeedItem: "cohort__organization",
    MicroTaskCompletion: "step__cohort__organization",
    Rubric: "organization",
    Criterion: "rubric__organization",
    Assignment: "cohort__organization",
    CalibrationExample: "assignment__cohort__organization",
    CalibrationAttempt: "example__assignment__cohort__organization",
    Submission: "assignment__cohort__organization",
    SubmissionAttachment: "version__submission__assignment__cohort__organization",
    ReviewAllocation: "assignment__cohort__organization",
    Review: "submission__assignment__cohort__organization",
    UsefulnessRating: "review__submission__assignment__cohort__organization",
    Grade: "submission__assignment__cohort__organization",
    Checkpoint: "submission__assignment__cohort__organization",
    Dispute: "submission__assignment__cohort__organization",
    ReviewerRecord: "assignment__cohort__organization",
    PointRule: "organization",
    LedgerEntry: "organization",
    PointTotal: "cohort__organization",
    WeeklyPoints: "cohort__organization",
    Kudos: "cohort__organization",
    Badge: "organization",
    BadgeAward: "organization",
    Touchpoint: "cohort__organization",
    Rsvp: "touchpoint__cohort__organization",
    Attendance: "touchpoint__cohort__organization",
    NudgeRule: "organization",
    DeliverySettings: "organization",
    NudgeMessage: "organization",
    Digest: "cohort__organization",
}

# Rows every organisation reads and none owns: the house default point rules and badges.
SHARED_ROWS = {PointRule: {"organization__isnull": True}, Badge: {"organization__isnull": True}}


def shared_ids(model) -> set[str]:
    lookup = SHARED_ROWS.get(model)
    if lookup is None:
        return set()
    return {str(pk) for pk in model.objects.filter(**lookup).values_list("pk", flat=True)}


def rows_of(model, organization):
    return model.objects.filter(**{ORGANIZATION_PATH[model]: organization.pk})


def ids_of(model, organization) -> set[str]:
    return {str(pk) for pk in rows_of(model, organization).values_list("pk", flat=True)}


def snapshot(organization) -> dict[str, list[dict]]:
    """Every value of every row the organisation owns, to prove nothing changed."""
    return {model.__name__: list(rows_of(model, organization).order_by("pk").values())
            for model in ORGANIZATION_PATH}


def populate(w: World) -> None:
    """Give the organisation events, audit entries and tokens, written the way the
    product writes them."""
    services.squad_create(actor=w.hr_admin, cohort=w.cohort, name="Beta")
    services.user_update(actor=w.learner, user=w.learner, title="Engineer")
    newcomer = UserFactory(organization=w.org, email=f"newcomer@{w.org.slug}.example")
    services.membership_add(actor=w.hr_admin, cohort=w.cohort, user=newcomer)  # no squad yet
    for role in ROLES:
        core_services.api_token_create(actor=w.person(role), name=f"{role} sync")
    populate_discussions(w)
    populate_peer_review(w)
    populate_points(w)
    populate_badges(w)
    populate_touchpoints(w)
    populate_nudges(w)


def populate_nudges(w: World) -> None:
    """The house rules and delivery settings, the facilitator's rule for the cohort, a nudge
    it proposed to the learner and a failed one to the peer mentor, and the learner's
    reminder to the peer mentor."""
    nudges.house_rules_install(w.org)
    rule = nudges.rule_create(actor=w.facilitator, cohort=w.cohort, name=f"{w.org.slug} quiet learners",
                              trigger="inactive", subject="Hi", body_text="Hi {{ first_name }}")
    for user, state in ((w.learner, "proposed"), (w.peer_mentor, "failed")):
        group = f"rule:{rule.pk}:{user.pk}:1"
        NudgeMessage.objects.create(organization=w.org, cohort=w.cohort, user=user, rule=rule,
                                    topic="inactive", channel="email", key=f"{group}:email", group=group,
                                    state=state, subject=f"{w.org.slug} nudge", body_text="Hi",
                                    last_error="timeout")
    nudges.peer_nudge_send(actor=w.learner, cohort=w.cohort, recipient=w.peer_mentor, note="our review")
    # Last week's Top Take digest, sent, and this week's draft.
    for week_start, state in ((dt.date(2026, 11, 16), "sent"), (dt.date(2026, 11, 23), "draft")):
        Digest.objects.create(cohort=w.cohort, week_start=week_start, state=state, send_at=timezone.now(),
                              intro=f"{w.org.slug} digest")


def sent_digest(w: World) -> Digest:
    return Digest.objects.get(cohort=w.cohort, state="sent")


def cohort_nudge_rule(w: World) -> NudgeRule:
    return NudgeRule.objects.get(organization=w.org, name__endswith="quiet learners")


def learner_nudge(w: World) -> NudgeMessage:
    return NudgeMessage.objects.get(organization=w.org, user=w.learner, state="proposed")


def populate_touchpoints(w: World) -> None:
    """A live session in two days with the learner's yes, and one that started an hour
    ago with its attendance recorded (the learner did not come)."""
    now = timezone.now()
    fields = {"agenda": "Wins and blockers", "duration_minutes": 20,
              "join_url": f"https://meet.example.com/{w.org.slug}"}
    upcoming = touchpoints.touchpoint_schedule(
        actor=w.facilitator, cohort=w.cohort, title=f"{w.org.slug} check-in",
        starts_at=now + dt.timedelta(days=2), **fields)
    touchpoints.rsvp_set(actor=w.learner, touchpoint=upcoming, response="yes")
    started = now - dt.timedelta(hours=1)
    past = touchpoints.touchpoint_schedule(
        actor=w.facilitator, cohort=w.cohort, title=f"{w.org.slug} kick-off", starts_at=started,
        now=started - dt.timedelta(days=1), **fields)
    touchpoints.rsvp_set(actor=w.learner, touchpoint=past, response="yes",
                         now=started - dt.timedelta(hours=2))
    touchpoints.attendance_record(actor=w.facilitator, touchpoint=past,
                                  attended_user_ids=[w.peer_mentor.pk])


def populate_points(w: World) -> None:
    """The organisation's own version of a default point rule, kudos, and the points
    its events earned (the consumer run over them, as the worker would)."""
    PointRule.objects.create(organization=w.org, code="peer-review", verb="review_submitted",
                             recipient="reviewer_id", points=12, history_text=f"reviewed at {w.org.slug}")
    gamification.kudos_give(actor=w.learner, recipient=w.peer_mentor, cohort=w.cohort,
                            message=f"Thanks from {w.org.slug}.")
    for event_id in Event.objects.filter(organization=w.org).values_list("pk", flat=True):
        consume("gamification.points", str(event_id))
    assert LedgerEntry.objects.filter(organization=w.org).exists()


def populate_badges(w: World) -> None:
    """The organisation's own "century" badge in place of the default, and the badges its
    events earned (the learner's first review among them)."""
    Badge.objects.create(organization=w.org, code="century", name=f"{w.org.slug.title()} century",
                         description=f"Fifty points at {w.org.slug}.", criteria_text="Earn 50 points.",
                         kind=BadgeKind.POINTS, threshold=50)
    # and one no other organisation has a badge of the same code for
    Badge.objects.create(organization=w.org, code=f"{w.org.slug}-mentor", name="Mentor", description="-",
                         criteria_text="-", kind=BadgeKind.COUNT, verb="reply_created", threshold=20)
    event = emit("review_submitted", organization=w.org, actor=w.learner, cohort=w.cohort, subject=w.cohort,
                 payload={"reviewer_id": w.learner.pk, "comment_words": 40})
    consume("gamification.points", str(event.pk))
    assert learner_award(w)


def populate_discussions(w: World) -> None:
    """A published prompt (a thread for Alpha and for Beta) and a draft; the learner's
    edited post, the peer mentor's reply, an endorsement, a Top Take, a flag, a
    micro-task done, and a notification for everyone."""
    thread = open_prompt_and_draft(w)
    post = discussions.post_create(actor=w.learner, thread=thread, body="Be specific.")
    reply = discussions.post_create(actor=w.peer_mentor, thread=thread, body="And kind.", parent=post)
    discussions.post_edit(actor=w.learner, post=post, body="Be specific, then kind.")
    discussions.endorsement_toggle(actor=w.peer_mentor, post=post, text="Useful")
    discussions.top_take_select(actor=w.facilitator, post=post, reason="Clear")
    discussions.post_flag(actor=w.learner, post=reply, reason=FlagReason.SPAM)
    step = CohortStepFactory(cohort=w.cohort, kind=StepKind.MICROTASK, title="Ask a colleague")
    discussions.microtask_complete(actor=w.learner, step=step, comment="Asked Sam")
    for role in ROLES:  # as the mention consumer writes them (after commit, which tests skip)
        Notification.objects.create(user=w.person(role), organization=w.org, kind="mention",
                                    title=f"{w.learner.display_name} mentioned you")


def populate_peer_review(w: World) -> None:
    """A draft rubric and a draft assignment; a published assignment with a scored
    example, three submissions (the learner's with an attachment), calibration, and
    every review in: the learner's submission split its reviewers (a checkpoint), the
    others are graded, with a usefulness rating and a regrade request."""
    now = timezone.now()
    rubric = peer_review.rubric_create(actor=w.facilitator, title="Writing", criteria=CRITERIA)
    peer_review.rubric_publish(actor=w.facilitator, rubric=rubric)
    peer_review.rubric_create(actor=w.facilitator, title="Draft rubric", criteria=CRITERIA)
    windows = {"submission_opens_at": now - dt.timedelta(days=2),
               "submission_due_at": now + dt.timedelta(days=1), "review_due_at": now + dt.timedelta(days=8)}
    assignment = peer_review.assignment_create(
        actor=w.facilitator, cohort=w.cohort, rubric=rubric, title="Proposal", instructions="Propose.",
        reviews_per_submission=2, calibration_examples=1, **windows)
    example = peer_review.example_create(actor=w.expert, assignment=assignment, title="Sample", body="Text.")
    expert = levels_for(assignment, 2, 1)
    peer_review.example_score(actor=w.expert, example=example, scores=expert)
    assignment = peer_review.assignment_publish(actor=w.facilitator, assignment=assignment)
    peer_review.assignment_create(actor=w.facilitator, cohort=w.cohort, rubric=rubric, title="Later",
                                  instructions="Later.", **windows)
    third = MembershipFactory(cohort=w.cohort, role="learner").user
    people = [w.learner, w.peer_mentor, third]
    for person in people:
        attachments = [SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
                       ] if person == w.learner else []
        peer_review.submission_save(actor=person, assignment=assignment, body="My proposal.",
                                    attachments=attachments, now=now - dt.timedelta(days=1))
        peer_review.calibration_submit(actor=person, example=example,
                                       levels={pk: level for pk, (level, _) in expert.items()})
    peer_review.reviews_allocate(assignment.pk, now=now + dt.timedelta(days=1))
    split = {w.peer_mentor.pk: (0, 0), third.pk: (3, 2)}  # on the learner's submission
    for allocation in ReviewAllocation.objects.filter(assignment=assignment, state="assigned", is_self=False):
        levels = split[allocation.reviewer_id] if allocation.submission.author == w.learner else (2, 1)
        peer_review.review_submit(actor=allocation.reviewer, allocation=allocation,
                                  levels=levels_for(assignment, *levels), comment="Clear.")
    final = Grade.objects.filter(submission__assignment=assignment, submission__author=w.peer_mentor,
                                 state="final").get()
    peer_review.usefulness_rate(actor=w.peer_mentor, review=final.submission.reviews.first(), rating=4)
    peer_review.dispute_open(actor=w.peer_mentor, submission=final.submission,
                             reason="The evidence criterion ignores the studies I cited.")
    assert Checkpoint.objects.filter(submission__author=w.learner).exists()


@pytest.fixture
def acme(world) -> World:
    populate(world)
    return world


@pytest.fixture
def globex(other_world) -> World:
    populate(other_world)
    return other_world


def mentions_acme(content: bytes | str) -> bool:
    text = content.decode() if isinstance(content, bytes) else content
    return "acme" in text.lower()


# --- API --------------------------------------------------------------------------

API_COLLECTIONS = {
    "users": User,
    "cohorts": Cohort,
    "squads": Squad,
    "memberships": CohortMembership,
    "journey-templates": JourneyTemplate,
    "events": Event,
    "audit-entries": AuditEntry,
    "tokens": ApiToken,
    "prompts": Prompt,
    "threads": Thread,
    "posts": Post,
    "flags": Flag,
    "feed": FeedItem,
    "microtask-completions": MicroTaskCompletion,
    "notifications": Notification,
    "peer-review/rubrics": Rubric,
    "peer-review/assignments": Assignment,
    "peer-review/calibration-examples": CalibrationExample,
    "peer-review/calibration-attempts": CalibrationAttempt,
    "peer-review/submissions": Submission,
    "peer-review/allocations": ReviewAllocation,
    "peer-review/reviews": Review,
    "peer-review/grades": Grade,
    "peer-review/checkpoints": Checkpoint,
    "peer-review/disputes": Dispute,
    "points": LedgerEntry,
    "leaderboards": Cohort,
    "kudos": Kudos,
    "badges": Badge,
    "badge-awards": BadgeAward,
    "touchpoints": Touchpoint,
    "nudge-rules": NudgeRule,
    "nudge-messages": NudgeMessage,
    "peer-reminders": NudgeMessage,
    "digests": Digest,
}


# A collection that lists the caller's own rows only: the learner, not the HR admin, shows it works.
OWN_ROWS_COLLECTIONS = {"peer-review/calibration-attempts", "peer-reminders"}
# The widest view of a collection whose default is narrower (allocations: my to-do list).
WIDEST_LIST = {"peer-review/allocations": {"mine": "false"}}

# Lists computed for the caller rather than rows of one model, each with a test of its own.
COMPUTED_API_LISTS = {"moderation-queue"}  # test_the_moderation_queue_holds_own_organisation_only


def test_every_api_collection_is_checked():
    from config.api_urls import router

    registered = {prefix for prefix, _viewset, _basename in router.registry}
    assert registered == set(API_COLLECTIONS) | COMPUTED_API_LISTS


@pytest.mark.parametrize("collection", list(API_COLLECTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_api_lists_hold_no_other_organisation_ids(acme, globex, api_client, collection, role):
    # Given a globex person
    client = api_client(globex.person(role))

    # When they list a collection
    response = client.get(f"/api/v1/{collection}/", {"page_size": 200, **WIDEST_LIST.get(collection, {})})

    # Then it holds none of acme's rows, and nothing names acme
    assert response.status_code == 200
    listed = {str(row["id"]) for row in response.json()["results"]}
    assert not listed & ids_of(API_COLLECTIONS[collection], acme.org)
    assert not mentions_acme(response.content)
    # The list works: the HR admin (or, for lists of one's own rows, the learner) sees globex's rows
    if role == ("learner" if collection in OWN_ROWS_COLLECTIONS else "hr_admin"):
        model = API_COLLECTIONS[collection]
        assert listed & ids_of(model, globex.org)
        assert listed <= ids_of(model, globex.org) | shared_ids(model)


@pytest.mark.parametrize("collection", list(API_COLLECTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_api_retrieve_of_another_organisation_object_is_404(acme, globex, api_client, collection,
                                                            role):
    # Given a globex person and every acme row of a collection
    client = api_client(globex.person(role))
    acme_ids = ids_of(API_COLLECTIONS[collection], acme.org)
    assert acme_ids

    for acme_id in sorted(acme_ids):
        # When they ask for it by id
        response = client.get(f"/api/v1/{collection}/{acme_id}/")

        # Then it does not exist for them
        assert response.status_code == 404, (acme_id, response.content[:200])
        assert not mentions_acme(response.content)


def learner_membership(w: World) -> CohortMembership:
    return CohortMembership.objects.get(cohort=w.cohort, user=w.learner)


def learner_token(w: World) -> ApiToken:
    return ApiToken.objects.get(user=w.learner)


def alpha_thread(w: World) -> Thread:
    return Thread.objects.get(squad=w.squad)


def draft_prompt(w: World) -> Prompt:
    return Prompt.objects.get(cohort=w.cohort, state="draft")


def learner_post(w: World) -> Post:
    return Post.objects.get(author=w.learner, parent=None)


def learner_flag(w: World) -> Flag:
    return Flag.objects.get(reporter=w.learner)


def microtask(w: World) -> CohortStep:
    return CohortStep.objects.get(cohort=w.cohort, kind=StepKind.MICROTASK)


def learner_notification(w: World) -> Notification:
    return Notification.objects.get(user=w.learner)


def published_rubric(w: World) -> Rubric:
    return Rubric.objects.get(organization=w.org, state="published")


def draft_rubric(w: World) -> Rubric:
    return Rubric.objects.get(organization=w.org, state="draft")


def peer_assignment(w: World) -> Assignment:
    return Assignment.objects.get(cohort=w.cohort, state="published")


def draft_assignment(w: World) -> Assignment:
    return Assignment.objects.get(cohort=w.cohort, state="draft")


def calibration_example(w: World) -> CalibrationExample:
    return CalibrationExample.objects.get(assignment=peer_assignment(w))


def learner_submission(w: World) -> Submission:
    return Submission.objects.get(assignment=peer_assignment(w), author=w.learner)


def learner_attachment(w: World) -> SubmissionAttachment:
    return SubmissionAttachment.objects.get(version__submission=learner_submission(w))


def learner_allocation(w: World) -> ReviewAllocation:
    return ReviewAllocation.objects.filter(reviewer=w.learner, is_self=False).first()


def rated_review(w: World) -> Review:
    return UsefulnessRating.objects.get(rated_by=w.peer_mentor,
                                        review__submission__assignment__cohort=w.cohort).review


def learner_checkpoint(w: World) -> Checkpoint:
    return Checkpoint.objects.get(submission=learner_submission(w))


def mentor_dispute(w: World) -> Dispute:
    return Dispute.objects.get(requested_by=w.peer_mentor)


def learner_award(w: World) -> BadgeAward:
    return BadgeAward.objects.get(learner=w.learner, badge__code="first-review")


def upcoming_touchpoint(w: World) -> Touchpoint:
    return Touchpoint.objects.get(cohort=w.cohort, title__endswith="check-in")


def past_touchpoint(w: World) -> Touchpoint:
    return Touchpoint.objects.get(cohort=w.cohort, title__endswith="kick-off")


API_WRITES = {
    "PATCH user": ("patch", lambda w: f"users/{w.learner.pk}/", {"title": "Hacked"}),
    "PATCH cohort": ("patch", lambda w: f"cohorts/{w.cohort.pk}/", {"name": "Hacked"}),
    "PUT cohort": ("put", lambda w: f"cohorts/{w.cohort.pk}/", {
        "name": "Hacked", "state": "archived", "timezone": "UTC", "start_date": "2027-01-04",
        "end_date": "2027-02-04"}),
    "DELETE cohort": ("delete", lambda w: f"cohorts/{w.cohort.pk}/", None),
    "PATCH squad": ("patch", lambda w: f"squads/{w.squad.pk}/", {"name": "Hacked"}),
    "PUT squad": ("put", lambda w: f"squads/{w.squad.pk}/", {"name": "Hacked"}),
    "DELETE squad": ("delete", lambda w: f"squads/{w.squad.pk}/", None),
    "PATCH membership": ("patch", lambda w: f"memberships/{learner_membership(w).pk}/",
                         {"role": "facilitator"}),
    "PUT membership": ("put", lambda w: f"memberships/{learner_membership(w).pk}/",
                       {"role": "facilitator", "squad": None}),
    "DELETE membership": ("delete", lambda w: f"memberships/{learner_membership(w).pk}/", None),
    "DELETE token": ("delete", lambda w: f"tokens/{learner_token(w).pk}/", None),
    "arrange squads": ("post", lambda w: f"cohorts/{w.cohort.pk}/arrange-squads/", {"squad_size": 3}),
    "publish prompt": ("post", lambda w: f"prompts/{draft_prompt(w).pk}/publish/", None),
    "lock thread": ("post", lambda w: f"threads/{alpha_thread(w).pk}/lock/", None),
    "unlock thread": ("post", lambda w: f"threads/{alpha_thread(w).pk}/unlock/", None),
    "swap roles": ("post", lambda w: f"threads/{alpha_thread(w).pk}/swap-roles/", {"users": [1, 2]}),
    "PATCH post": ("patch", lambda w: f"posts/{learner_post(w).pk}/", {"body": "Hacked"}),
    "DELETE post": ("delete", lambda w: f"posts/{learner_post(w).pk}/", None),
    "endorse post": ("post", lambda w: f"posts/{learner_post(w).pk}/endorse/", {"text": "Hacked"}),
    "nominate post": ("post", lambda w: f"posts/{learner_post(w).pk}/nominate/", None),
    "flag post": ("post", lambda w: f"posts/{learner_post(w).pk}/flag/", {"reason": "spam"}),
    "hide post": ("post", lambda w: f"posts/{learner_post(w).pk}/hide/", None),
    "restore post": ("post", lambda w: f"posts/{learner_post(w).pk}/restore/", None),
    "top-take post": ("post", lambda w: f"posts/{learner_post(w).pk}/top-take/", {"reason": "Hacked"}),
    "resolve flag": ("post", lambda w: f"flags/{learner_flag(w).pk}/resolve/", {"outcome": "upheld"}),
    "read notification": ("post", lambda w: f"notifications/{learner_notification(w).pk}/read/", None),
    # peer review: the actions on one object, and what hangs below it
    "PATCH draft rubric": ("patch", lambda w: f"peer-review/rubrics/{draft_rubric(w).pk}/",
                           {"title": "Hacked"}),
    "publish draft rubric": ("post", lambda w: f"peer-review/rubrics/{draft_rubric(w).pk}/publish/", None),
    "PATCH draft assignment": ("patch", lambda w: f"peer-review/assignments/{draft_assignment(w).pk}/",
                               {"title": "Hacked"}),
    "publish draft assignment": ("post", lambda w: f"peer-review/assignments/{draft_assignment(w).pk}"
                                                   "/publish/", None),
    "assignment dashboard": ("get", lambda w: f"peer-review/assignments/{peer_assignment(w).pk}/dashboard/",
                             None),
    "assignment grades": ("get", lambda w: f"peer-review/assignments/{peer_assignment(w).pk}/grades/", None),
    "score example": ("post", lambda w: f"peer-review/calibration-examples/{calibration_example(w).pk}"
                                        "/score/", {"scores": []}),
    "versions of a submission": ("get", lambda w: f"peer-review/submissions/{learner_submission(w).pk}"
                                                  "/versions/", None),
    "download an attachment": ("get", lambda w: f"peer-review/submissions/{learner_submission(w).pk}/"
                                                f"attachments/{learner_attachment(w).pk}/", None),
    "review an allocation": ("post", lambda w: f"peer-review/allocations/{learner_allocation(w).pk}/review/",
                             {"levels": [], "comment": "Hacked"}),
    "rate a review": ("post", lambda w: f"peer-review/reviews/{rated_review(w).pk}/rate/", {"rating": 1}),
    "resolve a checkpoint": ("post", lambda w: f"peer-review/checkpoints/{learner_checkpoint(w).pk}/resolve/",
                             {"levels": [], "reason": "Hacked"}),
    "resolve a regrade request": ("post", lambda w: f"peer-review/disputes/{mentor_dispute(w).pk}/resolve/",
                                  {"outcome": "upheld", "response": "Hacked"}),
    # badges: an award's credential (its earner's name inside) and revoking it
    "download an award's credential": ("get", lambda w: f"badge-awards/{learner_award(w).pk}/credential/",
                                       None),
    "revoke an award": ("post", lambda w: f"badge-awards/{learner_award(w).pk}/revoke/",
                        {"reason": "Hacked"}),
    # live sessions
    "PATCH touchpoint": ("patch", lambda w: f"touchpoints/{upcoming_touchpoint(w).pk}/", {"title": "Hacked"}),
    "cancel touchpoint": ("post", lambda w: f"touchpoints/{upcoming_touchpoint(w).pk}/cancel/",
                          {"reason": "Hacked"}),
    "answer touchpoint": ("post", lambda w: f"touchpoints/{upcoming_touchpoint(w).pk}/rsvp/",
                          {"response": "no"}),
    "record attendance": ("post", lambda w: f"touchpoints/{past_touchpoint(w).pk}/attendance/",
                          {"attended": []}),
    "touchpoint calendar file": ("get", lambda w: f"touchpoints/{upcoming_touchpoint(w).pk}/ics/", None),
    # nudges
    "PATCH nudge rule": ("patch", lambda w: f"nudge-rules/{cohort_nudge_rule(w).pk}/", {"days": 3}),
    "switch a nudge rule off": ("delete", lambda w: f"nudge-rules/{cohort_nudge_rule(w).pk}/", None),
    "preview a nudge rule": ("get", lambda w: f"nudge-rules/{cohort_nudge_rule(w).pk}/preview/"
                                              f"?learner={w.learner.pk}", None),
}


@pytest.mark.parametrize("write", list(API_WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_api_writes_to_another_organisation_object_are_404(acme, globex, api_client, write, role):
    # Given a globex person and an acme object
    method, path, payload = API_WRITES[write]
    before = snapshot(acme.org)

    # When they change, delete or act on it by id
    response = getattr(api_client(globex.person(role)), method)(
        f"/api/v1/{path(acme)}", payload, format="json")

    # Then it does not exist for them, and acme's records are untouched
    assert response.status_code == 404, response.content[:200]
    assert snapshot(acme.org) == before


@pytest.mark.parametrize("role", ROLES)
def test_api_feed_of_another_organisation_cohort_is_404(acme, globex, api_client, role):
    response = api_client(globex.person(role)).get(f"/api/v1/cohorts/{acme.cohort.pk}/feed/")
    assert response.status_code == 404
    assert not mentions_acme(response.content)


def test_api_marking_all_notifications_read_touches_own_only(acme, globex, api_client):
    # Given unread notifications in both organisations
    before = snapshot(acme.org)

    # When globex's HR admin marks all of theirs read
    response = api_client(globex.hr_admin).post("/api/v1/notifications/read-all/")

    # Then theirs are read and acme's are as they were
    assert response.json() == {"marked": 1}
    assert snapshot(acme.org) == before


def test_api_roles_cannot_be_swapped_with_another_organisation_person(acme, globex, api_client):
    # Given globex's facilitator on their squad's thread
    client = api_client(globex.facilitator)
    url = f"/api/v1/threads/{alpha_thread(globex).pk}/swap-roles/"

    # When they name an acme person, and an id nobody has
    response = client.post(url, {"users": [globex.learner.pk, acme.learner.pk]}, format="json")
    missing = client.post(url, {"users": [globex.learner.pk, MISSING_ID]}, format="json")

    # Then both are the same field message and no role changed
    assert response.status_code == 400
    assert _normalised(response, acme.learner.pk) == _normalised(missing, acme.learner.pk)
    assert not RoleAssignment.objects.filter(swapped=True).exists()


def test_me_and_organization_are_always_ones_own(acme, globex, api_client):
    client = api_client(globex.learner)
    assert client.get("/api/v1/me/").json()["organization"]["id"] == globex.org.pk
    assert client.get("/api/v1/organization/").json()["id"] == globex.org.pk


def test_an_api_token_is_scoped_like_a_session(acme, globex, api_client):
    # Given a globex HR admin's API token
    _token, key = core_services.api_token_create(actor=globex.hr_admin, name="script")
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    # When a script uses it on acme's cohort
    read = client.get(f"/api/v1/cohorts/{acme.cohort.pk}/")
    listed = client.get("/api/v1/cohorts/")

    # Then acme's cohort does not exist for it
    assert read.status_code == 404
    assert {c["id"] for c in listed.json()["results"]} == {globex.cohort.pk, globex.other_cohort.pk}


# Writes that point at another organisation's object by id: (method, path, payload, field).
CROSS_REFERENCES = {
    "membership in acme's cohort": (
        "post", lambda a, g: "memberships/",
        lambda a, g: {"cohort": a.cohort.pk, "user": g.outsider.pk}, "cohort"),
    "membership for acme's person": (
        "post", lambda a, g: "memberships/",
        lambda a, g: {"cohort": g.cohort.pk, "user": a.outsider.pk}, "user"),
    "membership in acme's squad": (
        "post", lambda a, g: "memberships/",
        lambda a, g: {"cohort": g.cohort.pk, "user": g.outsider.pk, "squad": a.squad.pk}, "squad"),
    "move a member to acme's squad": (
        "patch", lambda a, g: f"memberships/{learner_membership(g).pk}/",
        lambda a, g: {"squad": a.squad.pk}, "squad"),
    "squad in acme's cohort": (
        "post", lambda a, g: "squads/", lambda a, g: {"cohort": a.cohort.pk, "name": "Spies"},
        "cohort"),
    "cohort from acme's journey": (
        "post", lambda a, g: "cohorts/",
        lambda a, g: {"name": "Copycat", "start_date": "2027-01-04",
                      "journey_template": a.template.pk}, "journey_template"),
    "switch a cohort to acme's journey": (
        "patch", lambda a, g: f"cohorts/{g.cohort.pk}/",
        lambda a, g: {"journey_template": a.template.pk}, "journey_template"),
    "prompt in acme's cohort": (
        "post", lambda a, g: "prompts/",
        lambda a, g: {"cohort": a.cohort.pk, "title": "Spy", "body": "x", "due_at": "2027-03-05T17:00:00Z"},
        "cohort"),
    "prompt for acme's step": (
        "post", lambda a, g: "prompts/",
        lambda a, g: {"cohort": g.cohort.pk, "step": microtask(a).pk, "title": "Spy", "body": "x",
                      "due_at": "2027-03-05T17:00:00Z"}, "step"),
    "post in acme's thread": (
        "post", lambda a, g: "posts/", lambda a, g: {"thread": alpha_thread(a).pk, "body": "Hi"}, "thread"),
    "reply to acme's post": (
        "post", lambda a, g: "posts/",
        lambda a, g: {"thread": alpha_thread(g).pk, "parent": learner_post(a).pk, "body": "Hi"}, "parent"),
    "micro-task of acme's cohort": (
        "post", lambda a, g: "microtask-completions/", lambda a, g: {"step": microtask(a).pk}, "step"),
    "kudos in acme's cohort": (
        "post", lambda a, g: "kudos/",
        lambda a, g: {"cohort": a.cohort.pk, "recipient": g.peer_mentor.pk, "message": "Hi"}, "cohort"),
    "kudos to acme's person": (
        "post", lambda a, g: "kudos/",
        lambda a, g: {"cohort": g.cohort.pk, "recipient": a.peer_mentor.pk, "message": "Hi"}, "recipient"),
    "touchpoint in acme's cohort": (
        "post", lambda a, g: "touchpoints/", lambda a, g: touchpoint_body(a.cohort.pk), "cohort"),
    "nudge rule in acme's cohort": (
        "post", lambda a, g: "nudge-rules/",
        lambda a, g: {"cohort": a.cohort.pk, "name": "Spy", "trigger": "inactive", "subject": "Hi",
                      "body_text": "Hi"}, "cohort"),
    "nudge rule for acme's squad": (
        "patch", lambda a, g: f"nudge-rules/{cohort_nudge_rule(g).pk}/", lambda a, g: {"squad": a.squad.pk},
        "squad"),
    "reminder in acme's cohort": (
        "post", lambda a, g: "peer-reminders/",
        lambda a, g: {"cohort": a.cohort.pk, "recipient": g.peer_mentor.pk, "note": "Hi"}, "cohort"),
    "reminder to acme's person": (
        "post", lambda a, g: "peer-reminders/",
        lambda a, g: {"cohort": g.cohort.pk, "recipient": a.peer_mentor.pk, "note": "Hi"}, "recipient"),
    "touchpoint for acme's squad": (
        "post", lambda a, g: "touchpoints/",
        lambda a, g: {**touchpoint_body(g.cohort.pk), "squad": a.squad.pk}, "squad"),
}


def touchpoint_body(cohort_id: int) -> dict:
    return {"cohort": cohort_id, "title": "Spy", "starts_at": "2031-03-05T17:00:00Z", "duration_minutes": 20,
            "room": "Room 1"}


def _normalised(response, acme_id) -> tuple[int, str]:
    """The response with the id that was sent masked, to compare two answers."""
    return response.status_code, re.sub(rf"\b({acme_id}|{MISSING_ID})\b", "<id>",
                                        json.dumps(response.json()))


@pytest.mark.parametrize("case", list(CROSS_REFERENCES))
@pytest.mark.parametrize("role", ["hr_admin", "facilitator"])
def test_api_writes_referencing_another_organisation_are_field_errors(acme, globex, api_client,
                                                                      case, role):
    # Given a globex person who may write to their own cohort
    method, path, payload, field = CROSS_REFERENCES[case]
    client = api_client(globex.person(role))
    data = payload(acme, globex)
    before = {"acme": snapshot(acme.org), "globex": snapshot(globex.org)}

    # When they send a write that points at an acme object
    response = getattr(client, method)(f"/api/v1/{path(acme, globex)}", data, format="json")

    # Then it is a 400 naming the field, the same answer an id that does not
    # exist gets, and neither organisation changed
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()["errors"]
    assert not mentions_acme(response.content)
    acme_id = data[field]
    missing = getattr(client, method)(f"/api/v1/{path(acme, globex)}",
                                      {**data, field: MISSING_ID}, format="json")
    assert _normalised(response, acme_id) == _normalised(missing, acme_id)
    assert {"acme": snapshot(acme.org), "globex": snapshot(globex.org)} == before


# Filters that take an id: (collection, filter, the acme object's id).
ID_FILTERS = {
    "memberships by cohort": ("memberships", "cohort", lambda a: a.cohort.pk),
    "memberships by person": ("memberships", "user", lambda a: a.learner.pk),
    "memberships by squad": ("memberships", "squad", lambda a: a.squad.pk),
    "squads by cohort": ("squads", "cohort", lambda a: a.cohort.pk),
    "cohorts by journey": ("cohorts", "journey_template", lambda a: a.template.pk),
    "events by cohort": ("events", "cohort", lambda a: a.cohort.pk),
    "events by actor": ("events", "actor", lambda a: a.hr_admin.pk),
    "audit entries by actor": ("audit-entries", "actor", lambda a: a.hr_admin.pk),
    "prompts by cohort": ("prompts", "cohort", lambda a: a.cohort.pk),
    "prompts by step": ("prompts", "step", lambda a: microtask(a).pk),
    "threads by prompt": ("threads", "prompt", lambda a: alpha_thread(a).prompt_id),
    "threads by squad": ("threads", "squad", lambda a: a.squad.pk),
    "threads by cohort": ("threads", "cohort", lambda a: a.cohort.pk),
    "posts by thread": ("posts", "thread", lambda a: alpha_thread(a).pk),
    "posts by author": ("posts", "author", lambda a: a.learner.pk),
    "posts by parent": ("posts", "parent", lambda a: learner_post(a).pk),
    "flags by post": ("flags", "post", lambda a: learner_flag(a).post_id),
    "flags by cohort": ("flags", "cohort", lambda a: a.cohort.pk),
    "feed by cohort": ("feed", "cohort", lambda a: a.cohort.pk),
    "micro-tasks done by step": ("microtask-completions", "step", lambda a: microtask(a).pk),
    "micro-tasks done by person": ("microtask-completions", "user", lambda a: a.learner.pk),
    "micro-tasks done by cohort": ("microtask-completions", "cohort", lambda a: a.cohort.pk),
    "badge awards by learner": ("badge-awards", "learner", lambda a: a.learner.pk),
    "badge awards by cohort": ("badge-awards", "cohort", lambda a: a.cohort.pk),
    "touchpoints by cohort": ("touchpoints", "cohort", lambda a: a.cohort.pk),
    "nudge rules by cohort": ("nudge-rules", "cohort", lambda a: a.cohort.pk),
    "nudge messages by cohort": ("nudge-messages", "cohort", lambda a: a.cohort.pk),
}


@pytest.mark.parametrize("case", list(ID_FILTERS))
def test_api_filters_by_another_organisation_id_answer_like_a_missing_id(acme, globex, api_client,
                                                                         case):
    # Given a globex HR admin
    collection, name, acme_object = ID_FILTERS[case]
    client = api_client(globex.hr_admin)
    acme_id = acme_object(acme)

    # When they filter a list by an acme object's id, and by an id nobody has
    response = client.get(f"/api/v1/{collection}/", {name: acme_id})
    missing = client.get(f"/api/v1/{collection}/", {name: MISSING_ID})

    # Then both get the same field message: the filter confirms nothing
    assert response.status_code == 400
    assert name in response.json()["errors"]
    assert _normalised(response, acme_id) == _normalised(missing, acme_id)


# --- portal -------------------------------------------------------------------------


def cohort(w: World) -> Cohort:
    return w.cohort


def squad(w: World) -> Squad:
    return w.squad


def published_prompt(w: World) -> Prompt:
    return alpha_thread(w).prompt


Data = dict | Callable[[World, World], dict] | None


def acme_page(method: str, name: str, *records: Callable[[World], object], data: Data = None) -> tuple:
    """A request to the portal page `name` about acme's `records` (their ids fill the URL)."""
    return method, lambda a, g: reverse(name, args=[record(a).pk for record in records]), data


PORTAL_PAGES = {
    "cohort page": acme_page("get", "portal:cohort_detail", cohort),
    "manage cohort": acme_page("get", "portal:cohort_manage", cohort),
    "add a member": acme_page("post", "portal:cohort_manage", cohort,
                              data=lambda a, g: {"add-email": g.outsider.email, "add-role": "learner"}),
    "add a squad": acme_page("post", "portal:cohort_manage", cohort, data={"squad-name": "Spies"}),
    "change a member": acme_page("post", "portal:membership_change", cohort, learner_membership,
                                 data={"role": "facilitator"}),
    "remove a member": acme_page("post", "portal:membership_remove", cohort, learner_membership),
    "arrange squads": acme_page("post", "portal:squads_auto_arrange", cohort, data={"squad_size": "3"}),
    "delete a squad": acme_page("post", "portal:squad_delete", cohort, squad),
    "revoke a token": acme_page("post", "portal:api_token_revoke", learner_token),
    # discussions: the learner pages
    "thread page": acme_page("get", "discussions:thread", alpha_thread),
    "post in a thread": acme_page("post", "discussions:post_create", alpha_thread, data={"body": "Hi"}),
    "a post's permalink": acme_page("get", "discussions:post", learner_post),
    "earlier replies": acme_page("get", "discussions:replies", learner_post),
    "reply form": acme_page("get", "discussions:reply", learner_post),
    "reply to a post": acme_page("post", "discussions:reply", learner_post, data={"body": "Hi"}),
    "edit form": acme_page("get", "discussions:post_edit", learner_post),
    "edit a post": acme_page("post", "discussions:post_edit", learner_post,
                             data=lambda a, g: {f"edit-{learner_post(a).pk}-body": "Hacked"}),
    "delete a post": acme_page("post", "discussions:post_delete", learner_post),
    "versions of a post": acme_page("get", "discussions:post_versions", learner_post),
    "endorse a post": acme_page("post", "discussions:endorse", learner_post, data={"text": "Hacked"}),
    "nominate a post": acme_page("post", "discussions:nominate", learner_post),
    "flag form": acme_page("get", "discussions:flag", learner_post),
    "flag a post": acme_page("post", "discussions:flag", learner_post,
                             data=lambda a, g: {f"flag-{learner_post(a).pk}-reason": "spam"}),
    "cohort feed": acme_page("get", "discussions:feed", cohort),
    "mark a micro-task done": acme_page("post", "discussions:microtask_done", microtask,
                                        data={"comment": "Hacked"}),
    # discussions: the facilitator pages
    "prompts of a cohort": acme_page("get", "discussions:prompt_list", cohort),
    "new prompt form": acme_page("get", "discussions:prompt_create", cohort),
    "create a prompt": acme_page("post", "discussions:prompt_create", cohort,
                                 data=lambda a, g: prompt_form()),
    "prompt page": acme_page("get", "discussions:prompt_manage", published_prompt),
    "draft prompt page": acme_page("get", "discussions:prompt_manage", draft_prompt),
    "publish a draft": acme_page("post", "discussions:prompt_publish", draft_prompt),
    "role swap form": acme_page("get", "discussions:roles_swap", alpha_thread),
    "swap roles": acme_page("post", "discussions:roles_swap", alpha_thread,
                            data=lambda a, g: {"first": a.learner.pk, "second": a.peer_mentor.pk}),
    "lock a thread": acme_page("post", "discussions:thread_lock", alpha_thread),
    "Top Take form": acme_page("get", "discussions:top_take_select", learner_post),
    "pick a Top Take": acme_page("post", "discussions:top_take_select", learner_post,
                                 data={"reason": "Hacked"}),
    "hide a post": acme_page("post", "discussions:post_hide", learner_post),
    "restore a post": acme_page("post", "discussions:post_restore", learner_post),
    "message form": acme_page("get", "discussions:author_message", learner_post),
    "message an author": acme_page("post", "discussions:author_message", learner_post,
                                   data={"text": "Hacked"}),
    "resolve form": acme_page("get", "discussions:flag_resolve", learner_flag),
    "resolve a flag": acme_page("post", "discussions:flag_resolve", learner_flag,
                                data={"outcome": "upheld"}),
    "choose a moderator": acme_page("post", "discussions:moderator_set", cohort,
                                    data=lambda a, g: {"membership": learner_membership(a).pk}),
    # peer review: the learner pages
    "assignment page": acme_page("get", "peer_review:assignment", peer_assignment),
    "submit work": acme_page("post", "peer_review:submit", peer_assignment, data={"body": "Hacked"}),
    "request a regrade": acme_page("post", "peer_review:dispute", peer_assignment,
                                   data={"reason": "Hacked"}),
    "calibration form": acme_page("get", "peer_review:calibrate", peer_assignment),
    "a submission's version": ("get", lambda a, g: reverse(
        "peer_review:version", args=[learner_submission(a).pk, 1]), None),
    "download an attachment": acme_page("get", "peer_review:attachment", learner_attachment),
    "calibration result": acme_page("get", "peer_review:calibration_result", calibration_example),
    "review form": acme_page("get", "peer_review:review", learner_allocation),
    "submit a review": acme_page("post", "peer_review:review", learner_allocation,
                                 data={"comment": "Hacked"}),
    "rate a review": acme_page("post", "peer_review:rate", rated_review,
                               data=lambda a, g: {f"rate-{rated_review(a).pk}-rating": "1"}),
    # peer review: the facilitator and expert pages
    "edit a rubric": acme_page("get", "peer_review:rubric_edit", draft_rubric),
    "change a rubric": acme_page("post", "peer_review:rubric_edit", draft_rubric, data={"title": "Hacked"}),
    "publish a rubric": acme_page("post", "peer_review:rubric_publish", draft_rubric),
    "new assignment form": acme_page("get", "peer_review:assignment_create", cohort),
    "create an assignment": acme_page("post", "peer_review:assignment_create", cohort,
                                      data={"title": "Spy"}),
    "assignment dashboard": acme_page("get", "peer_review:dashboard", peer_assignment),
    "edit an assignment": acme_page("get", "peer_review:assignment_edit", draft_assignment),
    "change an assignment": acme_page("post", "peer_review:assignment_edit", draft_assignment,
                                      data={"title": "Hacked"}),
    "publish an assignment": acme_page("post", "peer_review:assignment_publish", draft_assignment),
    "grades as CSV": acme_page("get", "peer_review:grades_csv", peer_assignment),
    "new example form": acme_page("get", "peer_review:example_create", peer_assignment),
    "create an example": acme_page("post", "peer_review:example_create", peer_assignment,
                                   data={"title": "Spy", "body": "x"}),
    "score an example": acme_page("get", "peer_review:example_score", calibration_example),
    "checkpoint page": acme_page("get", "peer_review:checkpoint", learner_checkpoint),
    "resolve a checkpoint": acme_page("post", "peer_review:checkpoint", learner_checkpoint,
                                      data={"reason": "Hacked"}),
    "regrade request page": acme_page("get", "peer_review:dispute_answer", mentor_dispute),
    "answer a regrade request": acme_page("post", "peer_review:dispute_answer", mentor_dispute,
                                          data={"outcome": "upheld", "reason": "Hacked"}),
    # points and kudos
    "leaderboard": acme_page("get", "gamification:leaderboard", cohort),
    "switch leaderboards off": acme_page("post", "gamification:leaderboards_switch", cohort),
    "a member's page": acme_page("get", "gamification:member", lambda w: w.peer_mentor),
    "a badge of acme's own": ("get", lambda a, g: reverse("gamification:badge_detail", args=["acme-mentor"]),
                              None),
    "download an award's credential": acme_page("get", "gamification:badge_credential", learner_award),
    "an award's credential as JSON": acme_page("get", "gamification:badge_credential_json", learner_award),
    # live sessions
    "live sessions of a cohort": acme_page("get", "touchpoints:cohort_sessions", cohort),
    "schedule session form": acme_page("get", "touchpoints:schedule", cohort),
    "schedule a session": acme_page("post", "touchpoints:schedule", cohort,
                                    data={"title": "Spy", "starts_at": "2031-03-05T17:00",
                                          "duration_minutes": "20", "room": "Room 1"}),
    "session page": acme_page("get", "touchpoints:detail", upcoming_touchpoint),
    "answer a session": acme_page("post", "touchpoints:rsvp", upcoming_touchpoint, data={"response": "no"}),
    "session calendar file": acme_page("get", "touchpoints:invite_ics", upcoming_touchpoint),
    "edit session form": acme_page("get", "touchpoints:edit", upcoming_touchpoint),
    "edit a session": acme_page("post", "touchpoints:edit", upcoming_touchpoint,
                                data={"title": "Hacked", "starts_at": "2031-03-05T17:00",
                                      "duration_minutes": "20", "room": "Room 1"}),
    "cancel session form": acme_page("get", "touchpoints:cancel", upcoming_touchpoint),
    "cancel a session": acme_page("post", "touchpoints:cancel", upcoming_touchpoint,
                                  data={"reason": "Hacked"}),
    "attendance form": acme_page("get", "touchpoints:attendance", past_touchpoint),
    "record attendance": acme_page("post", "touchpoints:attendance", past_touchpoint, data={"attended": []}),
    # nudges
    "nudge rule page": acme_page("get", "nudges:rule_edit", cohort_nudge_rule),
    "edit a nudge rule": acme_page("post", "nudges:rule_edit", cohort_nudge_rule,
                                   data={"name": "Hacked", "trigger": "inactive", "days": "7",
                                         "hours_before": "24", "subject": "Hi", "body_text": "Hi",
                                         "send_email": "on", "mode": "approval"}),
    "switch a nudge rule off": acme_page("post", "nudges:rule_deactivate", cohort_nudge_rule),
    "preview a nudge rule": acme_page("get", "nudges:rule_preview", cohort_nudge_rule),
    "a cohort's digests": acme_page("get", "nudges:cohort_digests", cohort),
    "write a digest intro": acme_page("post", "nudges:cohort_digests", cohort, data={"intro": "Hacked"}),
    "a digest": acme_page("get", "nudges:digest", sent_digest),
    # notifications
    "read a notification": acme_page("post", "notifications:read", learner_notification),
    "open a notification": acme_page("get", "notifications:open", learner_notification),
}

# Their own cohort in the URL, acme's member or squad after it.
PORTAL_PAGES_VIA_OWN_COHORT = {
    "change acme's member": ("post", lambda a, g: reverse(
        "portal:membership_change", args=[g.cohort.pk, learner_membership(a).pk]),
        {"role": "facilitator"}),
    "remove acme's member": ("post", lambda a, g: reverse(
        "portal:membership_remove", args=[g.cohort.pk, learner_membership(a).pk]), None),
    "delete acme's squad": ("post", lambda a, g: reverse(
        "portal:squad_delete", args=[g.cohort.pk, a.squad.pk]), None),
    "make acme's learner moderator": ("post", lambda a, g: reverse(
        "discussions:moderator_set", args=[g.cohort.pk]),
        lambda a, g: {"membership": learner_membership(a).pk}),
}


def _portal_request(client, page, acme, globex):
    method, url, data = page
    return getattr(client, method)(url(acme, globex), data(acme, globex) if callable(data) else data or {})


@pytest.mark.parametrize("page", list(PORTAL_PAGES))
def test_portal_pages_for_another_organisation_are_404(acme, globex, client, page):
    # Given acme's records as they are
    before = snapshot(acme.org)

    # When each globex person opens or posts to a page about them
    answers = {}
    for role in ROLES:
        client.force_login(globex.person(role))
        response = _portal_request(client, PORTAL_PAGES[page], acme, globex)
        answers[role] = (response.status_code, mentions_acme(response.content))

    # Then for everyone the page does not exist and names nothing of acme's, and
    # acme's records are untouched
    assert answers == dict.fromkeys(ROLES, (404, False))
    assert snapshot(acme.org) == before


# The pages a badge credential links to, for anyone to verify it: public by design, they
# show what the signed credential itself says (tests/gamification/test_badge_pages.py).
# The one-click unsubscribe link is its own authority (a signed token, no sign-in): tests/nudges.
PUBLIC_PAGES = {"nudges:unsubscribe", "credentials:award", "credentials:issuer", "credentials:key",
                "credentials:achievement", "credentials:image"}


def test_every_portal_page_about_a_record_is_checked(acme, globex):
    # Pages whose URL names a record (an id); the others are overviews, below.
    about_a_record = {name for name, pattern in portal_pages().items()
                      if pattern.pattern.converters and name not in PUBLIC_PAGES}
    checked = {resolve(url(acme, globex)).view_name for _method, url, _data in PORTAL_PAGES.values()}
    assert about_a_record - checked == set()


@pytest.mark.parametrize("page", list(PORTAL_PAGES_VIA_OWN_COHORT))
@pytest.mark.parametrize("role", ["hr_admin", "facilitator"])
def test_portal_actions_on_own_cohort_cannot_reach_another_organisation(acme, globex, client, page,
                                                                         role):
    # Given a globex person who runs the globex cohort
    client.force_login(globex.person(role))
    before = snapshot(acme.org)

    # When they act on an acme member or squad through their own cohort's URL
    response = _portal_request(client, PORTAL_PAGES_VIA_OWN_COHORT[page], acme, globex)

    # Then that member or squad does not exist for them
    assert response.status_code == 404
    assert snapshot(acme.org) == before


@pytest.mark.parametrize("role", ROLES)
def test_portal_overview_pages_show_nothing_of_another_organisation(acme, globex, client, role):
    client.force_login(globex.person(role))
    for url in (reverse("portal:this_week"), f"{reverse('portal:this_week')}?cohort={acme.cohort.pk}",
                reverse("portal:profile"), reverse("portal:facilitate"),
                reverse("portal:cohort_create"), reverse("portal:api_tokens"),
                reverse("discussions:moderation"), reverse("notifications:list")):
        response = client.get(url)
        assert response.status_code in (200, 403), url
        assert not mentions_acme(response.content), url


def _queue(client, channel: str) -> tuple[object, list[tuple[int, int | None]]]:
    """The moderation queue as (cohort, post) pairs, from the portal page or the API."""
    if channel == "portal":
        response = client.get(reverse("discussions:moderation"))
        return response, [(item.cohort.pk, item.post.pk if item.post else None)
                          for item in response.context["page"]]
    response = client.get("/api/v1/moderation-queue/")
    return response, [(row["cohort"], row["post"]) for row in response.json()["results"]]


@pytest.mark.parametrize("channel", ["portal", "api"])
@pytest.mark.parametrize("viewer", ["hr_admin", "facilitator", "learner moderator"])
@pytest.mark.parametrize("side", ["acme", "globex"])
def test_the_moderation_queue_holds_own_organisation_only(acme, globex, client, channel, viewer, side):
    # Given a flagged reply in each organisation, and someone who works one queue
    mine, theirs = (acme, globex) if side == "acme" else (globex, acme)
    if viewer == "learner moderator":
        discussions.moderator_set(actor=mine.facilitator, membership=learner_membership(mine))
    client.force_login(mine.learner if viewer == "learner moderator" else mine.person(viewer))

    # When they open the moderation queue
    response, items = _queue(client, channel)

    # Then it holds their organisation's flagged reply and nothing of the other's
    assert response.status_code == 200
    assert {cohort for cohort, _post in items} <= {mine.cohort.pk, mine.other_cohort.pk}
    assert learner_flag(mine).post_id in {post for _cohort, post in items}
    assert theirs.org.slug not in response.content.decode().lower()


def test_portal_cannot_add_another_organisation_person_to_a_cohort(acme, globex, client):
    # Given globex's facilitator on their cohort's page
    client.force_login(globex.facilitator)
    url = reverse("portal:cohort_manage", args=[globex.cohort.pk])

    # When they add an acme person by email
    response = client.post(url, {"add-email": acme.outsider.email, "add-role": "learner"})

    # Then the form says nobody has that address, as for an unknown one
    assert response.status_code == 200
    assert response.context["add_form"].errors["email"] == [
        "Nobody in your organisation has this email address."]
    assert not CohortMembership.objects.filter(user=acme.outsider).exists()


def test_portal_cannot_create_a_cohort_from_another_organisation_journey(acme, globex, client):
    # Given globex's HR admin on the new cohort form
    client.force_login(globex.hr_admin)

    # When they pick acme's journey template by id
    response = client.post(reverse("portal:cohort_create"), {
        "name": "Copycat", "start_date": "2027-01-04", "timezone": "UTC",
        "template": acme.template.pk})

    # Then the template is not a valid choice and no cohort is created
    assert response.status_code == 200
    assert "template" in response.context["form"].errors
    assert not Cohort.objects.filter(name="Copycat").exists()


def test_portal_cannot_move_a_member_into_another_organisation_squad(acme, globex, client):
    # Given globex's facilitator and one of their learners
    client.force_login(globex.facilitator)
    membership = learner_membership(globex)

    # When they move the learner into acme's squad by id
    client.post(reverse("portal:membership_change", args=[globex.cohort.pk, membership.pk]),
                {"squad": acme.squad.pk})

    # Then the learner stays in their squad
    membership.refresh_from_db()
    assert membership.squad_id == globex.squad.pk


# --- admin --------------------------------------------------------------------------

ADMIN_OBJECTS = {
    Organization: lambda w: w.org,
    User: lambda w: w.learner,
    OrganizationMembership: lambda w: OrganizationMembership.objects.get(user=w.hr_admin),
    JourneyTemplate: lambda w: w.template,
    Cohort: lambda w: w.cohort,
    Squad: lambda w: w.squad,
    CohortMembership: learner_membership,
    Event: lambda w: Event.objects.filter(organization=w.org).first(),
    AuditEntry: lambda w: AuditEntry.objects.filter(organization=w.org).first(),
    Rubric: draft_rubric,
    Criterion: lambda w: Criterion.objects.filter(rubric=draft_rubric(w)).first(),
    Assignment: draft_assignment,
    CalibrationExample: calibration_example,
    Submission: learner_submission,
    CalibrationAttempt: lambda w: CalibrationAttempt.objects.get(learner=w.learner),
    ReviewAllocation: learner_allocation,
    Review: rated_review,
    UsefulnessRating: lambda w: rated_review(w).usefulness,
    Grade: lambda w: mentor_dispute(w).submission.grade,
    Checkpoint: learner_checkpoint,
    Dispute: mentor_dispute,
    ReviewerRecord: lambda w: ReviewerRecord.objects.get(assignment=peer_assignment(w), reviewer=w.learner),
    PointRule: lambda w: PointRule.objects.get(organization=w.org),
    LedgerEntry: lambda w: LedgerEntry.objects.filter(organization=w.org).first(),
    PointTotal: lambda w: PointTotal.objects.filter(cohort__organization=w.org).first(),
    WeeklyPoints: lambda w: WeeklyPoints.objects.filter(cohort__organization=w.org).first(),
    Kudos: lambda w: Kudos.objects.filter(cohort__organization=w.org).first(),
    Badge: lambda w: Badge.objects.get(organization=w.org, code="century"),
    BadgeAward: learner_award,
    Touchpoint: upcoming_touchpoint,
    NudgeRule: cohort_nudge_rule,
    DeliverySettings: lambda w: DeliverySettings.objects.get(organization=w.org),
    NudgeMessage: learner_nudge,
    Digest: sent_digest,
}


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def globex_admin(acme, globex, client):
    """A client signed in as globex's HR admin (not staff: the policy lets them in)."""
    assert not globex.hr_admin.is_staff
    client.force_login(globex.hr_admin)
    return client


# Platform-wide schedules: only platform operators (superusers) manage them.
OPERATOR_ONLY_ADMIN_APPS = {"django_celery_beat"}


def test_every_admin_model_is_checked():
    org_scoped = {model for model in admin_site._registry
                  if model._meta.app_label not in OPERATOR_ONLY_ADMIN_APPS}
    assert org_scoped == set(ADMIN_OBJECTS)


@pytest.mark.parametrize("model", [m for m in admin_site._registry
                                   if m._meta.app_label in OPERATOR_ONLY_ADMIN_APPS],
                         ids=lambda m: m.__name__)
def test_operator_only_admin_models_are_closed_to_hr_admins(globex, globex_admin, model):
    # When globex's HR admin opens a platform-wide admin page
    changelist = globex_admin.get(admin_url(model, "changelist"))
    add = globex_admin.get(admin_url(model, "add"))
    index = globex_admin.get(reverse("admin:index"))

    # Then it is refused and not offered on the admin index
    assert (changelist.status_code, add.status_code) == (403, 403)
    assert admin_url(model, "changelist") not in index.content.decode()


def filter_choices(changelist) -> list[str]:
    return [str(choice["display"]) for spec in changelist.filter_specs
            for choice in spec.choices(changelist)]


@pytest.mark.parametrize("model", list(ADMIN_OBJECTS), ids=lambda m: m.__name__)
def test_admin_changelists_list_only_own_organisation(acme, globex, globex_admin, model):
    # When globex's HR admin opens the changelist
    response = globex_admin.get(admin_url(model, "changelist"))

    # Then every row is globex's, there are some, and neither the rows nor the
    # filter sidebar name anything of acme's
    assert response.status_code == 200
    changelist = response.context["cl"]
    listed = {str(obj.pk) for obj in changelist.result_list}
    assert listed
    assert listed <= ids_of(model, globex.org) | shared_ids(model)
    assert not any(mentions_acme(choice) for choice in filter_choices(changelist))
    assert not mentions_acme(response.content)


@pytest.mark.parametrize("model", [Squad, CohortMembership], ids=lambda m: m.__name__)
def test_admin_cohort_filters_offer_own_cohorts_only(acme, globex, globex_admin, model):
    # Given squads and members in both globex cohorts (a filter needs two choices to show)
    squad = services.squad_create(actor=globex.hr_admin, cohort=globex.other_cohort, name="Gamma")
    services.membership_add(actor=globex.hr_admin, cohort=globex.other_cohort,
                            user=globex.outsider, squad=squad)

    # When globex's HR admin opens the changelist
    changelist = globex_admin.get(admin_url(model, "changelist")).context["cl"]

    # Then the cohort filter offers globex's cohorts and none of acme's
    choices = filter_choices(changelist)
    assert {"globex cohort", "globex other"} <= set(choices)
    assert not any(mentions_acme(choice) for choice in choices)


MISSING_PK = {Event: "00000000-0000-0000-0000-000000000000",
              NudgeMessage: "00000000-0000-0000-0000-000000000000",
              BadgeAward: "00000000-0000-0000-0000-000000000000"}


@pytest.mark.parametrize("model", list(ADMIN_OBJECTS), ids=lambda m: m.__name__)
def test_admin_pages_of_another_organisation_object_show_no_data(acme, globex, globex_admin, model):
    # Given an acme object
    obj = ADMIN_OBJECTS[model](acme)
    missing_pk = MISSING_PK.get(model, MISSING_ID)
    before = snapshot(acme.org)

    for view in ("change", "history", "delete"):
        # When globex's HR admin opens its change, history or delete page
        response = globex_admin.get(admin_url(model, view, obj.pk))
        missing = globex_admin.get(admin_url(model, view, missing_pk))

        # Then they are sent away, refused or get a 404, exactly as for an id
        # nobody has, and see nothing of the object
        assert response.status_code in (302, 403, 404), view
        assert response.status_code == missing.status_code, view
        assert response.get("Location") == missing.get("Location"), view
        assert not mentions_acme(response.content)

    # And posting to them changes nothing
    globex_admin.post(admin_url(model, "change", obj.pk), {"name": "Hacked", "title": "Hacked"})
    globex_admin.post(admin_url(model, "delete", obj.pk), {"post": "yes"})
    assert snapshot(acme.org) == before


def test_admin_bulk_delete_cannot_reach_another_organisation(acme, globex, globex_admin):
    # When globex's HR admin posts the delete action with acme's squad selected
    globex_admin.post(admin_url(Squad, "changelist"), {
        "action": "delete_selected", "_selected_action": [acme.squad.pk], "post": "yes"})

    # Then acme's squad is still there
    assert Squad.objects.filter(pk=acme.squad.pk).exists()


def test_admin_actions_cannot_reach_another_organisation_badges(acme, globex, globex_admin):
    # Given acme's records as they are
    before = snapshot(acme.org)
    acme_award, acme_badge = learner_award(acme), ADMIN_OBJECTS[Badge](acme)

    # When globex's HR admin revokes acme's award, with and without the confirmation, and
    # overrides acme's badge
    selected = {"action": "revoke_selected", "_selected_action": [acme_award.pk]}
    confirmation = globex_admin.post(admin_url(BadgeAward, "changelist"), selected)
    globex_admin.post(admin_url(BadgeAward, "changelist"), {**selected, "post": "yes", "reason": "Hacked"})
    globex_admin.post(admin_url(Badge, "changelist"), {
        "action": "override_for_my_organisation", "_selected_action": [acme_badge.pk]})

    # Then nothing of acme's is shown or changed, and globex copied nothing
    assert not mentions_acme(confirmation.content)
    assert snapshot(acme.org) == before
    assert not Badge.objects.filter(organization=globex.org, name__icontains="acme").exists()


@pytest.mark.parametrize(("source", "field"), [(CohortMembership, "user"),
                                               (OrganizationMembership, "user")],
                         ids=["CohortMembership.user", "OrganizationMembership.user"])
def test_admin_autocomplete_offers_own_people_only(acme, globex, globex_admin, source, field):
    # When globex's HR admin searches people in an autocomplete box
    response = globex_admin.get(reverse("admin:autocomplete"), {
        "app_label": source._meta.app_label, "model_name": source._meta.model_name,
        "field_name": field, "term": ""})

    # Then only globex people come back
    assert response.status_code == 200
    found = {result["id"] for result in response.json()["results"]}
    assert found
    assert found <= ids_of(User, globex.org)


def _inline_management(response) -> dict:
    """Empty management forms for whatever inlines the add page shows."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


ADMIN_CROSS_REFERENCES = {
    "cohort membership in acme's cohort": (CohortMembership, "cohort", lambda a, g: {
        "cohort": a.cohort.pk, "user": g.outsider.pk, "role": "learner",
        "joined_at_0": "2027-01-04", "joined_at_1": "09:00:00"}),
    "cohort membership for acme's person": (CohortMembership, "user", lambda a, g: {
        "cohort": g.cohort.pk, "user": a.outsider.pk, "role": "learner",
        "joined_at_0": "2027-01-04", "joined_at_1": "09:00:00"}),
    "cohort membership in acme's squad": (CohortMembership, "squad", lambda a, g: {
        "cohort": g.cohort.pk, "user": g.outsider.pk, "role": "learner", "squad": a.squad.pk,
        "joined_at_0": "2027-01-04", "joined_at_1": "09:00:00"}),
    "squad in acme's cohort": (Squad, "cohort", lambda a, g: {
        "cohort": a.cohort.pk, "name": "Spies", "created_at_0": "2027-01-04",
        "created_at_1": "09:00:00"}),
    "cohort from acme's journey": (Cohort, "journey_template", lambda a, g: {
        "name": "Copycat", "slug": "copycat", "state": "draft", "timezone": "UTC",
        "start_date": "2027-01-04", "end_date": "2027-02-04", "journey_template": a.template.pk,
        "created_at_0": "2027-01-04", "created_at_1": "09:00:00"}),
    "organisation role for acme's person": (OrganizationMembership, "user", lambda a, g: {
        "user": a.outsider.pk, "role": "hr_admin", "created_at_0": "2027-01-04",
        "created_at_1": "09:00:00"}),
}


@pytest.mark.parametrize("case", list(ADMIN_CROSS_REFERENCES))
def test_admin_add_forms_refuse_another_organisation_objects(acme, globex, globex_admin, case):
    # Given globex's HR admin on an add form, which offers no acme choices
    model, field, data = ADMIN_CROSS_REFERENCES[case]
    form_page = globex_admin.get(admin_url(model, "add"))
    assert form_page.status_code == 200
    assert not mentions_acme(form_page.content)
    before = {"acme": snapshot(acme.org), "globex": snapshot(globex.org)}

    # When they post an acme object's id into a field
    response = globex_admin.post(admin_url(model, "add"),
                                 {**data(acme, globex), **_inline_management(form_page)})

    # Then the form shows an error on that field and nothing is saved
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert {"acme": snapshot(acme.org), "globex": snapshot(globex.org)} == before


@pytest.mark.parametrize("model", [AuditEntry, Event], ids=lambda m: m.__name__)
def test_admin_audit_and_event_logs_are_read_only(globex, globex_admin, model):
    # Given one of globex's own log rows
    obj = ADMIN_OBJECTS[model](globex)
    before = snapshot(globex.org)

    # Then the HR admin may read it
    changelist = globex_admin.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert changelist.context["action_form"] is None  # no bulk delete
    detail = globex_admin.get(admin_url(model, "change", obj.pk))
    assert detail.status_code == 200
    assert b'name="_save"' not in detail.content

    # But not add, change or delete one
    assert globex_admin.get(admin_url(model, "add")).status_code == 403
    assert globex_admin.post(admin_url(model, "add"), {"action": "forged"}).status_code == 403
    assert globex_admin.post(admin_url(model, "change", obj.pk), {"action": "forged"}).status_code == 403
    assert globex_admin.get(admin_url(model, "delete", obj.pk)).status_code == 403
    assert globex_admin.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    globex_admin.post(admin_url(model, "changelist"), {
        "action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
    assert snapshot(globex.org) == before
