"""Who may do what: every API endpoint and every portal page, for every role.

Read a row of a matrix left to right: the status each role gets for that
request against the standard organisation (`world` in tests/conftest.py):

* hr_admin, analyst: organisation roles;
* facilitator, expert, peer_mentor, learner: members of `cohort` (squad "Alpha");
* outsider: in the organisation, in no cohort;
* `other_cohort` is a cohort of the same organisation that none of them is in.

The rules the matrices encode (core/policy.py): HR admins manage everything in
their organisation; analysts read cohorts, people and events; facilitators run
the cohorts they facilitate (members, squads, settings) and may create cohorts;
experts, peer mentors and learners see the cohorts they belong to. A visible
object the user may not change is a 403; an invisible one is a 404. Anonymous
callers get a 401 from the API and the login page from the portal.

Discussions (discussions/rules.py): facilitators and HR admins run prompts,
threads and moderation; members of the cohort post (learners and peer mentors in
their squad's thread), endorse, nominate and flag; only the author edits or
deletes a post; hidden posts are seen by those who run the prompts; flags by
facilitators, HR admins and whoever raised them. A rule broken by a visible
request (endorsing one's own post) is a 400.

Peer review (peer_review/rules.py): HR admins, facilitators and experts build
rubrics; facilitators (and HR admins) run their cohorts' assignments; experts and
facilitators score calibration examples, resolve checkpoints and regrade requests;
analysts read dashboards and grade sheets, not the work. Learners and peer mentors
take part in published assignments and see their own submission, grade and
regrade requests, the submissions allocated to them and the reviews of their work;
only the reviewer writes a review, only the author rates it or asks for a regrade.

Badges (gamification/rules.py): every member reads the organisation's badges and the
awards of public badges, except those of people who stay off leaderboards; staff see
all of their organisation's or cohorts' awards. Only the earner downloads a credential,
only HR admins revoke.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cohorts.models import CohortMembership, CohortRole, CohortStep, StepKind, User
from core import audit
from core.events import Verb, consume, emit
from core.models import ApiToken, AuditEntry, Notification
from core.services import hash_key
from discussions import services as discussions
from discussions.models import FeedItem, Flag, FlagReason, MicroTaskCompletion, Post, Prompt, Thread
from gamification import services as gamification
from gamification.badge_models import Badge, BadgeAward, BadgeKind
from gamification.models import Kudos, LedgerEntry
from nudges import services as nudges
from nudges.models import Digest, NudgeRule
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
    Rubric,
    Submission,
    SubmissionAttachment,
)
from tests.conftest import World
from tests.factories import CohortStepFactory, MembershipFactory, UserFactory
from tests.security.support import portal_pages, prompt_form
from touchpoints import services as touchpoints
from touchpoints.models import Touchpoint

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "hr_admin", "analyst", "facilitator", "expert", "peer_mentor", "learner", "outsider")
SIGNED_IN_ROLES = ROLES[1:]

# Portal outcomes that are not a plain status code.
LOGIN = "login"  # redirected to the sign-in page
MOVED = "moved"  # redirected somewhere other than the sign-in page (the action's next page)


def make_token(user, name: str = "integration") -> ApiToken:
    key = "plk_" + secrets.token_urlsafe(16)
    return ApiToken.objects.create(user=user, name=name, prefix=key[:10], key_hash=hash_key(key))


@dataclass
class Scene:
    """The standard organisation plus the records the requests point at."""

    w: World
    user: User | None  # who is asking; None when anonymous

    @cached_property
    def colleague(self) -> User:
        """Another person of the organisation, in no cohort, owning an API token."""
        return UserFactory(organization=self.w.org, email="colleague@acme.example",
                           full_name="Colleague")

    @cached_property
    def colleague_token(self) -> ApiToken:
        return make_token(self.colleague)

    @cached_property
    def own_token(self) -> ApiToken:
        return make_token(self.user) if self.user else self.colleague_token

    @property
    def me(self) -> User:
        return self.user or self.colleague

    @cached_property
    def learner_membership(self) -> CohortMembership:
        return CohortMembership.objects.get(cohort=self.w.cohort, user=self.w.learner)

    @cached_property
    def cohort_event(self):
        """Something the HR admin did in `cohort`."""
        return emit(Verb.COHORT_UPDATED, organization=self.w.org, actor=self.w.hr_admin,
                    cohort=self.w.cohort, subject=self.w.cohort)

    @cached_property
    def other_cohort_event(self):
        return emit(Verb.COHORT_UPDATED, organization=self.w.org, actor=self.w.hr_admin,
                    cohort=self.w.other_cohort, subject=self.w.other_cohort)

    @cached_property
    def learner_event(self):
        """Something the learner did outside any cohort (updated their profile)."""
        return emit(Verb.USER_UPDATED, organization=self.w.org, actor=self.w.learner,
                    subject=self.w.learner)

    @cached_property
    def own_event(self):
        return emit(Verb.USER_UPDATED, organization=self.w.org, actor=self.me, subject=self.me)

    @cached_property
    def audit_entry(self) -> AuditEntry:
        return audit.record(actor=self.w.hr_admin, action="cohort.update", target=self.w.cohort,
                            organization=self.w.org, changes={"name": ["Old", "New"]})

    # discussions

    def _prompt(self, cohort, *, publish: bool) -> Prompt:
        actor = self.w.facilitator if cohort == self.w.cohort else self.w.hr_admin
        prompt = discussions.prompt_create(actor=actor, cohort=cohort, title="What makes feedback land?",
                                           body="One example.", due_at=timezone.now() + dt.timedelta(days=3))
        if publish:
            discussions.prompt_publish(actor=actor, prompt=prompt)
        return prompt

    @cached_property
    def thread(self) -> Thread:
        """Squad Alpha's thread in `cohort`, where the peer mentor and the learner hold roles."""
        return self._prompt(self.w.cohort, publish=True).threads.get()

    @property
    def prompt(self) -> Prompt:
        return self.thread.prompt

    @cached_property
    def draft_prompt(self) -> Prompt:
        return self._prompt(self.w.cohort, publish=False)

    @cached_property
    def locked_thread(self) -> Thread:
        """`thread`, locked by the facilitator."""
        return discussions.thread_lock(actor=self.w.facilitator, thread=self.thread)

    @cached_property
    def other_cohort_thread(self) -> Thread:
        """`other_cohort` has no squads: one thread for the whole cohort."""
        return self._prompt(self.w.other_cohort, publish=True).threads.get()

    @cached_property
    def other_cohort_draft(self) -> Prompt:
        return self._prompt(self.w.other_cohort, publish=False)

    @cached_property
    def learner_post(self) -> Post:
        return discussions.post_create(actor=self.w.learner, thread=self.thread, body="Be specific.")

    @cached_property
    def mentor_post(self) -> Post:
        return discussions.post_create(actor=self.w.peer_mentor, thread=self.thread, body="And kind.")

    @cached_property
    def hidden_post(self) -> Post:
        post = discussions.post_create(actor=self.w.peer_mentor, thread=self.thread, body="Off topic.")
        return discussions.post_hide(actor=self.w.facilitator, post=post)

    @cached_property
    def learner_post_item(self) -> FeedItem:
        return FeedItem.objects.get(post=self.learner_post, kind="post")

    @cached_property
    def learner_flag(self) -> Flag:
        """The learner flagged the peer mentor's post as spam (low risk)."""
        return discussions.post_flag(actor=self.w.learner, post=self.mentor_post, reason=FlagReason.SPAM)

    @cached_property
    def expert_flag(self) -> Flag:
        return discussions.post_flag(actor=self.w.expert, post=self.learner_post,
                                     reason=FlagReason.DISRESPECTFUL)

    @cached_property
    def learner_completion(self) -> MicroTaskCompletion:
        step = CohortStepFactory(cohort=self.w.cohort, kind=StepKind.MICROTASK, title="Ask a colleague")
        return discussions.microtask_complete(actor=self.w.learner, step=step, comment="Asked Sam")

    @cached_property
    def open_microtask(self) -> CohortStep:
        """A micro-task nobody has done yet."""
        return CohortStepFactory(cohort=self.w.cohort, kind=StepKind.MICROTASK, title="Thank a colleague")

    def _notification(self, user) -> Notification:
        return Notification.objects.create(user=user, organization=self.w.org, kind="mention",
                                           title="Someone mentioned you")

    @cached_property
    def own_notification(self) -> Notification:
        return self._notification(self.me)

    @cached_property
    def colleague_notification(self) -> Notification:
        return self._notification(self.colleague)


    # peer review: one assignment of `cohort` in its review phase, where the learner, the
    # peer mentor and a third learner ("Sam", squad Alpha) each review the other two.

    @cached_property
    def pr_rubric(self) -> Rubric:
        rubric = peer_review.rubric_create(actor=self.w.facilitator, title="Writing rubric", criteria=[
            {"title": "Clarity", "weight": 1, "levels": [{"points": 0, "descriptor": "Hard to follow"},
                                                         {"points": 1, "descriptor": "Clear"}]},
            {"title": "Evidence", "weight": 2, "levels": [{"points": 0, "descriptor": "None"},
                                                          {"points": 2, "descriptor": "Some"},
                                                          {"points": 4, "descriptor": "Strong"}]}])
        return peer_review.rubric_publish(actor=self.w.facilitator, rubric=rubric)

    @cached_property
    def pr_draft_rubric(self) -> Rubric:
        return peer_review.rubric_create(actor=self.w.facilitator, title="Draft rubric", criteria=[
            {"title": "Clarity", "weight": 1, "levels": [{"points": 0, "descriptor": "Unclear"},
                                                         {"points": 1, "descriptor": "Clear"}]}])

    def _pr_levels(self, *levels: int) -> dict[int, tuple[int, str]]:
        criteria = Criterion.objects.filter(rubric=self.pr_rubric).order_by("order", "pk")
        return {criterion.pk: (level, "") for criterion, level in zip(criteria, levels, strict=True)}

    @cached_property
    def pr_times(self) -> dict:
        now = timezone.now()
        return {"submission_opens_at": now - dt.timedelta(days=3),
                "submission_due_at": now - dt.timedelta(days=1), "review_due_at": now + dt.timedelta(days=6)}

    @cached_property
    def pr_draft_assignment(self) -> Assignment:
        return peer_review.assignment_create(
            actor=self.w.facilitator, cohort=self.w.cohort, rubric=self.pr_rubric, title="Next proposal",
            instructions="Later.", reviews_per_submission=2, calibration_examples=0, **self.pr_times)

    @cached_property
    def pr_round(self) -> dict:
        """Submitted, allocated, calibrated: Sam's submission went to an expert (the
        learner and the peer mentor disagreed), the learner's has a final grade and a
        regrade request, and the learner has yet to review the peer mentor's; Kim's late
        submission is allocated to nobody yet."""
        w, at = self.w, self.pr_times
        assignment = peer_review.assignment_create(
            actor=w.facilitator, cohort=w.cohort, rubric=self.pr_rubric, title="Write a proposal",
            instructions="Propose one change.", reviews_per_submission=2, calibration_examples=1,
            spread_threshold=0.5, **at)
        example = peer_review.example_create(actor=w.expert, assignment=assignment, title="Example",
                                             body="A sample proposal.")
        peer_review.example_score(actor=w.expert, example=example, scores=self._pr_levels(1, 1))
        assignment = peer_review.assignment_publish(actor=w.facilitator, assignment=assignment)
        sam = MembershipFactory(cohort=w.cohort, squad=w.squad, role=CohortRole.LEARNER).user
        written = at["submission_opens_at"] + dt.timedelta(hours=1)
        pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan", content_type="application/pdf")
        submissions = {
            "learner": peer_review.submission_save(actor=w.learner, assignment=assignment, body="Mine.",
                                                   attachments=[pdf], now=written),
            "mentor": peer_review.submission_save(actor=w.peer_mentor, assignment=assignment,
                                                  body="Mentor's.", now=written),
            "sam": peer_review.submission_save(actor=sam, assignment=assignment, body="Sam's.", now=written),
        }
        peer_review.reviews_allocate(assignment.pk, now=at["submission_due_at"])
        for person in (w.learner, w.peer_mentor, sam):
            peer_review.calibration_submit(actor=person, example=example, levels={
                pk: level for pk, (level, _) in self._pr_levels(1, 1).items()})

        def review(reviewer, author: str, *levels: int) -> Review:
            allocation = ReviewAllocation.objects.get(reviewer=reviewer, submission=submissions[author])
            return peer_review.review_submit(actor=reviewer, allocation=allocation,
                                             levels=self._pr_levels(*levels), comment="Add a source.")

        mentor_review = review(w.peer_mentor, "learner", 1, 1)
        review(sam, "learner", 1, 1)
        review(sam, "mentor", 1, 1)
        review(w.learner, "sam", 0, 0)
        review(w.peer_mentor, "sam", 1, 2)
        grade = Grade.objects.get(submission=submissions["learner"])
        # Kim hands in late, after reviews were allocated: nobody is allocated her work yet,
        # so only staff read it.
        kim = MembershipFactory(cohort=w.cohort, squad=w.squad, role=CohortRole.LEARNER).user
        submissions["kim"] = peer_review.submission_save(actor=kim, assignment=assignment,
                                                         body="Kim's, late.")
        return {
            "assignment": assignment, "example": example, "submissions": submissions,
            "attempt": CalibrationAttempt.objects.get(learner=w.learner, example=example),
            "allocation": ReviewAllocation.objects.get(reviewer=w.learner, submission=submissions["mentor"]),
            "mentor_review": Review.objects.get(pk=mentor_review.pk), "grade": grade,
            "checkpoint": Checkpoint.objects.get(submission=submissions["sam"]),
            "dispute": peer_review.dispute_open(actor=w.learner, submission=submissions["learner"],
                                                reason="The evidence criterion ignores my two sources."),
        }

    @property
    def pr_assignment(self) -> Assignment:
        return self.pr_round["assignment"]

    @property
    def used_rubric(self) -> Rubric:
        """`pr_rubric`, once the round's assignment uses it."""
        return self.pr_assignment.rubric

    @property
    def pr_example(self) -> CalibrationExample:
        return self.pr_round["example"]

    @property
    def learner_attempt(self) -> CalibrationAttempt:
        return self.pr_round["attempt"]

    @property
    def learner_submission(self) -> Submission:
        return self.pr_round["submissions"]["learner"]

    @property
    def mentor_submission(self) -> Submission:
        return self.pr_round["submissions"]["mentor"]

    @property
    def sam_submission(self) -> Submission:
        return self.pr_round["submissions"]["sam"]

    @property
    def kim_submission(self) -> Submission:
        return self.pr_round["submissions"]["kim"]

    @property
    def learner_attachment(self) -> SubmissionAttachment:
        return SubmissionAttachment.objects.get(version__submission=self.learner_submission)

    @property
    def learner_allocation(self) -> ReviewAllocation:
        """The learner's review of the peer mentor's submission, not written yet."""
        return self.pr_round["allocation"]

    @property
    def mentor_review(self) -> Review:
        """The peer mentor's review of the learner's submission."""
        return self.pr_round["mentor_review"]

    @property
    def learner_grade(self) -> Grade:
        return self.pr_round["grade"]

    @property
    def sam_checkpoint(self) -> Checkpoint:
        return self.pr_round["checkpoint"]

    @property
    def learner_dispute(self) -> Dispute:
        return self.pr_round["dispute"]

    # points: the learner and the peer mentor each reviewed once (the consumer ran)
    @cached_property
    def points(self) -> dict[str, LedgerEntry]:
        entries = {}
        for key, person in (("learner", self.w.learner), ("mentor", self.w.peer_mentor)):
            event = emit("review_submitted", organization=self.w.org, actor=person, cohort=self.w.cohort,
                         subject=self.w.cohort, payload={"reviewer_id": person.pk, "comment_words": 40})
            consume("gamification.points", str(event.pk))
            entries[key] = LedgerEntry.objects.get(source_event=event)
        return entries

    @property
    def learner_points_entry(self) -> LedgerEntry:
        return self.points["learner"]

    @cached_property
    def kudos_to_mentor(self) -> Kudos:
        """The learner thanked the peer mentor."""
        return gamification.kudos_give(actor=self.w.learner, recipient=self.w.peer_mentor,
                                       cohort=self.w.cohort, message="Thanks for the careful review.")

    @property
    def mentor(self) -> User:
        return self.w.peer_mentor

    # badges: the first reviews of `points` earned "First review"; the peer mentor stays off
    # leaderboards, so their award is for staff, their facilitator and themselves.
    @cached_property
    def badge_awards(self) -> dict[str, BadgeAward]:
        _reviewed = self.points
        gamification.points_preference_set(actor=self.w.peer_mentor, hide_from_leaderboards=True)
        return {key: BadgeAward.objects.get(learner=person, badge__code="first-review")
                for key, person in (("learner", self.w.learner), ("mentor", self.w.peer_mentor))}

    @property
    def learner_award(self) -> BadgeAward:
        return self.badge_awards["learner"]

    @property
    def mentor_award(self) -> BadgeAward:
        return self.badge_awards["mentor"]

    @cached_property
    def first_review_badge(self) -> Badge:
        return Badge.objects.get(organization=None, code="first-review")

    @property
    def first_review_badge_code(self) -> SimpleNamespace:
        """Badge pages are addressed by code (the URL takes `pk` of what it names)."""
        return SimpleNamespace(pk=self.first_review_badge.code)

    @cached_property
    def signed_org(self):
        """The organisation once it has signed a credential (its issuer profile is public then)."""
        gamification.signing_key(self.w.org)
        return self.w.org

    @cached_property
    def organisation_badges(self) -> set[int]:
        """The organisation replaced "century" with its own and switched "appreciated" off:
        the ids of the badges it uses."""
        own = Badge.objects.create(organization=self.w.org, code="century", name="Half century",
                                   description="-", criteria_text="-", kind=BadgeKind.POINTS, threshold=50)
        Badge.objects.create(organization=self.w.org, code="appreciated", name="Thanked", description="-",
                             criteria_text="-", kind=BadgeKind.COUNT, verb="kudos_given",
                             recipient="recipient_id", is_active=False)
        defaults = Badge.objects.filter(organization=None).exclude(code__in=["century", "appreciated"])
        return {own.pk, *defaults.values_list("pk", flat=True)}

    # live sessions: the facilitator's check-in in two days, one that started an hour ago, and
    # the HR admin's session in `other_cohort`
    def _touchpoint(self, cohort, actor, starts_at, now=None) -> Touchpoint:
        return touchpoints.touchpoint_schedule(
            actor=actor, cohort=cohort, title="Check-in", agenda="Wins and blockers", starts_at=starts_at,
            duration_minutes=20, join_url="https://meet.example.com/check-in", now=now)

    @cached_property
    def touchpoint(self) -> Touchpoint:
        return self._touchpoint(self.w.cohort, self.w.facilitator, timezone.now() + dt.timedelta(days=2))

    @cached_property
    def past_touchpoint(self) -> Touchpoint:
        starts_at = timezone.now() - dt.timedelta(hours=1)
        return self._touchpoint(self.w.cohort, self.w.facilitator, starts_at,
                                now=starts_at - dt.timedelta(days=1))

    @cached_property
    def other_cohort_touchpoint(self) -> Touchpoint:
        return self._touchpoint(self.w.other_cohort, self.w.hr_admin, timezone.now() + dt.timedelta(days=2))

    # nudges: a rule for `cohort` and an organisation-wide one, a nudge to the learner it
    # proposed, the learner's reminder to the peer mentor, and an unsubscribe link
    def _nudge_rule(self, cohort, code: str) -> NudgeRule:
        return NudgeRule.objects.create(organization=self.w.org, cohort=cohort, code=code, name=code,
                                        trigger="inactive", subject="{{ cohort }} misses you",
                                        body_text="Hi {{ first_name }}", mode="approval")

    @cached_property
    def nudge_rule(self) -> NudgeRule:
        return self._nudge_rule(self.w.cohort, "cohort-rule")

    @cached_property
    def org_nudge_rule(self) -> NudgeRule:
        return self._nudge_rule(None, "org-rule")

    @cached_property
    def nudge_learner(self) -> User:
        return self.w.learner

    @cached_property
    def learner_nudge(self) -> NudgeMessage:
        group = f"rule:{self.nudge_rule.pk}:{self.w.learner.pk}:1"
        return NudgeMessage.objects.create(
            organization=self.w.org, cohort=self.w.cohort, user=self.w.learner, rule=self.nudge_rule,
            topic="inactive", channel="email", key=f"{group}:email", group=group, state="proposed",
            subject="We miss you", body_text="Come back")

    @cached_property
    def learner_reminder(self) -> NudgeMessage:
        return nudges.peer_nudge_send(actor=self.w.learner, cohort=self.w.cohort,
                                      recipient=self.w.peer_mentor, note="our review")[0]

    @cached_property
    def unsubscribe_link(self) -> SimpleNamespace:
        return SimpleNamespace(pk=nudges.unsubscribe_token(self.w.learner, "digest", "email"))

    # Top Take digests of `cohort`: last week's, sent (the archive), and this week's draft
    @cached_property
    def sent_digest(self) -> Digest:
        return Digest.objects.create(cohort=self.w.cohort, week_start=dt.date(2026, 11, 16), state="sent",
                                     send_at=timezone.now(), sent_at=timezone.now())

    @cached_property
    def draft_digest(self) -> Digest:
        return Digest.objects.create(cohort=self.w.cohort, week_start=dt.date(2026, 11, 23),
                                     send_at=timezone.now() + dt.timedelta(days=3))


