"""What HR admins do to the delivery log from the admin: send failed messages again."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core import audit
from core.policy import require

from ..models import Message, MessageState
from .queueing import enqueue_after_commit


@transaction.atomic
def messages_retry(*, actor, messages) -> int:
    """Queue failed messages again with a fresh count of attempts; messages in any other
    state are left as they are. `messages` is a queryset already scoped to the actor.
    Returns how many were queued."""
    failed = list(messages.select_for_update(of=("self",)).filter(state=MessageState.FAILED)
                  .select_related("organization"))
    if not failed:
        return 0
    for message in failed:
        require(actor, "admin.access", message)
    now = timezone.now()
    Message.objects.filter(pk__in=[m.pk for m in failed]).update(
        state=MessageState.QUEUED, attempts=0, not_before=now, enqueued_at=None, reason="")
    for message in failed:
        audit.record(actor=actor, action="nudges.message_retry", target=message,
                     organization=message.organization,
                     changes={"state": [MessageState.FAILED.value, MessageState.QUEUED.value],
                              "attempts": [message.attempts, 0]})
    enqueue_after_commit([m.pk for m in failed])
    return len(failed)
