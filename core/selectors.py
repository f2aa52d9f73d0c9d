"""Reads owned by the platform: a person's in-app notifications (the bell)."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import Http404

from . import policy
from .models import Notification

NOTIFICATIONS_PER_PAGE = 30
# The bell counts up to this many; more reads as "99+". A bounded count stays
# cheap for someone who never reads their notifications.
UNREAD_COUNT_CAP = 100


def notifications_page(user, page: int | str = 1) -> Page:
    """The person's own notifications, newest first."""
    notifications = policy.scope(user, Notification.objects.all()).order_by("-created_at", "-id")
    return Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(page)


def notification_get(user, pk: int) -> Notification:
    """One of the person's own notifications; anyone else's is a 404."""
    notification = policy.scope(user, Notification.objects.all()).filter(pk=pk).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


def unread_notification_count(user) -> int:
    """Unread notifications, counted up to UNREAD_COUNT_CAP (one indexed query)."""
    return policy.scope(user, Notification.objects.filter(read_at__isnull=True)).order_by()[
        :UNREAD_COUNT_CAP].count()
