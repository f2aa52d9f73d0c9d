"""Nudges as a learner would notice them: the right reminder arrives once, in their
own daytime, never past the weekly cap, not after they already did the thing, and
not at all when they switched that kind off; failures are retried, then logged."""

from __future__ import annotations

import datetime as dt
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from core.events import consume, emit
from core.models import Event, Notification
from discussions import services as discussions
from nudges import services
from nudges.models import (
    Activity,
    DeliverySettings,
    LearnerDeliverySettings,
    Message,
    MessageState,
    Mode,
    NudgeRule,
    Obligation,
    TopicPreference,
    Trigger,
)
from tests.factories import CohortStepFactory
from tests.security.support import open_prompt_and_draft

pytestmark = pytest.mark.django_db

CONSUMER = "nudges.obligations"
# A Wednesday at 10:00 in Berlin (winter time): inside the default window.
WEDNESDAY_MORNING = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def apply(world, verb: str, payload: dict, *, actor=None, when=None) -> Event:
    event = emit(verb, organization=world.org, actor=actor, cohort=world.cohort, subject=world.cohort,
                 payload=payload)
    if when is not None:
        Event.objects.filter(pk=event.pk).update(occurred_at=when)
    consume(CONSUMER, str(event.pk))
    return event


def allocate(world, reviewer, *, due_at, assignment_id=7, count=2, when=None) -> Event:
    return apply(world, "review_allocated", {
        "assignment_id": assignment_id, "reviewer_id": reviewer.pk, "allocation_ids": list(range(count)),
        "submission_ids": list(range(count)), "author_ids": [world.expert.pk] * count,
        "round": 1, "due_at": due_at.isoformat()}, when=when)


def review_rule(world, **changes) -> NudgeRule:
    services.house_rules_install(world.org)
    rule = NudgeRule.objects.get(organization=world.org, code=Trigger.REVIEW_DUE)
    for name, value in changes.items():
        setattr(rule, name, value)
    rule.save()
    return rule


def only(world, **filters):
    return Message.objects.filter(organization=world.org, **filters)


@pytest.fixture
def berlin(world):
    for person in (world.learner, world.peer_mentor):
        person.timezone = "Europe/Berlin"
        person.save(update_fields=["timezone"])
    return world


def test_every_organisation_starts_with_the_house_rules_once(world):
    services.house_rules_install(world.org)
    assert NudgeRule.objects.filter(organization=world.org).count() == len(Trigger.values)
    NudgeRule.objects.filter(organization=world.org, code=Trigger.INACTIVE).delete()
    services.house_rules_install(world.org)
    services.evaluate(organization=world.org)
    assert not NudgeRule.objects.filter(organization=world.org, code=Trigger.INACTIVE).exists()


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_a_review_due_tomorrow_is_nudged_once_however_often_the_rules_run(
        berlin, django_capture_on_commit_callbacks):
    world = berlin
    allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=20))
    allocate(world, world.peer_mentor, due_at=timezone.now() + dt.timedelta(days=4))
    review_rule(world)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.evaluate(organization=world.org)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.evaluate(organization=world.org)
    assert (first.queued, second.queued) == (2, 0)
    sent = only(world, topic=Trigger.REVIEW_DUE)
    assert {(m.user_id, m.channel, m.state) for m in sent} == {
        (world.learner.pk, "email", "sent"), (world.learner.pk, "in_app", "sent")}
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.subject == "Your peer reviews are due Thu 26 Nov, 06:00 (Europe/Berlin)"
    assert "your peer reviews are due" in email.body and "/peer-review/7/" in email.body
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.filter(user=world.learner, kind="nudge:review_due").count() == 1
    assert Event.objects.filter(verb="nudge_sent").count() == 2


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_a_redelivered_send_or_a_second_worker_sends_nothing_more(berlin, django_capture_on_commit_callbacks):
    world = berlin
    allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=5))
    review_rule(world, send_email=False)
    result = services.evaluate(organization=world.org)
    (message_id,) = result.queued_ids
    assert [services.deliver(message_id) for _ in range(3)] == ["sent", "done", "done"]
    assert Notification.objects.filter(user=world.learner).count() == 1


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_a_review_submitted_between_evaluation_and_send_suppresses_the_nudge(berlin):
    world = berlin
    allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=5), count=1)
    result = services.evaluate(organization=world.org)
    assert result.queued == 2
    apply(world, "review_submitted", {"assignment_id": 7, "reviewer_id": world.learner.pk,
                                      "is_self": False}, actor=world.learner)
    outcomes = {services.deliver(pk) for pk in result.queued_ids}
    assert outcomes == {"suppressed"}
    assert set(only(world).values_list("reason", flat=True)) == {"Already done before the send"}
    assert not mail.outbox
    assert Event.objects.filter(verb="nudge_suppressed").count() == 2


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_two_of_three_reviews_done_still_nudges_for_the_third(berlin):
    world = berlin
    allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=5), count=3)
    for _ in range(2):
        apply(world, "review_submitted", {"assignment_id": 7, "reviewer_id": world.learner.pk,
                                          "is_self": False}, actor=world.learner)
    assert Obligation.objects.get(user=world.learner, kind="review").pending == 1
    result = services.evaluate(organization=world.org)
    assert {services.deliver(pk) for pk in result.queued_ids} == {"sent"}


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_a_topic_switched_off_is_not_sent_on_that_channel(berlin):
    world = berlin
    TopicPreference.objects.create(user=world.learner, topic=Trigger.REVIEW_DUE, channel="email",
                                   enabled=False)
    allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=5))
    result = services.evaluate(organization=world.org)
    assert result.queued == 1 and result.suppressed == 1
    email = only(world, channel="email").get()
    assert (email.state, email.reason) == ("suppressed", "Turned off in the learner's preferences")
    [services.deliver(pk) for pk in result.queued_ids]
    assert only(world, channel="in_app").get().state == "sent"
    assert not mail.outbox


