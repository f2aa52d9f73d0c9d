"""Helpers shared by the discussions services."""

from __future__ import annotations

from django.db.models import F

from core.errors import invalid
from core.policy import require

__all__ = ["feed_changed", "invalid", "require", "thread_changed"]


def feed_changed(cohort_id: int) -> None:
    """Start a new revision of the cohort's feed (inside the writing transaction)."""
    from ..models import FeedRevision

    _, created = FeedRevision.objects.get_or_create(cohort_id=cohort_id, defaults={"revision": 1})
    if not created:
        FeedRevision.objects.filter(cohort_id=cohort_id).update(revision=F("revision") + 1)


def thread_changed(thread_id: int) -> None:
    """Start a new revision of the thread: its cached page data is keyed on it, so the
    next reader in any process sees this change (call inside the writing transaction)."""
    from ..models import Thread

    Thread.objects.filter(pk=thread_id).update(revision=F("revision") + 1)
