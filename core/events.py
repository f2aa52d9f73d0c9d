"""The domain-event path.

Producers call `emit()` inside the transaction that makes the change; the
event row commits or rolls back with it. After commit a Celery task applies
the event to every consumer subscribed to its verb. Consumers register with
`@consumer(...)` in their app's `handlers.py` (imported from AppConfig.ready),
so producers never import consumers.

A consumer applies an event at most once: `consume()` writes a
(consumer, event) row in the same transaction as the consumer's effect. A
redelivered message, a retried task or a second worker racing on the same
event finds the row (or blocks on its unique index) and does nothing.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .bulk import insert_rows
from .models import ConsumedEvent, Event

logger = logging.getLogger(__name__)

ALL_VERBS = "*"


class Verb:
    """Event verbs emitted by the cohorts app; other apps add their own."""

    COHORT_CREATED = "cohort_created"
    COHORT_UPDATED = "cohort_updated"
    COHORT_STATE_CHANGED = "cohort_state_changed"
    MEMBER_ADDED = "member_added"
    MEMBER_REMOVED = "member_removed"
    MEMBER_ROLE_CHANGED = "member_role_changed"
    MEMBER_MOVED_SQUAD = "member_moved_squad"
    SQUAD_CREATED = "squad_created"
    SQUAD_RENAMED = "squad_renamed"
    SQUAD_DELETED = "squad_deleted"
    USER_CREATED = "user_created"
    USER_UPDATED = "user_updated"
    NOTIFICATION_READ = "notification_read"


@dataclass(frozen=True)
class Consumer:
    name: str
    verbs: frozenset[str]
    handler: Callable[[Event], Any]

    def wants(self, verb: str) -> bool:
        return ALL_VERBS in self.verbs or verb in self.verbs


_registry: dict[str, Consumer] = {}


def consumer(name: str, *, verbs: Iterable[str]) -> Callable:
    """Register `handler(event)` for the given verbs (or `ALL_VERBS`)."""

    def register(handler: Callable[[Event], Any]) -> Callable[[Event], Any]:
        existing = _registry.get(name)
        if existing and existing.handler is not handler:
            # Re-importing a module (autoreload) re-registers the same name.
            logger.debug("replacing consumer %s", name)
        _registry[name] = Consumer(name=name, verbs=frozenset(verbs), handler=handler)
        return handler

    return register


def unregister(name: str) -> None:
    _registry.pop(name, None)


def consumers() -> list[Consumer]:
    return list(_registry.values())


def consumers_for(verb: str) -> list[Consumer]:
    return [c for c in _registry.values() if c.wants(verb)]


def get_consumer(name: str) -> Consumer | None:
    return _registry.get(name)


def emit(
    verb: str,
    *,
    organization,
    actor=None,
    cohort=None,
    subject: models.Model | None = None,
    payload: dict | None = None,
) -> Event:
    """Record an event inside the caller's transaction and dispatch it after commit."""
    event = Event.objects.create(
        organization=organization,
        cohort=cohort,
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        payload=payload or {},
    )
    schedule_dispatch(event.pk)
    return event


def emit_many(
    verb: str,
    *,
    organization,
    cohort=None,
    actor=None,
    items: list[tuple[models.Model, dict]],
) -> list[uuid.UUID]:
    """`emit()` for many subjects at once: a round of review allocations or the grades
    of a whole assignment. `items` holds (subject, payload) pairs. The rows go in
    through `core.bulk.insert_rows` (no model instance per event); returns their ids."""
    now = timezone.now()
    actor = actor if actor is not None and actor.is_authenticated else None
    ids = [uuid.uuid4() for _ in items]
    insert_rows(Event, (
        {"id": event_id, "organization_id": organization.pk, "cohort_id": cohort.pk if cohort else None,
         "actor_id": actor.pk if actor else None, "verb": verb, "subject_type": subject._meta.label_lower,
         "subject_id": str(subject.pk), "payload": payload, "occurred_at": now}
        for event_id, (subject, payload) in zip(ids, items, strict=True)
    ))
    if ids:
        schedule_dispatch(*ids)
    return ids


# Events emitted in this thread whose transaction has not committed yet. Each
# emit() registers an on-commit callback; the first one to run sends every
# buffered id in one task, so a transaction that emits 500 events costs one
# broker message, not 500. Ids of rolled-back events may linger here until the
# next commit; dispatch skips ids that no longer exist.
_pending = threading.local()
DISPATCH_BATCH = 100


def schedule_dispatch(*event_ids) -> None:
    buffer = getattr(_pending, "ids", None)
    if buffer is None:
        buffer = _pending.ids = []
    buffer.extend(str(event_id) for event_id in event_ids)
    transaction.on_commit(_send_pending)


def _send_pending() -> None:
    from .tasks import dispatch_events_task

    buffer = getattr(_pending, "ids", None)
    if not buffer:
        return
    ids, _pending.ids = list(buffer), []
    for start in range(0, len(ids), DISPATCH_BATCH):
        dispatch_events_task.delay(ids[start:start + DISPATCH_BATCH])


def dispatch(event_ids: list[str]) -> int:
    """Apply each event to each subscribed consumer, each in its own transaction.
    A consumer that fails gets its own retrying task, so one failing consumer
    neither blocks nor repeats the others. Returns how many applications ran."""
    from .tasks import consume_event_task

    applied = 0
    for event_id, verb in Event.objects.filter(pk__in=event_ids).values_list("pk", "verb"):
        for target in consumers_for(verb):
            try:
                applied += consume(target.name, str(event_id))
            except Exception:
                logger.exception("consumer %s failed on event %s; retrying in its own task",
                                 target.name, event_id)
                consume_event_task.delay(target.name, str(event_id))
    return applied


def consume(consumer_name: str, event_id: str) -> bool:
    """Apply one event to one consumer exactly once. Returns False when the
    event was already consumed (or no longer exists)."""
    target = _registry.get(consumer_name)
    if target is None:
        raise LookupError(f"No consumer named {consumer_name!r} is registered.")
    with transaction.atomic():
        event = Event.objects.filter(pk=event_id).first()
        if event is None:
            return False
        try:
            with transaction.atomic():
                ConsumedEvent.objects.create(consumer=consumer_name, event_id=event.pk)
        except IntegrityError:
            return False
        target.handler(event)
    return True


def unconsumed_events(consumer_name: str):
    """Events a consumer subscribes to but has not applied, oldest first."""
    target = _registry[consumer_name]
    events = Event.objects.exclude(
        pk__in=ConsumedEvent.objects.filter(consumer=consumer_name).values("event_id")
    )
    if ALL_VERBS not in target.verbs:
        events = events.filter(verb__in=target.verbs)
    return events.order_by("occurred_at")
