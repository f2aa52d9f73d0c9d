"""The event path against a real Celery worker process and the configured
broker (the filesystem broker on SQLite; Redis in CI)."""

import os
import signal

import pytest
from django.conf import settings
from django.db import transaction

from config.celery_app import app
from core.events import emit
from core.models import ConsumedEvent, Event
from tests import consumers
from tests.worker_process import purge_queue, running_worker, wait_for

# One xdist process runs these one after another: they share the broker queue.
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.xdist_group("celery-worker")]


@pytest.fixture
def real_broker(recorder):
    """Send tasks to the broker instead of running them in this process."""
    app.conf.task_always_eager = False
    purge_queue()
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def _emit_many(world, count: int) -> list[str]:
    ids = []
    with transaction.atomic():
        for index in range(count):
            ids.append(str(emit("member_added", organization=world.org, cohort=world.cohort,
                                payload={"n": index}).pk))
    return ids


def test_a_real_worker_consumes_committed_events(real_broker, tmp_path):
    from tests.conftest import build_world

    world = build_world("live")
    with running_worker(log_path=tmp_path / "worker.log"):
        ids = _emit_many(world, 5)
        done = wait_for(lambda: consumers.applied_total() >= 5, timeout=60)
    assert done, (tmp_path / "worker.log").read_text()[-3000:]
    consumed = set(ConsumedEvent.objects.filter(consumer=consumers.NAME).values_list("event_id", flat=True))
    assert consumed == set(Event.objects.filter(pk__in=ids).values_list("pk", flat=True))
    assert all(consumers.applied_count(event_id) == 1 for event_id in ids)


@pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis"),
                    reason="needs Redis: the filesystem broker removes a message when it is "
                           "fetched, so it cannot redeliver after a crash")
def test_a_worker_killed_mid_batch_loses_nothing_and_applies_nothing_twice(real_broker, tmp_path):
    from tests.conftest import build_world

    world = build_world("crash")
    total = 120
    log = tmp_path / "worker.log"
    # A slow consumer and a short visibility timeout, so the kill lands mid-batch
    # and unacknowledged messages come back within the test.
    slow = {"PEERLOOP_TEST_CONSUMER_DELAY": "0.01", "CELERY_VISIBILITY_TIMEOUT": "3"}
    with running_worker(log_path=log, **slow) as first:
        ids = _emit_many(world, total)
        assert wait_for(lambda: consumers.applied_total() >= 10, timeout=60), log.read_text()[-3000:]
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    applied_at_kill = consumers.applied_total()
    assert applied_at_kill < total, "the worker finished before it could be killed"
    with running_worker(log_path=log, **slow):
        assert wait_for(lambda: consumers.applied_total() >= total, timeout=120), log.read_text()[-3000:]
        # Give late redeliveries a chance to show up as duplicates.
        wait_for(lambda: False, timeout=4)
    assert consumers.applied_total() == total
    assert all(consumers.applied_count(event_id) == 1 for event_id in ids)
