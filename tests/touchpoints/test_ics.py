"""The invitation as iCalendar, read back with icalendar the way a calendar app would:
a stable UID, a SEQUENCE that grows with updates and the cancellation, METHOD:CANCEL
once cancelled, and the attendee's answer as PARTSTAT."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from icalendar import Calendar

from touchpoints import ics, services

from .conftest import in_days, schedule

pytestmark = pytest.mark.django_db


def parsed(session, attendee=None, **kwargs):
    calendar = Calendar.from_ical(ics.calendar_bytes(session, attendee, **kwargs))
    [event] = calendar.walk("VEVENT")
    return calendar, event


@override_settings(SITE_URL="https://peerloop.example.com")
def test_the_invitation_says_what_when_where_and_who(world):
    session = schedule(world, room="Room 4.12", capacity=8)
    calendar, event = parsed(session)

    assert (str(calendar["VERSION"]), str(calendar["METHOD"])) == ("2.0", "REQUEST")
    assert "Peerloop" in str(calendar["PRODID"])
    assert str(event["UID"]) == f"{session.uid}@peerloop"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == session.starts_at
    assert event.decoded("DTEND") == session.starts_at + dt.timedelta(minutes=20)
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(0)
    assert b"DTSTART:" in ics.calendar_bytes(session) and b"Z\r\n" in ics.calendar_bytes(session)
    assert str(event["SUMMARY"]) == "Week 2 check-in"
    assert str(event["LOCATION"]) == "Room 4.12"
    assert str(event["STATUS"]) == "CONFIRMED"
    page = f"https://peerloop.example.com/sessions/{session.pk}/"
    assert str(event["URL"]) == page
    description = str(event["DESCRIPTION"])
    assert "1. Wins" in description and "https://meet.example.com/abc" in description and page in description
    assert str(event["ORGANIZER"]) == f"mailto:{world.facilitator.email}"
    assert event["ORGANIZER"].params["CN"] == world.facilitator.display_name
    assert "ATTENDEE" not in event


def test_the_join_link_is_the_location_without_a_room(world, session):
    _calendar, event = parsed(session)
    assert str(event["LOCATION"]) == "https://meet.example.com/abc"


@pytest.mark.parametrize(("answer", "partstat"), [(None, "NEEDS-ACTION"), ("yes", "ACCEPTED"),
                                                  ("no", "DECLINED"), ("maybe", "TENTATIVE")])
def test_the_attendee_carries_their_answer(world, session, answer, partstat):
    if answer:
        services.rsvp_set(actor=world.learner, touchpoint=session, response=answer)
    _calendar, event = parsed(session, world.learner)
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{world.learner.email}"
    assert attendee.params["PARTSTAT"] == partstat
    assert attendee.params["CN"] == world.learner.display_name


def test_the_uid_stays_and_the_sequence_grows_with_each_update_and_the_cancellation(world, session):
    _calendar, first = parsed(session)
    later = in_days(4)
    services.touchpoint_update(actor=world.facilitator, touchpoint=session, starts_at=later)
    _calendar, moved = parsed(session.__class__.objects.get(pk=session.pk))
    services.touchpoint_update(actor=world.facilitator, touchpoint=session, title="Renamed")
    services.touchpoint_cancel(actor=world.facilitator, touchpoint=session, reason="Holiday")
    calendar, cancelled = parsed(session.__class__.objects.get(pk=session.pk))

    assert str(first["UID"]) == str(moved["UID"]) == str(cancelled["UID"])
    assert [int(e["SEQUENCE"]) for e in (first, moved, cancelled)] == [0, 1, 3]
    assert moved.decoded("DTSTART") == later
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "Holiday" in str(cancelled["DESCRIPTION"])


def test_two_downloads_of_the_same_state_differ_only_in_dtstamp(world, session):
    first = ics.calendar_bytes(session, world.learner, now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    second = ics.calendar_bytes(session, world.learner, now=dt.datetime(2027, 1, 2, tzinfo=dt.UTC))

    def without_dtstamp(data: bytes) -> list[bytes]:
        return [line for line in data.split(b"\r\n") if not line.startswith(b"DTSTAMP")]

    assert first != second
    assert without_dtstamp(first) == without_dtstamp(second)
