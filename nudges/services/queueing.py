"""Handing message ids to the send task, after the transaction that made them commits."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..models import Message

BATCH = 200


def enqueue(ids: list, *, mark: bool = True) -> None:
    """Send tasks for these messages. `mark=False` when the rows were inserted with
    `enqueued_at` already set (saves rewriting every row just written)."""
    if not ids:
        return
    from ..tasks import send_messages_task

    ids = [str(pk) for pk in ids]
    if mark:
        Message.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
    for start in range(0, len(ids), BATCH):
        send_messages_task.delay(ids[start:start + BATCH])


def enqueue_after_commit(ids: list, *, mark: bool = True) -> None:
    """Enqueue after the transaction commits. If the broker is down then, the minute
    sweep (`release_due`) enqueues them once their `enqueued_at` is old enough."""
    if ids:
        ids = list(ids)
        transaction.on_commit(lambda: enqueue(ids, mark=mark))
