"""Live-session messages, made from the touchpoints app's events by the
`nudges.sessions` consumer: the invitation (with its .ics), updates and
cancellations (SEQUENCE from the session), and reminders 24 hours and 15 minutes
before, queued with `not_before` so the minute sweep sends them on time.

Keys carry the session's sequence (invitations) or start time (reminders): a moved
session gets new reminders and the old ones are suppressed, while the same event
delivered twice adds nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from cohorts.models import User
from core.bulk import insert_rows
from core.events import consumer
from core.models import Event

from .models import Channel, Message, MessageState, Topic
from .rendering import absolute, local_time
from .services.queueing import enqueue_after_commit

REMINDERS = (("24h", timedelta(hours=24), "tomorrow"), ("15m", timedelta(minutes=15), "in 15 minutes"))
VERBS = ["event_scheduled", "event_updated", "event_cancelled", "rsvp_changed"]


def _calendar(touchpoint_id: int, user: User) -> str:
    from touchpoints import ics
    from touchpoints.models import Touchpoint

    touchpoint = Touchpoint.objects.select_related("cohort", "created_by", "squad").filter(
        pk=touchpoint_id).first()
    return ics.calendar_bytes(touchpoint, user).decode() if touchpoint else ""


def _row(event: Event, user: User, key: str, subject: str, text: str, *, link: str, channel: str,
         not_before: datetime, ics: str = "") -> dict:
    group = key
    body = f"Hi {(user.full_name or 'there').split(' ')[0]},\n\n{text}\n\n{link}"
    return {"organization_id": event.organization_id, "cohort_id": event.cohort_id, "user_id": user.pk,
            "topic": Topic.SESSIONS, "channel": channel, "key": f"{group}:{channel}", "group": group,
            "state": MessageState.QUEUED, "subject": subject[:200], "body_text": body,
            "body_html": "", "link": link, "ics": ics if channel == Channel.EMAIL else "",
            "not_before": not_before, "created_at": event.occurred_at}


def _reminders(event: Event, users: list[User], payload: dict, starts_at: datetime, now: datetime) -> list:
    rows = []
    link = absolute(payload.get("url", ""))
    for user in users:
        when = local_time(starts_at, user.timezone)
        for name, before, phrase in REMINDERS:
            send_at = starts_at - before
            if send_at <= now:
                continue
            key = f"session:{payload['touchpoint_id']}:{user.pk}:{name}:{starts_at:%Y%m%dT%H%M}"
            for channel in (Channel.EMAIL, Channel.IN_APP):
                rows.append(_row(event, user, key, f"Starting {phrase}: {payload['title']}",
                                 f"\"{payload['title']}\" starts {phrase}, {when}. {_place(payload)}",
                                 link=link, channel=channel, not_before=send_at))
    return rows


def _place(payload: dict) -> str:
    if payload.get("join_url"):
        return f"Join: {payload['join_url']}"
    return f"Room: {payload['room']}" if payload.get("room") else ""


def _suppress_reminders(touchpoint_id: int, reason: str, *, user_id: int | None = None) -> None:
    reminders = Message.objects.filter(
        topic=Topic.SESSIONS, state=MessageState.QUEUED,
    ).filter(Q(key__contains=":24h:") | Q(key__contains=":15m:")).filter(
        key__startswith=f"session:{touchpoint_id}:")
    if user_id is not None:
        reminders = reminders.filter(user_id=user_id)
    reminders.update(state=MessageState.SUPPRESSED, reason=reason)


@consumer("nudges.sessions", verbs=VERBS)
def session_messages(event: Event) -> None:
    payload = event.payload or {}
    touchpoint_id = payload["touchpoint_id"]
    starts_at = datetime.fromisoformat(payload["starts_at"])
    now = timezone.now()
    link = absolute(payload.get("url", ""))
    if event.verb == "rsvp_changed":
        user = User.objects.filter(pk=payload["user_id"]).first()
        if user is None:
            return
        if payload.get("response") == "no":
            _suppress_reminders(touchpoint_id, "Declined the session", user_id=user.pk)
            return
        rows = _reminders(event, [user], payload, starts_at, now)
        Message.objects.filter(key__in=[r["key"] for r in rows], state=MessageState.SUPPRESSED,
                               reason="Declined the session").update(state=MessageState.QUEUED, reason="")
        insert_rows(Message, rows, ignore_conflicts=True)
        return
    invitees = list(User.objects.filter(pk__in=payload.get("invitee_ids", []), is_active=True))
    if event.verb != "event_scheduled":
        _suppress_reminders(touchpoint_id, "Session moved" if event.verb == "event_updated" else
                            "Session cancelled")
    sequence = payload.get("sequence", 0)
    verb_text = {
        "event_scheduled": ("Invitation", "You are invited to \"{title}\", {when}. {place}"),
        "event_updated": ("Updated", "\"{title}\" has changed: it is now {when}. {place}"),
        "event_cancelled": ("Cancelled", "\"{title}\" on {when} is cancelled. {reason}"),
    }[event.verb]
    rows = []
    for user in invitees:
        key = f"session:{touchpoint_id}:{user.pk}:seq{sequence}"
        text = verb_text[1].format(title=payload["title"], when=local_time(starts_at, user.timezone),
                                   place=_place(payload), reason=payload.get("reason", ""))
        ics = _calendar(touchpoint_id, user)
        for channel in (Channel.EMAIL, Channel.IN_APP):
            rows.append(_row(event, user, key, f"{verb_text[0]}: {payload['title']}", text.strip(),
                             link=link, channel=channel, not_before=event.occurred_at, ics=ics))
    if event.verb != "event_cancelled":
        declined = set(_declined(touchpoint_id))
        rows += _reminders(event, [u for u in invitees if u.pk not in declined], payload, starts_at, now)
    insert_rows(Message, rows, ignore_conflicts=True)
    enqueue_after_commit(list(Message.objects.filter(
        key__in=[r["key"] for r in rows if r["not_before"] <= now], state=MessageState.QUEUED,
    ).values_list("pk", flat=True)))


def _declined(touchpoint_id: int) -> list[int]:
    from touchpoints.models import Rsvp

    declined = Rsvp.objects.filter(touchpoint_id=touchpoint_id, response="no")
    return list(declined.values_list("user_id", flat=True))
