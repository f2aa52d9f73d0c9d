"""A live session as an iCalendar invitation (RFC 5545 / iTIP, RFC 5546).

Public: the nudges app attaches `calendar_bytes(touchpoint, attendee)` to the
invitation, update and cancellation emails it sends. The UID never changes and the
SEQUENCE grows with every change a calendar shows, so calendar apps replace the
event they hold; a cancelled session is a METHOD:CANCEL with STATUS:CANCELLED.
Two calls for the same state give the same bytes except DTSTAMP."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Rsvp, RsvpResponse, Touchpoint

PRODID = "-//Peerloop//Live sessions//EN"
UID_DOMAIN = "peerloop"

PARTSTAT = {
    RsvpResponse.YES: "ACCEPTED",
    RsvpResponse.NO: "DECLINED",
    RsvpResponse.MAYBE: "TENTATIVE",
    None: "NEEDS-ACTION",
}


def uid(touchpoint: Touchpoint) -> str:
    return f"{touchpoint.uid}@{UID_DOMAIN}"


def page_url(touchpoint: Touchpoint) -> str:
    return settings.SITE_URL.rstrip("/") + touchpoint.get_absolute_url()


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def _description(touchpoint: Touchpoint) -> str:
    parts = []
    if touchpoint.is_cancelled:
        parts.append(f"Cancelled: {touchpoint.cancel_reason}")
    if touchpoint.agenda:
        parts.append(f"Agenda:\n{touchpoint.agenda}")
    if touchpoint.join_url:
        parts.append(f"Join: {touchpoint.join_url}")
    if touchpoint.room:
        parts.append(f"Room: {touchpoint.room}")
    parts.append(f"Details and RSVP: {page_url(touchpoint)}")
    return "\n\n".join(parts)


def _address(user, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["CN"] = vText(user.display_name)
    if role:
        address.params["ROLE"] = vText(role)
    return address


def _response_of(touchpoint: Touchpoint, attendee) -> str | None:
    answers = Rsvp.objects.filter(touchpoint=touchpoint, user=attendee)
    return answers.values_list("response", flat=True).first()


def calendar(touchpoint: Touchpoint, attendee=None, *, now: dt.datetime | None = None) -> Calendar:
    """The invitation as an `icalendar.Calendar` (one VEVENT)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if touchpoint.is_cancelled else "REQUEST")

    event = Event()
    event.add("uid", uid(touchpoint))
    event.add("sequence", touchpoint.sequence)
    event.add("dtstamp", _utc(now or dt.datetime.now(dt.UTC)))
    event.add("dtstart", _utc(touchpoint.starts_at))
    event.add("dtend", _utc(touchpoint.ends_at))
    event.add("created", _utc(touchpoint.created_at))
    event.add("last-modified", _utc(touchpoint.updated_at))
    event.add("summary", touchpoint.title)
    event.add("description", _description(touchpoint))
    event.add("location", touchpoint.location)
    event.add("url", page_url(touchpoint))
    event.add("status", "CANCELLED" if touchpoint.is_cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if touchpoint.created_by is not None:
        event.add("organizer", _address(touchpoint.created_by))
    if attendee is not None:
        address = _address(attendee, "REQ-PARTICIPANT")
        address.params["PARTSTAT"] = vText(PARTSTAT[_response_of(touchpoint, attendee)])
        address.params["RSVP"] = vText("TRUE")
        event.add("attendee", address, encode=0)
    cal.add_component(event)
    return cal


def calendar_bytes(touchpoint: Touchpoint, attendee=None, *, now: dt.datetime | None = None) -> bytes:
    """The invitation as a .ics file's bytes (text/calendar; charset=utf-8). With an
    `attendee`, it names them with PARTSTAT from their RSVP (NEEDS-ACTION before they
    answer)."""
    return calendar(touchpoint, attendee, now=now).to_ical()


def filename(touchpoint: Touchpoint) -> str:
    return f"peerloop-session-{touchpoint.pk}.ics"
