"""The points ledger as learners would notice it: points appear because events were
consumed, once however often an event arrives, within the rules' conditions and
daily caps, and go away when moderation removes the content that earned them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.events import consume, emit
from core.models import Event
from discussions import services as discussions
from gamification import services
from gamification.defaults import install_default_rules
from gamification.models import DailyRuleTally, LedgerEntry, PointRule, PointTotal, WeeklyPoints
from tests.factories import CohortStepFactory, MembershipFactory
from tests.security.support import open_prompt_and_draft

pytestmark = pytest.mark.django_db

CONSUMER = "gamification.points"


def deliver(event: Event, times: int = 1) -> None:
    for _ in range(times):
        consume(CONSUMER, str(event.pk))


def review_event(world, reviewer, *, words: int = 40, when=None, is_self: bool = False) -> Event:
    payload = {"assignment_id": 1, "review_id": 1, "reviewer_id": reviewer.pk,
               "author_id": world.peer_mentor.pk, "is_self": is_self, "late": False, "comment_words": words}
    event = emit("review_submitted", organization=world.org, actor=reviewer, cohort=world.cohort,
                 subject=world.cohort, payload=payload)
    if when is not None:
        Event.objects.filter(pk=event.pk).update(occurred_at=when)
        event.refresh_from_db()
    return event


def total(world, learner) -> int:
    row = PointTotal.objects.filter(cohort=world.cohort, learner=learner).first()
    return row.points if row else 0


def test_a_review_earns_points_once_however_often_it_is_delivered(world):
    event = review_event(world, world.learner)
    deliver(event, times=3)
    services.points_apply(event)  # and once more past the consumed-marker, as a rebuild would
    [entry] = LedgerEntry.objects.filter(learner=world.learner)
    assert (entry.points, entry.text, entry.rule.code) == (10, "reviewed a peer's submission", "peer-review")
    assert total(world, world.learner) == 10
    week = WeeklyPoints.objects.get(learner=world.learner)
    assert week.points == 10 and week.week.weekday() == 0


def test_conditions_decide_whether_an_event_counts(world):
    deliver(review_event(world, world.learner, words=5))  # under the rule's 20 words
    deliver(review_event(world, world.learner, is_self=True))  # a self-assessment
    deliver(review_event(world, world.facilitator))  # staff earn no points
    assert not LedgerEntry.objects.exists()

    def rating(value: int, first: bool) -> Event:
        return emit("usefulness_rated", organization=world.org, actor=world.peer_mentor, cohort=world.cohort,
                    subject=world.cohort, payload={"review_id": 9, "reviewer_id": world.learner.pk,
                                                   "author_id": world.peer_mentor.pk, "rating": value,
                                                   "first_rating": first})

    deliver(rating(3, True))
    assert total(world, world.learner) == 0
    deliver(rating(5, False))  # a changed rating does not pay again
    assert total(world, world.learner) == 0
    deliver(rating(4, True))
    assert total(world, world.learner) == 5
    assert LedgerEntry.objects.get(learner=world.learner).text == "your review was rated useful"


def test_the_daily_cap_holds_per_learner_and_day_in_the_cohorts_timezone(world):
    world.cohort.timezone = "America/New_York"
    world.cohort.save()
    evening = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)  # 18:30 in New York, Monday
    for minutes in range(5):
        deliver(review_event(world, world.learner, when=evening + dt.timedelta(minutes=minutes)))
    entries = LedgerEntry.objects.filter(learner=world.learner).order_by("pk")
    points = list(entries.values_list("points", "capped"))
    assert points == [(10, False)] * 4 + [(0, True)]  # the cap is 40 a day
    deliver(review_event(world, world.learner, when=evening + dt.timedelta(hours=6)))  # Tuesday, local
    assert total(world, world.learner) == 50
    assert set(DailyRuleTally.objects.values_list("day", "points")) == {
        (dt.date(2026, 11, 23), 40), (dt.date(2026, 11, 24), 10)}


def test_an_organisation_overrides_a_default_rule(world, other_world):
    PointRule.objects.create(organization=world.org, code="peer-review", verb="review_submitted",
                             recipient="reviewer_id", points=25, history_text="gave a peer review")
    deliver(review_event(world, world.learner))
    assert total(world, world.learner) == 25
    PointRule.objects.filter(organization=world.org, code="peer-review").update(is_active=False)
    deliver(review_event(world, world.learner))
    assert total(world, world.learner) == 25  # switched off for this organisation only
    other = emit("review_submitted", organization=other_world.org, actor=other_world.learner,
                 cohort=other_world.cohort, subject=other_world.cohort,
                 payload={"reviewer_id": other_world.learner.pk, "comment_words": 40})
    deliver(other)
    assert PointTotal.objects.get(learner=other_world.learner).points == 10


def test_moderation_takes_back_what_a_post_earned_and_restoring_gives_it_back(world):
    thread = open_prompt_and_draft(world)
    body = " ".join(["word"] * 40)
    post = discussions.post_create(actor=world.learner, thread=thread, body=body)
    discussions.endorsement_toggle(actor=world.peer_mentor, post=post, text="Clear and kind.")
    deliver_all = lambda: [deliver(e, times=2) for e in Event.objects.order_by("occurred_at")]  # noqa: E731
    deliver_all()
    assert total(world, world.learner) == 2 + 3  # the post and the endorsement it drew
    assert total(world, world.peer_mentor) == 1  # for endorsing
    assert "Mentor endorsed your post" in LedgerEntry.objects.filter(learner=world.learner).values_list(
        "text", flat=True)

    discussions.post_hide(actor=world.facilitator, post=post)
    deliver_all()
    assert total(world, world.learner) == 0 and total(world, world.peer_mentor) == 0
    reversals = LedgerEntry.objects.filter(reverses__isnull=False)
    assert reversals.count() == 3
    assert all(entry.text.startswith("Taken back, the post was removed") for entry in reversals)

    discussions.post_restore(actor=world.facilitator, post=post)
    deliver_all()
    assert total(world, world.learner) == 5 and total(world, world.peer_mentor) == 1
    assert LedgerEntry.objects.count() == 3 + 3 + 3  # grants, reversals, re-grants; nothing edited


def test_withdrawing_an_endorsement_takes_back_only_its_points(world):
    thread = open_prompt_and_draft(world)
    post = discussions.post_create(actor=world.learner, thread=thread, body="Short one.")
    sam = MembershipFactory(cohort=world.cohort, squad=world.squad, role="learner").user
    for endorser in (world.peer_mentor, sam):
        discussions.endorsement_toggle(actor=endorser, post=post)
    discussions.endorsement_toggle(actor=sam, post=post)  # taken back
    for event in Event.objects.order_by("occurred_at"):
        deliver(event)
    assert total(world, world.learner) == 3  # the mentor's endorsement still counts
    assert total(world, sam) == 0 and total(world, world.peer_mentor) == 1


def test_microtasks_and_top_takes_count_through_the_real_services(world):
    step = CohortStepFactory(cohort=world.cohort, kind="microtask")
    discussions.microtask_complete(actor=world.learner, step=step, comment="Asked Sam")
    thread = open_prompt_and_draft(world)
    post = discussions.post_create(actor=world.learner, thread=thread, body="A take.")
    discussions.top_take_select(actor=world.facilitator, post=post, reason="Names the trade-off.")
    for event in Event.objects.order_by("occurred_at"):
        deliver(event)
    texts = set(LedgerEntry.objects.filter(learner=world.learner).values_list("text", flat=True))
    assert texts == {"completed a micro-task", "your post was picked as a Top Take"}
    assert total(world, world.learner) == 17


def test_rebuilding_from_the_event_log_equals_what_the_consumer_wrote(world):
    start = timezone.now() - dt.timedelta(days=20)
    people = [world.learner, world.peer_mentor]
    for index in range(60):
        when = start + dt.timedelta(hours=7 * index)
        review_event(world, people[index % 2], words=10 + index % 30, when=when)
    thread = open_prompt_and_draft(world)
    post = discussions.post_create(actor=world.learner, thread=thread, body=" ".join(["word"] * 35))
    discussions.endorsement_toggle(actor=world.peer_mentor, post=post)
    discussions.post_hide(actor=world.facilitator, post=post)
    for event in Event.objects.order_by("occurred_at", "id"):
        deliver(event)

    def state():
        return (
            sorted(LedgerEntry.objects.values_list("learner_id", "rule__code", "source_event_id", "points",
                                                   "capped", "day", "text")),
            sorted(PointTotal.objects.values_list("learner_id", "cohort_id", "points")),
            sorted(WeeklyPoints.objects.values_list("learner_id", "week", "points")),
        )

    live = state()
    assert live[1]  # something was earned
    call_command("rebuild_points", "--organization", world.org.slug, verbosity=0)
    assert state() == live


def test_the_demo_shows_points_and_kudos_at_once_and_loads_once():
    from cohorts.demo import load_demo as load_people
    from gamification.demo import load_demo
    from gamification.models import Kudos
    from peer_review.demo import load_demo as load_peer_review

    install_default_rules()  # a data migration's rows; an earlier transactional test may have flushed them
    load_people()
    load_peer_review()
    assert load_demo() == {"kudos": 4}
    assert load_demo() == {"kudos": 0}
    dana = Kudos.objects.filter(recipient__email="learner@acme.example")
    assert dana.count() == 2
    assert PointTotal.objects.filter(learner__email="learner@acme.example", points__gt=0).exists()
    assert LedgerEntry.objects.filter(rule__code="kudos-received").count() == 4


def milestone_event(world, members: list, when=None) -> Event:
    payload = {"thread_id": 1, "prompt_id": 1, "squad_id": world.squad.pk, "roles": ["Summariser", "Critic"],
               "member_ids": [member.pk for member in members]}
    event = emit("squad_milestone_reached", organization=world.org, actor=members[0], cohort=world.cohort,
                 subject=world.squad, payload=payload)
    if when is not None:
        Event.objects.filter(pk=event.pk).update(occurred_at=when)
        event.refresh_from_db()
    return event


def test_a_squad_milestone_pays_each_member_who_earns_once(world):
    # The facilitator delivered a role too, but staff earn no points.
    event = milestone_event(world, [world.learner, world.peer_mentor, world.facilitator])
    deliver(event, times=3)
    services.points_apply(event)  # past the consumed-marker too
    entries = LedgerEntry.objects.filter(source_event=event)
    assert sorted(entries.values_list("learner_id", "points", "rule__code", "text")) == sorted([
        (world.learner.pk, 8, "squad-milestone", "your squad delivered every role"),
        (world.peer_mentor.pk, 8, "squad-milestone", "your squad delivered every role"),
    ])
    assert total(world, world.learner) == total(world, world.peer_mentor) == 8
    assert total(world, world.facilitator) == 0


def test_a_daily_cap_on_a_squad_rule_holds_for_each_member_alone(world):
    PointRule.objects.create(organization=world.org, code="squad-milestone", verb="squad_milestone_reached",
                             recipient="member_ids", points=8, daily_cap=10, history_text="squad delivered")
    sam = MembershipFactory(cohort=world.cohort, squad=world.squad, role="learner").user
    noon = dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC)
    deliver(milestone_event(world, [world.learner, world.peer_mentor], when=noon))
    deliver(milestone_event(world, [world.learner, sam], when=noon + dt.timedelta(hours=1)))
    assert (total(world, world.learner), total(world, world.peer_mentor), total(world, sam)) == (10, 8, 8)
    capped = LedgerEntry.objects.get(learner=world.learner, capped=True)
    assert capped.points == 2
    assert sorted(DailyRuleTally.objects.values_list("learner_id", "points")) == sorted(
        [(world.learner.pk, 10), (world.peer_mentor.pk, 8), (sam.pk, 8)])
