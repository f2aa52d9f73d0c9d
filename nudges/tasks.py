"""Celery tasks of the nudges app. Thin: they call nudges.services. Every one is safe
to run twice (see services.evaluation and services.delivery)."""

from celery import shared_task

from core.tasks import TASK_OPTIONS

from . import services


@shared_task(name="nudges.evaluate_rules", **TASK_OPTIONS)
def evaluate_rules_task() -> dict:
    result = services.evaluate()
    return {"rules": result.rules, "due": result.due, "queued": result.queued, "proposed": result.proposed}


@shared_task(name="nudges.release_due", **TASK_OPTIONS)
def release_due_task() -> int:
    return services.release_due()


@shared_task(name="nudges.send_messages", **TASK_OPTIONS)
def send_messages_task(message_ids: list[str]) -> dict:
    outcomes: dict[str, int] = {}
    for message_id in message_ids:
        outcome = services.deliver(message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(name="nudges.send_digests", **TASK_OPTIONS)
def send_digests_task() -> int:
    return len(services.digests_due())


@shared_task(name="nudges.build_digest_chunk", **TASK_OPTIONS)
def build_digest_chunk_task(digest_id: int, user_ids: list[int]) -> int:
    return services.digest_chunk_build(digest_id, user_ids)
