"""Sending one message, or recording why it was not sent.

The send runs in one transaction holding the message's row lock (and the learner's,
for the weekly cap), so a redelivered task or a second worker waits, then finds the
message no longer queued and does nothing. An in-app notification is written in that
same transaction: exactly once. An email leaves before the commit; if the worker dies
between the two, the redelivered task sends it again with the same Message-ID.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.core import signing
from django.db import transaction
from django.utils import timezone

from cohorts.models import CohortMembership, User
from core.events import emit
from core.models import Notification

from .. import emails, triggers, window
from ..events import NudgeVerb
from ..models import (
    CAPPED_TOPICS,
    Channel,
    DeliverySettings,
    LearnerDeliverySettings,
    Message,
    MessageState,
    Topic,
    TopicPreference,
)
from ..rendering import html_from_text
from .digests import digest_bodies
from .preferences import unsubscribe_token
from .queueing import enqueue

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = timedelta(minutes=1)  # 1, 2, 4, 8 minutes between attempts
# A task enqueued this long ago and still not run is taken as lost and enqueued again.
LOST_AFTER = timedelta(minutes=15)
# Topics the send window and quiet hours hold back; session reminders must go on time.
WINDOWED = frozenset({*CAPPED_TOPICS, Topic.DIGEST.value})


def _suppression(message: Message, user: User) -> str | None:
    if not user.is_active:
        return "The account is deactivated"
    if TopicPreference.objects.filter(user=user, topic=message.topic, channel=message.channel,
                                      enabled=False).exists():
        return "Turned off in the learner's preferences"
    if message.cohort_id and not CohortMembership.objects.filter(cohort_id=message.cohort_id,
                                                                 user=user).exists():
        return "No longer a member of the cohort"
    if triggers.obligation_done(message.obligation, user.pk):
        return "Already done before the send"
    return None


def _finish(message: Message, state: str, reason: str = "", **fields) -> str:
    message.state = state
    message.reason = reason[:200]
    for name, value in fields.items():
        setattr(message, name, value)
    message.save(update_fields=["state", "reason", *fields])
    verb = NudgeVerb.NUDGE_SUPPRESSED
    if state == MessageState.SENT:
        verb = NudgeVerb.DIGEST_SENT if message.topic == Topic.DIGEST else NudgeVerb.NUDGE_SENT
    if state in (MessageState.SENT, MessageState.SUPPRESSED, MessageState.CAPPED):
        emit(verb, organization=message.organization, cohort=message.cohort, subject=message,
             payload={"message_id": str(message.pk), "rule_id": message.rule_id, "topic": message.topic,
                      "channel": message.channel, "user_id": message.user_id, "state": state,
                      "reason": message.reason, "attempts": message.attempts})
    return state


def _fill_bodies(message: Message, user: User) -> None:
    """Digests and rules without their own HTML are rendered now, not when queued."""
    if message.digest_id:
        first = (user.full_name or "there").split(" ")[0]
        message.body_text, message.body_html = digest_bodies(message.digest, first)
    elif not message.body_html:
        message.body_html = html_from_text(message.body_text)


def _send(message: Message, user: User) -> None:
    _fill_bodies(message, user)
    if message.channel == Channel.IN_APP:
        if message.digest_id:
            items = message.digest.items
            body = "; ".join(item["headline"] for item in items[:3])
        else:
            body = message.body_text
        Notification.objects.create(user=user, organization_id=message.organization_id,
                                    kind=f"nudge:{message.topic}"[:40], title=message.subject[:200],
                                    body=body[:500], url=message.link[:300])
        return
    token = unsubscribe_token(user, message.topic, message.channel)
    emails.build(message, to=user.email, token=token).send(fail_silently=False)


def _window_rules(message: Message, user: User) -> dict:
    settings = DeliverySettings.objects.filter(organization_id=message.organization_id).first() \
        or DeliverySettings(organization_id=message.organization_id)
    quiet = LearnerDeliverySettings.objects.filter(user=user).first()
    return {"tz": user.timezone, "window_start": settings.window_start, "window_end": settings.window_end,
            "weekdays_only": settings.weekdays_only,
            "quiet_start": quiet.quiet_start if quiet else None,
            "quiet_end": quiet.quiet_end if quiet else None, "_cap": settings.weekly_cap}


def deliver(message_id, *, now: datetime | None = None) -> str:
    """Send one queued message if it is still wanted, allowed now and within the cap.
    Returns what happened: sent, suppressed, capped, deferred, retry, failed or done."""
    now = now or timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update(of=("self",)).select_related(
            "organization", "cohort", "digest__cohort").filter(pk=message_id).first()
        if message is None or message.state != MessageState.QUEUED:
            return "done"
        if message.not_before > now:
            return "deferred"
        # One person's sends run one at a time, so two workers cannot both pass the cap.
        user = User.objects.select_for_update().get(pk=message.user_id)
        reason = _suppression(message, user)
        if reason:
            return _finish(message, MessageState.SUPPRESSED, reason)
        rules = _window_rules(message, user)
        cap = rules.pop("_cap")
        if message.topic in WINDOWED:
            when = window.next_allowed(now, **rules)
            if when > now:
                message.not_before, message.enqueued_at = when, None
                message.save(update_fields=["not_before", "enqueued_at"])
                return "deferred"
        if message.topic in CAPPED_TOPICS:
            sent = Message.objects.filter(
                user=user, state=MessageState.SENT, topic__in=CAPPED_TOPICS,
                sent_at__gte=window.week_start(now, user.timezone),
            ).exclude(group=message.group).values("group").distinct().count()
            if sent >= cap:
                return _finish(message, MessageState.CAPPED, f"Weekly cap of {cap} nudges reached")
        message.attempts += 1
        try:
            _send(message, user)
        except (SMTPException, OSError, signing.BadSignature) as error:
            logger.warning("sending message %s failed (attempt %s): %s", message.pk, message.attempts, error)
            if message.attempts >= MAX_ATTEMPTS:
                return _finish(message, MessageState.FAILED, "Could not be delivered",
                               attempts=message.attempts, last_error=str(error)[:2000])
            message.not_before = now + BACKOFF * 2 ** (message.attempts - 1)
            message.enqueued_at = None
            message.last_error = str(error)[:2000]
            message.save(update_fields=["attempts", "not_before", "enqueued_at", "last_error"])
            return "retry"
        return _finish(message, MessageState.SENT, attempts=message.attempts, sent_at=now)


def release_due(*, now: datetime | None = None, limit: int = 20000) -> int:
    """Enqueue queued messages whose time has come (the window opened, the backoff
    ran out) and those whose task was lost. Returns how many."""
    now = now or timezone.now()
    ids = list(Message.objects.filter(state=MessageState.QUEUED, not_before__lte=now).exclude(
        enqueued_at__gt=now - LOST_AFTER).order_by("not_before").values_list("pk", flat=True)[:limit])
    enqueue(ids)
    return len(ids)
