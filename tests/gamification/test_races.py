"""Two workers at once (threads with their own PostgreSQL connections): the same event
applied twice at the same moment gives one ledger entry, and two grants racing for
the last points under a daily cap do not exceed it."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from core.events import consume, emit
from gamification import services
from gamification.models import LedgerEntry, PointRule, PointTotal

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SQLite serialises writers; concurrent grants matter on PostgreSQL"),
]


def at_once(*calls) -> None:
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def review(world):
    return emit("review_submitted", organization=world.org, actor=world.learner, cohort=world.cohort,
                subject=world.cohort, payload={"reviewer_id": world.learner.pk, "comment_words": 40})


def test_the_same_event_applied_by_two_workers_at_once_counts_once(world):
    event = review(world)
    at_once(lambda: services.points_apply(event), lambda: services.points_apply(event))
    assert LedgerEntry.objects.count() == 1
    assert PointTotal.objects.get(learner=world.learner).points == 10
    other = review(world)
    at_once(*(lambda: consume("gamification.points", str(other.pk)) for _ in range(3)))
    assert LedgerEntry.objects.count() == 2
    assert PointTotal.objects.get(learner=world.learner).points == 20


def test_two_grants_racing_for_the_last_points_of_a_daily_cap_stay_under_it(world):
    PointRule.objects.create(organization=world.org, code="peer-review", verb="review_submitted",
                             recipient="reviewer_id", points=10, daily_cap=10, history_text="reviewed")
    first, second = review(world), review(world)
    at_once(lambda: services.points_apply(first), lambda: services.points_apply(second))
    assert sorted(LedgerEntry.objects.values_list("points", flat=True)) == [0, 10]
    assert PointTotal.objects.get(learner=world.learner).points == 10
