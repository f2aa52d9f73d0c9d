"""Schemathesis over every operation of the OpenAPI schema, against the WSGI app
in-process, signed in with an HR admin's personal API token (the role that may
do the most): no input may make the API answer 5xx, and responses must have the
content type and body the schema documents.

Each operation is its own pytest test with a fresh `world` and `other_world`,
committed for real (`transactional_db`), so the after-commit path (event
dispatch, eager Celery tasks) runs inside the requests as in production. The
function-scoped fixtures are set up once per operation and shared by that
operation's Hypothesis examples, so one example may see what an earlier one
created or deleted.

Random ids almost never exist, so hooks swap in, two times out of three, the id
of a real object for `{id}` in paths and for reference fields (`cohort`, `user`,
`squad`, ...) in bodies and filters: mostly objects of the signed-in
organisation, some of the other one, whose answer must be a 404 or 400, never a
crash.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from cohorts import services
from cohorts.models import Cohort, CohortMembership, CohortStep, JourneyTemplate, Squad, StepKind, User
from config.wsgi import application
from core.events import consume, emit
from core.models import ApiToken, AuditEntry, Event, Notification
from core.services import api_token_create
from discussions import services as discussions
from discussions.models import FeedItem, Flag, FlagReason, MicroTaskCompletion, Post, Prompt, Thread
from gamification.badge_models import Badge, BadgeAward, BadgeKind
from nudges import services as nudges
from nudges.models import Message as NudgeMessage
from nudges.models import NudgeRule
from peer_review import services as peer_review
from peer_review.models import (
    Assignment,
    CalibrationAttempt,
    CalibrationExample,
    Checkpoint,
    Dispute,
    Grade,
    Review,
    ReviewAllocation,
    Rubric,
    Submission,
)
from tests.factories import CohortStepFactory, MembershipFactory
from tests.peer_review.conftest import CRITERIA, levels_for
from tests.security.support import open_prompt_and_draft
from touchpoints import services as touchpoints
from touchpoints.models import Touchpoint

# The coverage phase enumerates every enum value (hundreds of timezones) in every
# combination and takes minutes; examples plus Hypothesis fuzzing find the same bugs.
config = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
# Loaded at import through the app itself: the schema view needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)

CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]

# Which objects belong to an organisation, for each resource of the paths.
RESOURCES = {
    "audit-entries": (AuditEntry, "organization"),
    "cohorts": (Cohort, "organization"),
    "events": (Event, "organization"),
    "journey-templates": (JourneyTemplate, "organization"),
    "memberships": (CohortMembership, "cohort__organization"),
    "squads": (Squad, "cohort__organization"),
    "tokens": (ApiToken, "user__organization"),
    "users": (User, "organization"),
    "prompts": (Prompt, "cohort__organization"),
    "threads": (Thread, "prompt__cohort__organization"),
    "posts": (Post, "thread__prompt__cohort__organization"),
    "flags": (Flag, "post__thread__prompt__cohort__organization"),
    "feed": (FeedItem, "cohort__organization"),
    "microtask-completions": (MicroTaskCompletion, "step__cohort__organization"),
    "notifications": (Notification, "organization"),
    "peer-review/rubrics": (Rubric, "organization"),
    "peer-review/assignments": (Assignment, "cohort__organization"),
    "peer-review/calibration-examples": (CalibrationExample, "assignment__cohort__organization"),
    "peer-review/calibration-attempts": (CalibrationAttempt, "example__assignment__cohort__organization"),
    "peer-review/submissions": (Submission, "assignment__cohort__organization"),
    "peer-review/allocations": (ReviewAllocation, "assignment__cohort__organization"),
    "peer-review/reviews": (Review, "submission__assignment__cohort__organization"),
    "peer-review/grades": (Grade, "submission__assignment__cohort__organization"),
    "peer-review/checkpoints": (Checkpoint, "submission__assignment__cohort__organization"),
    "peer-review/disputes": (Dispute, "submission__assignment__cohort__organization"),
    "badges": (Badge, "organization"),
    "badge-awards": (BadgeAward, "organization"),
    "touchpoints": (Touchpoint, "cohort__organization"),
    "nudge-rules": (NudgeRule, "organization"),
    "nudge-messages": (NudgeMessage, "organization"),
    "peer-reminders": (NudgeMessage, "organization"),
    # Not a path of its own: the `step` of prompts and micro-tasks done.
    "steps": (CohortStep, "cohort__organization"),
}
# Rows of no organisation that every organisation uses: they count as the signed-in one's.
SHARED = {"badges": {"organization__isnull": True}}
# Reference fields in bodies and filters, and the resource they name.
REFERENCES = {"cohort": "cohorts", "user": "users", "actor": "users", "squad": "squads",
              "journey_template": "journey-templates", "author": "users", "users": "users",
              "prompt": "prompts", "thread": "threads", "post": "posts", "parent": "posts",
              "step": "steps", "rubric": "peer-review/rubrics", "assignment": "peer-review/assignments",
              "example": "peer-review/calibration-examples", "submission": "peer-review/submissions",
              "learner": "users", "recipient": "users"}


@dataclass
class KnownIds:
    own: list[int | str]  # the signed-in HR admin's organisation
    foreign: list[int | str]  # the other organisation: must be a 404 or 400, never a crash

    def strategy(self) -> st.SearchStrategy[int | str] | None:
        choices = [st.sampled_from(ids) for ids in (self.own, self.own, self.foreign) if ids]
        return st.one_of(choices) if choices else None


# Ids of the objects that exist while one operation is fuzzed, by resource.
existing_ids: dict[str, KnownIds] = {}


def _resource(operation) -> str | None:
    match = re.search(r"/v1/(peer-review/[^/]+|[^/]+)/", operation.path)
    return match.group(1) if match else None


def _looks_like_an_id(value) -> bool:
    """An integer, or a UUID string (events): what positive generation draws for an id."""
    if isinstance(value, str):
        try:
            uuid.UUID(value)
        except ValueError:
            return False
        return True
    return isinstance(value, int) and not isinstance(value, bool)


def _sometimes_existing(values, resources: dict[str, str | None]) -> st.SearchStrategy:
    """The generated values, or the same with real ids swapped in (only where an id
    was generated: negative cases keep their wrong types)."""
    if not isinstance(values, dict):
        return st.just(values)
    swaps = {}
    for name, resource in resources.items():
        known = existing_ids.get(resource or "")
        strategy = known.strategy() if known else None
        value = values.get(name)
        if strategy is None:
            continue
        if _looks_like_an_id(value):
            swaps[name] = strategy
        elif isinstance(value, list) and value and all(map(_looks_like_an_id, value)):
            swaps[name] = st.lists(strategy, min_size=len(value), max_size=len(value))  # e.g. swap-roles
    if not swaps:
        return st.just(values)
    swapped = st.fixed_dictionaries(swaps).map(lambda real: {**values, **real})
    return st.one_of(swapped, swapped, st.just(values))


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _sometimes_existing(path_parameters, {"id": _resource(context.operation)})


@schema.hook
def flatmap_query(context, query):
    return _sometimes_existing(query, REFERENCES)


@schema.hook
def flatmap_body(context, body):
    return _sometimes_existing(body, REFERENCES)


def _discussion(w) -> None:
    """A published prompt (threads for Alpha and Beta) and a draft, posts, a flag, a
    micro-task to do and one done, and a notification for the HR admin."""
    thread = open_prompt_and_draft(w)
    post = discussions.post_create(actor=w.peer_mentor, thread=thread, body="Be *specific*.")
    discussions.post_create(actor=w.facilitator, thread=thread, body="And kind.", parent=post)
    discussions.post_flag(actor=w.expert, post=post, reason=FlagReason.OFF_TOPIC)
    done = CohortStepFactory(cohort=w.cohort, kind=StepKind.MICROTASK)
    CohortStepFactory(cohort=w.cohort, kind=StepKind.MICROTASK)  # one nobody has done yet
    discussions.microtask_complete(actor=w.learner, step=done, comment="Asked Sam")
    Notification.objects.create(user=w.hr_admin, organization=w.org, kind="mention", title="Mentioned")


def _badges(w) -> None:
    """The organisation's own "century" badge in place of the default, and first-review
    awards for the learner and the peer mentor (the consumer run over their reviews)."""
    Badge.objects.create(organization=w.org, code="century", name="Half century", description="-",
                         criteria_text="-", kind=BadgeKind.POINTS, threshold=50)
    for person in (w.learner, w.peer_mentor):
        event = emit("review_submitted", organization=w.org, actor=person, cohort=w.cohort, subject=w.cohort,
                     payload={"reviewer_id": person.pk, "comment_words": 40})
        consume("gamification.points", str(event.pk))
    assert BadgeAward.objects.filter(organization=w.org).count() >= 2


def _peer_review(w) -> None:
    """A draft rubric and assignment; a published assignment with a scored example, three
    submissions, calibration, every review in (the learner's submission split its
    reviewers, so it waits at a checkpoint), final grades and a regrade request."""
    now = timezone.now()
    rubric = peer_review.rubric_create(actor=w.facilitator, title="Writing", criteria=CRITERIA)
    peer_review.rubric_publish(actor=w.facilitator, rubric=rubric)
    peer_review.rubric_create(actor=w.facilitator, title="Draft", criteria=CRITERIA)
    windows = {"submission_opens_at": now - dt.timedelta(days=2),
               "submission_due_at": now + dt.timedelta(days=1), "review_due_at": now + dt.timedelta(days=8)}
    assignment = peer_review.assignment_create(
        actor=w.facilitator, cohort=w.cohort, rubric=rubric, title="Proposal", instructions="Propose.",
        reviews_per_submission=2, calibration_examples=1, **windows)
    example = peer_review.example_create(actor=w.expert, assignment=assignment, title="Sample", body="Text.")
    peer_review.example_score(actor=w.expert, example=example, scores=levels_for(assignment, 2, 1))
    peer_review.example_create(actor=w.expert, assignment=assignment, title="Unscored", body="More text.")
    assignment = peer_review.assignment_publish(actor=w.facilitator, assignment=assignment)
    peer_review.assignment_create(actor=w.facilitator, cohort=w.cohort, rubric=rubric, title="Draft",
                                  instructions="Later.", **windows)
    people = [w.learner, w.peer_mentor, MembershipFactory(cohort=w.cohort, role="learner").user]
    calibration = {pk: level for pk, (level, _) in levels_for(assignment, 2, 1).items()}
    for person in people:
        peer_review.submission_save(actor=person, assignment=assignment, body="My proposal.",
                                    now=now - dt.timedelta(days=1))
        peer_review.calibration_submit(actor=person, example=example, levels=calibration)
    peer_review.reviews_allocate(assignment.pk, now=now + dt.timedelta(days=1))
    checked = Submission.objects.get(assignment=assignment, author=w.learner)
    spread = iter([(0, 0), (3, 2)])
    for person in people:
        for allocation in ReviewAllocation.objects.filter(reviewer=person, state="assigned"):
            levels = next(spread) if allocation.submission_id == checked.pk else (2, 1)
            peer_review.review_submit(actor=person, allocation=allocation,
                                      levels=levels_for(assignment, *levels), comment="Clear.")
    assert Checkpoint.objects.filter(submission=checked, state="open").exists()
    final = Grade.objects.filter(submission__assignment=assignment, state="final").first()
    peer_review.dispute_open(actor=final.submission.author, submission=final.submission,
                             reason="The evidence criterion ignores the studies I cited.")


def _touchpoints(w) -> None:
    """A live session in two days with answers, a cancelled one, and one that started an
    hour ago (so attendance can be recorded)."""
    now = timezone.now()
    fields = {"title": "Check-in", "duration_minutes": 20, "join_url": "https://meet.example.com/x"}
    upcoming = touchpoints.touchpoint_schedule(actor=w.facilitator, cohort=w.cohort,
                                               starts_at=now + dt.timedelta(days=2), capacity=3, **fields)
    touchpoints.rsvp_set(actor=w.learner, touchpoint=upcoming, response="yes")
    cancelled = touchpoints.touchpoint_schedule(actor=w.facilitator, cohort=w.cohort,
                                                starts_at=now + dt.timedelta(days=3), squad=w.squad, **fields)
    touchpoints.touchpoint_cancel(actor=w.facilitator, touchpoint=cancelled, reason="Holiday")
    started = now - dt.timedelta(hours=1)
    touchpoints.touchpoint_schedule(actor=w.facilitator, cohort=w.cohort, starts_at=started,
                                    now=started - dt.timedelta(days=1), **fields)


def _nudges(w) -> None:
    """The house rules, the facilitator's rule for the cohort with a nudge it proposed to the
    learner (to approve or skip), and the learner's reminder to the peer mentor."""
    nudges.house_rules_install(w.org)
    rule = nudges.rule_create(actor=w.facilitator, cohort=w.cohort, name="Quiet learners", trigger="inactive",
                              subject="{{ cohort }} misses you", body_text="Hi {{ first_name }}")
    group = f"rule:{rule.pk}:{w.learner.pk}:1"
    NudgeMessage.objects.create(organization=w.org, cohort=w.cohort, user=w.learner, rule=rule,
                                topic="inactive", channel="email", key=f"{group}:email", group=group,
                                state="proposed", subject="We miss you", body_text="Hi")
    nudges.peer_nudge_send(actor=w.learner, cohort=w.cohort, recipient=w.peer_mentor, note="our review")