def test_a_nudge_outside_the_window_waits_for_the_learners_morning(world):
    world.learner.timezone = "Asia/Tokyo"
    world.learner.save(update_fields=["timezone"])
    # 15:00 UTC on a Wednesday is midnight in Tokyo.
    with time_machine.travel(dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC), tick=False):
        allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=20))
        result = services.evaluate(organization=world.org)
        assert {services.deliver(pk) for pk in result.queued_ids} == {"deferred"}
        assert services.release_due() == 0
    morning = dt.datetime(2026, 11, 26, 0, 0, tzinfo=dt.UTC)  # 09:00 in Tokyo
    assert set(only(world).values_list("not_before", flat=True)) == {morning}
    with time_machine.travel(morning + dt.timedelta(minutes=1), tick=False):
        assert {services.deliver(pk) for pk in result.queued_ids} == {"sent"}


def test_quiet_hours_and_weekends_hold_nudges_across_a_dst_change(world):
    # Berlin leaves summer time on Sunday 25 October 2026 at 03:00 local (01:00 UTC).
    world.learner.timezone = "Europe/Berlin"
    world.learner.save(update_fields=["timezone"])
    LearnerDeliverySettings.objects.create(user=world.learner, quiet_start=9, quiet_end=11)
    saturday_evening = dt.datetime(2026, 10, 24, 18, 0, tzinfo=dt.UTC)
    with time_machine.travel(saturday_evening, tick=False):
        allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=23))
        result = services.evaluate(organization=world.org)
        [services.deliver(pk) for pk in result.queued_ids]
    # Monday 11:00 Berlin is 10:00 UTC after the change (it would be 09:00 UTC before it).
    assert set(only(world).values_list("not_before", flat=True)) == {
        dt.datetime(2026, 10, 26, 10, 0, tzinfo=dt.UTC)}


def test_the_weekly_cap_counts_nudges_not_channels_in_the_learners_week(world, other_world):
    world.learner.timezone = "America/New_York"
    world.learner.save(update_fields=["timezone"])
    services.house_rules_install(world.org)
    DeliverySettings.objects.filter(organization=world.org).update(
        weekly_cap=2, window_start=0, window_end=24, weekdays_only=False)
    monday = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
    outcomes = []
    for day, assignment in enumerate((1, 2, 3)):
        with time_machine.travel(monday + dt.timedelta(days=day), tick=False):
            allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=3),
                     assignment_id=assignment)
            result = services.evaluate(organization=world.org)
            outcomes.append(sorted(services.deliver(pk) for pk in result.queued_ids))
    assert outcomes == [["sent", "sent"], ["sent", "sent"], ["capped", "capped"]]
    assert set(only(world, state="capped").values_list("reason", flat=True)) == {
        "Weekly cap of 2 nudges reached"}
    # Sunday 23:30 in New York is still the same week; Monday 00:30 is a new one.
    with time_machine.travel(dt.datetime(2026, 11, 30, 4, 30, tzinfo=dt.UTC), tick=False):
        allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=3), assignment_id=4)
        result = services.evaluate(organization=world.org)
        assert {services.deliver(pk) for pk in result.queued_ids} == {"capped"}
    with time_machine.travel(dt.datetime(2026, 11, 30, 5, 30, tzinfo=dt.UTC), tick=False):
        allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=3), assignment_id=5)
        result = services.evaluate(organization=world.org)
        assert {services.deliver(pk) for pk in result.queued_ids} == {"sent"}


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_a_failing_mail_server_is_retried_with_backoff_then_logged_as_failed(berlin):
    world = berlin
    allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=20))
    review_rule(world, send_in_app=False)
    (message_id,) = services.evaluate(organization=world.org).queued_ids
    broken = mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages",
                        side_effect=SMTPServerDisconnected("connection lost"))
    waits = []
    with broken:
        now = timezone.now()
        for _ in range(5):
            with time_machine.travel(now, tick=False):
                outcome = services.deliver(message_id)
            message = Message.objects.get(pk=message_id)
            waits.append(round((message.not_before - now).total_seconds() / 60))
            now = message.not_before
    assert outcome == "failed"
    assert waits[:4] == [1, 2, 4, 8]
    assert (message.state, message.attempts, message.last_error) == ("failed", 5, "connection lost")
    assert message.reason == "Could not be delivered"


