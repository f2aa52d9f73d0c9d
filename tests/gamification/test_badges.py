"""Badges as a learner would notice them: earned once when the criterion is met by
consumed events (a single event, a count, a count within a period, a streak of
weeks, a points total, calibration accuracy), kept once earned, revocable by an HR
admin with a reason in the audit log, and rebuilt from the event log as they were."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from core.events import consume, emit
from core.models import AuditEntry, Event
from gamification import services
from gamification.badge_models import Badge, BadgeAward, BadgeKind
from gamification.events import GamificationVerb
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

CONSUMER = "gamification.points"


def deliver(event: Event, times: int = 1) -> None:
    for _ in range(times):
        consume(CONSUMER, str(event.pk))


def happen(world, verb: str, *, actor=None, when: dt.datetime | None = None, **payload) -> Event:
    event = emit(verb, organization=world.org, actor=actor, cohort=world.cohort, subject=world.cohort,
                 payload=payload)
    if when is not None:
        Event.objects.filter(pk=event.pk).update(occurred_at=when)
        event.refresh_from_db()
    deliver(event)
    return event


def review(world, reviewer, *, words: int = 40, when=None) -> Event:
    return happen(world, "review_submitted", actor=reviewer, when=when, reviewer_id=reviewer.pk,
                  author_id=world.peer_mentor.pk, is_self=False, comment_words=words)


def codes(learner) -> set[str]:
    return set(BadgeAward.objects.filter(learner=learner).values_list("badge__code", flat=True))


def test_a_first_review_earns_its_badge_once_and_announces_it(world):
    review(world, world.learner, words=5)  # too short to count
    assert "first-review" not in codes(world.learner)
    first = review(world, world.learner)
    award = BadgeAward.objects.get(learner=world.learner, badge__code="first-review")
    assert award.source_event_id == first.pk and award.awarded_at == first.occurred_at
    assert award.cohort_id == world.cohort.pk and not award.is_revoked
    review(world, world.learner)
    deliver(first, times=2)
    assert BadgeAward.objects.filter(learner=world.learner, badge__code="first-review").count() == 1
    announced = Event.objects.filter(verb=GamificationVerb.BADGE_AWARDED,
                                     payload__learner_id=world.learner.pk)
    assert [event.payload["badge_code"] for event in announced] == ["first-review"]


def test_staff_earn_no_badges(world):
    review(world, world.facilitator)
    assert not BadgeAward.objects.filter(learner=world.facilitator).exists()


def test_a_count_badge_needs_the_whole_count(world):
    for _ in range(9):
        review(world, world.learner)
    assert "dedicated-reviewer" not in codes(world.learner)
    review(world, world.learner)
    assert "dedicated-reviewer" in codes(world.learner)


def test_a_count_within_a_period_forgets_old_weeks(world):
    now = timezone.now()
    sender_pool = [MembershipFactory(cohort=world.cohort).user for _ in range(5)]
    # Four kudos two months ago, then one now: not five within four weeks.
    for sender in sender_pool[:4]:
        happen(world, "kudos_given", actor=sender, when=now - dt.timedelta(weeks=8),
               recipient_id=world.learner.pk)
    happen(world, "kudos_given", actor=sender_pool[4], recipient_id=world.learner.pk)
    assert "appreciated" not in codes(world.learner)
    for sender in sender_pool[:4]:
        happen(world, "kudos_given", actor=sender, recipient_id=world.learner.pk)
    assert "appreciated" in codes(world.learner)


def test_a_streak_needs_consecutive_weeks(world):
    now = timezone.now()

    def post(weeks_ago: int) -> None:
        happen(world, "post_created", actor=world.learner, when=now - dt.timedelta(weeks=weeks_ago),
               author_id=world.learner.pk, words=40)

    for weeks_ago in (5, 4, 2, 1):  # a gap three weeks ago breaks the run
        post(weeks_ago)
    assert "four-week-streak" not in codes(world.learner)
    post(0)  # weeks 2, 1 and 0: three in a row
    assert "four-week-streak" not in codes(world.learner)
    post(3)  # a late post for the missing week joins the runs: six weeks unbroken
    assert "four-week-streak" in codes(world.learner)


def test_a_squad_milestone_counts_for_every_member_who_delivered(world):
    mates = [world.learner, world.peer_mentor]
    for _ in range(3):
        happen(world, "squad_milestone_reached", actor=world.learner,
               member_ids=[pk.pk for pk in mates] + [world.facilitator.pk], roles=["Skeptic", "Summariser"])
    assert "squad-player" in codes(world.learner) and "squad-player" in codes(world.peer_mentor)
    assert not BadgeAward.objects.filter(learner=world.facilitator).exists()


def test_calibrated_reviewer_needs_accuracy(world):
    happen(world, "calibration_completed", actor=world.learner, learner_id=world.learner.pk, accuracy=0.7)
    assert "calibrated-reviewer" not in codes(world.learner)
    happen(world, "calibration_completed", actor=world.learner, learner_id=world.learner.pk, accuracy=0.9)
    assert "calibrated-reviewer" in codes(world.learner)


def test_a_points_badge_follows_the_total(world):
    # Top Takes pay 15 each by the house rules; seven of them pass 100 points.
    for number in range(7):
        event = emit("top_take_selected", organization=world.org, actor=world.facilitator,
                     cohort=world.cohort, subject=world.cohort,
                     payload={"author_id": world.learner.pk, "post_id": number})
        assert "century" not in codes(world.learner)
        deliver(event)
    assert {"century", "first-top-take"} <= codes(world.learner)


def test_an_organisations_badge_replaces_the_default_and_inactive_switches_it_off(world):
    default = Badge.objects.get(code="first-review", organization=None)
    Badge.objects.create(organization=world.org, code="first-review", name="Off", description="-",
                         criteria_text="-", kind=BadgeKind.SINGLE_EVENT, verb="review_submitted",
                         recipient="reviewer_id", is_active=False)
    review(world, world.learner)
    assert "first-review" not in codes(world.learner)
    assert default.awards.count() == 0


def test_revoking_keeps_the_award_marked_audited_and_never_re_earned(world):
    review(world, world.learner)
    award = BadgeAward.objects.get(learner=world.learner, badge__code="first-review")
    with pytest.raises(ValidationError):
        services.badge_revoke(actor=world.hr_admin, award=award, reason="  ")
    services.badge_revoke(actor=world.hr_admin, award=award, reason="Reviews were copied from elsewhere")
    award.refresh_from_db()
    assert award.is_revoked and award.revoked_by == world.hr_admin
    assert award.revocation_reason == "Reviews were copied from elsewhere"
    entry = AuditEntry.objects.get(action="badge.revoke")
    assert entry.actor == world.hr_admin and entry.changes["reason"][1] == award.revocation_reason
    with pytest.raises(ValidationError):
        services.badge_revoke(actor=world.hr_admin, award=award, reason="again")
    review(world, world.learner)
    assert BadgeAward.objects.filter(learner=world.learner, badge__code="first-review").count() == 1
    # The revocation event reaches the consumer too, and changes nothing more.
    deliver(Event.objects.get(verb=GamificationVerb.BADGE_REVOKED))
    award.refresh_from_db()
    assert award.revocation_reason == "Reviews were copied from elsewhere"


def test_the_rebuild_gives_back_the_same_awards_with_the_same_ids_and_revocations(world):
    for _ in range(10):
        review(world, world.learner)
    happen(world, "calibration_completed", actor=world.peer_mentor, learner_id=world.peer_mentor.pk,
           accuracy=0.95)
    copied = BadgeAward.objects.get(badge__code="dedicated-reviewer")
    services.badge_revoke(actor=world.hr_admin, award=copied, reason="Copied reviews")

    def snapshot():
        return sorted(BadgeAward.objects.values_list(
            "pk", "badge__code", "learner_id", "cohort_id", "source_event_id", "awarded_at", "revoked_at",
            "revoked_by_id", "revocation_reason"))

    live = snapshot()
    announced = Event.objects.filter(verb=GamificationVerb.BADGE_AWARDED).count()
    call_command("rebuild_points", verbosity=0)
    assert snapshot() == live
    assert Event.objects.filter(verb=GamificationVerb.BADGE_AWARDED).count() == announced


def test_badge_settings_are_checked(world):
    badge = Badge(organization=world.org, code="x", name="X", description="-", criteria_text="-",
                  kind=BadgeKind.POINTS, verb="review_submitted", colour="green")
    with pytest.raises(ValidationError) as problem:
        badge.full_clean()
    assert {"verb", "colour"} <= set(problem.value.message_dict)
    calibrated = Badge(organization=world.org, code="y", name="Y", description="-", criteria_text="-",
                       kind=BadgeKind.CALIBRATED, verb="review_submitted")
    with pytest.raises(ValidationError) as problem:
        calibrated.full_clean()
    assert {"verb", "min_accuracy"} <= set(problem.value.message_dict)
