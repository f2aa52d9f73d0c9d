"""Live-session messages as invitees notice them: an invitation with a calendar file
when a session is scheduled, an update (higher SEQUENCE) when it moves, reminders a
day and 15 minutes before at exactly those times, none for people who declined, a
cancellation that stops the reminders, and a follow-up for people who said yes but
did not come."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar

from core.events import consume, get_consumer
from core.models import Event, Notification
from nudges import services
from nudges.models import Message, Trigger
from touchpoints import services as touchpoints

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # a Monday
STARTS = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)  # Wednesday 16:00 in Berlin


def consume_all() -> None:
    """What the event path does after commit, for the two nudges consumers."""
    for event in Event.objects.order_by("occurred_at"):
        for name in ("nudges.sessions", "nudges.obligations"):
            if get_consumer(name).wants(event.verb):
                consume(name, str(event.pk))


def deliver_due(when) -> list[str]:
    with time_machine.travel(when, tick=False):
        ids = Message.objects.filter(state="queued", not_before__lte=when).values_list("pk", flat=True)
        return sorted(services.deliver(pk) for pk in list(ids))


@pytest.fixture
def session(world):
    with time_machine.travel(NOW, tick=False):
        touchpoint = touchpoints.touchpoint_schedule(
            actor=world.facilitator, cohort=world.cohort, title="Feedback clinic", agenda="Bring one draft.",
            starts_at=STARTS, duration_minutes=20, join_url="https://meet.example/clinic")
        consume_all()
    return touchpoint


def invitees(world):
    return {world.learner, world.peer_mentor, world.expert}


def test_scheduling_invites_every_member_with_a_calendar_file(world, session):
    assert deliver_due(NOW).count("sent") == 2 * len(invitees(world)) + 2  # the facilitator too
    invite = next(m for m in mail.outbox if m.to == [world.learner.email])
    assert invite.subject == "Invitation: Feedback clinic"
    assert "Wed 25 Nov, 16:00 (Europe/Berlin)" in invite.body and "https://meet.example/clinic" in invite.body
    (name, content, mimetype) = invite.attachments[0]
    assert (name, mimetype) == ("invite.ics", "text/calendar; method=REQUEST")
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert (event["SEQUENCE"], str(event["SUMMARY"])) == (0, "Feedback clinic")
    assert Notification.objects.filter(user=world.learner, title="Invitation: Feedback clinic").exists()


def test_reminders_go_a_day_and_fifteen_minutes_before_but_not_to_who_declined(world, session):
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        touchpoints.rsvp_set(actor=world.peer_mentor, touchpoint=session, response="no")
        touchpoints.rsvp_set(actor=world.learner, touchpoint=session, response="yes")
        consume_all()
    deliver_due(NOW + dt.timedelta(hours=1))
    mail.outbox.clear()
    assert deliver_due(STARTS - dt.timedelta(hours=25)) == []
    deliver_due(STARTS - dt.timedelta(hours=24))
    day_before = {m.to[0] for m in mail.outbox}
    assert world.learner.email in day_before and world.peer_mentor.email not in day_before
    assert mail.outbox[0].subject == "Starting tomorrow: Feedback clinic"
    mail.outbox.clear()
    # Reminders are not held back by the send window: 15 minutes before means then.
    deliver_due(STARTS - dt.timedelta(minutes=15))
    assert {m.subject for m in mail.outbox} == {"Starting in 15 minutes: Feedback clinic"}
    declined = Message.objects.filter(user=world.peer_mentor, key__contains=":15m:")
    assert set(declined.values_list("state", "reason")) == {("suppressed", "Declined the session")}


def test_moving_a_session_sends_an_update_and_moves_the_reminders(world, session):
    later = STARTS + dt.timedelta(days=1)
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        touchpoints.touchpoint_update(actor=world.facilitator, touchpoint=session, starts_at=later)
        consume_all()
        deliver_due(NOW + dt.timedelta(hours=2))
    update = next(m for m in mail.outbox if m.to == [world.learner.email] and m.subject.startswith("Updated"))
    assert "Thu 26 Nov, 16:00 (Europe/Berlin)" in update.body
    assert Calendar.from_ical(update.attachments[0][1]).walk("VEVENT")[0]["SEQUENCE"] == 1
    old = Message.objects.filter(user=world.learner, key__contains=f":24h:{STARTS:%Y%m%dT%H%M}")
    assert set(old.values_list("state", "reason")) == {("suppressed", "Session moved")}
    new = Message.objects.filter(user=world.learner, key__contains=f":24h:{later:%Y%m%dT%H%M}")
    assert set(new.values_list("state", flat=True)) == {"queued"}


def test_cancelling_sends_a_cancellation_and_stops_the_reminders(world, session):
    with time_machine.travel(NOW + dt.timedelta(hours=3), tick=False):
        touchpoints.touchpoint_cancel(actor=world.facilitator, touchpoint=session,
                                      reason="Half the squad is out.")
        consume_all()
        deliver_due(NOW + dt.timedelta(hours=3))
    cancel = next(m for m in mail.outbox
                  if m.to == [world.learner.email] and m.subject.startswith("Cancelled"))
    assert "Half the squad is out." in cancel.body
    assert cancel.attachments[0][2] == "text/calendar; method=CANCEL"
    calendar = Calendar.from_ical(cancel.attachments[0][1])
    assert (str(calendar["METHOD"]), calendar.walk("VEVENT")[0]["SEQUENCE"]) == ("CANCEL", 1)
    assert not Message.objects.filter(state="queued", key__contains=":24h:").exists()


def test_a_no_show_gets_one_follow_up(world, session):
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        for person in (world.learner, world.peer_mentor):
            touchpoints.rsvp_set(actor=person, touchpoint=session, response="yes")
    after = STARTS + dt.timedelta(minutes=30)
    with time_machine.travel(after, tick=False):
        touchpoints.attendance_record(actor=world.facilitator, touchpoint=session,
                                      attended_user_ids=[world.peer_mentor.pk])
        consume_all()
        services.house_rules_install(world.org)
        services.evaluate(organization=world.org)
        services.evaluate(organization=world.org)
    follow_ups = Message.objects.filter(topic=Trigger.NO_SHOW)
    assert set(follow_ups.values_list("user_id", "channel")) == {(world.learner.pk, "email"),
                                                                 (world.learner.pk, "in_app")}
    assert follow_ups.first().subject == "We missed you at Feedback clinic"