@time_machine.travel(WEDNESDAY_MORNING, tick=False)
def test_approval_mode_proposes_and_a_facilitator_decides(berlin, django_capture_on_commit_callbacks):
    world = berlin
    allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=20))
    allocate(world, world.peer_mentor, due_at=timezone.now() + dt.timedelta(hours=20))
    review_rule(world, mode=Mode.APPROVAL, role="")
    result = services.evaluate(organization=world.org)
    assert (result.queued, result.proposed) == (0, 4)
    groups = sorted(set(only(world).values_list("group", flat=True)))
    learner_group = next(g for g in groups if f":{world.learner.pk}:" in g)
    mentor_group = next(g for g in groups if g != learner_group)
    with django_capture_on_commit_callbacks(execute=True):
        services.proposals_approve(actor=world.facilitator, groups=[learner_group],
                                   edits={learner_group: {"body_text": "Sam, two short reviews left."}})
    services.proposals_skip(actor=world.facilitator, groups=[mentor_group])
    assert set(only(world, group=learner_group).values_list("state", flat=True)) == {"sent"}
    assert set(only(world, group=mentor_group).values_list("state", flat=True)) == {"skipped"}
    assert "Sam, two short reviews left." in mail.outbox[0].body


def test_facilitators_decide_only_for_cohorts_they_run(world):
    from core.errors import PermissionDenied

    review_rule(world, mode=Mode.APPROVAL)
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=20))
        services.evaluate(organization=world.org)
    group = only(world).values_list("group", flat=True).first()
    for person in (world.learner, world.peer_mentor, world.analyst):
        with pytest.raises(PermissionDenied):
            services.proposals_approve(actor=person, groups=[group])
    assert set(only(world).values_list("state", flat=True)) == {"proposed"}


def test_inactive_learners_are_nudged_once_per_lapse(world):
    services.house_rules_install(world.org)
    NudgeRule.objects.filter(organization=world.org, code=Trigger.INACTIVE).update(mode=Mode.AUTOMATIC)
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    apply(world, "post_created", {"post_id": 1, "author_id": world.learner.pk}, actor=world.learner,
          when=start)
    Activity.objects.filter(user=world.learner).update(last_active_at=start)
    days_later = start + dt.timedelta(days=8)
    with time_machine.travel(days_later, tick=False):
        inactive = [m for m in services.evaluate(organization=world.org).queued_ids
                    if Message.objects.get(pk=m).topic == Trigger.INACTIVE]
        assert {Message.objects.get(pk=m).user_id for m in inactive} >= {world.learner.pk}
    with time_machine.travel(days_later + dt.timedelta(days=1), tick=False):
        again = services.evaluate(organization=world.org).queued_ids
        assert not only(world, pk__in=again, topic=Trigger.INACTIVE, user=world.learner).exists()


def test_questions_nobody_answered_are_followed_up_and_answered_ones_are_not(world):
    thread = open_prompt_and_draft(world)
    asked = discussions.post_create(actor=world.learner, thread=thread, body="Which metric would you pick?")
    answered = discussions.post_create(actor=world.peer_mentor, thread=thread, body="What did you try?")
    discussions.post_create(actor=world.learner, thread=thread, body="Retention, weekly.", parent=answered)
    for event in Event.objects.order_by("occurred_at"):
        consume(CONSUMER, str(event.pk))
    rows = set(Obligation.objects.filter(kind="question").values_list("user_id", "key", "done_at"))
    assert {(user_id, key, done is None) for user_id, key, done in rows} == {
        (world.learner.pk, f"post:{asked.pk}", True), (world.peer_mentor.pk, f"post:{answered.pk}", False)}
    with time_machine.travel(timezone.now() + dt.timedelta(days=3), tick=False):
        services.evaluate(organization=world.org)
    nudged = only(world, topic=Trigger.QUESTION_UNANSWERED)
    assert set(nudged.values_list("user_id", flat=True)) == {world.learner.pk}
    assert nudged.first().link.endswith(f"/posts/{asked.pk}/")