@dataclass(frozen=True)
class Call:
    method: str
    url: Api | Page
    data: Callable[[Scene], dict] | None = None


class _SceneIds(dict):
    """{placeholder: id}, made on first use: `cohort`, `squad`... of the world,
    anything else a record of the scene."""

    def __init__(self, s: Scene):
        super().__init__()
        self.s = s

    def __missing__(self, name: str):
        source = self.s.w if name in ("cohort", "other_cohort", "squad", "template") else self.s
        return getattr(source, name).pk


class Api:
    """A URL under /api/v1/, with {placeholders} filled from the scene (only the
    records a URL names are made)."""

    def __init__(self, path: str):
        self.path = path
        # The router's prefix: an app's own prefix counts as one (peer-review/rubrics).
        head, _, rest = path.partition("/")
        self.collection = f"{head}/{rest.partition('/')[0]}" if head == "peer-review" else head

    def __call__(self, s: Scene) -> str:
        return "/api/v1/" + self.path.format_map(_SceneIds(s))


class Page:
    """A named portal URL; each keyword names the record whose id fills it, as the
    {placeholders} of `Api` do (`Page("discussions:post", pk="learner_post")`)."""

    def __init__(self, name: str, **kwargs: str | int):
        self.name = name
        self.kwargs = kwargs

    def __call__(self, s: Scene) -> str:
        ids = _SceneIds(s)
        return reverse(self.name, kwargs={key: ids[record] if isinstance(record, str) else record
                                          for key, record in self.kwargs.items()})


def pr_levels(s: Scene, *levels: int, note: str = "comment") -> list[dict]:
    """A level for each criterion of the peer review rubric, as the API takes them."""
    return [{"criterion": criterion, "level": level, note: "Seen."}
            for criterion, (level, _) in s._pr_levels(*levels).items()]


def touchpoint_payload(s: Scene) -> dict:
    starts_at = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    return {"cohort": s.w.cohort.pk, "title": "Week 3 check-in", "starts_at": starts_at.isoformat(),
            "duration_minutes": 20, "join_url": "https://meet.example.com/week-3"}


