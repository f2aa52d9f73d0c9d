"""Celery tasks of the event path. Thin: they call core.events."""

from celery import shared_task

from . import events

# Every task here is safe to run twice: consume records (consumer, event) with
# the effect in one transaction, so a redelivered batch only applies what the
# crashed run had not.
TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="core.dispatch_events_task", **TASK_OPTIONS)
def dispatch_events_task(event_ids: list[str]) -> int:
    return events.dispatch(event_ids)


@shared_task(name="core.consume_event_task", **TASK_OPTIONS)
def consume_event_task(consumer_name: str, event_id: str) -> bool:
    return events.consume(consumer_name, event_id)