def test_micro_tasks_due_tomorrow_skip_those_who_did_them(world):
    step = CohortStepFactory(cohort=world.cohort, kind="microtask", title="Ask a customer one question",
                             due_on=dt.date(2026, 11, 26))
    discussions.microtask_complete(actor=world.peer_mentor, step=step, comment="Done")
    for event in Event.objects.order_by("occurred_at"):
        consume(CONSUMER, str(event.pk))
    services.house_rules_install(world.org)
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):  # more than a day before
        services.evaluate(organization=world.org)
    assert not only(world, topic=Trigger.MICROTASK_DUE).exists()
    with time_machine.travel(WEDNESDAY_MORNING + dt.timedelta(days=1), tick=False):
        services.evaluate(organization=world.org)
    nudged = only(world, topic=Trigger.MICROTASK_DUE)
    assert set(nudged.values_list("user_id", flat=True)) == {world.learner.pk}
    # Due at the end of its day in the cohort's timezone, shown in the learner's.
    assert nudged.first().subject == "Ask a customer one question is due Thu 26 Nov, 23:59 (Europe/Berlin)"


def test_calibration_pending_reaches_learners_who_have_not_calibrated(world):
    with time_machine.travel(WEDNESDAY_MORNING - dt.timedelta(days=3), tick=False):
        apply(world, "assignment_published", {"assignment_id": 9, "title": "Pitch deck",
                                               "calibration_examples": 2,
                                               "submission_due_at": "2026-12-01T17:00:00+00:00"})
    apply(world, "calibration_completed", {"assignment_id": 9, "learner_id": world.peer_mentor.pk})
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        services.evaluate(organization=world.org)
    nudged = only(world, topic=Trigger.CALIBRATION_PENDING)
    assert set(nudged.values_list("user_id", flat=True)) == {world.learner.pk}
    assert nudged.first().subject == "Finish your calibration for Pitch deck"


def test_the_audience_narrows_by_cohort_squad_and_role(world):
    rule = review_rule(world, squad=world.squad, role="peer_mentor")
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        for person in (world.learner, world.peer_mentor):
            allocate(world, person, due_at=timezone.now() + dt.timedelta(hours=5))
        services.evaluate(organization=world.org)
    assert set(only(world, rule=rule).values_list("user_id", flat=True)) == {world.peer_mentor.pk}


def test_a_peer_reminder_is_rate_limited(world, django_capture_on_commit_callbacks):
    from core.errors import ApplicationError

    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            services.peer_nudge_send(actor=world.learner, cohort=world.cohort, recipient=world.peer_mentor,
                                     note="Our review of the pitch is due Friday")
        with pytest.raises(ApplicationError) as again:
            services.peer_nudge_send(actor=world.learner, cohort=world.cohort, recipient=world.peer_mentor,
                                     note="Again")
    assert again.value.errors == {"recipient": ["You already reminded them today."]}
    assert mail.outbox[0].subject == "Learner reminds you: Our review of the pitch is due Friday"
    with pytest.raises(ApplicationError) as outsider:
        services.peer_nudge_send(actor=world.learner, cohort=world.cohort, recipient=world.outsider,
                                 note="Hi")
    assert outsider.value.errors == {"recipient": ["They are not a member of this cohort."]}


def test_rule_preview_renders_for_a_real_learner(world):
    rule = review_rule(world)
    with time_machine.travel(WEDNESDAY_MORNING, tick=False):
        allocate(world, world.learner, due_at=timezone.now() + dt.timedelta(hours=5))
        preview = services.rule_preview(rule=rule, learner=world.learner)
    assert preview["is_due"]
    assert preview["subject"] == "Your peer reviews are due Wed 25 Nov, 15:00 (Europe/Berlin)"
    assert preview["body_text"].startswith("Hi Learner,")
    assert "<p>Hi Learner,</p>" in preview["body_html"]
    assert MessageState.SENT not in set(only(world).values_list("state", flat=True))


def test_reading_a_nudge_in_the_bell_is_recorded_as_an_event(world, portal_client):
    from core import services as core_services

    first = Notification.objects.create(user=world.learner, organization=world.org, kind="nudge:review_due",
                                        title="Your peer reviews are due")
    Notification.objects.create(user=world.learner, organization=world.org, kind="nudge:inactive", title="Hi")
    core_services.notification_mark_read(actor=world.learner, notification=first)
    core_services.notification_mark_read(actor=world.learner, notification=first)  # already read
    assert core_services.notifications_mark_all_read(actor=world.learner) == 1
    read = Event.objects.filter(verb="notification_read").order_by("occurred_at")
    assert [e.payload["kind"] for e in read] == ["nudge:review_due", "nudge:inactive"]