def touchpoint_form() -> dict:
    """The schedule / edit session form filled in: 20 minutes in three days (the cohort's time)."""
    starts_at = (timezone.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    return {"title": "Week 3 check-in", "squad": "", "starts_at": starts_at, "duration_minutes": "20",
            "agenda": "Wins", "join_url": "https://meet.example.com/week-3", "room": "", "capacity": ""}


def cohort_payload(s: Scene) -> dict:
    return {"name": "Renamed cohort", "description": "New words", "state": "active",
            "timezone": "Europe/Berlin", "start_date": "2027-03-01", "end_date": "2027-04-11"}


# --- API ------------------------------------------------------------------------

API_CALLS: dict[str, Call] = {
    "api root":                          Call("get", Api("")),
    "GET me":                            Call("get", Api("me/")),
    "PATCH me":                          Call("patch", Api("me/"), lambda s: {"title": "Team lead"}),
    "PUT me":                            Call("put", Api("me/"), lambda s: {"title": "Team lead"}),
    "GET organization":                  Call("get", Api("organization/")),
    "PATCH organization":                Call("patch", Api("organization/"), lambda s: {"name": "Mine"}),
    "list users":                        Call("get", Api("users/")),
    "GET colleague":                     Call("get", Api("users/{colleague}/")),
    "POST user":                         Call("post", Api("users/"),
                                              lambda s: {"email": "new@acme.example", "full_name": "New"}),
    "PATCH colleague":                   Call("patch", Api("users/{colleague}/"),
                                              lambda s: {"title": "Manager"}),
    "PATCH myself via users/":           Call("patch", Api("users/{me}/"), lambda s: {"title": "Lead"}),
    "DELETE colleague":                  Call("delete", Api("users/{colleague}/")),
    "list cohorts":                      Call("get", Api("cohorts/")),
    "GET cohort":                        Call("get", Api("cohorts/{cohort}/")),
    "GET other_cohort":                  Call("get", Api("cohorts/{other_cohort}/")),
    "POST cohort":                       Call("post", Api("cohorts/"),
                                              lambda s: {"name": "Autumn", "start_date": "2027-09-06"}),
    "PUT cohort":                        Call("put", Api("cohorts/{cohort}/"), cohort_payload),
    "PATCH cohort":                      Call("patch", Api("cohorts/{cohort}/"),
                                              lambda s: {"description": "New words"}),
    "PATCH other_cohort":                Call("patch", Api("cohorts/{other_cohort}/"),
                                              lambda s: {"description": "New words"}),
    "DELETE cohort":                     Call("delete", Api("cohorts/{cohort}/")),
    "arrange squads in cohort":          Call("post", Api("cohorts/{cohort}/arrange-squads/"),
                                              lambda s: {"squad_size": 4}),
    "arrange squads in other_cohort":    Call("post", Api("cohorts/{other_cohort}/arrange-squads/"),
                                              lambda s: {"squad_size": 4}),
    "list squads":                       Call("get", Api("squads/")),
    "GET squad":                         Call("get", Api("squads/{squad}/")),
    "POST squad in cohort":              Call("post", Api("squads/"),
                                              lambda s: {"cohort": s.w.cohort.pk, "name": "Beta"}),
    "PUT squad":                         Call("put", Api("squads/{squad}/"), lambda s: {"name": "Alpha 2"}),
    "PATCH squad":                       Call("patch", Api("squads/{squad}/"), lambda s: {"name": "Alpha 2"}),
    "DELETE squad":                      Call("delete", Api("squads/{squad}/")),
    "list memberships":                  Call("get", Api("memberships/")),
    "GET learner's membership":          Call("get", Api("memberships/{learner_membership}/")),
    "POST membership in cohort":         Call("post", Api("memberships/"), lambda s: {
                                             "cohort": s.w.cohort.pk, "user": s.colleague.pk,
                                             "role": "learner"}),
    "PUT learner's membership":          Call("put", Api("memberships/{learner_membership}/"),
                                              lambda s: {"role": "peer_mentor", "squad": s.w.squad.pk}),
    "PATCH learner's membership":        Call("patch", Api("memberships/{learner_membership}/"),
                                              lambda s: {"role": "peer_mentor"}),
    "DELETE learner's membership":       Call("delete", Api("memberships/{learner_membership}/")),
    "list journey templates":            Call("get", Api("journey-templates/")),
    "GET journey template":              Call("get", Api("journey-templates/{template}/")),
    "POST journey template":             Call("post", Api("journey-templates/"), lambda s: {"name": "X"}),
    "PATCH journey template":            Call("patch", Api("journey-templates/{template}/"),
                                              lambda s: {"name": "X"}),
    "DELETE journey template":           Call("delete", Api("journey-templates/{template}/")),
    "list events":                       Call("get", Api("events/")),
    "GET event in cohort":               Call("get", Api("events/{cohort_event}/")),
    "GET event in other_cohort":         Call("get", Api("events/{other_cohort_event}/")),
    "GET own event":                     Call("get", Api("events/{own_event}/")),
    "POST event":                        Call("post", Api("events/"), lambda s: {"verb": "x"}),
    "DELETE event in cohort":            Call("delete", Api("events/{cohort_event}/")),
    "list audit entries":                Call("get", Api("audit-entries/")),
    "GET audit entry":                   Call("get", Api("audit-entries/{audit_entry}/")),
    "POST audit entry":                  Call("post", Api("audit-entries/"), lambda s: {"action": "x"}),
    "DELETE audit entry":                Call("delete", Api("audit-entries/{audit_entry}/")),
    "list tokens":                       Call("get", Api("tokens/")),
    "GET own token":                     Call("get", Api("tokens/{own_token}/")),
    "GET colleague's token":             Call("get", Api("tokens/{colleague_token}/")),
    "POST token":                        Call("post", Api("tokens/"), lambda s: {"name": "sync"}),
    "PATCH own token":                   Call("patch", Api("tokens/{own_token}/"), lambda s: {"name": "x"}),
    "DELETE own token":                  Call("delete", Api("tokens/{own_token}/")),
    "DELETE colleague's token":          Call("delete", Api("tokens/{colleague_token}/")),
    # discussions
    "list prompts":                      Call("get", Api("prompts/")),
    "GET prompt":                        Call("get", Api("prompts/{prompt}/")),
    "GET draft prompt":                  Call("get", Api("prompts/{draft_prompt}/")),
    "POST prompt in cohort":             Call("post", Api("prompts/"), lambda s: {
                                             "cohort": s.w.cohort.pk, "title": "Why?", "body": "Say.",
                                             "due_at": "2027-03-05T17:00:00Z"}),
    "PATCH prompt":                      Call("patch", Api("prompts/{prompt}/"), lambda s: {"title": "X"}),
    "DELETE prompt":                     Call("delete", Api("prompts/{prompt}/")),
    "publish draft prompt":              Call("post", Api("prompts/{draft_prompt}/publish/")),
    "publish draft in other_cohort":     Call("post", Api("prompts/{other_cohort_draft}/publish/")),
    "list threads":                      Call("get", Api("threads/")),
    "GET thread":                        Call("get", Api("threads/{thread}/")),
    "GET thread in other_cohort":        Call("get", Api("threads/{other_cohort_thread}/")),
    "lock thread":                       Call("post", Api("threads/{thread}/lock/")),
    "lock thread in other_cohort":       Call("post", Api("threads/{other_cohort_thread}/lock/")),
    "unlock thread":                     Call("post", Api("threads/{thread}/unlock/")),
    "swap roles in thread":              Call("post", Api("threads/{thread}/swap-roles/"), lambda s: {
                                             "users": [s.w.learner.pk, s.w.peer_mentor.pk]}),
    "DELETE thread":                     Call("delete", Api("threads/{thread}/")),
    "list posts":                        Call("get", Api("posts/")),
    "GET learner's post":                Call("get", Api("posts/{learner_post}/")),
    "GET hidden post":                   Call("get", Api("posts/{hidden_post}/")),
    "POST post in thread":               Call("post", Api("posts/"),
                                              lambda s: {"thread": s.thread.pk, "body": "My view."}),
    "PATCH learner's post":              Call("patch", Api("posts/{learner_post}/"),
                                              lambda s: {"body": "Be specific, then kind."}),
    "PUT learner's post":                Call("put", Api("posts/{learner_post}/"), lambda s: {"body": "X"}),
    "DELETE learner's post":             Call("delete", Api("posts/{learner_post}/")),
    "endorse mentor's post":             Call("post", Api("posts/{mentor_post}/endorse/"),
                                              lambda s: {"text": "Useful"}),
    "nominate mentor's post":            Call("post", Api("posts/{mentor_post}/nominate/")),
    "flag mentor's post":                Call("post", Api("posts/{mentor_post}/flag/"),
                                              lambda s: {"reason": "off_topic"}),
    "hide mentor's post":                Call("post", Api("posts/{mentor_post}/hide/")),
    "restore hidden post":               Call("post", Api("posts/{hidden_post}/restore/")),
    "top-take learner's post":           Call("post", Api("posts/{learner_post}/top-take/"),
                                              lambda s: {"reason": "Names the behaviour"}),
    "message learner's post author":     Call("post", Api("posts/{learner_post}/message-author/"),
                                              lambda s: {"text": "Could you add one example?"}),
    "list flags":                        Call("get", Api("flags/")),
    "GET learner's flag":                Call("get", Api("flags/{learner_flag}/")),
    "resolve learner's flag":            Call("post", Api("flags/{learner_flag}/resolve/"),
                                              lambda s: {"outcome": "dismissed"}),
    "DELETE learner's flag":             Call("delete", Api("flags/{learner_flag}/")),
    "list moderation queue":             Call("get", Api("moderation-queue/")),
    "list feed":                         Call("get", Api("feed/")),
    "GET feed item of learner's post":   Call("get", Api("feed/{learner_post_item}/")),
    "cohort feed":                       Call("get", Api("cohorts/{cohort}/feed/")),
    "other_cohort feed":                 Call("get", Api("cohorts/{other_cohort}/feed/")),
    "list microtask completions":        Call("get", Api("microtask-completions/")),
    "GET learner's completion":          Call("get", Api("microtask-completions/{learner_completion}/")),
    "POST microtask completion":         Call("post", Api("microtask-completions/"),
                                              lambda s: {"step": s.open_microtask.pk, "comment": "Done"}),
    "list notifications":                Call("get", Api("notifications/")),
    "GET own notification":              Call("get", Api("notifications/{own_notification}/")),
    "GET colleague's notification":      Call("get", Api("notifications/{colleague_notification}/")),
    "mark own notification read":        Call("post", Api("notifications/{own_notification}/read/")),
    "mark colleague's notification read": Call("post", Api("notifications/{colleague_notification}/read/")),
    "mark all notifications read":       Call("post", Api("notifications/read-all/")),
    # peer review
    "list rubrics":                      Call("get", Api("peer-review/rubrics/")),
    "GET rubric":                        Call("get", Api("peer-review/rubrics/{used_rubric}/")),
    "GET draft rubric":                  Call("get", Api("peer-review/rubrics/{pr_draft_rubric}/")),
    "POST rubric":                       Call("post", Api("peer-review/rubrics/"), lambda s: {
                                             "title": "Mine", "criteria": [{"title": "Clarity", "levels": [
                                                 {"points": 0, "descriptor": "No"},
                                                 {"points": 1, "descriptor": "Yes"}]}]}),
    "PATCH draft rubric":                Call("patch", Api("peer-review/rubrics/{pr_draft_rubric}/"),
                                              lambda s: {"title": "Renamed"}),
    "publish draft rubric":              Call("post", Api("peer-review/rubrics/{pr_draft_rubric}/publish/")),
    "list assignments":                  Call("get", Api("peer-review/assignments/")),
    "GET assignment":                    Call("get", Api("peer-review/assignments/{pr_assignment}/")),
    "GET draft assignment":              Call("get", Api("peer-review/assignments/{pr_draft_assignment}/")),
    "PATCH draft assignment":            Call("patch", Api("peer-review/assignments/{pr_draft_assignment}/"),
                                              lambda s: {"title": "Renamed"}),
    "publish draft assignment":          Call("post",
                                              Api("peer-review/assignments/{pr_draft_assignment}/publish/")),
    "assignment dashboard":              Call("get",
                                              Api("peer-review/assignments/{pr_assignment}/dashboard/")),
    "assignment grades":                 Call("get", Api("peer-review/assignments/{pr_assignment}/grades/")),
    "list calibration examples":         Call("get", Api("peer-review/calibration-examples/")),
    "GET calibration example":           Call("get", Api("peer-review/calibration-examples/{pr_example}/")),
    "score calibration example":         Call("post",
                                              Api("peer-review/calibration-examples/{pr_example}/score/"),
                                              lambda s: {"scores": pr_levels(s, 1, 2)}),
    "list calibration attempts":         Call("get", Api("peer-review/calibration-attempts/")),
    "GET learner's calibration attempt": Call("get",
                                              Api("peer-review/calibration-attempts/{learner_attempt}/")),
    "list submissions":                  Call("get", Api("peer-review/submissions/")),
    "GET learner's submission":          Call("get", Api("peer-review/submissions/{learner_submission}/")),
    "versions of learner's submission":  Call("get",
                                              Api("peer-review/submissions/{learner_submission}/versions/")),
    "download learner's attachment":     Call("get", Api("peer-review/submissions/{learner_submission}/"
                                                         "attachments/{learner_attachment}/")),
    "GET Kim's late submission":         Call("get", Api("peer-review/submissions/{kim_submission}/")),
    "list allocations":                  Call("get", Api("peer-review/allocations/")),
    "GET learner's allocation":          Call("get", Api("peer-review/allocations/{learner_allocation}/")),
    "review with learner's allocation":  Call("post",
                                              Api("peer-review/allocations/{learner_allocation}/review/"),
                                              lambda s: {"levels": pr_levels(s, 1, 1), "comment": "Good."}),
    "list reviews":                      Call("get", Api("peer-review/reviews/")),
    "GET mentor's review":               Call("get", Api("peer-review/reviews/{mentor_review}/")),
    "rate mentor's review":              Call("post", Api("peer-review/reviews/{mentor_review}/rate/"),
                                              lambda s: {"rating": 4, "comment": "Helpful."}),
    "list grades":                       Call("get", Api("peer-review/grades/")),
    "GET learner's grade":               Call("get", Api("peer-review/grades/{learner_grade}/")),
    "list checkpoints":                  Call("get", Api("peer-review/checkpoints/")),
    "GET Sam's checkpoint":              Call("get", Api("peer-review/checkpoints/{sam_checkpoint}/")),
    "resolve Sam's checkpoint":          Call("post",
                                              Api("peer-review/checkpoints/{sam_checkpoint}/resolve/"),
                                              lambda s: {"levels": pr_levels(s, 1, 1, note="reason"),
                                                         "reason": "Read it twice."}),
    "list disputes":                     Call("get", Api("peer-review/disputes/")),
    "GET learner's dispute":             Call("get", Api("peer-review/disputes/{learner_dispute}/")),
    # points and kudos
    "list points entries":               Call("get", Api("points/")),
    "GET learner's points entry":        Call("get", Api("points/{learner_points_entry}/")),
    "list leaderboards":                 Call("get", Api("leaderboards/")),
    "leaderboard of cohort":             Call("get", Api("leaderboards/{cohort}/")),
    "leaderboard of other_cohort":       Call("get", Api("leaderboards/{other_cohort}/")),
    "my points in cohort":               Call("get", Api("leaderboards/{cohort}/my-points/")),
    "list kudos":                        Call("get", Api("kudos/")),
    "GET kudos to mentor":               Call("get", Api("kudos/{kudos_to_mentor}/")),
    "POST kudos to mentor":              Call("post", Api("kudos/"), lambda s: {
                                             "cohort": s.w.cohort.pk, "recipient": s.w.peer_mentor.pk,
                                             "message": "Thank you!"}),
    "resolve learner's dispute":         Call("post", Api("peer-review/disputes/{learner_dispute}/resolve/"),
                                              lambda s: {"outcome": "upheld", "response": "It stands."}),
    # badges
    "list badges":                       Call("get", Api("badges/")),
    "GET first-review badge":            Call("get", Api("badges/{first_review_badge}/")),
    "POST badge":                        Call("post", Api("badges/"), lambda s: {"code": "mine"}),
    "list badge awards":                 Call("get", Api("badge-awards/")),
    "GET learner's award":               Call("get", Api("badge-awards/{learner_award}/")),
    "GET hidden mentor's award":         Call("get", Api("badge-awards/{mentor_award}/")),
    "DELETE learner's award":            Call("delete", Api("badge-awards/{learner_award}/")),
    "credential of learner's award":     Call("get", Api("badge-awards/{learner_award}/credential/")),
    "credential of mentor's award":      Call("get", Api("badge-awards/{mentor_award}/credential/")),
    "revoke learner's award":            Call("post", Api("badge-awards/{learner_award}/revoke/"),
                                              lambda s: {"reason": "Copied from another course"}),
    "revoke hidden mentor's award":      Call("post", Api("badge-awards/{mentor_award}/revoke/"),
                                              lambda s: {"reason": "Copied from another course"}),
    # live sessions
    "list touchpoints":                  Call("get", Api("touchpoints/")),
    "GET touchpoint":                    Call("get", Api("touchpoints/{touchpoint}/")),
    "GET touchpoint in other_cohort":    Call("get", Api("touchpoints/{other_cohort_touchpoint}/")),
    "POST touchpoint in cohort":         Call("post", Api("touchpoints/"), touchpoint_payload),
    "PATCH touchpoint":                  Call("patch", Api("touchpoints/{touchpoint}/"),
                                              lambda s: {"room": "Room 2"}),
    "PUT touchpoint":                    Call("put", Api("touchpoints/{touchpoint}/"), touchpoint_payload),
    "DELETE touchpoint":                 Call("delete", Api("touchpoints/{touchpoint}/")),
    "cancel touchpoint":                 Call("post", Api("touchpoints/{touchpoint}/cancel/"),
                                              lambda s: {"reason": "Public holiday"}),
    "rsvp to touchpoint":                Call("post", Api("touchpoints/{touchpoint}/rsvp/"),
                                              lambda s: {"response": "yes"}),
    "attendance of past touchpoint":     Call("post", Api("touchpoints/{past_touchpoint}/attendance/"),
                                              lambda s: {"attended": [s.w.learner.pk]}),
    "calendar file of touchpoint":       Call("get", Api("touchpoints/{touchpoint}/ics/")),
    # nudges
    "list nudge rules":                  Call("get", Api("nudge-rules/")),
    "GET cohort's nudge rule":           Call("get", Api("nudge-rules/{nudge_rule}/")),
    "POST nudge rule in cohort":         Call("post", Api("nudge-rules/"), lambda s: {
        "cohort": s.w.cohort.pk, "name": "Quiet", "trigger": "inactive", "subject": "Hi", "body_text": "Hi"}),
    "PATCH cohort's nudge rule":         Call("patch", Api("nudge-rules/{nudge_rule}/"),
                                              lambda s: {"days": 5}),
    "PATCH organisation's nudge rule":   Call("patch", Api("nudge-rules/{org_nudge_rule}/"),
                                              lambda s: {"days": 5}),
    "DELETE cohort's nudge rule":        Call("delete", Api("nudge-rules/{nudge_rule}/")),
    "preview nudge rule":                Call("get", Api("nudge-rules/{nudge_rule}/preview/")),
    "preview nudge rule for learner":    Call("get", Api(
        "nudge-rules/{nudge_rule}/preview/?learner={nudge_learner}")),
    "list nudge messages":               Call("get", Api("nudge-messages/")),
    "GET learner's nudge":               Call("get", Api("nudge-messages/{learner_nudge}/")),
    "approve learner's nudge":           Call("post", Api("nudge-messages/approve/"),
                                              lambda s: {"groups": [s.learner_nudge.group]}),
    "skip learner's nudge":              Call("post", Api("nudge-messages/skip/"),
                                              lambda s: {"groups": [s.learner_nudge.group]}),
    "GET my nudge preferences":          Call("get", Api("nudge-preferences/")),
    "PATCH my nudge preferences":        Call("patch", Api("nudge-preferences/"), lambda s: {
        "preferences": [{"topic": "digest", "channel": "email", "enabled": False}]}),
    "list my peer reminders":            Call("get", Api("peer-reminders/")),
    "remind the peer mentor":            Call("post", Api("peer-reminders/"), lambda s: {
        "cohort": s.w.cohort.pk, "recipient": s.w.peer_mentor.pk, "note": "our review"}),
    "list digests":                      Call("get", Api("digests/")),
    "GET sent digest":                   Call("get", Api("digests/{sent_digest}/")),
    "GET draft digest":                  Call("get", Api("digests/{draft_digest}/")),
}

API_MATRIX: dict[str, tuple[int, ...]] = {
    #                                    anon   hr  anlst facil exprt mentr lrnr  outsdr
    "api root":                          (401, 200, 200, 200, 200, 200, 200, 200),
    "GET me":                            (401, 200, 200, 200, 200, 200, 200, 200),
    "PATCH me":                          (401, 200, 200, 200, 200, 200, 200, 200),
    "PUT me":                            (401, 405, 405, 405, 405, 405, 405, 405),
    "GET organization":                  (401, 200, 200, 200, 200, 200, 200, 200),
    "PATCH organization":                (401, 405, 405, 405, 405, 405, 405, 405),
    "list users":                        (401, 200, 200, 200, 200, 200, 200, 200),
    "GET colleague":                     (401, 200, 200, 200, 200, 200, 200, 200),
    "POST user":                         (401, 201, 403, 403, 403, 403, 403, 403),
    "PATCH colleague":                   (401, 200, 403, 403, 403, 403, 403, 403),
    "PATCH myself via users/":           (401, 200, 200, 200, 200, 200, 200, 200),
    "DELETE colleague":                  (401, 405, 405, 405, 405, 405, 405, 405),
    "list cohorts":                      (401, 200, 200, 200, 200, 200, 200, 200),
    "GET cohort":                        (401, 200, 200, 200, 200, 200, 200, 404),
    "GET other_cohort":                  (401, 200, 200, 404, 404, 404, 404, 404),
    "POST cohort":                       (401, 201, 403, 201, 403, 403, 403, 403),
    "PUT cohort":                        (401, 200, 403, 200, 403, 403, 403, 404),
    "PATCH cohort":                      (401, 200, 403, 200, 403, 403, 403, 404),
    "PATCH other_cohort":                (401, 200, 403, 404, 404, 404, 404, 404),
    "DELETE cohort":                     (401, 204, 403, 403, 403, 403, 403, 404),
    "arrange squads in cohort":          (401, 200, 403, 200, 403, 403, 403, 404),
    "arrange squads in other_cohort":    (401, 200, 403, 404, 404, 404, 404, 404),
    "list squads":                       (401, 200, 200, 200, 200, 200, 200, 200),
    "GET squad":                         (401, 200, 200, 200, 200, 200, 200, 404),
    # The outsider cannot see the cohort, so for them it is an unknown id (a field error).
    "POST squad in cohort":              (401, 201, 403, 201, 403, 403, 403, 400),
    "PUT squad":                         (401, 200, 403, 200, 403, 403, 403, 404),
    "PATCH squad":                       (401, 200, 403, 200, 403, 403, 403, 404),
    "DELETE squad":                      (401, 204, 403, 204, 403, 403, 403, 404),
    "list memberships":                  (401, 200, 200, 200, 200, 200, 200, 200),
    "GET learner's membership":          (401, 200, 200, 200, 200, 200, 200, 404),
    "POST membership in cohort":         (401, 201, 403, 201, 403, 403, 403, 400),
    "PUT learner's membership":          (401, 200, 403, 200, 403, 403, 403, 404),
    "PATCH learner's membership":        (401, 200, 403, 200, 403, 403, 403, 404),
    "DELETE learner's membership":       (401, 204, 403, 204, 403, 403, 403, 404),
    "list journey templates":            (401, 200, 200, 200, 200, 200, 200, 200),
    "GET journey template":              (401, 200, 200, 200, 200, 200, 200, 200),
    "POST journey template":             (401, 405, 405, 405, 405, 405, 405, 405),
    "PATCH journey template":            (401, 405, 405, 405, 405, 405, 405, 405),
    "DELETE journey template":           (401, 405, 405, 405, 405, 405, 405, 405),
    "list events":                       (401, 200, 200, 200, 200, 200, 200, 200),
    "GET event in cohort":               (401, 200, 200, 200, 404, 404, 404, 404),
    "GET event in other_cohort":         (401, 200, 200, 404, 404, 404, 404, 404),
    "GET own event":                     (401, 200, 200, 200, 200, 200, 200, 200),
    "POST event":                        (401, 405, 405, 405, 405, 405, 405, 405),
    "DELETE event in cohort":            (401, 405, 405, 405, 405, 405, 405, 405),
    "list audit entries":                (401, 200, 200, 200, 200, 200, 200, 200),
    "GET audit entry":                   (401, 200, 404, 404, 404, 404, 404, 404),
    "POST audit entry":                  (401, 405, 405, 405, 405, 405, 405, 405),
    "DELETE audit entry":                (401, 405, 405, 405, 405, 405, 405, 405),
    "list tokens":                       (401, 200, 200, 200, 200, 200, 200, 200),
    "GET own token":                     (401, 200, 200, 200, 200, 200, 200, 200),
    "GET colleague's token":             (401, 404, 404, 404, 404, 404, 404, 404),
    "POST token":                        (401, 201, 201, 201, 201, 201, 201, 201),
    "PATCH own token":                   (401, 405, 405, 405, 405, 405, 405, 405),
    "DELETE own token":                  (401, 204, 204, 204, 204, 204, 204, 204),
    "DELETE colleague's token":          (401, 404, 404, 404, 404, 404, 404, 404),
    # discussions: learners see published prompts only, facilitators their drafts too
    "list prompts":                      (401, 200, 200, 200, 200, 200, 200, 200),
    "GET prompt":                        (401, 200, 200, 200, 200, 200, 200, 404),
    "GET draft prompt":                  (401, 200, 200, 200, 404, 404, 404, 404),
    "POST prompt in cohort":             (401, 201, 403, 201, 403, 403, 403, 400),
    "PATCH prompt":                      (401, 405, 405, 405, 405, 405, 405, 405),
    "DELETE prompt":                     (401, 405, 405, 405, 405, 405, 405, 405),
    "publish draft prompt":              (401, 200, 403, 200, 404, 404, 404, 404),
    "publish draft in other_cohort":     (401, 200, 403, 404, 404, 404, 404, 404),
    "list threads":                      (401, 200, 200, 200, 200, 200, 200, 200),
    "GET thread":                        (401, 200, 200, 200, 200, 200, 200, 404),
    "GET thread in other_cohort":        (401, 200, 200, 404, 404, 404, 404, 404),
    "lock thread":                       (401, 200, 403, 200, 403, 403, 403, 404),
    "lock thread in other_cohort":       (401, 200, 403, 404, 404, 404, 404, 404),
    "unlock thread":                     (401, 200, 403, 200, 403, 403, 403, 404),
    "swap roles in thread":              (401, 200, 403, 200, 403, 403, 403, 404),
    "DELETE thread":                     (401, 405, 405, 405, 405, 405, 405, 405),
    "list posts":                        (401, 200, 200, 200, 200, 200, 200, 200),
    "GET learner's post":                (401, 200, 200, 200, 200, 200, 200, 404),
    # Hidden posts: for those who run the prompts only, the author included.
    "GET hidden post":                   (401, 200, 404, 200, 404, 404, 404, 404),
    # HR admins and analysts are in no cohort: they read threads but do not post.
    "POST post in thread":               (401, 403, 403, 201, 201, 201, 201, 400),
    "PATCH learner's post":              (401, 403, 403, 403, 403, 403, 200, 404),
    "PUT learner's post":                (401, 405, 405, 405, 405, 405, 405, 405),
    "DELETE learner's post":             (401, 403, 403, 403, 403, 403, 204, 404),
    # Nobody endorses or flags their own post (a 400 naming `post`).
    "endorse mentor's post":             (401, 403, 403, 200, 200, 400, 200, 404),
    "nominate mentor's post":            (401, 403, 403, 200, 200, 200, 200, 404),
    "flag mentor's post":                (401, 403, 403, 201, 201, 400, 201, 404),
    "hide mentor's post":                (401, 200, 403, 200, 403, 403, 403, 404),
    "restore hidden post":               (401, 200, 404, 200, 404, 404, 404, 404),
    "top-take learner's post":           (401, 201, 403, 201, 403, 403, 403, 404),
    "message learner's post author":     (401, 201, 403, 201, 403, 403, 403, 404),
    "list flags":                        (401, 200, 200, 200, 200, 200, 200, 200),
    # The learner raised it: they see it, but only those who moderate resolve it.
    "GET learner's flag":                (401, 200, 404, 200, 404, 404, 200, 404),
    "resolve learner's flag":            (401, 200, 404, 200, 404, 404, 403, 404),
    "DELETE learner's flag":             (401, 405, 405, 405, 405, 405, 405, 405),
    # Everyone may ask; who does not moderate gets an empty queue (LIST_MATRIX).
    "list moderation queue":             (401, 200, 200, 200, 200, 200, 200, 200),
    "list feed":                         (401, 200, 200, 200, 200, 200, 200, 200),
    "GET feed item of learner's post":   (401, 200, 200, 200, 200, 200, 200, 404),
    "cohort feed":                       (401, 200, 200, 200, 200, 200, 200, 404),
    "other_cohort feed":                 (401, 200, 200, 404, 404, 404, 404, 404),
    "list microtask completions":        (401, 200, 200, 200, 200, 200, 200, 200),
    "GET learner's completion":          (401, 200, 200, 200, 200, 200, 200, 404),
    # Micro-tasks are for participants; the outsider cannot see the step (a field error).
    "POST microtask completion":         (401, 403, 403, 403, 403, 201, 201, 400),
    "list notifications":                (401, 200, 200, 200, 200, 200, 200, 200),
    "GET own notification":              (401, 200, 200, 200, 200, 200, 200, 200),
    "GET colleague's notification":      (401, 404, 404, 404, 404, 404, 404, 404),
    "mark own notification read":        (401, 200, 200, 200, 200, 200, 200, 200),
    "mark colleague's notification read": (401, 404, 404, 404, 404, 404, 404, 404),
    "mark all notifications read":       (401, 200, 200, 200, 200, 200, 200, 200),
    # peer review: analysts read dashboards, not the work; the peer mentor reviews the learner's
    # submission (so reads it and wrote `mentor_review`), the learner reviews Sam's and has the
    # peer mentor's still to do.
    "list rubrics":                      (401, 200, 200, 200, 200, 200, 200, 200),
    "GET rubric":                        (401, 200, 404, 200, 200, 200, 200, 404),
    "GET draft rubric":                  (401, 200, 404, 200, 200, 404, 404, 404),
    "POST rubric":                       (401, 201, 403, 201, 201, 403, 403, 403),
    "PATCH draft rubric":                (401, 200, 404, 200, 200, 404, 404, 404),
    "publish draft rubric":              (401, 200, 404, 200, 200, 404, 404, 404),
    "list assignments":                  (401, 200, 200, 200, 200, 200, 200, 200),
    "GET assignment":                    (401, 200, 200, 200, 200, 200, 200, 404),
    "GET draft assignment":              (401, 200, 200, 200, 200, 404, 404, 404),
    "PATCH draft assignment":            (401, 200, 403, 200, 403, 404, 404, 404),
    "publish draft assignment":          (401, 200, 403, 200, 403, 404, 404, 404),
    "assignment dashboard":              (401, 200, 200, 200, 200, 403, 403, 404),
    "assignment grades":                 (401, 200, 200, 200, 200, 403, 403, 404),
    "list calibration examples":         (401, 200, 200, 200, 200, 200, 200, 200),
    "GET calibration example":           (401, 200, 404, 200, 200, 200, 200, 404),
    # Learners have calibrated on it, so its scores are fixed: a 400 for whoever may score it.
    "score calibration example":         (401, 400, 404, 400, 400, 403, 403, 404),
    "list calibration attempts":         (401, 200, 200, 200, 200, 200, 200, 200),
    "GET learner's calibration attempt": (401, 404, 404, 404, 404, 404, 200, 404),
    "list submissions":                  (401, 200, 200, 200, 200, 200, 200, 200),
    "GET learner's submission":          (401, 200, 404, 200, 200, 200, 200, 404),
    "versions of learner's submission":  (401, 200, 404, 200, 200, 200, 200, 404),
    "download learner's attachment":     (401, 200, 404, 200, 200, 200, 200, 404),
    # Allocated to nobody: participants do not read it.
    "GET Kim's late submission":         (401, 200, 404, 200, 200, 404, 404, 404),
    "list allocations":                  (401, 200, 200, 200, 200, 200, 200, 200),
    "GET learner's allocation":          (401, 200, 404, 200, 200, 404, 200, 404),
    "review with learner's allocation":  (401, 403, 404, 403, 403, 404, 201, 404),
    "list reviews":                      (401, 200, 200, 200, 200, 200, 200, 200),
    "GET mentor's review":               (401, 200, 404, 200, 200, 200, 200, 404),
    "rate mentor's review":              (401, 403, 404, 403, 403, 403, 200, 404),
    "list grades":                       (401, 200, 200, 200, 200, 200, 200, 200),
    "GET learner's grade":               (401, 200, 404, 200, 200, 404, 200, 404),
    "list checkpoints":                  (401, 200, 200, 200, 200, 200, 200, 200),
    "GET Sam's checkpoint":              (401, 200, 404, 200, 200, 404, 404, 404),
    "resolve Sam's checkpoint":          (401, 200, 404, 200, 200, 404, 404, 404),
    "list disputes":                     (401, 200, 200, 200, 200, 200, 200, 200),
    "GET learner's dispute":             (401, 200, 404, 200, 200, 404, 200, 404),
    "resolve learner's dispute":         (401, 200, 404, 200, 200, 404, 403, 404),
    # points: one's own entries; facilitators their cohorts', HR admins and analysts all. Leaderboards
    # of any cohort one can see. Kudos: cohort members send them (not to themselves) and read them.
    "list points entries":               (401, 200, 200, 200, 200, 200, 200, 200),
    "GET learner's points entry":        (401, 200, 200, 200, 404, 404, 200, 404),
    "list leaderboards":                 (401, 200, 200, 200, 200, 200, 200, 200),
    "leaderboard of cohort":             (401, 200, 200, 200, 200, 200, 200, 404),
    "leaderboard of other_cohort":       (401, 200, 200, 404, 404, 404, 404, 404),
    "my points in cohort":               (401, 200, 200, 200, 200, 200, 200, 404),
    "list kudos":                        (401, 200, 200, 200, 200, 200, 200, 200),
    "GET kudos to mentor":               (401, 200, 200, 200, 200, 200, 200, 404),
    "POST kudos to mentor":              (401, 403, 403, 201, 201, 400, 201, 400),
    # badges: every member reads the organisation's badges and the awards of public badges, except
    # of people who stay off leaderboards (the peer mentor), whose awards staff, their facilitator
    # and they see. Only the earner downloads the credential; only HR admins revoke.
    "list badges":                       (401, 200, 200, 200, 200, 200, 200, 200),
    "GET first-review badge":            (401, 200, 200, 200, 200, 200, 200, 200),
    "POST badge":                        (401, 405, 405, 405, 405, 405, 405, 405),
    "list badge awards":                 (401, 200, 200, 200, 200, 200, 200, 200),
    "GET learner's award":               (401, 200, 200, 200, 200, 200, 200, 200),
    "GET hidden mentor's award":         (401, 200, 200, 200, 404, 200, 404, 404),
    "DELETE learner's award":            (401, 405, 405, 405, 405, 405, 405, 405),
    "credential of learner's award":     (401, 403, 403, 403, 403, 403, 200, 403),
    "credential of mentor's award":      (401, 403, 403, 403, 404, 200, 404, 404),
    "revoke learner's award":            (401, 200, 403, 403, 403, 403, 403, 403),
    "revoke hidden mentor's award":      (401, 200, 403, 403, 404, 403, 404, 404),
    # live sessions: facilitators and HR admins run them, members answer, analysts read
    "list touchpoints":                  (401, 200, 200, 200, 200, 200, 200, 200),
    "GET touchpoint":                    (401, 200, 200, 200, 200, 200, 200, 404),
    "GET touchpoint in other_cohort":    (401, 200, 200, 404, 404, 404, 404, 404),
    "POST touchpoint in cohort":         (401, 201, 403, 201, 403, 403, 403, 400),
    "PATCH touchpoint":                  (401, 200, 403, 200, 403, 403, 403, 404),
    "PUT touchpoint":                    (401, 405, 405, 405, 405, 405, 405, 405),
    "DELETE touchpoint":                 (401, 405, 405, 405, 405, 405, 405, 405),
    "cancel touchpoint":                 (401, 200, 403, 200, 403, 403, 403, 404),
    "rsvp to touchpoint":                (401, 403, 403, 200, 200, 200, 200, 404),
    "attendance of past touchpoint":     (401, 200, 403, 200, 403, 403, 403, 404),
    "calendar file of touchpoint":       (401, 200, 200, 200, 200, 200, 200, 404),
    # nudges: facilitators manage their cohorts' rules, HR admins all; analysts read. Only
    # approvers find proposed nudges to decide (others: "choose at least one", a 400).
    "list nudge rules":                  (401, 200, 200, 200, 200, 200, 200, 200),
    "GET cohort's nudge rule":           (401, 200, 200, 200, 404, 404, 404, 404),
    "POST nudge rule in cohort":         (401, 201, 403, 201, 403, 403, 403, 400),
    "PATCH cohort's nudge rule":         (401, 200, 403, 200, 404, 404, 404, 404),
    "PATCH organisation's nudge rule":   (401, 200, 403, 403, 404, 404, 404, 404),
    "DELETE cohort's nudge rule":        (401, 204, 403, 204, 404, 404, 404, 404),
    "preview nudge rule":                (401, 400, 400, 400, 404, 404, 404, 404),
    "preview nudge rule for learner":    (401, 200, 200, 200, 404, 404, 404, 404),
    "list nudge messages":               (401, 200, 200, 200, 200, 200, 200, 200),
    "GET learner's nudge":               (401, 200, 200, 200, 404, 404, 200, 404),
    "approve learner's nudge":           (401, 200, 400, 200, 400, 400, 400, 400),
    "skip learner's nudge":              (401, 200, 400, 200, 400, 400, 400, 400),
    "GET my nudge preferences":          (401, 200, 200, 200, 200, 200, 200, 200),
    "PATCH my nudge preferences":        (401, 200, 200, 200, 200, 200, 200, 200),
    "list my peer reminders":            (401, 200, 200, 200, 200, 200, 200, 200),
    "remind the peer mentor":            (401, 403, 403, 201, 201, 400, 201, 400),
    # Digests: the archive for whoever sees the cohort; the draft for who runs it.
    "list digests":                      (401, 200, 200, 200, 200, 200, 200, 200),
    "GET sent digest":                   (401, 200, 200, 200, 200, 200, 200, 404),
    "GET draft digest":                  (401, 200, 404, 200, 404, 404, 404, 404),
}

# What each role finds in a list: labels resolved by `list_labels` below.
EVERY_MEMBER = {"facilitator", "expert", "peer mentor", "learner"}
LIST_MATRIX: dict[str, dict[str, set[str]]] = {
    "users/": {role: {"everyone in the organisation"} for role in SIGNED_IN_ROLES},
    "cohorts/": {
        "hr_admin": {"cohort", "other_cohort"}, "analyst": {"cohort", "other_cohort"},
        "facilitator": {"cohort"}, "expert": {"cohort"}, "peer_mentor": {"cohort"},
        "learner": {"cohort"}, "outsider": set(),
    },
    "squads/": {
        "hr_admin": {"Alpha"}, "analyst": {"Alpha"}, "facilitator": {"Alpha"}, "expert": {"Alpha"},
        "peer_mentor": {"Alpha"}, "learner": {"Alpha"}, "outsider": set(),
    },
    "memberships/": {
        "hr_admin": EVERY_MEMBER, "analyst": EVERY_MEMBER, "facilitator": EVERY_MEMBER,
        "expert": EVERY_MEMBER, "peer_mentor": EVERY_MEMBER, "learner": EVERY_MEMBER,
        "outsider": set(),
    },
    "journey-templates/": {role: {"template"} for role in SIGNED_IN_ROLES},
    "events/": {
        "hr_admin": {"event in cohort", "event in other_cohort", "learner's event"},
        "analyst": {"event in cohort", "event in other_cohort", "learner's event"},
        "facilitator": {"event in cohort"}, "expert": set(), "peer_mentor": set(),
        "learner": {"learner's event"}, "outsider": set(),
    },
    "audit-entries/": {
        "hr_admin": {"audit entry"}, "analyst": set(), "facilitator": set(), "expert": set(),
        "peer_mentor": set(), "learner": set(), "outsider": set(),
    },
    "tokens/": {role: {"own token"} for role in SIGNED_IN_ROLES},
    # discussions
    "prompts/": {
        "hr_admin": {"prompt", "draft prompt", "other_cohort prompt", "other_cohort draft"},
        "analyst": {"prompt", "draft prompt", "other_cohort prompt", "other_cohort draft"},
        "facilitator": {"prompt", "draft prompt"}, "expert": {"prompt"}, "peer_mentor": {"prompt"},
        "learner": {"prompt"}, "outsider": set(),
    },
    "threads/": {
        "hr_admin": {"thread", "other_cohort thread"}, "analyst": {"thread", "other_cohort thread"},
        "facilitator": {"thread"}, "expert": {"thread"}, "peer_mentor": {"thread"}, "learner": {"thread"},
        "outsider": set(),
    },
    "posts/": {
        "hr_admin": {"learner's post", "mentor's post", "hidden post"},
        "analyst": {"learner's post", "mentor's post"},
        "facilitator": {"learner's post", "mentor's post", "hidden post"},
        "expert": {"learner's post", "mentor's post"}, "peer_mentor": {"learner's post", "mentor's post"},
        "learner": {"learner's post", "mentor's post"}, "outsider": set(),
    },
    "flags/": {
        "hr_admin": {"learner's flag", "expert's flag"}, "analyst": set(),
        "facilitator": {"learner's flag", "expert's flag"}, "expert": {"expert's flag"},
        "peer_mentor": set(), "learner": {"learner's flag"}, "outsider": set(),
    },
    "moderation-queue/": {
        "hr_admin": {"mentor's flagged post", "learner's flagged post"}, "analyst": set(),
        "facilitator": {"mentor's flagged post", "learner's flagged post"}, "expert": set(),
        "peer_mentor": set(), "learner": set(), "outsider": set(),
    },
    "feed/": {
        "hr_admin": {"cohort feed"}, "analyst": {"cohort feed"}, "facilitator": {"cohort feed"},
        "expert": {"cohort feed"}, "peer_mentor": {"cohort feed"}, "learner": {"cohort feed"},
        "outsider": set(),
    },
    "microtask-completions/": {
        "hr_admin": {"learner's completion"}, "analyst": {"learner's completion"},
        "facilitator": {"learner's completion"}, "expert": {"learner's completion"},
        "peer_mentor": {"learner's completion"}, "learner": {"learner's completion"}, "outsider": set(),
    },
    "notifications/": {role: {"own notification"} for role in SIGNED_IN_ROLES},
    # peer review: the round of Scene.pr_round, where the first three review the other two
    "peer-review/rubrics/": {
        "hr_admin": {"rubric", "draft rubric"}, "analyst": set(), "facilitator": {"rubric", "draft rubric"},
        "expert": {"rubric", "draft rubric"}, "peer_mentor": {"rubric"}, "learner": {"rubric"},
        "outsider": set(),
    },
    "peer-review/assignments/": {
        "hr_admin": {"assignment", "draft assignment"}, "analyst": {"assignment", "draft assignment"},
        "facilitator": {"assignment", "draft assignment"}, "expert": {"assignment", "draft assignment"},
        "peer_mentor": {"assignment"}, "learner": {"assignment"}, "outsider": set(),
    },
    "peer-review/calibration-examples/": {
        "hr_admin": {"example"}, "analyst": set(), "facilitator": {"example"}, "expert": {"example"},
        "peer_mentor": {"example"}, "learner": {"example"}, "outsider": set(),
    },
    # Only one's own attempts.
    "peer-review/calibration-attempts/": {
        "hr_admin": set(), "analyst": set(), "facilitator": set(), "expert": set(),
        "peer_mentor": {"mentor's attempt"}, "learner": {"learner's attempt"}, "outsider": set(),
    },
    # Participants: their own and the two allocated to them, not Kim's late one (allocated to nobody).
    "peer-review/submissions/": {
        "hr_admin": {"every submission"}, "analyst": set(), "facilitator": {"every submission"},
        "expert": {"every submission"}, "peer_mentor": {"submissions in review"},
        "learner": {"submissions in review"}, "outsider": set(),
    },
    # By default the list is the caller's to-do list: reviews allocated to them, not written yet.
    "peer-review/allocations/": {
        "hr_admin": set(), "analyst": set(), "facilitator": set(), "expert": set(), "peer_mentor": set(),
        "learner": {"learner's allocation"}, "outsider": set(),
    },
    "peer-review/reviews/": {
        "hr_admin": {"every review"}, "analyst": set(), "facilitator": {"every review"},
        "expert": {"every review"}, "peer_mentor": {"reviews by the mentor", "reviews of the mentor's work"},
        "learner": {"reviews by the learner", "reviews of the learner's work"}, "outsider": set(),
    },
    "peer-review/grades/": {
        "hr_admin": {"every grade"}, "analyst": set(), "facilitator": {"every grade"},
        "expert": {"every grade"}, "peer_mentor": set(), "learner": {"learner's grade"}, "outsider": set(),
    },
    "peer-review/checkpoints/": {
        "hr_admin": {"Sam's checkpoint"}, "analyst": set(), "facilitator": {"Sam's checkpoint"},
        "expert": {"Sam's checkpoint"}, "peer_mentor": set(), "learner": set(), "outsider": set(),
    },
    "peer-review/disputes/": {
        "hr_admin": {"learner's dispute"}, "analyst": set(), "facilitator": {"learner's dispute"},
        "expert": {"learner's dispute"}, "peer_mentor": set(), "learner": {"learner's dispute"},
        "outsider": set(),
    },
    "points/": {
        "hr_admin": {"learner's points", "mentor's points"},
        "analyst": {"learner's points", "mentor's points"},
        "facilitator": {"learner's points", "mentor's points"}, "expert": set(),
        "peer_mentor": {"mentor's points"}, "learner": {"learner's points"}, "outsider": set(),
    },
    "leaderboards/": {
        "hr_admin": {"cohort", "other_cohort"}, "analyst": {"cohort", "other_cohort"},
        "facilitator": {"cohort"}, "expert": {"cohort"}, "peer_mentor": {"cohort"}, "learner": {"cohort"},
        "outsider": set(),
    },
    # Public thanks: everyone in the cohort reads them.
    "kudos/": {
        "hr_admin": {"kudos to mentor"}, "analyst": {"kudos to mentor"}, "facilitator": {"kudos to mentor"},
        "expert": {"kudos to mentor"}, "peer_mentor": {"kudos to mentor"}, "learner": {"kudos to mentor"},
        "outsider": set(),
    },
    "badges/": {role: {"the organisation's badges"} for role in SIGNED_IN_ROLES},
    "badge-awards/": {
        "hr_admin": {"learner's award", "mentor's award"}, "analyst": {"learner's award", "mentor's award"},
        "facilitator": {"learner's award", "mentor's award"}, "expert": {"learner's award"},
        "peer_mentor": {"learner's award", "mentor's award"}, "learner": {"learner's award"},
        "outsider": {"learner's award"},
    },
    "nudge-rules/": {
        "hr_admin": {"cohort's nudge rule", "organisation's nudge rule"},
        "analyst": {"cohort's nudge rule", "organisation's nudge rule"},
        "facilitator": {"cohort's nudge rule", "organisation's nudge rule"},
        "expert": set(), "peer_mentor": set(), "learner": set(), "outsider": set(),
    },
    "nudge-messages/": {
        "hr_admin": {"learner's nudge"}, "analyst": {"learner's nudge"}, "facilitator": {"learner's nudge"},
        "expert": set(), "peer_mentor": set(), "learner": {"learner's nudge"}, "outsider": set(),
    },
    "peer-reminders/": {
        "hr_admin": set(), "analyst": set(), "facilitator": set(), "expert": set(), "peer_mentor": set(),
        "learner": {"learner's reminder"}, "outsider": set(),
    },
    "digests/": {
        "hr_admin": {"sent digest", "draft digest"}, "analyst": {"sent digest"},
        "facilitator": {"sent digest", "draft digest"}, "expert": {"sent digest"},
        "peer_mentor": {"sent digest"}, "learner": {"sent digest"}, "outsider": set(),
    },
    "touchpoints/": {
        "hr_admin": {"touchpoint", "other_cohort touchpoint"},
        "analyst": {"touchpoint", "other_cohort touchpoint"},
        "facilitator": {"touchpoint"}, "expert": {"touchpoint"}, "peer_mentor": {"touchpoint"},
        "learner": {"touchpoint"}, "outsider": set(),
    },
}


def list_labels(s: Scene) -> dict[str, Callable[[], set]]:
    """How to make the records behind each label used in LIST_MATRIX, and their ids
    (made on demand: a discussion writes events and audit entries of its own)."""
    w = s.w

    def member(user) -> Callable[[], set]:
        return lambda: {CohortMembership.objects.get(cohort=w.cohort, user=user).pk}

    def cohort_feed() -> set:
        _made = (s.learner_post, s.mentor_post, s.hidden_post)
        return set(FeedItem.objects.filter(cohort=w.cohort, visible=True).values_list("pk", flat=True))

    def reviews(**lookup) -> Callable[[], set]:
        return lambda: set(Review.objects.filter(submission__assignment=s.pr_assignment, **lookup)
                           .values_list("pk", flat=True))

    return {
        "everyone in the organisation": lambda: set(User.objects.filter(organization=w.org)
                                                    .values_list("pk", flat=True)),
        "cohort": lambda: {w.cohort.pk}, "other_cohort": lambda: {w.other_cohort.pk},
        "Alpha": lambda: {w.squad.pk}, "template": lambda: {w.template.pk},
        "facilitator": member(w.facilitator), "expert": member(w.expert),
        "peer mentor": member(w.peer_mentor), "learner": member(w.learner),
        "event in cohort": lambda: {str(s.cohort_event.pk)},
        "event in other_cohort": lambda: {str(s.other_cohort_event.pk)},
        "learner's event": lambda: {str(s.learner_event.pk)},
        "audit entry": lambda: {s.audit_entry.pk}, "own token": lambda: {s.own_token.pk},
        "prompt": lambda: {s.prompt.pk}, "draft prompt": lambda: {s.draft_prompt.pk},
        "other_cohort prompt": lambda: {s.other_cohort_thread.prompt_id},
        "other_cohort draft": lambda: {s.other_cohort_draft.pk},
        "thread": lambda: {s.thread.pk}, "other_cohort thread": lambda: {s.other_cohort_thread.pk},
        "learner's post": lambda: {s.learner_post.pk}, "mentor's post": lambda: {s.mentor_post.pk},
        "hidden post": lambda: {s.hidden_post.pk},
        "learner's flag": lambda: {s.learner_flag.pk}, "expert's flag": lambda: {s.expert_flag.pk},
        # moderation queue items have their key for an id
        "mentor's flagged post": lambda: {f"flagged_post-post-{s.learner_flag.post_id}"},
        "learner's flagged post": lambda: {f"flagged_post-post-{s.expert_flag.post_id}"},
        "cohort feed": cohort_feed,
        "learner's completion": lambda: {s.learner_completion.pk},
        "own notification": lambda: {s.own_notification.pk},
        # peer review
        "rubric": lambda: {s.used_rubric.pk}, "draft rubric": lambda: {s.pr_draft_rubric.pk},
        "assignment": lambda: {s.pr_assignment.pk}, "draft assignment": lambda: {s.pr_draft_assignment.pk},
        "example": lambda: {s.pr_example.pk}, "learner's attempt": lambda: {s.learner_attempt.pk},
        "mentor's attempt": lambda: {CalibrationAttempt.objects.get(example=s.pr_example,
                                                                    learner=w.peer_mentor).pk},
        "every submission": lambda: set(Submission.objects.filter(assignment=s.pr_assignment)
                                        .values_list("pk", flat=True)),
        "submissions in review": lambda: set(Submission.objects.filter(assignment=s.pr_assignment)
                                             .exclude(pk=s.kim_submission.pk).values_list("pk", flat=True)),
        "learner's allocation": lambda: {s.learner_allocation.pk},
        "every review": reviews(),
        "reviews by the learner": reviews(reviewer=w.learner),
        "reviews of the learner's work": reviews(submission__author=w.learner),
        "reviews by the mentor": reviews(reviewer=w.peer_mentor),
        "reviews of the mentor's work": reviews(submission__author=w.peer_mentor),
        "every grade": lambda: set(Grade.objects.filter(submission__assignment=s.pr_assignment)
                                   .values_list("pk", flat=True)),
        "learner's grade": lambda: {s.learner_grade.pk},
        "Sam's checkpoint": lambda: {s.sam_checkpoint.pk},
        "learner's dispute": lambda: {s.learner_dispute.pk},
        # points and kudos
        "learner's points": lambda: {s.points["learner"].pk},
        "mentor's points": lambda: {s.points["mentor"].pk},
        "kudos to mentor": lambda: {s.kudos_to_mentor.pk},
        "the organisation's badges": lambda: s.organisation_badges,
        "learner's award": lambda: {str(s.learner_award.pk)},
        "mentor's award": lambda: {str(s.mentor_award.pk)},
        "touchpoint": lambda: {s.touchpoint.pk},
        "cohort's nudge rule": lambda: {s.nudge_rule.pk},
        "organisation's nudge rule": lambda: {s.org_nudge_rule.pk},
        "learner's nudge": lambda: {str(s.learner_nudge.pk)},
        "learner's reminder": lambda: {str(s.learner_reminder.pk)},
        "sent digest": lambda: {s.sent_digest.pk},
        "draft digest": lambda: {s.draft_digest.pk},
        "other_cohort touchpoint": lambda: {s.other_cohort_touchpoint.pk},
    }


# --- portal ---------------------------------------------------------------------

PORTAL_CALLS: dict[str, Call] = {
    "home":                              Call("get", Page("portal:home")),
    "this week":                         Call("get", Page("portal:this_week")),
    "cohort page":                       Call("get", Page("portal:cohort_detail", pk="cohort")),
    "other_cohort page":                 Call("get", Page("portal:cohort_detail", pk="other_cohort")),
    "profile":                           Call("get", Page("portal:profile")),
    "save profile":                      Call("post", Page("portal:profile"), lambda s: {
                                             "full_name": "New Name", "title": "", "department": "",
                                             "timezone": "Europe/Berlin", "locale": "en"}),
    "facilitator dashboard":             Call("get", Page("portal:facilitate")),
    "new cohort form":                   Call("get", Page("portal:cohort_create")),
    "create cohort":                     Call("post", Page("portal:cohort_create"), lambda s: {
                                             "name": "Autumn", "start_date": "2027-09-06",
                                             "end_date": "", "timezone": "Europe/Berlin",
                                             "description": "", "template": "", "activate": "on"}),
    "manage cohort":                     Call("get", Page("portal:cohort_manage", pk="cohort")),
    "manage other_cohort":               Call("get", Page("portal:cohort_manage", pk="other_cohort")),
    "manage cohort: add member":         Call("post", Page("portal:cohort_manage", pk="cohort"),
                                              lambda s: {"add-email": s.colleague.email,
                                                         "add-role": "learner", "add-squad": ""}),
    "manage cohort: add squad":          Call("post", Page("portal:cohort_manage", pk="cohort"),
                                              lambda s: {"squad-name": "Beta"}),
    "change learner's membership":       Call("post", Page("portal:membership_change", pk="cohort",
                                                           membership_pk="learner_membership"),
                                              lambda s: {"role": "peer_mentor"}),
    "change membership by GET":          Call("get", Page("portal:membership_change", pk="cohort",
                                                          membership_pk="learner_membership")),
    "remove learner's membership":       Call("post", Page("portal:membership_remove", pk="cohort",
                                                           membership_pk="learner_membership")),
    "arrange squads automatically":      Call("post", Page("portal:squads_auto_arrange", pk="cohort"),
                                              lambda s: {"squad_size": "4"}),
    "delete squad Alpha":                Call("post", Page("portal:squad_delete", pk="cohort",
                                                           squad_pk="squad")),
    "API tokens":                        Call("get", Page("portal:api_tokens")),
    "create API token":                  Call("post", Page("portal:api_tokens"),
                                              lambda s: {"name": "sync"}),
    "revoke own token":                  Call("post", Page("portal:api_token_revoke", token_pk="own_token")),
    "revoke colleague's token":          Call("post", Page("portal:api_token_revoke",
                                                           token_pk="colleague_token")),
    "admin":                             Call("get", Page("admin:index")),
    # discussions: the learner pages
    "thread page":                       Call("get", Page("discussions:thread", pk="thread")),
    "thread page in other_cohort":       Call("get", Page("discussions:thread", pk="other_cohort_thread")),
    "post in thread":                    Call("post", Page("discussions:post_create", pk="thread"),
                                              lambda s: {"body": "My view."}),
    "learner's post":                    Call("get", Page("discussions:post", pk="learner_post")),
    "hidden post":                       Call("get", Page("discussions:post", pk="hidden_post")),
    "earlier replies to learner's post": Call("get", Page("discussions:replies", pk="learner_post")),
    "reply form":                        Call("get", Page("discussions:reply", pk="learner_post")),
    "reply to learner's post":           Call("post", Page("discussions:reply", pk="learner_post"),
                                              lambda s: {"body": "Agreed."}),
    "edit learner's post form":          Call("get", Page("discussions:post_edit", pk="learner_post")),
    "edit learner's post":               Call("post", Page("discussions:post_edit", pk="learner_post"),
                                              lambda s: {f"edit-{s.learner_post.pk}-body": "Be specific."}),
    "delete learner's post form":        Call("get", Page("discussions:post_delete", pk="learner_post")),
    "delete learner's post":             Call("post", Page("discussions:post_delete", pk="learner_post")),
    "versions of learner's post":        Call("get", Page("discussions:post_versions", pk="learner_post")),
    "endorse mentor's post":             Call("post", Page("discussions:endorse", pk="mentor_post"),
                                              lambda s: {"text": "Useful"}),
    "nominate mentor's post":            Call("post", Page("discussions:nominate", pk="mentor_post")),
    "flag form of mentor's post":        Call("get", Page("discussions:flag", pk="mentor_post")),
    "flag mentor's post":                Call("post", Page("discussions:flag", pk="mentor_post"),
                                              lambda s: {f"flag-{s.mentor_post.pk}-reason": "off_topic"}),
    "cohort feed":                       Call("get", Page("discussions:feed", pk="cohort")),
    "other_cohort feed":                 Call("get", Page("discussions:feed", pk="other_cohort")),
    "mark micro-task done":              Call("post", Page("discussions:microtask_done", pk="open_microtask"),
                                              lambda s: {"comment": "Asked Sam"}),
    # discussions: the facilitator pages
    "prompts of cohort":                 Call("get", Page("discussions:prompt_list", cohort_pk="cohort")),
    "prompts of other_cohort":           Call("get", Page("discussions:prompt_list",
                                                          cohort_pk="other_cohort")),
    "new prompt form":                   Call("get", Page("discussions:prompt_create", cohort_pk="cohort")),
    "create prompt":                     Call("post", Page("discussions:prompt_create", cohort_pk="cohort"),
                                              lambda s: prompt_form()),
    "create prompt in other_cohort":     Call("post", Page("discussions:prompt_create",
                                                           cohort_pk="other_cohort"),
                                              lambda s: prompt_form()),
    "prompt page":                       Call("get", Page("discussions:prompt_manage", pk="prompt")),
    "draft prompt page":                 Call("get", Page("discussions:prompt_manage", pk="draft_prompt")),
    "publish form of draft prompt":      Call("get", Page("discussions:prompt_publish", pk="draft_prompt")),
    "publish draft prompt":              Call("post", Page("discussions:prompt_publish", pk="draft_prompt")),
    "publish draft in other_cohort":     Call("post", Page("discussions:prompt_publish",
                                                           pk="other_cohort_draft")),
    "role swap form":                    Call("get", Page("discussions:roles_swap", pk="thread")),
    "swap roles in thread":              Call("post", Page("discussions:roles_swap", pk="thread"),
                                              lambda s: {"first": s.w.learner.pk,
                                                         "second": s.w.peer_mentor.pk}),
    "lock thread":                       Call("post", Page("discussions:thread_lock", pk="thread")),
    "lock thread in other_cohort":       Call("post", Page("discussions:thread_lock",
                                                           pk="other_cohort_thread")),
    "unlock locked thread":              Call("post", Page("discussions:thread_lock", pk="locked_thread"),
                                              lambda s: {"locked": "0"}),
    "Top Take form":                     Call("get", Page("discussions:top_take_select", pk="learner_post")),
    "top-take learner's post":           Call("post", Page("discussions:top_take_select", pk="learner_post"),
                                              lambda s: {"reason": "Names the behaviour"}),
    "hide mentor's post":                Call("post", Page("discussions:post_hide", pk="mentor_post")),
    "restore hidden post":               Call("post", Page("discussions:post_restore", pk="hidden_post")),
    "message form":                      Call("get", Page("discussions:author_message", pk="learner_post")),
    "message learner about their post":  Call("post", Page("discussions:author_message", pk="learner_post"),
                                              lambda s: {"text": "Could you add an example?"}),
    "resolve form of learner's flag":    Call("get", Page("discussions:flag_resolve", pk="learner_flag")),
    "resolve learner's flag":            Call("post", Page("discussions:flag_resolve", pk="learner_flag"),
                                              lambda s: {"outcome": "dismissed"}),
    "moderation queue":                  Call("get", Page("discussions:moderation")),
    "make the learner moderator":        Call("post", Page("discussions:moderator_set", cohort_pk="cohort"),
                                              lambda s: {"membership": s.learner_membership.pk}),
    # notifications (the bell)
    "notifications":                     Call("get", Page("notifications:list")),
    "mark all notifications read":       Call("post", Page("notifications:read_all")),
    "mark own notification read":        Call("post", Page("notifications:read", pk="own_notification")),
    "mark colleague's notification read": Call("post", Page("notifications:read",
                                                            pk="colleague_notification")),
    "open own notification":             Call("get", Page("notifications:open", pk="own_notification")),
    "open colleague's notification":     Call("get", Page("notifications:open", pk="colleague_notification")),
    # peer review: the learner pages
    "peer review assignments":           Call("get", Page("peer_review:list")),
    "peer review assignment page":       Call("get", Page("peer_review:assignment", pk="pr_assignment")),
    "draft assignment page":             Call("get",
                                              Page("peer_review:assignment", pk="pr_draft_assignment")),
    "submission form":                   Call("get", Page("peer_review:submit", pk="pr_assignment")),
    "regrade request form":              Call("get", Page("peer_review:dispute", pk="pr_assignment")),
    "calibration page":                  Call("get", Page("peer_review:calibrate", pk="pr_assignment")),
    "version 1 of learner's submission": Call("get", Page("peer_review:version", pk="learner_submission",
                                                          number=1)),
    "learner's attachment":              Call("get", Page("peer_review:attachment", pk="learner_attachment")),
    "version 1 of Kim's late submission": Call("get", Page("peer_review:version", pk="kim_submission",
                                                           number=1)),
    "calibration result":                Call("get", Page("peer_review:calibration_result", pk="pr_example")),
    "learner's review page":             Call("get", Page("peer_review:review", pk="learner_allocation")),
    "rating form of mentor's review":    Call("get", Page("peer_review:rate", pk="mentor_review")),
    # peer review: the staff pages
    "peer review management":            Call("get", Page("peer_review:manage")),
    "rubrics page":                      Call("get", Page("peer_review:rubrics")),
    "new rubric form":                   Call("get", Page("peer_review:rubric_create")),
    "edit draft rubric form":            Call("get", Page("peer_review:rubric_edit", pk="pr_draft_rubric")),
    "publish draft rubric":              Call("post",
                                              Page("peer_review:rubric_publish", pk="pr_draft_rubric")),
    "new assignment form":               Call("get",
                                              Page("peer_review:assignment_create", cohort_pk="cohort")),
    "assignment dashboard":              Call("get", Page("peer_review:dashboard", pk="pr_assignment")),
    "edit draft assignment form":        Call("get", Page("peer_review:assignment_edit",
                                                          pk="pr_draft_assignment")),
    "publish draft assignment":          Call("post", Page("peer_review:assignment_publish",
                                                           pk="pr_draft_assignment")),
    "grades CSV":                        Call("get", Page("peer_review:grades_csv", pk="pr_assignment")),
    "new calibration example form":      Call("get", Page("peer_review:example_create", pk="pr_assignment")),
    "score calibration example form":    Call("get", Page("peer_review:example_score", pk="pr_example")),
    "Sam's checkpoint":                  Call("get", Page("peer_review:checkpoint", pk="sam_checkpoint")),
    "answer form of learner's dispute":  Call("get",
                                              Page("peer_review:dispute_answer", pk="learner_dispute")),
    # points and kudos
    "my points":                         Call("get", Page("gamification:mine")),
    "cohort leaderboard":                Call("get", Page("gamification:leaderboard", pk="cohort")),
    "other_cohort leaderboard":          Call("get", Page("gamification:leaderboard", pk="other_cohort")),
    "switch cohort leaderboards off":    Call("post", Page("gamification:leaderboards_switch", pk="cohort")),
    "stay off leaderboards":             Call("post", Page("gamification:preferences"),
                                              lambda s: {"hide_from_leaderboards": "on"}),
    "mentor's page":                     Call("get", Page("gamification:member", pk="mentor")),
    "kudos form":                        Call("get", Page("gamification:kudos_new")),
    "badges":                            Call("get", Page("gamification:badges")),
    "first review badge page":           Call("get", Page("gamification:badge_detail",
                                                          code="first_review_badge_code")),
    "download learner's credential":     Call("get", Page("gamification:badge_credential",
                                                          award_id="learner_award")),
    "learner's credential as JSON":      Call("get", Page("gamification:badge_credential_json",
                                                          award_id="learner_award")),
    # the public pages a credential links to
    "verify learner's award":            Call("get", Page("credentials:award", award_id="learner_award")),
    "check a pasted credential":         Call("post", Page("credentials:award", award_id="learner_award"),
                                              lambda s: {"token": "not.a.credential"}),
    "credential checker":                Call("get", Page("credentials:verify")),
    "issuer profile":                    Call("get", Page("credentials:issuer",
                                                          organization_id="signed_org")),
    "issuer key":                        Call("get", Page("credentials:key", organization_id="signed_org")),
    "first review achievement":          Call("get", Page("credentials:achievement",
                                                          organization_id="signed_org",
                                                          badge_id="first_review_badge")),
    "first review image":                Call("get", Page("credentials:image", organization_id="signed_org",
                                                          badge_id="first_review_badge")),
    # live sessions
    "live sessions of cohort":           Call("get", Page("touchpoints:cohort_sessions", pk="cohort")),
    "live sessions of other_cohort":     Call("get", Page("touchpoints:cohort_sessions", pk="other_cohort")),
    "session page":                      Call("get", Page("touchpoints:detail", pk="touchpoint")),
    "session page in other_cohort":      Call("get", Page("touchpoints:detail",
                                                          pk="other_cohort_touchpoint")),
    "answer a session":                  Call("post", Page("touchpoints:rsvp", pk="touchpoint"),
                                              lambda s: {"response": "yes"}),
    "session calendar file":             Call("get", Page("touchpoints:invite_ics", pk="touchpoint")),
    "schedule session form":             Call("get", Page("touchpoints:schedule", pk="cohort")),
    "schedule a session":                Call("post", Page("touchpoints:schedule", pk="cohort"),
                                              lambda s: touchpoint_form()),
    "edit session form":                 Call("get", Page("touchpoints:edit", pk="touchpoint")),
    "edit a session":                    Call("post", Page("touchpoints:edit", pk="touchpoint"),
                                              lambda s: touchpoint_form()),
    "cancel session form":               Call("get", Page("touchpoints:cancel", pk="touchpoint")),
    "cancel a session":                  Call("post", Page("touchpoints:cancel", pk="touchpoint"),
                                              lambda s: {"reason": "Public holiday"}),
    "attendance form":                   Call("get", Page("touchpoints:attendance", pk="past_touchpoint")),
    "record attendance":                 Call("post", Page("touchpoints:attendance", pk="past_touchpoint"),
                                              lambda s: {"attended": [s.w.learner.pk]}),
    # nudges
    "nudge preferences":                 Call("get", Page("nudges:preferences")),
    "save nudge preferences":            Call("post", Page("nudges:preferences"),
                                              lambda s: {"peer__email": "on", "quiet_start": ""}),
    "unsubscribe link":                  Call("get", Page("nudges:unsubscribe", token="unsubscribe_link")),
    "one-click unsubscribe":             Call("post", Page("nudges:unsubscribe", token="unsubscribe_link"),
                                              lambda s: {"List-Unsubscribe": "One-Click"}),
    "nudge approval queue":              Call("get", Page("nudges:approvals")),
    "approve learner's nudge":           Call("post", Page("nudges:approvals"),
                                              lambda s: {"action": "approve",
                                                         "groups": [s.learner_nudge.group]}),
    "nudge rules":                       Call("get", Page("nudges:rules")),
    "new nudge rule form":               Call("get", Page("nudges:rule_new")),
    "make a nudge rule":                 Call("post", Page("nudges:rule_new"), lambda s: {
        "cohort": s.w.cohort.pk, "name": "Quiet", "trigger": "inactive", "days": "7", "hours_before": "24",
        "role": "learner", "subject": "Hi", "body_text": "Hi", "send_email": "on", "mode": "approval"}),
    "cohort's nudge rule":               Call("get", Page("nudges:rule_edit", pk="nudge_rule")),
    "edit cohort's nudge rule":          Call("post", Page("nudges:rule_edit", pk="nudge_rule"), lambda s: {
        "name": "Quiet", "trigger": "inactive", "days": "7", "hours_before": "24", "role": "learner",
        "subject": "Hi", "body_text": "Hi", "send_email": "on", "mode": "approval", "is_active": "on"}),
    "switch cohort's nudge rule off":    Call("post", Page("nudges:rule_deactivate", pk="nudge_rule")),
    "preview cohort's nudge rule":       Call("get", Page("nudges:rule_preview", pk="nudge_rule")),
    "nudge delivery log":                Call("get", Page("nudges:log")),
    "remind a peer form":                Call("get", Page("nudges:remind")),
    "remind the peer mentor":            Call("post", Page("nudges:remind"), lambda s: {
        "cohort": s.w.cohort.pk, "recipient": s.w.peer_mentor.pk, "note": "our review"}),
    "cohort's digests":                  Call("get", Page("nudges:cohort_digests", pk="cohort")),
    "other_cohort's digests":            Call("get", Page("nudges:cohort_digests", pk="other_cohort")),
    "write the digest intro":            Call("post", Page("nudges:cohort_digests", pk="cohort"),
                                              lambda s: {"intro": "A strong week."}),
    "sent digest page":                  Call("get", Page("nudges:digest", pk="sent_digest")),
    "draft digest page":                 Call("get", Page("nudges:digest", pk="draft_digest")),
}

PORTAL_MATRIX: dict[str, tuple[int | str, ...]] = {
    #                                    anon   hr     anlst  facil  exprt  mentr  lrnr   outsdr
    "home":                              (LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    "this week":                         (LOGIN, 200,   200,   200,   200,   200,   200,   200),
    "cohort page":                       (LOGIN, 200,   200,   200,   200,   200,   200,   404),
    "other_cohort page":                 (LOGIN, 200,   200,   404,   404,   404,   404,   404),
    "profile":                           (LOGIN, 200,   200,   200,   200,   200,   200,   200),
    "save profile":                      (LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    "facilitator dashboard":             (LOGIN, 200,   403,   200,   403,   403,   403,   403),
    "new cohort form":                   (LOGIN, 200,   403,   200,   403,   403,   403,   403),
    "create cohort":                     (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   403),
    "manage cohort":                     (LOGIN, 200,   403,   200,   403,   403,   403,   404),
    "manage other_cohort":               (LOGIN, 200,   403,   404,   404,   404,   404,   404),
    "manage cohort: add member":         (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "manage cohort: add squad":          (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "change learner's membership":       (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "change membership by GET":          (LOGIN, 405,   405,   405,   405,   405,   405,   405),
    "remove learner's membership":       (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "arrange squads automatically":      (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "delete squad Alpha":                (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "API tokens":                        (LOGIN, 200,   200,   200,   200,   200,   200,   200),
    "create API token":                  (LOGIN, 200,   200,   200,   200,   200,   200,   200),
    "revoke own token":                  (LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    "revoke colleague's token":          (LOGIN, 404,   404,   404,   404,   404,   404,   404),
    # Only HR admins enter the admin; everyone else is sent back to the portal.
    "admin":                             (LOGIN, 200,   MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    # discussions: a form the person may not send still shows (it is how they read the thread);
    # posting it is a 403. A rule broken by a visible request keeps the form and says why: a
    # 200, or for the one-click reactions a redirect back to the post with the message.
    "thread page":                       (LOGIN, 200,   200,   200,   200,   200,   200,   404),
    "thread page in other_cohort":       (LOGIN, 200,   200,   404,   404,   404,   404,   404),
    "post in thread":                    (LOGIN, 403,   403,   MOVED, MOVED, MOVED, MOVED, 404),
    "learner's post":                    (LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, 404),
    # Hidden posts: for those who run the prompts only, the author (the peer mentor) included.
    "hidden post":                       (LOGIN, MOVED, 404,   MOVED, 404,   404,   404,   404),
    "earlier replies to learner's post": (LOGIN, 200,  200,   200,   200,   200,   200,   404),
    "reply form":                        (LOGIN, 200,   200,   200,   200,   200,   200,   404),
    "reply to learner's post":           (LOGIN, 403,   403,   MOVED, MOVED, MOVED, MOVED, 404),
    "edit learner's post form":          (LOGIN, 403,   403,   403,   403,   403,   200,   404),
    "edit learner's post":               (LOGIN, 403,   403,   403,   403,   403,   MOVED, 404),
    "delete learner's post form":        (LOGIN, 403,   403,   403,   403,   403,   200,   404),
    "delete learner's post":             (LOGIN, 403,   403,   403,   403,   403,   MOVED, 404),
    "versions of learner's post":        (LOGIN, 200,   200,   200,   200,   200,   200,   404),
    # The peer mentor may not endorse their own post: sent back to it with the message.
    "endorse mentor's post":             (LOGIN, 403,   403,   MOVED, MOVED, MOVED, MOVED, 404),
    "nominate mentor's post":            (LOGIN, 403,   403,   MOVED, MOVED, MOVED, MOVED, 404),
    "flag form of mentor's post":        (LOGIN, 200,   200,   200,   200,   200,   200,   404),
    # ... nor flag it: the form again, saying why.
    "flag mentor's post":                (LOGIN, 403,   403,   MOVED, MOVED, 200,   MOVED, 404),
    "cohort feed":                       (LOGIN, 200,   200,   200,   200,   200,   200,   404),
    "other_cohort feed":                 (LOGIN, 200,   200,   404,   404,   404,   404,   404),
    "mark micro-task done":              (LOGIN, 403,   403,   403,   403,   MOVED, MOVED, 404),
    "prompts of cohort":                 (LOGIN, 200,   403,   200,   403,   403,   403,   404),
    "prompts of other_cohort":           (LOGIN, 200,   403,   404,   404,   404,   404,   404),
    "new prompt form":                   (LOGIN, 200,   403,   200,   403,   403,   403,   404),
    "create prompt":                     (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "create prompt in other_cohort":     (LOGIN, MOVED, 403,   404,   404,   404,   404,   404),
    "prompt page":                       (LOGIN, 200,   403,   200,   403,   403,   403,   404),
    # Drafts: seen by those who run the cohort (and analysts, who read everything).
    "draft prompt page":                 (LOGIN, 200,   403,   200,   404,   404,   404,   404),
    "publish form of draft prompt":      (LOGIN, 200,   403,   200,   404,   404,   404,   404),
    "publish draft prompt":              (LOGIN, MOVED, 403,   MOVED, 404,   404,   404,   404),
    "publish draft in other_cohort":     (LOGIN, MOVED, 403,   404,   404,   404,   404,   404),
    "role swap form":                    (LOGIN, 200,   403,   200,   403,   403,   403,   404),
    "swap roles in thread":              (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "lock thread":                       (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "lock thread in other_cohort":       (LOGIN, MOVED, 403,   404,   404,   404,   404,   404),
    "unlock locked thread":              (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "Top Take form":                     (LOGIN, 200,   403,   200,   403,   403,   403,   404),
    "top-take learner's post":           (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "hide mentor's post":                (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "restore hidden post":               (LOGIN, MOVED, 404,   MOVED, 404,   404,   404,   404),
    "message form":                      (LOGIN, 200,   403,   200,   403,   403,   403,   404),
    "message learner about their post":  (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    # The learner raised it: they see it, but only those who moderate resolve it.
    "resolve form of learner's flag":    (LOGIN, 200,   404,   200,   404,   404,   403,   404),
    "resolve learner's flag":            (LOGIN, MOVED, 404,   MOVED, 404,   404,   403,   404),
    "moderation queue":                  (LOGIN, 200,   403,   200,   403,   403,   403,   403),
    "make the learner moderator":        (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "notifications":                     (LOGIN, 200,   200,   200,   200,   200,   200,   200),
    "mark all notifications read":       (LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    "mark own notification read":        (LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    "mark colleague's notification read": (LOGIN, 404,  404,   404,   404,   404,   404,   404),
    "open own notification":             (LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    "open colleague's notification":     (LOGIN, 404,   404,   404,   404,   404,   404,   404),
    # peer review: the submit, regrade and rating forms live on other pages (POST only here).
    "peer review assignments":           (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    "peer review assignment page":       (LOGIN, 200, 200, 200, 200, 200, 200, 404),
    "draft assignment page":             (LOGIN, 200, 200, 200, 200, 404, 404, 404),
    "submission form":                   (LOGIN, 405, 405, 405, 405, 405, 405, 405),
    "regrade request form":              (LOGIN, 405, 405, 405, 405, 405, 405, 405),
    "calibration page":                  (LOGIN, 403, 403, 403, 403, 200, 200, 404),
    "version 1 of learner's submission": (LOGIN, 200, 404, 200, 200, 200, 200, 404),
    "learner's attachment":              (LOGIN, 200, 404, 200, 200, 200, 200, 404),
    "version 1 of Kim's late submission": (LOGIN, 200, 404, 200, 200, 404, 404, 404),
    "calibration result":                (LOGIN, MOVED, 404, MOVED, MOVED, 200, 200, 404),
    "learner's review page":             (LOGIN, 404, 404, 404, 404, 404, 200, 404),
    "rating form of mentor's review":    (LOGIN, 405, 405, 405, 405, 405, 405, 405),
    "peer review management":            (LOGIN, 200, 403, 200, 200, 403, 403, 403),
    "rubrics page":                      (LOGIN, 200, 403, 200, 200, 403, 403, 403),
    "new rubric form":                   (LOGIN, 200, 403, 200, 200, 403, 403, 403),
    "edit draft rubric form":            (LOGIN, 200, 404, 200, 200, 404, 404, 404),
    "publish draft rubric":              (LOGIN, MOVED, 404, MOVED, MOVED, 404, 404, 404),
    "new assignment form":               (LOGIN, 200, 403, 200, 403, 403, 403, 404),
    "assignment dashboard":              (LOGIN, 200, 200, 200, 200, 403, 403, 404),
    "edit draft assignment form":        (LOGIN, 200, 403, 200, 403, 404, 404, 404),
    "publish draft assignment":          (LOGIN, MOVED, 403, MOVED, 403, 404, 404, 404),
    "grades CSV":                        (LOGIN, 200, 200, 200, 200, 403, 403, 404),
    "new calibration example form":      (LOGIN, 200, 403, 200, 200, 403, 403, 404),
    "score calibration example form":    (LOGIN, 200, 404, 200, 200, 403, 403, 404),
    "Sam's checkpoint":                  (LOGIN, 200, 404, 200, 200, 404, 404, 404),
    "answer form of learner's dispute":  (LOGIN, 200, 404, 200, 200, 404, 403, 404),
    "my points":                         (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    "cohort leaderboard":                (LOGIN, 200, 200, 200, 200, 200, 200, 404),
    "other_cohort leaderboard":          (LOGIN, 200, 200, 404, 404, 404, 404, 404),
    "switch cohort leaderboards off":    (LOGIN, MOVED, 403, MOVED, 403, 403, 403, 404),
    "stay off leaderboards":             (LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    "mentor's page":                     (LOGIN, 200, 200, 200, 200, 200, 200, 404),
    "kudos form":                        (LOGIN, 200, 200, 200, 200, 200, 200, 200),
    "badges":                            (LOGIN, 200,   200,   200,   200,   200,   200,   200),
    "first review badge page":           (LOGIN, 200,   200,   200,   200,   200,   200,   200),
    "download learner's credential":     (LOGIN, 404,   404,   404,   404,   404,   200,   404),
    "learner's credential as JSON":      (LOGIN, 404,   404,   404,   404,   404,   200,   404),
    "verify learner's award":            (200,   200,   200,   200,   200,   200,   200,   200),
    "check a pasted credential":         (200,   200,   200,   200,   200,   200,   200,   200),
    "credential checker":                (200,   200,   200,   200,   200,   200,   200,   200),
    "issuer profile":                    (200,   200,   200,   200,   200,   200,   200,   200),
    "issuer key":                        (200,   200,   200,   200,   200,   200,   200,   200),
    "first review achievement":          (200,   200,   200,   200,   200,   200,   200,   200),
    "first review image":                (200,   200,   200,   200,   200,   200,   200,   200),
    # live sessions: HR admins and analysts are in no cohort, so they do not answer
    "live sessions of cohort":           (LOGIN, 200,   200,   200,   200,   200,   200,   404),
    "live sessions of other_cohort":     (LOGIN, 200,   200,   404,   404,   404,   404,   404),
    "session page":                      (LOGIN, 200,   200,   200,   200,   200,   200,   404),
    "session page in other_cohort":      (LOGIN, 200,   200,   404,   404,   404,   404,   404),
    "answer a session":                  (LOGIN, 403,   403,   MOVED, MOVED, MOVED, MOVED, 404),
    "session calendar file":             (LOGIN, 200,   200,   200,   200,   200,   200,   404),
    "schedule session form":             (LOGIN, 200,   403,   200,   403,   403,   403,   404),
    "schedule a session":                (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "edit session form":                 (LOGIN, 200,   403,   200,   403,   403,   403,   404),
    "edit a session":                    (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "cancel session form":               (LOGIN, 200,   403,   200,   403,   403,   403,   404),
    "cancel a session":                  (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "attendance form":                   (LOGIN, 200,   403,   200,   403,   403,   403,   404),
    "record attendance":                 (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    # nudges: the unsubscribe link needs no sign-in; approvals and rules are for those who
    # run cohorts (analysts read rules and the log); a reminder goes to a fellow member
    # (HR admins and analysts are in no cohort: the form says so)
    "nudge preferences":                 (LOGIN, 200,   200,   200,   200,   200,   200,   200),
    "save nudge preferences":            (LOGIN, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED, MOVED),
    "unsubscribe link":                  (200,   200,   200,   200,   200,   200,   200,   200),
    "one-click unsubscribe":             (200,   200,   200,   200,   200,   200,   200,   200),
    "nudge approval queue":              (LOGIN, 200,   403,   200,   403,   403,   403,   403),
    "approve learner's nudge":           (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   403),
    "nudge rules":                       (LOGIN, 200,   200,   200,   403,   403,   403,   403),
    "new nudge rule form":               (LOGIN, 200,   403,   200,   403,   403,   403,   403),
    "make a nudge rule":                 (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   403),
    "cohort's nudge rule":               (LOGIN, 200,   200,   200,   404,   404,   404,   404),
    "edit cohort's nudge rule":          (LOGIN, MOVED, 403,   MOVED, 404,   404,   404,   404),
    "switch cohort's nudge rule off":    (LOGIN, MOVED, 403,   MOVED, 404,   404,   404,   404),
    "preview cohort's nudge rule":       (LOGIN, 200,   200,   200,   404,   404,   404,   404),
    "nudge delivery log":                (LOGIN, 200,   200,   200,   403,   403,   403,   403),
    "remind a peer form":                (LOGIN, 200,   200,   200,   200,   200,   200,   200),
    "remind the peer mentor":            (LOGIN, 200,   200,   MOVED, MOVED, 200,   MOVED, 200),
    "cohort's digests":                  (LOGIN, 200,   200,   200,   200,   200,   200,   404),
    "other_cohort's digests":            (LOGIN, 200,   200,   404,   404,   404,   404,   404),
    "write the digest intro":            (LOGIN, MOVED, 403,   MOVED, 403,   403,   403,   404),
    "sent digest page":                  (LOGIN, 200,   200,   200,   200,   200,   200,   404),
    "draft digest page":                 (LOGIN, 200,   404,   200,   404,   404,   404,   404),
}


def cells(matrix: dict[str, tuple], roles=ROLES) -> list:
    return [
        pytest.param(name, role, expected[ROLES.index(role)], id=f"{name}-{role}")
        for name, expected in matrix.items()
        for role in roles
    ]


def test_every_call_has_a_row_in_its_matrix():
    assert set(API_CALLS) == set(API_MATRIX)
    assert set(PORTAL_CALLS) == set(PORTAL_MATRIX)
    assert all(len(row) == len(ROLES) for row in [*API_MATRIX.values(), *PORTAL_MATRIX.values()])


def test_the_matrix_covers_every_api_collection():
    from config.api_urls import router

    registered = {prefix for prefix, _viewset, _basename in router.registry}
    listed = {name.removesuffix("/") for name in LIST_MATRIX}
    assert registered == listed
    called = {call.url.collection for call in API_CALLS.values()}
    assert registered | {"me", "organization", "nudge-preferences", ""} == called
    # Extra actions (e.g. cohorts/{pk}/arrange-squads/) are endpoints too.
    # A nested id in an action's path is a regex group (attachments/(?P<attachment_id>[0-9]+)).
    extra_actions = {
        re.sub(r"\(\?P<\w+>[^)]*\)", "{pk}",
               f"{prefix}/{{pk}}/{extra.url_path}/" if extra.detail else f"{prefix}/{extra.url_path}/")
        for prefix, viewset, _basename in router.registry
        for extra in viewset.get_extra_actions()
    }
    called_paths = {re.sub(r"\{\w+\}", "{pk}", call.url.path) for call in API_CALLS.values()}
    assert extra_actions <= called_paths


def test_the_matrix_covers_every_portal_page():
    pages = set(portal_pages())
    assert {name.partition(":")[0] for name in pages} >= {"portal", "discussions", "notifications"}
    called = {call.url.name for call in PORTAL_CALLS.values()}
    assert pages - called == set()


def _scene(world, role: str) -> Scene:
    return Scene(w=world, user=None if role == "anonymous" else world.person(role))


def _final_path(client, response) -> str:
    """Where a chain of redirects ends (without rendering the last page)."""
    for _ in range(5):
        if response.status_code not in (301, 302):
            break
        location = response["Location"]
        path = urlsplit(location).path
        if path == reverse("account_login"):
            return path
        response = client.get(location)
    return response.request["PATH_INFO"]


@pytest.mark.parametrize(("name", "role", "expected"), cells(API_MATRIX))
def test_api(world, api_client, name, role, expected):
    # Given a person in `role` (or nobody) and the records the request points at
    s = _scene(world, role)
    call = API_CALLS[name]
    url = call.url(s)  # creates the records, so count audit rows after
    data = call.data(s) if call.data else None
    audit_rows = AuditEntry.objects.count()

    # When they make the request
    client = api_client(s.user)
    response = getattr(client, call.method)(url, data, format="json")

    # Then they get the status the matrix says, and a refusal changes nothing
    assert response.status_code == expected, response.content[:300]
    if expected >= 400:
        assert AuditEntry.objects.count() == audit_rows
        assert set(response.json()) == {"message", "errors"}


@pytest.mark.parametrize("collection", list(LIST_MATRIX))
@pytest.mark.parametrize("role", SIGNED_IN_ROLES)
def test_api_lists_hold_exactly_what_the_role_may_see(world, api_client, collection, role):
    # Given the standard organisation with the records every role's row names
    s = _scene(world, role)
    make_token(s.colleague)
    labels = list_labels(s)
    made = {label: labels[label]() for label in set().union(*LIST_MATRIX[collection].values())}

    # When the person lists the collection
    response = api_client(s.user).get(f"/api/v1/{collection}")

    # Then they see exactly the rows the matrix names
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    expected = set().union(*(made[label] for label in LIST_MATRIX[collection][role]))
    assert ids == expected


@pytest.mark.parametrize(("name", "role", "expected"), cells(PORTAL_MATRIX))
def test_portal(world, client, name, role, expected):
    # Given a person in `role` (or nobody) and the records the page points at
    s = _scene(world, role)
    call = PORTAL_CALLS[name]
    url = call.url(s)
    data = call.data(s) if call.data else None
    if s.user is not None:
        client.force_login(s.user)
    audit_rows = AuditEntry.objects.count()

    # When they open the page (or post the form)
    response = client.post(url, data or {}) if call.method == "post" else client.get(url)

    # Then they get what the matrix says, and a refusal changes nothing
    if expected == LOGIN:
        assert response.status_code == 302
        assert _final_path(client, response) == reverse("account_login")
    elif expected == MOVED:
        assert response.status_code == 302, response.content[:300]
        assert _final_path(client, response) != reverse("account_login")
    else:
        assert response.status_code == expected, response.content[:300]
    if expected in (LOGIN, 403, 404, 405):
        assert AuditEntry.objects.count() == audit_rows


def test_a_refused_portal_form_leaves_the_cohort_as_it_was(world, client):
    # Given an expert of the cohort, who can see it but not run it
    client.force_login(world.expert)
    membership = CohortMembership.objects.get(cohort=world.cohort, user=world.learner)

    # When they try to change, remove and delete what a facilitator would
    client.post(reverse("portal:membership_change", args=[world.cohort.pk, membership.pk]),
                {"role": CohortRole.FACILITATOR})
    client.post(reverse("portal:membership_remove", args=[world.cohort.pk, membership.pk]))
    client.post(reverse("portal:squad_delete", args=[world.cohort.pk, world.squad.pk]))

    # Then the learner is still a learner in squad Alpha
    membership.refresh_from_db()
    assert (membership.role, membership.squad_id) == (CohortRole.LEARNER, world.squad.pk)


def test_the_learner_moderator_resolves_low_risk_flags_and_nothing_else(world, client):
    # Given the learner, this week's moderator, a spam flag and a disrespect flag in the cohort
    s = _scene(world, "learner")
    discussions.moderator_set(actor=world.facilitator, membership=s.learner_membership)
    spam, disrespect = s.learner_flag, s.expert_flag
    client.force_login(world.learner)

    def status(method: str, name: str, pk: int | None = None, data: dict | None = None) -> int:
        url = reverse(name, args=[pk] if pk else [])
        return (client.post(url, data or {}) if method == "post" else client.get(url)).status_code

    # When they work the queue, and try what only facilitators do
    answers = {
        "queue": status("get", "discussions:moderation"),
        "resolve spam": status("post", "discussions:flag_resolve", spam.pk, {"outcome": "dismissed"}),
        "resolve disrespect": status("post", "discussions:flag_resolve", disrespect.pk,
                                     {"outcome": "upheld"}),
        "hide a post": status("post", "discussions:post_hide", s.mentor_post.pk),
        "lock the thread": status("post", "discussions:thread_lock", s.thread.pk),
        "prompts": status("get", "discussions:prompt_list", world.cohort.pk),
    }

    # Then the low-risk flag is theirs to resolve; the other is not even theirs to see
    assert answers == {"queue": 200, "resolve spam": 302, "resolve disrespect": 404,
                       "hide a post": 403, "lock the thread": 403, "prompts": 403}
    spam.refresh_from_db()
    disrespect.refresh_from_db()
    assert (spam.outcome, disrespect.resolved_at) == ("dismissed", None)


def test_a_facilitator_who_creates_a_cohort_may_then_run_it(world, api_client):
    # Given a facilitator
    client = api_client(world.facilitator)

    # When they create a cohort over the API
    created = client.post("/api/v1/cohorts/", {"name": "Autumn", "start_date": "2027-09-06"},
                          format="json")

    # Then they facilitate it and may change its settings and squads
    assert created.status_code == 201
    cohort_id = created.json()["id"]
    assert client.patch(f"/api/v1/cohorts/{cohort_id}/", {"state": "active"},
                        format="json").status_code == 200
    assert client.post("/api/v1/squads/", {"cohort": cohort_id, "name": "First"},
                       format="json").status_code == 201


def test_an_api_token_carries_the_same_permissions_as_a_session(world, api_client):
    # Given an expert's personal API token
    from core.services import api_token_create

    _token, key = api_token_create(actor=world.expert, name="script")
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    # When the script reads and tries to change the cohort
    read = client.get(f"/api/v1/cohorts/{world.cohort.pk}/")
    change = client.patch(f"/api/v1/cohorts/{world.cohort.pk}/", {"name": "Hijacked"}, format="json")
    hidden = client.get(f"/api/v1/cohorts/{world.other_cohort.pk}/")

    # Then it may read, may not change, and cannot see what the expert cannot see
    assert (read.status_code, change.status_code, hidden.status_code) == (200, 403, 404)


def test_a_revoked_or_made_up_token_is_refused(world, api_client):
    from core.services import api_token_create, api_token_revoke

    token, key = api_token_create(actor=world.hr_admin, name="old")
    api_token_revoke(actor=world.hr_admin, token=token)
    for header in (f"Token {key}", "Token plk_made-up", "Token"):
        client = api_client()
        client.credentials(HTTP_AUTHORIZATION=header)
        assert client.get("/api/v1/me/").status_code == 401, header


def test_a_deactivated_person_loses_access(world, api_client):
    # Given a facilitator whose account was deactivated after signing in
    client = api_client(world.facilitator)
    User.objects.filter(pk=world.facilitator.pk).update(is_active=False)

    # When they use the API
    response = client.get(f"/api/v1/cohorts/{world.cohort.pk}/")

    # Then the session no longer counts
    assert response.status_code in (401, 403)
