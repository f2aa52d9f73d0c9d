"""Celery tasks of the event path. Thin: they call core.events."""

from celery import shared_task

from . import events

# Every task here is safe to run twice: dispatch only enqueues consume tasks,
# and consume records (consumer, event) with the effect in one transaction.
TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="core.dispatch_event_task", **TASK_OPTIONS)
def dispatch_event_task(event_id: str) -> int:
    return events.dispatch(event_id)


@shared_task(name="core.consume_event_task", **TASK_OPTIONS)
def consume_event_task(consumer_name: str, event_id: str) -> bool:
    return events.consume(consumer_name, event_id)
