"""Rebuilding points and badges from the event log gives exactly what the live
consumer wrote.

The history is generated (`bench.common.points_history`): three cohorts in two
organisations and three timezones, learners, peer mentors and facilitators, five weeks
of every earning verb with the payloads the real services emit, endorsements
withdrawn, posts hidden, restored and deleted. Busy learners run into daily caps."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from bench.common import CohortPeople, points_history
from cohorts.models import CohortRole
from core.bulk import insert_rows
from core.events import consume
from core.models import Event
from gamification import services
from gamification.badge_models import BadgeAward, BadgeProgress
from gamification.models import DailyRuleTally, LedgerEntry, PointRule, PointTotal, WeeklyPoints
from tests.factories import MembershipFactory, SquadFactory

pytestmark = pytest.mark.django_db

CONSUMER = "gamification.points"


def staff_and_squads(world, cohort, *, timezone_name: str, learners: int, mentors: int) -> CohortPeople:
    """The cohort's earners in squads of four, and its facilitator."""
    cohort.timezone = timezone_name
    cohort.save()
    earning = [CohortRole.LEARNER, CohortRole.PEER_MENTOR]
    earners = [membership.user for membership in cohort.memberships.filter(role__in=earning)]
    earners += [MembershipFactory(cohort=cohort, role=CohortRole.LEARNER).user for _ in range(learners)]
    earners += [MembershipFactory(cohort=cohort, role=CohortRole.PEER_MENTOR).user for _ in range(mentors)]
    squads = [earners[start:start + 4] for start in range(0, len(earners), 4)]
    for index, members in enumerate(squads):
        squad = SquadFactory(cohort=cohort, name=f"Squad {index}")
        cohort.memberships.filter(user__in=members).update(squad=squad)
    if not cohort.memberships.filter(role=CohortRole.FACILITATOR).exists():
        MembershipFactory(cohort=cohort, user=world.facilitator, role=CohortRole.FACILITATOR)
    facilitator = cohort.memberships.get(role=CohortRole.FACILITATOR).user_id
    return CohortPeople(organization_id=cohort.organization_id, cohort_id=cohort.pk,
                        squads=[[user.pk for user in members] for members in squads], staff=[facilitator])


def state() -> dict[str, Counter]:
    """Everything points are made of, as multisets of plain values."""
    return {
        "ledger": Counter(LedgerEntry.objects.values_list(
            "rule__code", "rule__organization_id", "source_event_id", "learner_id", "cohort_id", "points",
            "capped", "reverses__source_event_id", "text", "day", "week")),
        "totals": Counter(PointTotal.objects.values_list("cohort_id", "learner_id", "points")),
        "weekly": Counter(WeeklyPoints.objects.values_list("cohort_id", "learner_id", "week", "points")),
        "tallies": Counter(DailyRuleTally.objects.values_list("learner_id", "rule_id", "day", "points")),
        "awards": Counter(BadgeAward.objects.values_list(
            "id", "badge__code", "learner_id", "cohort_id", "source_event_id", "awarded_at", "revoked_at",
            "revoked_by_id", "revocation_reason")),
        "progress": Counter(BadgeProgress.objects.values_list("badge_id", "learner_id", "week", "count")),
    }


def test_rebuild_equals_live_on_a_generated_history_of_10000_events(world, other_world):
    # Given two organisations, one paying its own way for endorsements (a cap that
    # cuts the third endorsement of a day short)
    PointRule.objects.create(organization=other_world.org, code="endorsed-post", verb="post_endorsed",
                             recipient="author_id", points=4, daily_cap=10,
                             history_text="{endorser} liked it")
    cohorts = [
        staff_and_squads(world, world.cohort, timezone_name="Europe/Berlin", learners=9, mentors=1),
        staff_and_squads(world, world.other_cohort, timezone_name="America/New_York", learners=10, mentors=2),
        staff_and_squads(other_world, other_world.cohort, timezone_name="Asia/Tokyo", learners=9, mentors=1),
    ]
    history = points_history(cohorts, events=10_000, start=timezone.now() - dt.timedelta(days=35), days=35)
    insert_rows(Event, history)

    # When the live consumer takes every event in order, some twice (a redelivered
    # message, and a second worker past the consumed-marker)
    for index, event in enumerate(Event.objects.order_by("occurred_at", "id")):
        assert consume(CONSUMER, str(event.pk))
        if index % 50 == 0:
            assert not consume(CONSUMER, str(event.pk))
            services.points_apply(event)
    # and an HR admin takes one badge back (the revocation is an event too)
    copied = BadgeAward.objects.filter(badge__code="dedicated-reviewer").order_by("awarded_at").first()
    services.badge_revoke(actor=world.hr_admin, award=copied, reason="Reviews copied from a template")
    assert consume(CONSUMER, str(Event.objects.get(verb="badge_revoked").pk))
    live = state()

    # then the history exercised what it should
    entries = LedgerEntry.objects.all()
    assert entries.count() > 5000
    assert entries.filter(capped=True, points=0).exists()
    assert entries.filter(capped=True, points__gt=0).exists()  # cut short, not to nothing
    assert {"Taken back, the post was removed", "Given back, the post was restored",
            "Taken back, the endorsement was withdrawn"} <= {text.split(":")[0] for text in entries.filter(
                reverses__isnull=False).values_list("text", flat=True)}
    assert entries.filter(rule__code="squad-milestone").count() > entries.filter(
        source_event__verb="squad_milestone_reached").values("source_event").distinct().count()
    assert entries.filter(rule__organization=other_world.org).exists()
    assert len({week for _, _, week, _ in live["weekly"]}) >= 5
    earned = set(BadgeAward.objects.values_list("badge__kind", flat=True))
    assert {"single_event", "count", "points", "calibrated"} <= earned

    # and rebuilding from the log gives the same ledger, totals, weekly points, tallies,
    # badge progress and awards (with their ids, and the revocation)
    call_command("rebuild_points", verbosity=0)
    assert state() == live


def test_the_command_says_how_many_events_it_replayed_into_how_many_entries(world, other_world):
    people = [world.learner, world.peer_mentor]
    for index, reviewer in enumerate(people * 2):
        Event.objects.create(
            organization=world.org, cohort=world.cohort, actor=reviewer, verb="review_submitted",
            subject_type="peer_review.review", subject_id=str(index),
            payload={"review_id": index, "reviewer_id": reviewer.pk, "author_id": people[index % 2 - 1].pk,
                     "is_self": False, "comment_words": 40 if index < 3 else 5},
        )
    Event.objects.create(organization=other_world.org, cohort=other_world.cohort, actor=other_world.learner,
                         verb="review_submitted", subject_type="peer_review.review", subject_id="9",
                         payload={"reviewer_id": other_world.learner.pk, "comment_words": 40})
    out = io.StringIO()
    call_command("rebuild_points", "--organization", world.org.slug, stdout=out)
    # Four reviews replayed; the last was too short to earn anything.
    assert re.search(r"Replayed 4 events into 3 ledger entries", out.getvalue())
    assert not LedgerEntry.objects.filter(organization=other_world.org).exists()  # not asked for

    out = io.StringIO()
    call_command("rebuild_points", stdout=out)
    assert re.search(r"Replayed 5 events into 4 ledger entries", out.getvalue())
    assert PointTotal.objects.get(learner=world.learner).points == 20
