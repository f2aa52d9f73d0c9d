"""The domain-event path: recorded with the change, dispatched after commit,
applied at most once per consumer."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from core import events
from core.events import emit
from core.models import AppendOnlyError, ConsumedEvent, Event
from core.tasks import consume_event_task

pytestmark = pytest.mark.django_db


def _emit(world, verb="member_added"):
    return emit(verb, organization=world.org, actor=world.facilitator, cohort=world.cohort,
                subject=world.cohort, payload={"cohort_id": world.cohort.pk})


def test_an_event_records_who_did_what_to_what(world):
    event = _emit(world)
    stored = Event.objects.get(pk=event.pk)
    assert (stored.verb, stored.actor, stored.cohort, stored.organization) == (
        "member_added", world.facilitator, world.cohort, world.org)
    assert (stored.subject_type, stored.subject_id) == ("cohorts.cohort", str(world.cohort.pk))
    assert stored.payload == {"cohort_id": world.cohort.pk}


def test_a_rolled_back_transaction_records_and_dispatches_nothing(
        world, recorder, django_capture_on_commit_callbacks):
    before = Event.objects.count()
    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(RuntimeError), transaction.atomic()):
        _emit(world)
        raise RuntimeError("the change failed")
    assert Event.objects.count() == before
    assert callbacks == []
    assert recorder.applied_total() == 0


def test_a_committed_event_is_dispatched_after_commit_and_consumed_once(
        world, recorder, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            event = _emit(world)
        # Nothing is consumed before the on-commit callbacks run.
        assert recorder.applied_count(event.pk) == 0
    assert len(callbacks) == 1
    callbacks[0]()
    assert recorder.applied_count(event.pk) == 1
    assert ConsumedEvent.objects.filter(consumer=recorder.NAME, event=event).count() == 1


def test_the_same_event_delivered_three_times_is_applied_once(world, recorder):
    event = _emit(world)
    results = [consume_event_task.apply(args=[recorder.NAME, str(event.pk)]).get() for _ in range(3)]
    assert results == [True, False, False]
    assert recorder.applied_count(event.pk) == 1


def test_a_failing_consumer_leaves_no_marker_so_a_retry_applies_it(world, recorder, monkeypatch):
    event = _emit(world)
    calls = {"n": 0}

    def flaky(evt):
        calls["n"] += 1
        if calls["n"] == 1:
            recorder.record_event(evt)  # the effect is rolled back with the failure
            raise ConnectionError("downstream unavailable")
        recorder.record_event(evt)

    events.consumer(recorder.NAME, verbs=[events.ALL_VERBS])(flaky)
    with pytest.raises(ConnectionError):
        events.consume(recorder.NAME, str(event.pk))
    assert not ConsumedEvent.objects.filter(consumer=recorder.NAME, event=event).exists()
    assert recorder.applied_count(event.pk) == 0
    assert events.consume(recorder.NAME, str(event.pk)) is True
    assert recorder.applied_count(event.pk) == 1


def test_consumers_only_receive_the_verbs_they_subscribe_to(world):
    seen = []
    events.consumer("tests.only_squads", verbs=["squad_created"])(lambda e: seen.append(e.verb))
    try:
        assert [c.name for c in events.consumers_for("squad_created")] == ["tests.only_squads"]
        assert events.consumers_for("member_added") == []
        assert events.dispatch([str(_emit(world, "member_added").pk)]) == 0
    finally:
        events.unregister("tests.only_squads")


def test_events_are_append_only(world):
    event = _emit(world)
    event.verb = "something_else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_redispatch_enqueues_only_what_a_consumer_has_not_applied(world, recorder, capsys):
    first, second = _emit(world), _emit(world, "squad_created")
    events.consume(recorder.NAME, str(first.pk))
    call_command("redispatch_events", consumer=[recorder.NAME])
    assert recorder.applied_count(first.pk) == 1
    assert recorder.applied_count(second.pk) == 1
    call_command("redispatch_events", consumer=[recorder.NAME])
    out = capsys.readouterr().out
    assert f"{recorder.NAME}: enqueued 0 event(s)" in out


def test_redispatch_rejects_an_unknown_consumer(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unknown consumer"):
        call_command("redispatch_events", consumer=["nobody"])


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_on_one_event_apply_it_once(recorder):
    from tests.conftest import build_world

    world = build_world("race")
    # Recorded without the after-commit dispatch, so only the racing threads apply it.
    event = Event.objects.create(organization=world.org, verb="member_added", cohort=world.cohort)
    barrier = threading.Barrier(4)
    results = []

    def worker():
        try:
            barrier.wait()
            results.append(events.consume(recorder.NAME, str(event.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert recorder.applied_count(event.pk) == 1


def test_one_transaction_sends_its_events_in_one_message(
        world, recorder, monkeypatch, django_capture_on_commit_callbacks):
    from core.tasks import dispatch_events_task

    sent = []
    monkeypatch.setattr(dispatch_events_task, "delay", lambda ids: sent.append(ids))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        ids = [str(_emit(world).pk) for _ in range(3)]
    assert sent == [ids]


def test_a_failing_consumer_is_retried_alone_while_the_others_apply(
        world, recorder, monkeypatch, django_capture_on_commit_callbacks):
    from core.tasks import consume_event_task

    retried = []
    monkeypatch.setattr(consume_event_task, "delay", lambda name, event_id: retried.append(name))
    events.consumer("tests.broken", verbs=[events.ALL_VERBS])(lambda e: 1 / 0)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            event = _emit(world)
    finally:
        events.unregister("tests.broken")
    assert recorder.applied_count(event.pk) == 1
    assert retried == ["tests.broken"]
    assert not ConsumedEvent.objects.filter(consumer="tests.broken").exists()
