"""Writes owned by the platform: personal API tokens, reading notifications."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from . import audit, events
from .errors import ApplicationError, PermissionDenied
from .events import Verb
from .models import ApiToken, Notification

TOKEN_PREFIX = "plk_"  # noqa: S105 - a public marker that makes leaked keys easy to find


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor, name: str) -> tuple[ApiToken, str]:
    """Create a token for the actor. Returns the token and the key, which is
    shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError("Please correct the errors below.",
                               errors={"name": ["Give the token a name, e.g. what uses it."]})
    if len(name) > 100:
        raise ApplicationError("Please correct the errors below.",
                               errors={"name": ["Use at most 100 characters."]})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=actor, name=name, prefix=key[: len(TOKEN_PREFIX) + 6], key_hash=hash_key(key)
    )
    audit.record(actor=actor, action="api_token.create", target=token,
                 organization=actor.organization, changes={"name": [None, name]})
    return token, key


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk:
        raise ApplicationError("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="api_token.revoke", target=token,
                     organization=actor.organization, changes={"revoked": [False, True]})
    return token


def api_token_authenticate(key: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute: a busy integration would otherwise
    # write on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def notification_mark_read(*, actor, notification: Notification) -> Notification:
    """Mark one of the actor's notifications read (already read: unchanged)."""
    if notification.user_id != actor.pk:
        raise PermissionDenied("You can only mark your own notifications read.")
    if notification.read_at is None:
        with transaction.atomic():
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            _emit_read(actor, [notification])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    unread = list(Notification.objects.select_for_update().filter(user=actor, read_at__isnull=True)
                  .only("pk", "kind", "organization_id"))
    Notification.objects.filter(pk__in=[n.pk for n in unread]).update(read_at=timezone.now())
    _emit_read(actor, unread)
    return len(unread)


def _emit_read(actor, notifications: list[Notification]) -> None:
    """notification_read, for engagement analytics: which kinds of message get read."""
    if notifications:
        events.emit_many(Verb.NOTIFICATION_READ, organization=notifications[0].organization, actor=actor,
                         items=[(n, {"kind": n.kind, "user_id": actor.pk}) for n in notifications])
