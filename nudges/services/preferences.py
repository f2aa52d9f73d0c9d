"""A person's switches per topic and channel, quiet hours, and one-click unsubscribe."""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import ApplicationError, invalid

from ..models import Channel, LearnerDeliverySettings, Topic, TopicPreference

SALT = "nudges.unsubscribe"


def unsubscribe_token(user, topic: str, channel: str) -> str:
    """A signed, non-expiring token naming (person, topic, channel): the link in every
    email stops that kind of email with one click and no login."""
    return signing.dumps([user.pk, topic, channel], salt=SALT, compress=True)


def _read_token(token: str) -> tuple[int, str, str]:
    try:
        user_id, topic, channel = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise ApplicationError("This unsubscribe link is not valid. Change your preferences after "
                               "signing in instead.") from error
    if topic not in Topic.values or channel not in Channel.values:
        raise ApplicationError("This unsubscribe link is not valid.")
    return int(user_id), topic, channel


def unsubscribe_target(token: str):
    """(user, topic, channel) a token names, for the confirmation page."""
    from cohorts.models import User

    user_id, topic, channel = _read_token(token)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise ApplicationError("This unsubscribe link is not valid.")
    return user, topic, channel


@transaction.atomic
def unsubscribe(token: str):
    """Switch off what the token names. Safe to repeat. Returns (user, topic, channel)."""
    user, topic, channel = unsubscribe_target(token)
    row, _ = TopicPreference.objects.update_or_create(
        user=user, topic=topic, channel=channel, defaults={"enabled": False, "updated_at": timezone.now()})
    audit.record(actor=None, action="nudges.unsubscribe", target=row, organization=user.organization,
                 changes={"enabled": [True, False], "topic": [None, topic], "channel": [None, channel]})
    return user, topic, channel


@transaction.atomic
def preferences_save(*, actor, switches: dict[tuple[str, str], bool], quiet_start: int | None = None,
                     quiet_end: int | None = None) -> None:
    """Save the actor's own switches ({(topic, channel): on}) and quiet hours."""
    if (quiet_start is None) != (quiet_end is None):
        raise invalid(quiet_end="Give both ends of your quiet hours, or neither.")
    existing = {(p.topic, p.channel): p for p in TopicPreference.objects.filter(user=actor)}
    changes = {}
    now = timezone.now()
    for (topic, channel), on in switches.items():
        if topic not in Topic.values or channel not in Channel.values:
            raise ApplicationError(f"Unknown preference {topic}/{channel}.")
        row = existing.get((topic, channel))
        before = row.enabled if row else True
        if before == on:
            continue
        changes[f"{topic}/{channel}"] = [before, on]
        TopicPreference.objects.update_or_create(user=actor, topic=topic, channel=channel,
                                                 defaults={"enabled": on, "updated_at": now})
    settings, _ = LearnerDeliverySettings.objects.get_or_create(user=actor)
    if (settings.quiet_start, settings.quiet_end) != (quiet_start, quiet_end):
        changes["quiet_hours"] = [[settings.quiet_start, settings.quiet_end], [quiet_start, quiet_end]]
        settings.quiet_start, settings.quiet_end = quiet_start, quiet_end
        settings.save(update_fields=["quiet_start", "quiet_end"])
    if changes:
        audit.record(actor=actor, action="nudges.preferences", target=settings,
                     organization=actor.organization, changes=changes)