def _id(pk) -> int | str:
    """An id as a path or a body carries it: UUIDs (events, badge awards) as strings."""
    return str(pk) if isinstance(pk, uuid.UUID) else pk


@pytest.fixture
def auth_headers(transactional_db, world, other_world) -> Iterator[dict[str, str]]:
    """The HR admin's token, with events, audit entries and tokens in both organisations."""
    fuzz_token, key = api_token_create(actor=world.hr_admin, name="fuzz")
    api_token_create(actor=world.hr_admin, name="spare")  # so revoking "a token of mine" succeeds
    for each in (world, other_world):
        squad = services.squad_create(actor=each.hr_admin, cohort=each.cohort, name="Beta")
        services.membership_update(actor=each.hr_admin, membership=each.learner.cohort_memberships.get(),
                                   squad=squad)
        api_token_create(actor=each.facilitator, name="theirs")
        _discussion(each)
        _peer_review(each)
        _badges(each)
        _touchpoints(each)
        _nudges(each)
    for resource, (model, organization_field) in RESOURCES.items():
        objects = model.objects.exclude(pk=fuzz_token.pk) if model is ApiToken else model.objects.all()
        mine = Q(**{organization_field: world.org}) | Q(**SHARED.get(resource, {"pk__in": []}))
        existing_ids[resource] = KnownIds(
            own=sorted(_id(pk) for pk in objects.filter(mine).values_list("pk", flat=True)),
            foreign=sorted(_id(pk) for pk in objects.exclude(mine).values_list("pk", flat=True)),
        )
    yield {"Authorization": f"Token {key}"}
    existing_ids.clear()


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_api_never_answers_5xx_and_conforms_to_its_schema(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=CHECKS)
