"""Nudges on a real Celery worker and the configured broker (the filesystem broker on
SQLite; Redis and PostgreSQL in CI): the evaluation run several times on two worker
processes queues and sends each nudge once; a worker killed mid-send loses nothing
and, once the task is redelivered, sends nothing twice."""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cohorts.models import CohortRole
from config.celery_app import app
from core.models import Notification
from nudges import services
from nudges.models import DeliverySettings, Message, NudgeRule, Obligation, Trigger
from nudges.tasks import evaluate_rules_task, release_due_task
from tests.factories import MembershipFactory
from tests.worker_process import purge_queue, running_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.xdist_group("celery-worker")]

LEARNERS = 12


@pytest.fixture
def real_broker():
    app.conf.task_always_eager = False
    purge_queue()
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.fixture
def reviews_due():
    """Learners with peer reviews due in a few hours, and a window open all week."""
    from tests.conftest import build_world

    world = build_world("nudge")
    services.house_rules_install(world.org)
    DeliverySettings.objects.filter(organization=world.org).update(window_start=0, window_end=24,
                                                                   weekdays_only=False)
    NudgeRule.objects.filter(organization=world.org).exclude(code=Trigger.REVIEW_DUE).update(is_active=False)
    learners = [MembershipFactory(cohort=world.cohort, role=CohortRole.LEARNER).user for _ in range(LEARNERS)]
    for learner in learners:
        Obligation.objects.create(cohort=world.cohort, user=learner, kind="review",
                                  key="assignment:1:round:1",
                                  title="your peer reviews", link="/peer-review/1/",
                                  due_at=timezone.now() + dt.timedelta(hours=6))
    return learners


def _mail(folder: Path) -> Counter:
    return Counter(path.read_text() for path in folder.glob("*.eml"))


def _env(folder: Path, **extra) -> dict:
    return {"PEERLOOP_TEST_EMAIL_BACKEND": "tests.nudges.mail_backends.RecordingBackend",
            "PEERLOOP_TEST_MAIL_DIR": str(folder), **extra}


def test_repeated_evaluations_on_two_workers_send_each_nudge_once(real_broker, reviews_due, tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    log = tmp_path / "worker.log"
    with running_worker(log_path=log, concurrency=2, **_env(folder)):
        for _ in range(3):
            evaluate_rules_task.delay()
            release_due_task.delay()
        assert wait_for(lambda: Message.objects.filter(state="sent").count() >= 2 * LEARNERS, timeout=90), \
            log.read_text()[-3000:]
        wait_for(lambda: False, timeout=3)  # let the other deliveries finish
    assert Message.objects.count() == 2 * LEARNERS
    sent = _mail(folder)
    assert len(sent) == LEARNERS and set(sent.values()) == {1}
    assert Notification.objects.filter(kind="nudge:review_due").count() == LEARNERS


@pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis"),
                    reason="needs Redis: the filesystem broker removes a message when it is "
                           "fetched, so it cannot redeliver after a crash")
def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(real_broker, reviews_due, tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir()
    log = tmp_path / "worker.log"
    NudgeRule.objects.filter(code=Trigger.REVIEW_DUE).update(send_in_app=False)
    result = services.evaluate()
    assert result.queued == LEARNERS
    # Slow sends and a short visibility timeout: the kill lands inside a send, and the
    # unacknowledged task comes back within the test.
    slow = _env(folder, PEERLOOP_TEST_MAIL_DELAY="1", CELERY_VISIBILITY_TIMEOUT="3")
    with running_worker(log_path=log, concurrency=1, **slow) as first:
        services.release_due()
        assert wait_for(lambda: any(folder.glob("*.sending")), timeout=60), log.read_text()[-3000:]
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    sent_at_kill = Message.objects.filter(state="sent").count()
    assert sent_at_kill < LEARNERS, "the worker finished before it could be killed"
    with running_worker(log_path=log, concurrency=2, **_env(folder, CELERY_VISIBILITY_TIMEOUT="3")):
        assert wait_for(lambda: Message.objects.filter(state="sent").count() >= LEARNERS, timeout=120), \
            log.read_text()[-3000:]
        wait_for(lambda: False, timeout=4)  # late redeliveries would show as duplicates
    sent = _mail(folder)
    assert len(sent) == LEARNERS and set(sent.values()) == {1}
    assert set(Message.objects.values_list("attempts", flat=True)) == {1}
