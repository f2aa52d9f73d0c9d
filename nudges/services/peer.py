"""Learner-to-learner reminders ("remind Sam about our review"), rate-limited: one
per (sender, recipient) a day and a few a day per sender, and, like every nudge,
inside the recipient's weekly cap, window and preferences."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cohorts.models import CohortMembership
from core.errors import invalid
from core.policy import require

from ..models import Channel, Message, MessageState, Topic
from ..rendering import absolute
from .queueing import enqueue_after_commit

DAILY_LIMIT = 5
NOTE_MAX = 280


@transaction.atomic
def peer_nudge_send(*, actor, cohort, recipient, note: str, link: str = "") -> list[Message]:
    require(actor, "nudges.peer", cohort)
    note = " ".join((note or "").split())
    errors = {}
    if recipient.pk == actor.pk:
        errors["recipient"] = "Remind someone else; your own reminders are on your This week page."
    elif not CohortMembership.objects.filter(cohort=cohort, user=recipient).exists():
        errors["recipient"] = "They are not a member of this cohort."
    if not note:
        errors["note"] = "Say what to remind them about."
    elif len(note) > NOTE_MAX:
        errors["note"] = f"Keep it to {NOTE_MAX} characters; it is a reminder, not a message thread."
    if errors:
        raise invalid(**errors)
    now = timezone.now()
    today = now.date().isoformat()
    group = f"peer:{actor.pk}:{recipient.pk}:{today}"
    if Message.objects.filter(group=group).exists():
        raise invalid(recipient="You already reminded them today.")
    sent_today = Message.objects.filter(sender=actor, topic=Topic.PEER, created_at__date=now.date()) \
        .values("group").distinct().count()
    if sent_today >= DAILY_LIMIT:
        raise invalid(note=f"You can send {DAILY_LIMIT} reminders a day; try again tomorrow.")
    sender_name = actor.full_name or actor.email
    subject = f"{sender_name} reminds you: {note[:80]}"
    text = f"Hi {(recipient.full_name or 'there').split(' ')[0]},\n\n{sender_name} in {cohort.name} " \
           f"asks you to remember:\n\n\"{note}\""
    target = absolute(link or f"/cohorts/{cohort.pk}/")
    body = f"{text}\n\n{target}"
    messages = [
        Message.objects.create(
            organization=cohort.organization, cohort=cohort, user=recipient, sender=actor, topic=Topic.PEER,
            channel=channel, key=f"{group}:{channel}", group=group, state=MessageState.QUEUED,
            subject=subject[:200], body_text=body,
            link=target, not_before=now, created_at=now)
        for channel in (Channel.EMAIL, Channel.IN_APP)
    ]
    enqueue_after_commit([m.pk for m in messages])
    return messages
