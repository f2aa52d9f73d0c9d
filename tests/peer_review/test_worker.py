"""The peer review tasks on a real Celery worker and the configured broker (the
filesystem broker on SQLite; Redis in CI): the same allocation delivered several
times, by the scheduled task and the on-demand one at once on two worker
processes, allocates each review exactly once; and two transactions allocating
the same assignment at the same moment (PostgreSQL in CI) do too."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from cohorts.models import CohortRole
from config.celery_app import app
from core.models import Event
from peer_review import services
from peer_review.models import ReviewAllocation
from peer_review.tasks import advance_assignments_task, allocate_assignment_task
from tests.factories import MembershipFactory
from tests.worker_process import purge_queue, running_worker, wait_for

from .conftest import CRITERIA

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.xdist_group("celery-worker")]

SUBMITTERS, K = 12, 3


@pytest.fixture
def closed_submissions():
    """A published assignment whose submission window has just closed, 12 submissions."""
    from tests.conftest import build_world

    world = build_world("review")
    now = timezone.now()
    rubric = services.rubric_publish(actor=world.facilitator, rubric=services.rubric_create(
        actor=world.facilitator, title="Rubric", criteria=CRITERIA))
    assignment = services.assignment_publish(actor=world.facilitator, assignment=services.assignment_create(
        actor=world.facilitator, cohort=world.cohort, rubric=rubric, title="Proposal", instructions="Write.",
        submission_opens_at=now - dt.timedelta(days=2), submission_due_at=now - dt.timedelta(minutes=5),
        review_due_at=now + dt.timedelta(days=5), reviews_per_submission=K))
    people = [MembershipFactory(cohort=world.cohort, role=CohortRole.LEARNER).user for _ in range(SUBMITTERS)]
    for person in people:
        services.submission_save(actor=person, assignment=assignment, body="My proposal.",
                                 now=now - dt.timedelta(days=1))
    return assignment


def _allocations(assignment):
    rows = ReviewAllocation.objects.filter(assignment=assignment)
    return list(rows.values_list("submission_id", "reviewer_id"))


@pytest.fixture
def real_broker():
    app.conf.task_always_eager = False
    purge_queue()
    yield
    app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


def test_repeated_and_racing_allocation_tasks_allocate_each_review_once(real_broker, closed_submissions,
                                                                        tmp_path):
    assignment = closed_submissions
    log = tmp_path / "worker.log"
    with running_worker(log_path=log, concurrency=2):
        for _ in range(3):
            allocate_assignment_task.delay(assignment.pk)
            advance_assignments_task.delay()
        assert wait_for(lambda: len(_allocations(assignment)) >= SUBMITTERS * K, timeout=90), \
            log.read_text()[-3000:]
        wait_for(lambda: False, timeout=4)  # let the other deliveries finish
    rows = _allocations(assignment)
    assert len(rows) == len(set(rows)) == SUBMITTERS * K
    assert set(Counter(submission for submission, _ in rows).values()) == {K}
    assert set(Counter(reviewer for _, reviewer in rows).values()) == {K}
    assert Event.objects.filter(verb="review_allocated").count() == SUBMITTERS  # one per reviewer


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite serialises writers; the row lock matters on PostgreSQL")
def test_two_transactions_allocating_at_once_allocate_once(closed_submissions):
    assignment = closed_submissions
    made, barrier = [], threading.Barrier(2)

    def allocate():
        try:
            barrier.wait(timeout=10)
            made.append(services.reviews_allocate(assignment.pk))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=allocate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(made) == [0, SUBMITTERS * K]
    assert len(_allocations(assignment)) == SUBMITTERS * K
